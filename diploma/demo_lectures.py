"""The demo's lecture handouts: a one-page Arabic PDF per lecture, made with WeasyPrint and the page
font, so that the demo's courses have real files to download."""
import atexit
import functools
from pathlib import Path

from flask import current_app
from markupsafe import escape

from diploma import demo_data

LECTURE_PAGE = """<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title}</title><style>
@font-face {{ font-family: "Demo Sans"; src: url("{fonts}/noto-sans-arabic-arabic-400-normal.woff2"); }}
@font-face {{ font-family: "Demo Sans"; unicode-range: U+0000-00FF;
  src: url("{fonts}/noto-sans-arabic-latin-400-normal.woff2"); }}
@page {{ size: A5; margin: 2cm; }}
body {{ font-family: "Demo Sans"; line-height: 1.6; }}
.muted {{ color: #5b6b76; }}
</style></head><body>
<p class="muted">{programme}</p>
<h1>{title}</h1>
<p>{course}</p>
<p>{topic}</p>
<p class="muted" dir="ltr">{latin}</p>
</body></html>"""


@functools.cache
def _font_configuration():
    """One per process: WeasyPrint then decompresses each web font once, not for every PDF."""
    from weasyprint.text.fonts import FontConfiguration  # imported only when a PDF is needed (0.5 s)

    return FontConfiguration()


# Release it while the interpreter still works (its __del__ fails noisily during shutdown).
atexit.register(_font_configuration.cache_clear)


@functools.cache
def _render_pdf(html):
    """A PDF of ``html`` (cached: the same lecture is posted at every university, and tests seed often)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf(font_config=_font_configuration())


def lecture_pdf(course, week, title, topic):
    """A one-page PDF of a lecture, in Arabic, with an English line (course code and week)."""
    fonts = Path(current_app.static_folder, "fonts", "noto-sans-arabic").as_uri()
    html = LECTURE_PAGE.format(
        fonts=fonts, programme=escape(demo_data.PROGRAMME["name_ar"]), title=escape(title),
        course=escape(f"{course.code} {course.title_ar}"), topic=escape(topic),
        latin=escape(f"{course.code} · {course.title_en} · Week {week}"))
    return _render_pdf(html)


