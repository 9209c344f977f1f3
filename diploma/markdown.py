"""Markdown notes and announcements, rendered to sanitised HTML."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is not rendered (html=False); the output is cleaned again with an allow-list.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3",
                "h4", "h5", "h6", "hr", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text):
    html = _renderer.render(text or "")
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(cleaned)
