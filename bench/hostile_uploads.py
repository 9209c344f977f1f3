"""Verify by upload under hostile files: the worst-case check time over a set of hostile PDFs, against the
check of a genuine signature (issue 25).

A throwaway programme root and university key are made in memory; the genuine file is a page signed by that
key (the CMS carrying the university's and the root's certificates, as ours do). The hostile files are those
of tests/certificates/hostile_pdfs.py: look-alike CA certificates (3, 8 and 9 of them), thousands of
signature fields, many objects — and the worst of them, 7 look-alikes under a trust that (wrongly) names
the stranger's key, so that the path builder does run: it shows the CPU-time limit at work.

Each file is checked as the upload does (``pdf_check.run_isolated``: a process of its own, the configured
CPU-time and wall-clock limits) and in this process (``check_signature``, no limit but the cheap decisions).
The script prints each file's outcome and time, and the ratio of the worst hostile time to the genuine one.

Usage, from the project root:

    .venv/bin/python bench/hostile_uploads.py [--cpu-seconds 5] [--wall-seconds 15]

It is a measurement, not a test: it asserts nothing.
"""
import argparse
import hashlib
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diploma.signing import keystore, pdf_check  # noqa: E402
from tests.certificates import hostile_pdfs  # noqa: E402


def _programme():
    """A root and a university certificate (as keystore makes them) and the university's private key."""
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = keystore._name(f"{keystore.PROGRAMME_NAME} Root CA", keystore.PROGRAMME_NAME)
    root = keystore._certificate(root_name, root_key.public_key(), root_name, root_key, 1, ca=True)
    leaf_name = keystore._name("University of Mosul", "University of Mosul")
    leaf = keystore._certificate(leaf_name, key.public_key(), root.subject, root_key, 1, ca=False,
                                 issuer_public=root_key.public_key())
    return root, leaf, key


def _der(certificate):
    return certificate.public_bytes(serialization.Encoding.DER)


def _files():
    root, leaf, key = _programme()
    trust = pdf_check.Trust(fingerprints=frozenset({hashlib.sha256(_der(leaf)).hexdigest()}),
                            root_der=_der(root))
    genuine = hostile_pdfs.signed_pdf(hostile_pdfs.blank_pdf(), leaf, key, [root])
    path_builder_bait = hostile_pdfs.lookalike_ca_pdf(7)
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    bait_signer = PdfFileReader(BytesIO(path_builder_bait), strict=False).embedded_signatures[-1].signer_cert
    bait_trust = pdf_check.Trust(fingerprints=frozenset({hashlib.sha256(bait_signer.dump()).hexdigest()}),
                                 root_der=_der(root))
    limits = pdf_check.Limits()
    hostile = [
        ("3 look-alike CAs", hostile_pdfs.lookalike_ca_pdf(3), trust, limits),
        ("8 look-alike CAs", hostile_pdfs.lookalike_ca_pdf(8), trust, limits),
        ("9 look-alike CAs", hostile_pdfs.lookalike_ca_pdf(9), trust, limits),
        ("20,000 signature fields", hostile_pdfs.many_signature_fields_pdf(20_000), trust, limits),
        ("50,000 objects", hostile_pdfs.many_objects_pdf(50_000), trust, limits),
        ("7 look-alikes, key trusted", path_builder_bait, bait_trust, pdf_check.Limits(cms_certificates=10)),
    ]
    return ("genuine", genuine, trust, limits), hostile


def _timed(check):
    start = time.perf_counter()
    finding = check()
    return finding.outcome, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-seconds", type=int, default=5)
    parser.add_argument("--wall-seconds", type=int, default=15)
    arguments = parser.parse_args()
    genuine, hostile = _files()
    isolated = {}
    pdf_check.run_isolated(genuine[1], genuine[2])  # starts the fork server (once per process), not measured
    print(f"{'file':<28} {'size':>9} {'outcome':>12} {'isolated s':>11} {'in-process s':>13}")
    for name, data, trust, limits in [genuine, *hostile]:
        outcome, seconds = _timed(lambda d=data, t=trust, lim=limits: pdf_check.run_isolated(
            d, t, lim, cpu_seconds=arguments.cpu_seconds, wall_seconds=arguments.wall_seconds))
        in_process = "-" if name.endswith("key trusted") else \
            f"{_timed(lambda d=data, t=trust, lim=limits: pdf_check.check_signature(d, t, lim))[1]:.3f}"
        isolated[name] = seconds
        print(f"{name:<28} {len(data):>9} {outcome:>12} {seconds:>11.3f} {in_process:>13}")
    worst = max((name for name, *_ in hostile), key=isolated.get)
    print(f"\nworst hostile / genuine (isolated): {worst}: {isolated[worst] / isolated['genuine']:.1f}×")
    cheap = [name for name, *_ in hostile if not name.endswith("key trusted")]
    worst_cheap = max(cheap, key=isolated.get)
    print(f"worst refused-cheaply / genuine (isolated): {worst_cheap}: "
          f"{isolated[worst_cheap] / isolated['genuine']:.1f}×")


if __name__ == "__main__":
    main()
