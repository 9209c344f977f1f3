"""Certificates and transcripts as PDF: Jinja templates rendered by WeasyPrint.

Everything a certificate states comes from its frozen ``Certificate.snapshot`` (see
``services._snapshot``). The templates receive plain strings and numbers made from it here, never ORM
objects, so that a reprint years later states exactly what was issued.

What DESIGN.md ("Certificates (PDF)") measured with WeasyPrint 70, and how it is done here:

- Fonts: Amiri from ``static/fonts/amiri``, loaded by ``@font-face`` under the project's own family name
  ("Diploma Amiri"), embedded and subset: a PDF never depends on the fonts of the machine.
- Speed: parsing the stylesheets and loading the fonts costs more than laying out a certificate, so each
  process keeps one ``FontConfiguration`` and the parsed ``CSS`` (built at first use). Pango is not
  thread-safe with a shared font map: renders of one process take turns (a lock).
- Batches: split into multi-page chunks rendered on all cores by a process pool; the chunks' PDFs are
  merged with pypdf (a WeasyPrint ``Document`` cannot be pickled, so it cannot leave its process). The
  Jinja HTML is made in the calling process (it needs the Flask app); the workers only run WeasyPrint.
- Safety: the URL fetcher reads only the bundled fonts, ``static/img`` and the logos folder, plus
  ``data:`` URIs (the QR code); it refuses the network and every other file.
- Arabic: ``<html lang="ar" dir="rtl">``; Latin runs (English name, serial, URL) in ``<bdi dir="ltr">``;
  no text in SVG, no ``text-align: justify``, no letter-spacing, no font change inside a word.
"""
import atexit
import json
import math
import mimetypes
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from importlib import resources
from io import BytesIO
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

import segno
from flask import current_app
from pypdf import PdfWriter
from weasyprint import CSS, HTML, Attachment
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from diploma.arabic import format_long_date, gendered, to_arabic_digits
from diploma.config import PROJECT_ROOT
from diploma.i18n import force_language
from diploma.partners.services import logo_folder

LANGUAGES = ("ar", "en")
STATIC = PROJECT_ROOT / "static"
FONTS = STATIC / "fonts"
IMAGES = STATIC / "img"
PDF_TEMPLATES = PROJECT_ROOT / "templates" / "certificates" / "pdf"
TEMPLATES = {"certificate": "certificates/pdf/certificate.html",
             "transcript": "certificates/pdf/transcript.html"}
STYLESHEETS = {"certificate": "certificate.css", "transcript": "transcript.css"}
# Relative URLs of the stylesheets and templates (fonts/…, img/…) resolve under static/.
BASE_URL = STATIC.as_uri() + "/"
PDF_VARIANT = "pdf/a-3b"
SRGB_INTENT = "diploma-srgb"
QR_SCHEME = "diploma-qr"
ATTACHMENT_NAME = "certificate.json"

# A certificate is one page whatever the length of its names: the type shrinks step by step (CSS
# classes fit-0 … fit-4) until it fits; the first step is guessed from the length of the text.
FIT_LEVELS = 5
# Chunks of a batch: big enough to spread the fixed cost of a PDF (fonts subset, file written), small
# enough to keep every core busy to the end.
MIN_CHUNK, MAX_CHUNK = 8, 40


# --- the URL fetcher -----------------------------------------------------------------------------

class ResourceRefused(ValueError):
    """A template or stylesheet asked for a URL outside what a certificate may contain."""


class LocalFileFetcher(URLFetcher):
    """Reads ``file://`` URLs under the given folders and ``data:`` URIs, and nothing else: no network,
    no file elsewhere (``..`` and symbolic links are resolved before the check). It also draws the QR
    codes (``diploma-qr:<verification URL>``), so that they are made by the process that renders the page:
    in a batch, by the pool's workers (segno takes about 10 ms a code, in pure Python)."""

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
            return URLFetcherResponse(url, qr_svg(unquote(rest)), headers={"Content-Type": "image/svg+xml"})
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


def _render(kind, html, folders):
    """Lay out an HTML document with the shared fonts and stylesheets: a WeasyPrint ``Document``."""
    toolkit = _toolkit()
    with toolkit.lock:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=LocalFileFetcher(folders)).render(
            font_config=toolkit.font_config, stylesheets=[toolkit.stylesheets[kind]])


def _write(document, **options):
    with _toolkit().lock:
        return document.write_pdf(**options)


