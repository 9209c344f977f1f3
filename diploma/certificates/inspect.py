"""What an uploaded PDF is: a certificate (or transcript) of ours, intact and matching the register, or why
not. For the public verification page and ``flask --app wsgi certificates check FILE.pdf``.

The file is read in memory only, never stored, and treated as hostile:

- its size is bounded before anything else (``VERIFY_UPLOAD_MAX_MB``);
- the signature is checked by ``diploma.signing.pdf_check``, cheap decisions first (bounded revisions,
  objects, form fields and certificates; the signer must be one of our published keys before any path
  building), in a process of its own under a CPU-time and a wall-clock limit (``VERIFY_UPLOAD_CPU_SECONDS``,
  ``VERIFY_UPLOAD_WALL_SECONDS``), with pyHanko's loggers quiet; no database lock is held meanwhile;
- pyHanko reads it with decoding limits (``pdf_check.MAX_STREAM_BYTES`` per stream,
  ``MAX_DECODED_BYTES`` for the document), so a small file that inflates to gigabytes (a "zip bomb"
  in a FlateDecode stream) is refused after a few megabytes of work;
- every parse error (broken cross-reference table, truncated file, nesting deep enough to exhaust the
  stack, malformed signature or credential) ends in a verdict, never in an exception.

First, by hash: a file whose SHA-256 is one of the kept files (``KeptDocument``, the very bytes a
download handed out) is that certificate's, and the register's status is the verdict (valid, revoked,
replaced) — nothing else of the file need be read. Otherwise:

The signature is validated against the programme's root only (no network fetching): whether it is intact
and covers the whole file (anything added after signing, even an incremental update, counts as a change —
but for what PAdES adds for the long term: validation data and document time stamps, which the
certification's DocMDP level allows),
and which university key made it. A file signed by a key the programme disowned (its
``compromised_at``) that is not one of the kept files is refused: whoever holds the stolen key could have
made it. The attached ``certificate.json`` and Open Badges credential are then
compared with the register: the serial exists, the snapshot is the same, the credential's signature is one
of our published keys, and the certificate is valid, revoked or replaced by a corrected one.
"""
import json
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from diploma.arabic import format_long_date
from diploma.certificates.documents import kept_by_hash
from diploma.certificates.models import Certificate
from diploma.certificates.verification import find_by_serial
from diploma.extensions import db
from diploma.signing import credential, keystore, pdf_check
from diploma.signing.models import SigningKey

log = logging.getLogger(__name__)

MiB = 1024 * 1024
SNAPSHOT_NAME = "certificate.json"
PDF_MAGIC = b"%PDF-"

VALID = "valid"
MODIFIED = "modified"                # changed after signing
UNKNOWN_KEY = "unknown_key"          # signed, but not by a key of the programme
NOT_PDF = "not_pdf"                  # not a certificate of ours: not a PDF at all
UNSIGNED = "unsigned"                # not a certificate of ours: a PDF without a signature
UNREADABLE = "unreadable"            # damaged or hostile: refused
TOO_COMPLEX = pdf_check.TOO_COMPLEX  # too many certificates, fields or objects, or too long to read: refused
TOO_LARGE = "too_large"
REVOKED = "revoked"
REPLACED = "replaced"
NOT_IN_REGISTER = "not_in_register"  # signed by us, but its data does not match the register
NO_CERTIFICATE_DATA = "no_certificate_data"  # signed by us, intact, but carries no certificate (a batch)
DISOWNED_KEY = "disowned_key"        # signed by a key the programme disowned (leaked), not a kept file

