"""The signature part of verify by upload, cheap decisions first (issue 25). Plain values in, plain values
out: no app, no database, so that it can run in a process of its own (``run_isolated``).

In this order, each step refusing before the next, dearer one runs:

1. the file's structure is bounded: revisions, indirect objects and form fields (a PDF with 35,000
   signature fields cost 10–16 s of CPU and a logged traceback per field);
2. the signature's CMS carries few certificates, and its signer's certificate is one of the programme's
   published keys, compared exactly (the SHA-256 of the certificate, as ``SigningKey.fingerprint``).
   A stranger's key is refused here, BEFORE pyHanko builds any certification path: N look-alike CA
   certificates (same subject and issuer, no key identifiers) made the path builder try about N! orderings;
3. only then pyHanko validates the signature against the programme's root (no network): intact, and over
   the whole file or followed only by validation data and document time stamps (B-LTA updates, allowed by
   the certification's DocMDP level); any other change is MODIFIED.

pyHanko's loggers are quieted during the check: what a hostile file makes them say never reaches the log.
``run_isolated`` runs the check in a process forked from a fork server, under a CPU-time limit
(RLIMIT_CPU), at a lower priority, killed after a wall-clock limit: the rest of the site is untouched.
"""
import hashlib
import logging
import multiprocessing
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO

MiB = 1024 * 1024
MAX_STREAM_BYTES = 8 * MiB          # a certificate's largest stream (fonts, logo) is well under 1 MiB
MAX_DECODED_BYTES = 32 * MiB        # all streams of the file together
MAX_ATTACHMENT_BYTES = 512 * 1024   # certificate.json and the credential are a few kilobytes

# Outcomes of the signature part (the names of the upload check's verdicts, the certificates' inspect).
INTACT = "valid"
MODIFIED = "modified"
UNKNOWN_KEY = "unknown_key"
UNSIGNED = "unsigned"
UNREADABLE = "unreadable"
TOO_COMPLEX = "too_complex"

QUIETED_LOGGERS = ("pyhanko", "pyhanko_certvalidator", "asn1crypto")


@dataclass(frozen=True)
class Limits:
    """What a certificate of ours needs, with room: ours have one revision over the render (and two more
    for each document time stamp), a few hundred objects, a form field for the signature and one for each
    time stamp, and two certificates (the university's and the root's) in the CMS."""

    revisions: int = 16  # the signature's, then two for each document time stamp added over the years
    objects: int = 5000
    form_fields: int = 16
    cms_certificates: int = 4


@dataclass(frozen=True)
class Trust:
    """The programme's published keys: SHA-256 fingerprints of the university certificates, the root's DER."""

    fingerprints: frozenset
    root_der: bytes | None


@dataclass
class Finding:
    outcome: str
    fingerprint: str | None = None                 # of the signer's certificate, when it is one of ours
    attachments: dict = field(default_factory=dict)  # {name: bytes}, when the signature is intact


@contextmanager
def quiet_pyhanko():
    """pyHanko's (and its helpers') log records dropped while a hostile file is read: their loggers' level
    is raised above CRITICAL (their modules' loggers inherit it), then put back."""
    loggers = [logging.getLogger(name) for name in QUIETED_LOGGERS]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, before, strict=True):
            logger.setLevel(level)


def check_signature(data: bytes, trust: Trust, limits: Limits = Limits()) -> Finding:
    """The signature part of the verdict on ``data``, in this process. Never raises."""
    with quiet_pyhanko():
        try:
            return _check(data, trust, limits)
        except RecursionError:
            return Finding(UNREADABLE)
        except Exception:  # noqa: BLE001 - a hostile or broken file gets a refusal, whatever broke inside
            return Finding(UNREADABLE)


def _check(data, trust, limits):
    reader = _reader(data)
    if not _structure_within(reader, limits):
        return Finding(TOO_COMPLEX)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        return Finding(UNSIGNED)
    signature = signatures[0]
    if len(signature.signed_data["certificates"] or ()) > limits.cms_certificates:
        return Finding(TOO_COMPLEX)
    fingerprint = hashlib.sha256(signature.signer_cert.dump()).hexdigest()
    if fingerprint not in trust.fingerprints or trust.root_der is None:
        return Finding(UNKNOWN_KEY)
    status = _validated(signature, _root_context(trust.root_der))
    if not _untouched(status) or len(signatures) != 1:  # document time stamps are not counted here
        return Finding(MODIFIED)
    if not status.trusted or hashlib.sha256(status.signing_cert.dump()).hexdigest() != fingerprint:
        return Finding(UNKNOWN_KEY)
    return Finding(INTACT, fingerprint=fingerprint, attachments=_attachments(reader))