def _allowed_folders():
    """The folders a PDF may read: the bundled fonts, static images and the universities' logos."""
    return (str(FONTS), str(IMAGES), str(logo_folder()))


# --- what the templates receive -------------------------------------------------------------------

def _digits_for(snapshot, language):
    """How numbers are written: Arabic-Indic (٠–٩, ٫) in the Arabic version when the programme chose
    them, Western otherwise."""
    if language == "ar" and snapshot.get("digits") == "arabic_indic":
        return to_arabic_digits
    return str


def qr_svg(url):
    """The QR code of the verification URL as SVG (error correction M, a quiet zone of four modules, no
    text inside the SVG)."""
    code = segno.make(url, error="m", boost_error=False, micro=False)
    output = BytesIO()
    code.save(output, kind="svg", border=4, dark="#000", light="#fff", xmldecl=False)
    return output.getvalue()


def qr_data_uri(url):
    """The same QR code as a ``data:`` URI, for HTML that must stand alone (``standalone=True``)."""
    code = segno.make(url, error="m", boost_error=False, micro=False)
    return code.svg_data_uri(border=4, dark="#000", light="#fff")


def _qr_source(url):
    return f"{QR_SCHEME}:{quote(url, safe='')}"


def _logo_url(snapshot):
    name = (snapshot.get("university") or {}).get("logo")
    if not name or Path(name).name != name:
        return None
    path = logo_folder() / name
    return path.resolve().as_uri() if path.is_file() else None


def _academic_year(cohort, digits):
    end = int(cohort["end_year"])
    return f"{digits(end - 1)}–{digits(end)}"


def _university_subject(name_en):
    """'University of Mosul' → 'The University of Mosul' (the subject of the English wording)."""
    return name_en if name_en.lower().startswith("the ") else f"The {name_en}"


def _fit_level(context):
    """The first type size worth trying, from the length of what grows with the names."""
    signatories = context["signatories"]
    longest = len(context["student_name"]) + len(context["university_name"]) + len(context["programme_name"])
    signatory_text = max((len(s["title"]) + len(s["name"]) for s in signatories), default=0)
    level = 0
    if longest > 120 or signatory_text > 70 or len(signatories) > 4:
        level = 1
    if longest > 220 or signatory_text > 140:
        level = 2
    if longest > 380:
        level = 3
    return level


def certificate_context(snapshot, language):
    """The plain values one certificate's template needs, in ``language`` ('ar' or 'en'), with the
    numbers already written in the chosen digits. Call under ``force_language(language)`` (the date)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    ar = language == "ar"
    digits = _digits_for(snapshot, language)
    student, university = snapshot["student"], snapshot["university"]
    gender = student.get("gender")
    context = {
        "ar": ar,
        "serial": snapshot["serial"],
        "verification_url": snapshot["verification_url"],
        "qr": _qr_source(snapshot["verification_url"]),
        "logo": _logo_url(snapshot),
        "student_name": student["name_ar"] if ar else student["name_en"],
        "student_name_en": student["name_en"],
        "student_number": student["student_number"],
        "student_word": gendered("student", gender),
        "completed_word": gendered("completed", gender),
        "rank_word": gendered("rank_of", gender),
        "university_name": university["name_ar"] if ar else university["name_en"],
        "university_subject": university["name_ar"] if ar else _university_subject(university["name_en"]),
        "city": university["city_ar"] if ar else university["city_en"],
        "programme_name": snapshot["programme"]["name_ar" if ar else "name_en"],
        "cohort_name": snapshot["cohort"]["name_ar" if ar else "name_en"],
        "academic_year": _academic_year(snapshot["cohort"], digits),
        "average": digits(snapshot["average"]),
        "average_in_words": snapshot["average_in_words_ar"],
        "band": snapshot["band"]["ar" if ar else "en"],
        "rank": digits(snapshot["rank"]),
        "cohort_size": digits(snapshot["cohort_size"]),
        "credits": digits(snapshot["credits"]),
        "issued_on": digits(format_long_date(date.fromisoformat(snapshot["issued_on"]))),
        "signatories": [{"title": signatory["title_ar" if ar else "title_en"],
                         "name": signatory["name_ar" if ar else "name_en"]}
                        for signatory in university.get("signatories") or []],
    }
    # The signatories share the width beside the QR code.
    context["signatory_width"] = round(100 / max(1, len(context["signatories"])), 2)
    context["fit"] = _fit_level(context)
    return context


def _round_name(number, ar):
    if ar:
        return "الدور الثاني" if number == 2 else "الدور الأول"
    return "Second" if number == 2 else "First"


def transcript_context(snapshot, language):
    """The plain values of a transcript (كشف الدرجات): the certificate's, plus one row per course."""
    context = certificate_context(snapshot, language)
    ar, digits = context["ar"], _digits_for(snapshot, language)
    context["courses"] = [{
        "number": digits(position), "code": course["code"],
        "title": course["title_ar"] if ar else course["title_en"],
        "term": course["term_ar"] if ar else course["term_en"],
        "credits": digits(course["credits"]), "mark": digits(course["mark"]),
        "band": course["band_ar"] if ar else course["band_en"], "round": _round_name(course["round"], ar),
    } for position, course in enumerate(snapshot.get("courses") or [], start=1)]
    context["digits_arabic"] = digits is to_arabic_digits
    context["total_credits"] = digits(sum(int(course["credits"]) for course in snapshot.get("courses") or []))
    return context