_MESSAGES = {
    VALID: _l("Valid: the signature is intact, made by %(university)s, and the certificate %(serial)s "
              "matches our register."),
    MODIFIED: _l("Modified after signing: this file is not the one the university signed. Do not rely on "
                 "it; ask the graduate for the original PDF, or check the serial number and verification "
                 "code."),
    UNKNOWN_KEY: _l("Signed by an unknown key: the signature was not made by any university of the "
                    "programme. This is not one of our certificates."),
    NOT_PDF: _l("Not one of our certificates: this file is not a PDF."),
    UNSIGNED: _l("Not one of our certificates: this PDF carries no digital signature."),
    TOO_COMPLEX: _l("Not one of our certificates: this file is too complex (too many certificates, signature "
                    "fields or objects, or too long to check). It was refused and nothing was kept."),
    UNREADABLE: _l("This file cannot be read: it is damaged, or built to overload a reader. It was refused "
                   "and nothing was kept."),
    TOO_LARGE: _l("This file is larger than %(size)s MB; a certificate's PDF is much smaller. Nothing was "
                  "kept."),
    REVOKED: _l("Revoked: the signature by %(university)s is intact, but the certificate %(serial)s was "
                "revoked on %(date)s."),
    REPLACED: _l("Replaced: the certificate %(serial)s was replaced by a corrected certificate on %(date)s. "
                 "Ask the graduate for the corrected certificate."),
    NOT_IN_REGISTER: _l("Signed by %(university)s, but the certificate data in the file does not match our "
                        "register. Do not rely on it."),
    DISOWNED_KEY: _l("Signed with a key the programme disowned on %(disowned)s: this file is not one the "
                     "university handed out, and whoever took the key could have made it. Do not rely on it; "
                     "ask the graduate for the current PDF."),
    NO_CERTIFICATE_DATA: _l("The signature by %(university)s is intact, but this file carries no "
                            "certificate data (it may be a batch printed for paper). Check each certificate "
                            "by its serial number and verification code."),
}


@dataclass
class PdfVerdict:
    """The answer about one uploaded PDF: ``outcome`` (one of the constants above) and what was found."""

    outcome: str
    signing_key: SigningKey | None = None       # the university key that signed the PDF
    certificate: Certificate | None = None      # the register's certificate it claims to be
    credential_key: SigningKey | None = None    # the key that signed the attached credential
    credential_issued_at: object = None         # when the credential was signed (its ``iat``)
    max_megabytes: int | None = None

    @property
    def valid(self):
        return self.outcome == VALID

    @property
    def university(self):
        return self.signing_key.university if self.signing_key is not None else None

    @property
    def message(self):
        """The verdict in words, in the current language."""
        from diploma.i18n import current_language

        language = current_language()
        university = self.university.name(language) if self.university is not None else ""
        values = {"university": university, "size": self.max_megabytes,
                  "serial": self.certificate.serial if self.certificate is not None else ""}
        if self.certificate is not None and self.certificate.revoked_at is not None:
            values["date"] = format_long_date(self.certificate.revoked_at.date())
        if self.signing_key is not None and self.signing_key.compromised_at is not None:
            values["disowned"] = format_long_date(self.signing_key.compromised_at.date())
        return str(_MESSAGES[self.outcome]) % values


def max_upload_bytes():
    return current_app.config["VERIFY_UPLOAD_MAX_MB"] * MiB


@dataclass(frozen=True)
class ReadFirst:
    """What the check needs from the database, read before the file is checked (``read_first``): the
    caller then ends its read transaction, so that no lock of the database is held meanwhile."""

    trust: object
    kept_verdict: PdfVerdict | None  # the bytes are a kept file: its certificate's status


def read_first(data):
    return ReadFirst(trust=published_trust(), kept_verdict=kept_file_verdict(data))


def inspect_pdf(data: bytes, read=None) -> PdfVerdict:
    """The verdict on ``data`` (an uploaded file's bytes). Never raises for any input. ``read``
    (``read_first(data)``) may be read before, the caller ending its read transaction; else it is read
    here."""
    limit_mb = current_app.config["VERIFY_UPLOAD_MAX_MB"]
    if len(data) > limit_mb * MiB:
        return PdfVerdict(TOO_LARGE, max_megabytes=limit_mb)
    if PDF_MAGIC not in data[:1024]:
        return PdfVerdict(NOT_PDF)
    try:
        return _inspect(data, read)
    except RecursionError:
        return PdfVerdict(UNREADABLE)
    except Exception:  # noqa: BLE001 - a hostile or broken file gets a refusal, whatever broke inside
        log.info("an uploaded PDF could not be inspected", exc_info=True)
        return PdfVerdict(UNREADABLE)


