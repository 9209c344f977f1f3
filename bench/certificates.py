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
plain throughput × cores — the goal of the process pool.

Usage, from the project root:

    .venv/bin/python bench/certificates.py
    .venv/bin/python bench/certificates.py --sizes 44 500 --runs 7 --language en

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


def bench_batch(pdf, wording, batch, language, css, cores):
    size = len(batch)
    project, data = timed(pdf.render_batch, batch, language)
    assert page_count(data) == size, (page_count(data), size)
    project_memory = peak_memory_mb()
    html = wording.certificates_html(batch, language)
    plain, plain_data = timed(plain_render, html, css)
    assert page_count(plain_data) == size
    project_rate, plain_rate = size / project, size / plain
    goal = TARGET * plain_rate * cores
    verdict = "yes" if project_rate >= goal else "NO"
    print(f"batch of {size:4d}: project {project:7.2f} s ({project_rate:6.1f} pages/s)   "
          f"plain {plain:7.2f} s ({plain_rate:6.1f} pages/s)   plain/project {plain / project:5.2f}×   "
          f"≥ {TARGET} × plain × {cores} cores ({goal:5.1f} pages/s): {verdict}")
    print(f"    peak memory after the project's batch: this process {project_memory[0]:.0f} MB, "
          f"largest worker {project_memory[1]:.0f} MB; after plain: {peak_memory_mb()[0]:.0f} MB")
    return project_rate >= goal


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
    parser.add_argument("--sizes", type=int, nargs="+", default=[44, 500])
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
            reached = [bench_batch(pdf, wording, snapshots(size), arguments.language, css, cores)
                       for size in arguments.sizes]
            bench_signing(pdf, snapshot(), snapshots(max(arguments.sizes)), arguments.language,
                          arguments.runs)
    own, children = peak_memory_mb()
    print(f"peak memory (maxrss) of the run: this process {own:.0f} MB (the plain renders of whole batches "
          f"are done here), largest child {children:.0f} MB")
    print(f"batches reaching {TARGET} × plain throughput × cores: {sum(reached)} of {len(reached)}")


if __name__ == "__main__":  # the pool's workers import this file again: run only when asked
    main()