def _html(kind, contexts, language, title):
    """The HTML of a document of one or more certificates (or transcripts), rendered with the app's Jinja
    environment in ``language``."""
    template = current_app.jinja_env.get_template(TEMPLATES[kind])
    return template.render(items=contexts, language=language, direction="rtl" if language == "ar" else "ltr",
                           title=title)


def _title(kind, context):
    if kind == "transcript":
        label = "كشف الدرجات" if context["ar"] else "Transcript"
    else:
        label = "شهادة التخرج" if context["ar"] else "Graduation certificate"
    return f"{label} — {context['student_name']} — {context['serial']}"


def _standalone(contexts):
    """QR codes as data: URIs, so that the HTML renders with WeasyPrint's own URL fetcher too."""
    for context in contexts:
        context["qr"] = qr_data_uri(context["verification_url"])
    return contexts


def document_html(kind, snapshot, language):
    """The HTML of one certificate or transcript (``kind``), standing alone (QR code inlined) but without
    its stylesheet (see ``stylesheet_text``): for the benchmark and for the curious."""
    with force_language(language):
        build = transcript_context if kind == "transcript" else certificate_context
        context = build(snapshot, language)
        return _html(kind, _standalone([context]), language, _title(kind, context))


def certificates_html(snapshots, language):
    """The HTML of a batch of certificates as one document (what each chunk of ``render_batch`` is),
    standing alone like ``document_html``'s."""
    with force_language(language):
        contexts = [certificate_context(snapshot, language) for snapshot in snapshots]
        return _html("certificate", _standalone(contexts), language, _batch_title(language))


def _batch_title(language):
    return "شهادات التخرج" if language == "ar" else "Graduation certificates"


def stylesheet_text(kind):
    return (PDF_TEMPLATES / STYLESHEETS[kind]).read_text("utf-8")


# --- fitting each certificate on its page -------------------------------------------------------

def _misfits(document, count):
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


def _render_certificates(contexts, language, folders, title):
    """Lay out certificates in this process, one page each: the type of those too long for their page
    shrinks a step at a time (fit-0 … fit-4). Call under ``force_language(language)``."""
    while True:
        document = _render("certificate", _html("certificate", contexts, language, title), folders)
        misfits = [i for i in _misfits(document, len(contexts)) if contexts[i]["fit"] < FIT_LEVELS - 1]
        if not misfits:
            return document
        for index in misfits:
            contexts[index]["fit"] += 1


# --- single documents -----------------------------------------------------------------------------