# --- the signature: plain values to diploma.signing.pdf_check -------------------------------------------

def published_trust():
    """What the check trusts: the universities' published certificates and the programme's root."""
    from cryptography.hazmat.primitives.serialization import Encoding

    root = keystore.root_key()
    root_der = keystore.load_certificate(root).public_bytes(Encoding.DER) if root is not None else None
    fingerprints = frozenset(key.fingerprint for key in keystore.keys_of() if key.university_id is not None)
    return pdf_check.Trust(fingerprints=fingerprints, root_der=root_der)


def _check_signature(data, trust):
    config = current_app.config
    if not config.get("VERIFY_UPLOAD_ISOLATED", True):
        return pdf_check.check_signature(data, trust)
    return pdf_check.run_isolated(data, trust, cpu_seconds=config["VERIFY_UPLOAD_CPU_SECONDS"],
                                  wall_seconds=config["VERIFY_UPLOAD_WALL_SECONDS"])


def kept_file_verdict(data):
    """The verdict on bytes that are, exactly, a file the register keeps (by SHA-256): its certificate's
    status; None for any other bytes."""
    kept = kept_by_hash(data)
    return _kept_file_verdict(kept) if kept is not None else None


def _inspect(data, read):
    read = read or read_first(data)
    if read.kept_verdict is not None:
        return read.kept_verdict
    finding = _check_signature(data, read.trust)
    if finding.outcome != pdf_check.INTACT:
        return PdfVerdict(finding.outcome)
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.fingerprint == finding.fingerprint))
    if key is None or key.university_id is None:
        return PdfVerdict(UNKNOWN_KEY)
    if key.compromised_at is not None:
        return PdfVerdict(DISOWNED_KEY, signing_key=key)
    return _compare_with_register(key, finding.attachments)


def _kept_file_verdict(kept):
    """The verdict on a file that is, byte for byte, one a download handed out: its certificate's status."""
    certificate = kept.certificate
    outcome = REPLACED if certificate.replaced else REVOKED if certificate.revoked else VALID
    return PdfVerdict(outcome, signing_key=kept.signing_key, certificate=certificate)


# --- the register ----------------------------------------------------------------------------------------

def register_verdict(key, serial, states_what_was_signed):
    """The one verdict against the register of what a university's key signed (an uploaded PDF's attached
    data, a QR code's token): the certificate of ``serial`` must be that university's and state what was
    signed (``states_what_was_signed(certificate)``); then its status decides — valid, revoked, or replaced
    by a corrected certificate. For the verification page and ``certificates check`` alike."""
    certificate = find_by_serial(str(serial))
    if (certificate is None or certificate.university_id != key.university_id
            or not states_what_was_signed(certificate)):
        return PdfVerdict(NOT_IN_REGISTER, signing_key=key)
    outcome = REPLACED if certificate.replaced else REVOKED if certificate.revoked else VALID
    return PdfVerdict(outcome, signing_key=key, certificate=certificate)


def _compare_with_register(key, attachments):
    snapshot_bytes = attachments.get(SNAPSHOT_NAME)
    token_bytes = attachments.get(credential.ATTACHMENT_NAME)
    if snapshot_bytes is None and token_bytes is None:
        return PdfVerdict(NO_CERTIFICATE_DATA, signing_key=key)
    try:
        snapshot = json.loads(snapshot_bytes.decode("utf-8"))
        token = token_bytes.decode("ascii")
        serial = snapshot["serial"]
    except (AttributeError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return PdfVerdict(NOT_IN_REGISTER, signing_key=key)
    claims, credential_key = credential.verified_credential(token)

    def states_what_was_signed(certificate):
        return (snapshot == certificate.snapshot and claims is not None and credential_key is not None
                and credential_key.university_id == key.university_id
                and claims.get("jti") == credential.credential_id(certificate.serial))

    verdict = register_verdict(key, serial, states_what_was_signed)
    if verdict.certificate is not None:
        verdict.credential_key, verdict.credential_issued_at = credential_key, _time_of(claims.get("iat"))
    return verdict


def _time_of(timestamp):
    from datetime import UTC, datetime

    try:
        return datetime.fromtimestamp(int(timestamp), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
