"""How fast the certificates render, against plain WeasyPrint, and whether batches use every core.

In one run, in Arabic (the language printed most), with snapshots made without a database
(tests/certificates/builders.snapshots: varied names, both genders, Arabic-Indic digits):

- one certificate, warm (the median of several renders after a first one), through
  ``diploma.certificates.pdf.render_certificate`` (PDF/A-3b with the JSON attached), next to a plain
  ``HTML(string=…).write_pdf()`` of the same HTML with its stylesheet inlined — no shared fonts or parsed
  CSS, no PDF/A — in the same process;
- a batch of 44 (the first cohort) and a batch of 500 through ``render_batch`` (chunks over a process pool
  on every core, merged), next to one plain ``write_pdf()`` of the same multi-page HTML in this process;

and prints the times, pages per second, the ratio plain/project, the peak memory (maxrss of this process
and of the largest child, the pool's workers), and for each batch whether its throughput reaches 0.85 ×
plain throughput × cores — the goal of the process pool — and the project's time over plain's spread
over the cores (the goal: at most 1.2×).

Every QR carries a signed token, as printed (``qr.qr_url`` with a throwaway P-256 key: version 14–16), in
the project's renders and in the plain ones alike (the same page with a same-sized QR, drawn the same way,
``pdf_engine.qr_data_uri``). The QR's own cost per page is printed apart: making the image
(``pdf_engine.qr_png``: the fixed mask, a PNG) against segno's automatic mask choice and an SVG, the way
of the previous round, and what drawing it adds to a page in WeasyPrint (plain renders of the same pages
with and without the QR image).

Usage, from the project root:

    .venv/bin/python bench/certificates.py
    .venv/bin/python bench/certificates.py --sizes 44 500 --runs 7 --language en
    .venv/bin/python bench/certificates.py --sizes 200 --runs 3     # the 200-page batch of issue 28

It is a benchmark, not a test: it asserts nothing but that each PDF has the expected number of pages.
"""
import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from diploma import create_app  # noqa: E402
from diploma.config import TestConfig  # noqa: E402

TARGET = 0.85  # of plain throughput × cores
OVER_PLAIN_GOAL = 1.2  # the project's batch time over plain's time spread over the cores


def page_count(data):
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def timed(function, *arguments, **options):
    start = time.perf_counter()
    result = function(*arguments, **options)
    return time.perf_counter() - start, result


def plain_render(html, css):
    """What one would write without the project's caching and pool: the stylesheet inlined, a new font
    configuration for every document, WeasyPrint's default URL fetcher."""
    from weasyprint import HTML

    from diploma.certificates.pdf_engine import BASE_URL

    inlined = html.replace("</head>", f"<style>{css}</style>\n</head>", 1)
    return HTML(string=inlined, base_url=BASE_URL).write_pdf()


class ThrowawayKey:
    """A signer for the QR tokens (``signing.token.make_token`` needs only these two)."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.kid = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3"  # a JWK thumbprint's length (43)


def token_urls(batch, signer):
    """What each certificate's QR holds when printed: the verification URL with its signed token."""
    from diploma.certificates.qr import qr_url

    return [qr_url(snapshot, signer, index) for index, snapshot in enumerate(batch, start=1)]


def plain_batch_html(wording, engine, batch, urls, language, with_qr=True):
    """The batch as one standalone document (QR codes inlined as data: URIs, as ``certificates_html``
    makes them) with the tokens' QR codes; without them, a blank image of the same size takes their place."""
    from diploma.i18n import force_language

    blank = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
    with force_language(language):
        contexts = [wording.certificate_context(snapshot, language, url) for snapshot, url in zip(batch, urls,
                                                                                                   strict=True)]
        for context in contexts:
            context["qr"] = engine.qr_data_uri(context["qr_url"]) if with_qr else blank
        return wording.html("certificate", contexts, language, wording.batch_title(language))


def qr_cost(engine, urls):
    """Milliseconds a page to make the QR image: now (fixed mask, PNG), and as before (segno's automatic
    mask choice, an SVG)."""
    import segno

    def svg_with_automatic_mask(url):
        output = BytesIO()
        segno.make(url, error="m", boost_error=False, micro=False).save(output, kind="svg", border=4)
        return output.getvalue()

    now = timed(lambda: [engine.qr_png(url) for url in urls])[0]
    before = timed(lambda: [svg_with_automatic_mask(url) for url in urls])[0]
    return now / len(urls) * 1000, before / len(urls) * 1000


def peak_memory_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def bench_one(pdf, wording, snapshot, language, css, runs):
    pdf.render_certificate(snapshot, language)  # warm: fonts loaded, stylesheets parsed
    html = wording.document_html("certificate", snapshot, language)
    plain_render(html, css)  # warm WeasyPrint's own imports and caches the same way
    # Interleaved, so that a busy neighbour on the machine slows both alike.
    project_times, plain_times = [], []
    for _ in range(runs):
        project_times.append(timed(pdf.render_certificate, snapshot, language)[0])
        plain_times.append(timed(plain_render, html, css)[0])
    project, plain = statistics.median(project_times), statistics.median(plain_times)
    fastest_project, fastest_plain = min(project_times) * 1000, min(plain_times) * 1000
    print(f"one certificate (warm, median of {runs}; fastest): project {project * 1000:6.1f} ms "
          f"({fastest_project:.1f})   plain {plain * 1000:6.1f} ms ({fastest_plain:.1f})   "
          f"plain/project {plain / project:5.2f}×")