# --- reading the file ------------------------------------------------------------------------------------

def _reader(data):
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits
    from pyhanko.pdf_utils.reader import PdfFileReader

    limits = DecodeLimits(per_stream=StreamDecodeLimits(max_output_size=MAX_STREAM_BYTES),
                          document_budget=DocumentDecodeBudget(base_allowance=MAX_DECODED_BYTES, max_ratio=0))
    return PdfFileReader(BytesIO(data), strict=False, decode_limits=limits)


def _structure_within(reader, limits):
    """Few revisions, objects and form fields (counted without enumerating the signatures)."""
    xrefs = reader.xrefs
    if xrefs.total_revisions > limits.revisions:
        return False
    objects = sum(len(xrefs.explicit_refs_in_revision(revision)) for revision in range(xrefs.total_revisions))
    return objects <= limits.objects and _form_fields_within(reader, limits.form_fields)


def _form_fields_within(reader, limit):
    """At most ``limit`` fields in the form, counting the kids of fields; stops counting past the limit."""
    pending = list(_entry(_entry(reader.root, "/AcroForm"), "/Fields") or [])
    seen = 0
    while pending:
        seen += 1
        if seen > limit:
            return False
        pending.extend(_entry(pending.pop(), "/Kids") or [])
    return True


def _resolved(value):
    return value.get_object() if value is not None and hasattr(value, "get_object") else value


def _entry(dictionary, key):
    dictionary = _resolved(dictionary)
    if not hasattr(dictionary, "raw_get") or key not in dictionary:
        return None
    return _resolved(dictionary.raw_get(key))


def _attachments(reader):
    """{name: bytes} of the files attached to the document (EmbeddedFiles name tree, first level)."""
    found = {}
    entries = _entry(_entry(_entry(reader.root, "/Names"), "/EmbeddedFiles"), "/Names") or []
    for index in range(0, min(len(entries), 40) - 1, 2):
        name, spec = str(_resolved(entries[index])), _resolved(entries[index + 1])
        stream = _entry(_entry(spec, "/EF"), "/F")
        if stream is None or name in found:
            continue
        payload = stream.data
        if len(payload) <= MAX_ATTACHMENT_BYTES:
            found[name] = payload
    return found


# --- the signature ---------------------------------------------------------------------------------------

def _root_context(root_der):
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(root_der)], allow_fetching=False,
                             revocation_mode="soft-fail")


def _untouched(status):
    """Intact, and either over the whole file, or followed only by what PAdES adds for the long term
    (validation data, document time stamps: ``LTA_UPDATES``, allowed by the certification's DocMDP level)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not (status.intact and status.valid):
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return status.modification_level in (None, ModificationLevel.NONE)
    return (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok is True
            and status.modification_level == ModificationLevel.LTA_UPDATES)


def _validated(signature, context):
    """pyHanko's validation (path building included), run to its end also where an event loop already runs
    in this thread (its synchronous wrapper would call ``asyncio.run`` and fail there)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from pyhanko.sign.validation import async_validate_pdf_signature

    def validate():
        return asyncio.run(async_validate_pdf_signature(signature, signer_validation_context=context))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return validate()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate).result()


# --- in a process of its own -----------------------------------------------------------------------------

def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["diploma.signing.pdf_check", "pyhanko.sign.validation"])
    return context


def _child(sender, data, trust, limits, cpu_seconds):
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))  # SIGXCPU ends the process
    os.nice(5)  # the site's requests first
    finding = check_signature(data, trust, limits)
    sender.send((finding.outcome, finding.fingerprint, finding.attachments))
    sender.close()


def run_isolated(data, trust, limits=Limits(), *, cpu_seconds=5, wall_seconds=15):
    """``check_signature`` in a process of its own, under ``cpu_seconds`` of CPU and ``wall_seconds`` of
    wall-clock time; over either, the file is refused as too complex."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, data, trust, limits, cpu_seconds), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(wall_seconds):
            return Finding(*receiver.recv())
        return Finding(TOO_COMPLEX)
    except (EOFError, OSError):  # the process was ended (its CPU time ran out) before it answered
        return Finding(TOO_COMPLEX)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
