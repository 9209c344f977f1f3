"""Certificates and transcripts as PDF (unsigned: ``documents`` signs them after the render, and is what
pages and commands call): the wording (``wording``) laid out by WeasyPrint
(``pdf_engine``). Single documents are archival (PDF/A-3b with the snapshot attached as JSON); a batch for
printing is split into multi-page chunks rendered on all cores by a process pool, merged with pypdf (a
WeasyPrint ``Document`` cannot be pickled, so it cannot leave its process). The Jinja HTML is made in the
calling process (it needs the Flask app); the workers only run WeasyPrint.
"""
import json
import math
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import resources
from io import BytesIO
from multiprocessing import get_all_start_methods, get_context

from pypdf import PdfWriter
from weasyprint import Attachment
from weasyprint.css import ColorProfile

from diploma.certificates import pdf_engine as engine
from diploma.certificates import wording
from diploma.certificates.wording import FIT_LEVELS, certificate_context, transcript_context
from diploma.i18n import force_language

PDF_VARIANT = "pdf/a-3b"
SRGB_INTENT = "diploma-srgb"
ATTACHMENT_NAME = "certificate.json"
# Chunks of a batch: big enough to spread the fixed cost of a PDF (fonts subset, file written), small
# enough to keep every core busy to the end.
MIN_CHUNK, MAX_CHUNK = 8, 40


def _render_certificates(contexts, language, folders, title):
    """Lay out certificates in this process, one page each: the type of those too long for their page
    shrinks a step at a time (fit-0 … fit-4). Call under ``force_language(language)``."""
    while True:
        page_html = wording.html("certificate", contexts, language, title)
        document = engine.render_html("certificate", page_html, folders)
        misfits = [i for i in engine.misfits(document, len(contexts)) if contexts[i]["fit"] < FIT_LEVELS - 1]
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


def credential_attachment(token, name):
    """The Open Badges 3.0 credential (a VC-JWT) as a second associated file of the PDF/A-3."""
    return Attachment(string=token.encode("ascii"), name=name, relationship="Source",
                      description="The Open Badges 3.0 credential of this certificate (VC-JWT)")


def _archival_pdf(document, snapshot, extra_attachments=()):
    """PDF/A-3b with the snapshot attached as JSON (and any other associated file given)."""
    document.color_profiles[SRGB_INTENT] = _srgb_profile()
    return engine.write_pdf(document, pdf_variant=PDF_VARIANT, output_intent=SRGB_INTENT,
                  attachments=[_snapshot_attachment(snapshot), *extra_attachments])


def render_certificate(snapshot, language, extra_attachments=(), qr_url=None):
    """One graduation certificate (شهادة التخرج): one A4 landscape page, PDF/A-3b, with the snapshot
    attached as ``certificate.json``. ``language``: 'ar' (right to left) or 'en'; ``qr_url``: what its QR
    code holds (``qr.qr_url``; the bare verification URL when not given). Needs an app context."""
    folders = engine.allowed_folders()
    with force_language(language):
        context = certificate_context(snapshot, language, qr_url)
        document = _render_certificates([context], language, folders, wording.title("certificate", context))
    return _archival_pdf(document, snapshot, extra_attachments)


def render_transcript(snapshot, language, extra_attachments=(), qr_url=None):
    """The transcript (كشف الدرجات) of a certificate: every course with its term, credits, mark, band and
    round, then the average; A4 portrait (a second page when the courses need it), PDF/A-3b, snapshot
    attached. Needs an app context."""
    folders = engine.allowed_folders()
    with force_language(language):
        context = transcript_context(snapshot, language, qr_url)
        page_html = wording.html("transcript", [context], language, wording.title("transcript", context))
        document = engine.render_html("transcript", page_html, folders)
    return _archival_pdf(document, snapshot, extra_attachments)


# --- batches ----------------------------------------------------------------------------------------

def _render_chunk(html, count, folders):
    """In a worker: one chunk (a multi-page HTML document) to PDF bytes, or the indexes of its certificates
    that do not fit their page at the type size guessed for them (the caller shrinks those)."""
    document = engine.render_html("certificate", html, folders)
    misfits = engine.misfits(document, count)
    if misfits:
        return sorted(misfits)
    return engine.write_pdf(document)


def _chunk_size(count, workers):
    """As few chunks as ``MAX_CHUNK`` allows, rounded up to a multiple of the workers, so that every core
    has the same share to the end (200 pages on 2 cores: 6 chunks of 34, not 5 of 40, where one core
    renders a third chunk while the other waits)."""
    chunks = math.ceil(math.ceil(count / MAX_CHUNK) / workers) * workers
    return max(MIN_CHUNK, math.ceil(count / chunks))


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


def render_batch(snapshots, language, progress=None, *, qr_urls=None, workers=None, chunk_size=None):
    """Many certificates in one PDF, one page each, in the order given (for printing: neither PDF/A nor
    attachments); ``qr_urls``: what each one's QR code holds, in the same order (the bare verification URLs
    when not given). Rendered on all cores: the batch is split into multi-page chunks over a process pool
    (``workers``, by default every core); a batch of less than two chunks is rendered in this process.
    ``progress(done, total)`` is called as pages are done. Needs an app context (the HTML is made here)."""
    total = len(snapshots)
    if not total:
        raise ValueError("no certificate to render")
    workers = workers or os.cpu_count() or 1
    size = chunk_size or _chunk_size(total, workers)
    folders = engine.allowed_folders()
    title = wording.batch_title(language)
    with force_language(language):
        urls = qr_urls or [None] * total
        contexts = [certificate_context(snapshot, language, url) for snapshot, url in zip(snapshots, urls,
                                                                                           strict=True)]
        chunks = [contexts[start:start + size] for start in range(0, total, size)]
        htmls = [wording.html("certificate", chunk, language, title) for chunk in chunks]
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
            try:
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    done += len(chunks[index])
                    if progress:
                        progress(done, total)
            except BaseException:  # a failed chunk, or ``progress`` stopping a cancelled job: stop at once
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    for index, result in enumerate(results):
        if isinstance(result, list):  # rare: names too long for the guessed type size
            for misfit in result:
                chunks[index][misfit]["fit"] = min(chunks[index][misfit]["fit"] + 1, FIT_LEVELS - 1)
            with force_language(language):
                document = _render_certificates(chunks[index], language, folders, title)
                results[index] = engine.write_pdf(document)
    return _merge(results)
