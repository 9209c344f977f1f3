"""Markdown notes and announcements, rendered to sanitised HTML."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from diploma.text import clean_multiline

# Raw HTML in the source is not rendered (html=False); the output is cleaned again with an allow-list.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3",
                "h4", "h5", "h6", "hr", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text):
    """Sanitised HTML of a Markdown text. The format characters that reorder or hide text (bidi overrides and
    isolates, zero-width spaces …) are removed from the source and from the output — text stored before they
    were removed on saving, and characters written as references (``&#x202E;``), are shown without them."""
    html = _renderer.render(clean_multiline(text or ""))
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean_multiline(cleaned))