def _snapshot_attachment(snapshot):
    data = json.dumps(snapshot, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    return Attachment(string=data, name=ATTACHMENT_NAME, relationship="Data",
                      description="The certificate's data as issued (JSON)")


def _srgb_profile():
    """The sRGB output intent PDF/A needs, read from WeasyPrint's own ICC file. WeasyPrint 70 opens that
    file and never closes it (a ResourceWarning at every PDF/A): given this profile under another output
    intent name, it does not open it."""
    data = (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
    return ColorProfile(BytesIO(data), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))


def _archival_pdf(document, snapshot):
    """PDF/A-3b with the snapshot attached as JSON."""
    document.color_profiles[SRGB_INTENT] = _srgb_profile()
    return _write(document, pdf_variant=PDF_VARIANT, output_intent=SRGB_INTENT,
                  attachments=[_snapshot_attachment(snapshot)])


def render_certificate(snapshot, language):
    """One graduation certificate (شهادة التخرج): one A4 landscape page, PDF/A-3b, with the snapshot
    attached as ``certificate.json``. ``language``: 'ar' (right to left) or 'en'. Needs an app context."""
    folders = _allowed_folders()
    with force_language(language):
        context = certificate_context(snapshot, language)
        document = _render_certificates([context], language, folders, _title("certificate", context))
    return _archival_pdf(document, snapshot)


def render_transcript(snapshot, language):
    """The transcript (كشف الدرجات) of a certificate: every course with its term, credits, mark, band and
    round, then the average; A4 portrait (a second page when the courses need it), PDF/A-3b, snapshot
    attached. Needs an app context."""
    folders = _allowed_folders()
    with force_language(language):
        context = transcript_context(snapshot, language)
        document = _render("transcript", _html("transcript", [context], language,
                                                _title("transcript", context)), folders)
    return _archival_pdf(document, snapshot)


# --- batches ----------------------------------------------------------------------------------------

def _render_chunk(html, count, folders):
    """In a worker: one chunk (a multi-page HTML document) to PDF bytes, or the indexes of its certificates
    that do not fit their page at the type size guessed for them (the caller shrinks those)."""
    document = _render("certificate", html, folders)
    misfits = _misfits(document, count)
    if misfits:
        return sorted(misfits)
    return _write(document)


def _chunk_size(count, workers):
    return max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(count / workers)))


def _merge(pdfs):
    """One PDF of the chunks' pages, in order (pypdf: WeasyPrint documents cannot leave their process)."""
    if len(pdfs) == 1:
        return pdfs[0]
    writer = PdfWriter()
    for data in pdfs:
        writer.append(BytesIO(data))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _start_method():
    """How the pool's workers start. A process with one thread (the CLI, a benchmark, a sync web worker)
    forks: the workers start at once with this process's fonts and stylesheets already loaded. A process
    with several threads (a threaded web server) must not fork (a lock another thread holds at that moment
    stays locked in the child): its workers come from a forkserver, a clean single-threaded process started
    once, which has imported this module."""
    if threading.active_count() == 1 and "fork" in get_all_start_methods():
        return get_context("fork")
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _pool(workers):
    return ProcessPoolExecutor(max_workers=workers, mp_context=_start_method())


def render_batch(snapshots, language, progress=None, *, workers=None, chunk_size=None):
    """Many certificates in one PDF, one page each, in the order given (for printing: neither PDF/A nor
    attachments). Rendered on all cores: the batch is split into multi-page chunks over a process pool
    (``workers``, by default every core); a batch of less than two chunks is rendered in this process.
    ``progress(done, total)`` is called as pages are done. Needs an app context (the HTML is made here)."""
    total = len(snapshots)
    if not total:
        raise ValueError("no certificate to render")
    workers = workers or os.cpu_count() or 1
    size = chunk_size or _chunk_size(total, workers)
    folders = _allowed_folders()
    title = _batch_title(language)
    with force_language(language):
        contexts = [certificate_context(snapshot, language) for snapshot in snapshots]
        chunks = [contexts[start:start + size] for start in range(0, total, size)]
        htmls = [_html("certificate", chunk, language, title) for chunk in chunks]
    if progress:
        progress(0, total)
    if workers == 1 or len(chunks) < 2:
        results = []
        for chunk, html in zip(chunks, htmls, strict=True):
            results.append(_render_chunk(html, len(chunk), folders))
            if progress:
                progress(sum(len(c) for c in chunks[:len(results)]), total)
    else:
        results, done = [None] * len(chunks), 0
        with _pool(min(workers, len(chunks))) as pool:
            futures = {pool.submit(_render_chunk, html, len(chunk), folders): index
                       for index, (chunk, html) in enumerate(zip(chunks, htmls, strict=True))}
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                done += len(chunks[index])
                if progress:
                    progress(done, total)
    for index, result in enumerate(results):
        if isinstance(result, list):  # rare: names too long for the guessed type size
            for misfit in result:
                chunks[index][misfit]["fit"] = min(chunks[index][misfit]["fit"] + 1, FIT_LEVELS - 1)
            with force_language(language):
                results[index] = _write(_render_certificates(chunks[index], language, folders, title))
    return _merge(results)
