"""WeasyPrint set up for the certificates: the fonts and parsed stylesheets each process keeps, a URL
fetcher that reads only what a certificate may contain, the QR codes, and checking that each certificate
fits its page.

- Fonts: Amiri from ``static/fonts/amiri``, loaded by ``@font-face`` under the project's own family name
  ("Diploma Amiri"), embedded and subset: a PDF never depends on the fonts of the machine.
- Speed: parsing the stylesheets and loading the fonts costs more than laying out a certificate, so each
  process keeps one ``FontConfiguration`` and the parsed ``CSS`` (built at first use). Pango is not
  thread-safe with a shared font map: renders of one process take turns (a lock).
- Safety: the URL fetcher reads only the bundled fonts, ``static/img`` and the logos folder, plus
  ``data:`` URIs (the QR code); it refuses the network and every other file.
"""
import atexit
import base64
import mimetypes
import threading
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

import segno
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from diploma.config import PROJECT_ROOT
from diploma.partners.services import logo_folder

STATIC = PROJECT_ROOT / "static"
FONTS = STATIC / "fonts"
IMAGES = STATIC / "img"
PDF_TEMPLATES = PROJECT_ROOT / "templates" / "certificates" / "pdf"
STYLESHEETS = {"certificate": "certificate.css", "transcript": "transcript.css"}
# Relative URLs of the stylesheets and templates (fonts/…, img/…) resolve under static/.
BASE_URL = STATIC.as_uri() + "/"
QR_SCHEME = "diploma-qr"


# --- the QR code -----------------------------------------------------------------------------------

# The QR's data mask, fixed: choosing it (segno's automatic choice, eight trial masks scored in pure Python)
# cost 30 ms a code; the mask only spreads dark and light modules evenly. The token is random-looking
# base64url, so one mask suits every token: mask 2 (columns every third module) has the lowest mean
# penalty, is the best for more than half of the sample tokens (version 16–20) and at worst about 10 %
# above the best (bench/qr_size.py prints the scores).
QR_MASK = 2
QR_QUIET_ZONE = 4
# Two pixels a module: a coarse raster (a 150 dpi scan: 2.5 dots a module) then samples the image with some
# smoothing at the modules' edges, as it does a vector drawing, and zbar reads it (20 of 20 sample pages;
# one pixel a module, sampled to 2 or 3 dots, read 0 of 16). A printer's 600 dpi draws sharp squares alike.
QR_PIXELS = 2
QR_MEDIA_TYPE = "image/png"
_LIGHT = b"\xff"
_GREY_LEVELS = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # a module's 0/1 as a white/black pixel


def qr_code(url):
    """The verification URL's QR code: error correction M, never a Micro QR, the fixed mask."""
    return segno.make(url, error="m", boost_error=False, micro=False, mask=QR_MASK)


def qr_png(url):
    """The QR code as a greyscale PNG of ``QR_PIXELS`` pixels a module (a quiet zone of four): the page
    scales it with nearest-neighbour sampling (``image-rendering: pixelated`` in the stylesheets,
    ``/Interpolate false`` in the PDF), so the modules stay sharp squares. Drawing a few thousand modules as
    an SVG path cost WeasyPrint more than the rest of the page; an image of 200 pixels a side costs little."""
    matrix = qr_code(url).matrix  # rows of 1 (dark) and 0 (light)
    size = len(matrix) + 2 * QR_QUIET_ZONE
    quiet_rows, quiet_side = _LIGHT * (size * QR_QUIET_ZONE), _LIGHT * QR_QUIET_ZONE
    pixels = b"".join((quiet_rows, *(quiet_side + bytes(row).translate(_GREY_LEVELS) + quiet_side
                                     for row in matrix), quiet_rows))
    output = BytesIO()
    image = Image.frombytes("L", (size, size), pixels)
    image = image.resize((size * QR_PIXELS, size * QR_PIXELS), Image.Resampling.NEAREST)
    image.save(output, format="PNG", compress_level=1)
    return output.getvalue()


def qr_data_uri(url):
    """The same QR code as a ``data:`` URI, for HTML that must stand alone (``standalone=True``)."""
    return f"data:{QR_MEDIA_TYPE};base64,{base64.b64encode(qr_png(url)).decode('ascii')}"


