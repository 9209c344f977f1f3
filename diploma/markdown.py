"""Markdown notes and announcements, rendered to sanitised HTML (kept per process, by the text's digest)."""
import hashlib
import threading

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from diploma.i18n import direction_of_language, text_language
from diploma.text import clean_multiline

# Raw HTML in the source is not rendered (html=False); the output is cleaned again with an allow-list.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3",
                "h4", "h5", "h6", "hr", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# The blocks that get a direction of their own (issue 12): an Arabic paragraph ends with its full stop on
# the left and a list has its bullets on the right, in the English interface too; an English paragraph
# in an Arabic note reads left to right. ``pre`` (code) stays left to right, as code is.
DIRECTED_TAGS = {"p", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
DIRECTIONS = {"rtl", "ltr", "auto"}


def _block_text(tokens, start):
    """The text of the inline content of the block opened by ``tokens[start]``."""
    opening = tokens[start]
    parts = []
    for token in tokens[start + 1:]:
        if token.nesting == -1 and token.level == opening.level and token.tag == opening.tag:
            break
        if token.type == "inline":
            parts.append(token.content)
    return " ".join(parts)


def _set_directions(tokens):
    """``dir`` on every block, from the letters of its own text (the majority, as ``text_language``
    decides): a list from all its items, so that its bullets sit on one side; an item, a paragraph,
    a heading from theirs. A block without letters (a list of numbers) follows its parent (``auto``)."""
    for index, token in enumerate(tokens):
        if token.nesting == 1 and token.tag in DIRECTED_TAGS:
            language = text_language(_block_text(tokens, index))
            token.attrSet("dir", direction_of_language(language) if language else "auto")


def _render(text):
    tokens = _renderer.parse(clean_multiline(text))
    _set_directions(tokens)
    html = _renderer.renderer.render(tokens, _renderer.options, {})
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        tag_attribute_values={tag: {"dir": DIRECTIONS} for tag in DIRECTED_TAGS},
                        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean_multiline(cleaned))


# The HTML depends on the text alone, so a body is rendered once per process and then served from here
# (a course page shows the same notes and announcements to every student, on every visit). Keyed by the
# text's digest: an edited body is a new key, and the old entry leaves the cache in its turn.
RENDERED_CACHE_SIZE = 1024
_rendered = {}
_rendered_lock = threading.Lock()


def _digest(text):
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def render_markdown(text):
    """Sanitised HTML of a Markdown text. The format characters that reorder or hide text (bidi overrides and
    isolates, zero-width spaces …) are removed from the source and from the output — text stored before they
    were removed on saving, and characters written as references (``&#x202E;``), are shown without them.
    Each block carries the ``dir`` of its own text (``_set_directions``)."""
    text = text or ""
    key = _digest(text)
    html = _rendered.get(key)
    if html is None:
        html = _render(text)
        with _rendered_lock:
            if len(_rendered) >= RENDERED_CACHE_SIZE:
                del _rendered[next(iter(_rendered))]  # the oldest entry
            _rendered[key] = html
    return html