def bench_batch(pdf, wording, engine, batch, language, css, cores, signer):
    size = len(batch)
    urls = token_urls(batch, signer)
    project, data = timed(pdf.render_batch, batch, language, qr_urls=urls)
    assert page_count(data) == size, (page_count(data), size)
    project_memory = peak_memory_mb()
    html = plain_batch_html(wording, engine, batch, urls, language)
    plain, plain_data = timed(plain_render, html, css)
    assert page_count(plain_data) == size
    project_rate, plain_rate = size / project, size / plain
    goal = TARGET * plain_rate * cores
    verdict = "yes" if project_rate >= goal else "NO"
    print(f"batch of {size:4d}: project {project:7.2f} s ({project_rate:6.1f} pages/s)   "
          f"plain {plain:7.2f} s ({plain_rate:6.1f} pages/s)   plain/project {plain / project:5.2f}×   "
          f"≥ {TARGET} × plain × {cores} cores ({goal:5.1f} pages/s): {verdict}")
    over_plain = project / (plain / cores)
    print(f"    project / (plain / {cores} cores): {over_plain:4.2f}× (goal ≤ {OVER_PLAIN_GOAL}×: "
          f"{'yes' if over_plain <= OVER_PLAIN_GOAL else 'NO'})")
    print(f"    peak memory after the project's batch: this process {project_memory[0]:.0f} MB, "
          f"largest worker {project_memory[1]:.0f} MB; after plain: {peak_memory_mb()[0]:.0f} MB")
    return project_rate >= goal


def bench_qr(wording, engine, batch, language, css):
    """The QR's own cost per page: making its image, and drawing it (plain renders of the same pages with
    the QR images and with a blank image in their place)."""
    urls = token_urls(batch, ThrowawayKey())
    made, made_before = qr_cost(engine, urls)
    with_qr = timed(plain_render, plain_batch_html(wording, engine, batch, urls, language), css)[0]
    without = timed(plain_render, plain_batch_html(wording, engine, batch, urls, language, with_qr=False),
                    css)[0]
    version = engine.qr_code(urls[0]).version
    drawn = (with_qr - without) / len(batch) * 1000
    print(f"the QR's own cost per page (version {version}, {len(batch)} pages): image made in {made:.1f} ms "
          f"(fixed mask, PNG; before: automatic mask, SVG {made_before:.1f} ms), drawn by WeasyPrint "
          f"{drawn:.1f} ms (plain {with_qr / len(batch) * 1000:.1f} ms a page with it, "
          f"{without / len(batch) * 1000:.1f} ms without)")


def bench_signing(pdf, snapshot, batch, language, runs):
    """Signed vs unsigned: the PAdES signature (pyHanko) added to one certificate and to a batch, as a share
    of the render (the target: under 15 %)."""
    import threading
    from types import SimpleNamespace

    from cryptography.hazmat.primitives.asymmetric import ec

    from diploma.signing import keystore, pades

    key = ec.generate_private_key(ec.SECP256R1())
    name = keystore._name("Bench University", "Bench University")
    certificate = keystore._certificate(name, key.public_key(), name, key, 1, ca=False)
    signer = SimpleNamespace(private_key=key, certificate=certificate, root_certificate=certificate,
                             signer_name="Bench University", lock=threading.Lock(), _pades=None)
    pades.sign_pdf(pdf.render_certificate(snapshot, language), signer, reason="warm")
    renders, signatures = [], []
    for _ in range(runs):
        seconds, data = timed(pdf.render_certificate, snapshot, language)
        renders.append(seconds)
        signatures.append(timed(pades.sign_pdf, data, signer, reason="bench")[0])
    render, sign = statistics.median(renders), statistics.median(signatures)
    print(f"one certificate: unsigned {render * 1000:6.1f} ms, signed {(render + sign) * 1000:6.1f} ms "
          f"(signature {sign * 1000:.1f} ms, {sign / render:.1%} of the render)")
    seconds, data = timed(pdf.render_batch, batch, language)
    sign = timed(pades.sign_pdf, data, signer, reason="bench")[0]
    print(f"batch of {len(batch)}: unsigned {seconds:6.2f} s, signed {seconds + sign:6.2f} s "
          f"(one signature over the file: {sign * 1000:.1f} ms, {sign / seconds:.1%} of the render)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[44, 200, 500])
    parser.add_argument("--runs", type=int, default=9, help="renders of the single certificate")
    parser.add_argument("--language", choices=["ar", "en"], default="ar")
    arguments = parser.parse_args()

    from diploma.certificates import pdf, wording
    from diploma.certificates import pdf_engine as engine
    from tests.certificates.builders import snapshot, snapshots

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as uploads:
        class Config(TestConfig):
            UPLOAD_FOLDER = uploads

        app = create_app(Config)
        with app.app_context():
            css = engine.stylesheet_text("certificate")
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(f"WeasyPrint certificates, {arguments.language}, {cores} cores, load average {load} "
                  "(other work on the machine lowers the gain of the pool)")
            bench_one(pdf, wording, snapshot(), arguments.language, css, arguments.runs)
            bench_qr(wording, engine, snapshots(min(arguments.sizes + [40])), arguments.language, css)
            signer = ThrowawayKey()
            reached = [bench_batch(pdf, wording, engine, snapshots(size), arguments.language, css, cores,
                                   signer) for size in arguments.sizes]
            bench_signing(pdf, snapshot(), snapshots(max(arguments.sizes)), arguments.language,
                          arguments.runs)
    own, children = peak_memory_mb()
    print(f"peak memory (maxrss) of the run: this process {own:.0f} MB (the plain renders of whole batches "
          f"are done here), largest child {children:.0f} MB")
    print(f"batches reaching {TARGET} × plain throughput × cores: {sum(reached)} of {len(reached)}")


if __name__ == "__main__":  # the pool's workers import this file again: run only when asked
    main()