def qr_source(url):
    return f"{QR_SCHEME}:{quote(url, safe='')}"


# --- the URL fetcher -----------------------------------------------------------------------------

class ResourceRefused(ValueError):
    """A template or stylesheet asked for a URL outside what a certificate may contain."""


class LocalFileFetcher(URLFetcher):
    """Reads ``file://`` URLs under the given folders and ``data:`` URIs, and nothing else: no network,
    no file elsewhere (``..`` and symbolic links are resolved before the check). It also draws the QR
    codes (``diploma-qr:<verification URL>``), so that they are made by the process that renders the page:
    in a batch, by the pool's workers (a few milliseconds a code, segno being pure Python)."""

    def __init__(self, folders):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.folders = tuple(Path(folder).resolve() for folder in folders if folder)

    def allowed_path(self, url):
        """The local file a URL names, when it is allowed; else None."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()
        if path.is_file() and any(path.is_relative_to(folder) for folder in self.folders):
            return path
        return None

    def fetch(self, url, headers=None):
        scheme, _, rest = url.partition(":")
        if scheme.lower() == "data":
            return super().fetch(url, headers)
        if scheme.lower() == QR_SCHEME:
            return URLFetcherResponse(url, qr_png(unquote(rest)), headers={"Content-Type": QR_MEDIA_TYPE})
        path = self.allowed_path(url)
        if path is None:
            raise ResourceRefused(f"refused: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type})


# --- per-process fonts and stylesheets -------------------------------------------------------------

class _Toolkit:
    """The font configuration and the parsed stylesheets of this process, shared by every render."""

    def __init__(self):
        fetcher = LocalFileFetcher([FONTS])
        self.font_config = FontConfiguration()
        self.stylesheets = {
            kind: CSS(string=(PDF_TEMPLATES / name).read_text("utf-8"), base_url=BASE_URL,
                      url_fetcher=fetcher, font_config=self.font_config)
            for kind, name in STYLESHEETS.items()}
        self.lock = threading.Lock()


_toolkit_instance = None
_toolkit_lock = threading.Lock()


def _toolkit():
    global _toolkit_instance
    with _toolkit_lock:
        if _toolkit_instance is None:
            _toolkit_instance = _Toolkit()
        return _toolkit_instance


@atexit.register
def _drop_toolkit():
    """Let the font configuration remove its temporary folder while the interpreter still works: left to
    the interpreter's shutdown, its ``__del__`` fails noisily ('NoneType' object is not callable). The
    pool's forked workers end with ``os._exit`` and never run this (the folder is their parent's)."""
    global _toolkit_instance
    _toolkit_instance = None


def render_html(kind, html, folders):
    """Lay out an HTML document with the shared fonts and stylesheets: a WeasyPrint ``Document``."""
    toolkit = _toolkit()
    with toolkit.lock:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=LocalFileFetcher(folders)).render(
            font_config=toolkit.font_config, stylesheets=[toolkit.stylesheets[kind]])


def write_pdf(document, **options):
    with _toolkit().lock:
        return document.write_pdf(**options)


def allowed_folders():
    """The folders a PDF may read: the bundled fonts, static images and the universities' logos."""
    return (str(FONTS), str(IMAGES), str(logo_folder()))


def stylesheet_text(kind):
    return (PDF_TEMPLATES / STYLESHEETS[kind]).read_text("utf-8")


# --- fitting each certificate on its page -------------------------------------------------------

def misfits(document, count):
    """The indexes of the certificates of a laid-out document whose text does not end above their footer
    (or that did not get a page of their own). The anchors say where things are: #end-N after the text,
    #foot-N the top of the footer, #sign-N the top of the signatories (pinned to the bottom, they grow
    upwards)."""
    misfits = set()
    for index in range(count):
        anchors = document.pages[index].anchors if index < len(document.pages) else {}
        number = index + 1
        end, foot, sign = (anchors.get(f"{name}-{number}") for name in ("end", "foot", "sign"))
        if end is None or foot is None or sign is None or end[1] > min(foot[1], sign[1]):
            misfits.add(index)
    if len(document.pages) != count:
        misfits.update(range(count))  # a page too many: which one cannot be told, shrink them all
    return misfits
