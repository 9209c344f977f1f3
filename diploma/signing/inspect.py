"""What an uploaded PDF is: a certificate (or transcript) of ours, intact and matching the register, or why
not. For the public verification page and ``flask --app wsgi certificates check FILE.pdf``.

The file is read in memory only, never stored, and treated as hostile:

- its size is bounded before anything else (``VERIFY_UPLOAD_MAX_MB``);
- pyHanko reads it with decoding limits (no stream may decode to more than ``MAX_STREAM_BYTES``, the whole
  document to more than ``MAX_DECODED_BYTES``), so a small file that inflates to gigabytes (a "zip bomb"
  in a FlateDecode stream) is refused after a few megabytes of work;
- every parse error (broken cross-reference table, truncated file, nesting deep enough to exhaust the
  stack, malformed signature or credential) ends in a verdict, never in an exception.

The signature is validated against the programme's root only (no network fetching): whether it is intact
and covers the whole file (anything added after signing, even an incremental update, counts as a change),
and which university key made it. The attached ``certificate.json`` and Open Badges credential are then
compared with the register: the serial exists, the snapshot is the same, the credential's signature is one
of our published keys, and the certificate is valid, revoked or replaced by a corrected one.
"""
import hashlib
import json
import logging
from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from diploma.arabic import format_long_date
from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.signing import credential, keystore
from diploma.signing.models import SigningKey

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_STREAM_BYTES = 8 * MiB          # a certificate's largest stream (fonts, logo) is well under 1 MiB
MAX_DECODED_BYTES = 32 * MiB        # all streams of the file together
MAX_ATTACHMENT_BYTES = 512 * 1024   # certificate.json and the credential are a few kilobytes
SNAPSHOT_NAME = "certificate.json"
PDF_MAGIC = b"%PDF-"

VALID = "valid"
MODIFIED = "modified"                # changed after signing
UNKNOWN_KEY = "unknown_key"          # signed, but not by a key of the programme
NOT_PDF = "not_pdf"                  # not a certificate of ours: not a PDF at all
UNSIGNED = "unsigned"                # not a certificate of ours: a PDF without a signature
UNREADABLE = "unreadable"            # damaged or hostile: refused
TOO_LARGE = "too_large"
REVOKED = "revoked"
REPLACED = "replaced"
NOT_IN_REGISTER = "not_in_register"  # signed by us, but its data does not match the register
NO_CERTIFICATE_DATA = "no_certificate_data"  # signed by us, intact, but carries no certificate (a batch)

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
        return str(_MESSAGES[self.outcome]) % values


def max_upload_bytes():
    return current_app.config["VERIFY_UPLOAD_MAX_MB"] * MiB


def inspect_pdf(data: bytes) -> PdfVerdict:
    """The verdict on ``data`` (an uploaded file's bytes). Never raises for any input."""
    limit_mb = current_app.config["VERIFY_UPLOAD_MAX_MB"]
    if len(data) > limit_mb * MiB:
        return PdfVerdict(TOO_LARGE, max_megabytes=limit_mb)
    if PDF_MAGIC not in data[:1024]:
        return PdfVerdict(NOT_PDF)
    try:
        return _inspect(data)
    except RecursionError:
        return PdfVerdict(UNREADABLE)
    except Exception:  # noqa: BLE001 - a hostile or broken file gets a refusal, whatever broke inside
        log.info("an uploaded PDF could not be inspected", exc_info=True)
        return PdfVerdict(UNREADABLE)


# --- reading the file ------------------------------------------------------------------------------------

def _reader(data):
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits
    from pyhanko.pdf_utils.reader import PdfFileReader

    limits = DecodeLimits(per_stream=StreamDecodeLimits(max_output_size=MAX_STREAM_BYTES),
                          document_budget=DocumentDecodeBudget(base_allowance=MAX_DECODED_BYTES, max_ratio=0))
    return PdfFileReader(BytesIO(data), strict=False, decode_limits=limits)


def _resolved(value):
    return value.get_object() if value is not None and hasattr(value, "get_object") else value


def _entry(dictionary, key):
    dictionary = _resolved(dictionary)
    return _resolved(dictionary.raw_get(key)) if dictionary is not None and key in dictionary else None


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


def _root_context():
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import ValidationContext

    root = keystore.root_key()
    if root is None:
        return None
    der = keystore.load_certificate(root).public_bytes(Encoding.DER)
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)], allow_fetching=False,
                             revocation_mode="soft-fail")


def _untouched(status):
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    return (status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            and status.modification_level in (None, ModificationLevel.NONE))


def _validated(signature, context):
    """pyHanko's validation, run to its end also where an event loop already runs in this thread (an
    asynchronous server, Playwright's synchronous API in the tests): its synchronous wrapper would call
    ``asyncio.run`` and fail there, so it runs in a thread of its own, as the signing does (pades)."""
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


def _inspect(data):
    reader = _reader(data)
    signatures = reader.embedded_signatures
    if not signatures:
        return PdfVerdict(UNSIGNED)
    # Our PDFs carry one signature, the university's, over the whole file: the last one made is the one
    # that must cover everything.
    context = _root_context()
    if context is None:
        return PdfVerdict(UNKNOWN_KEY)
    status = _validated(signatures[-1], context)
    if not _untouched(status) or len(signatures) != 1:
        return PdfVerdict(MODIFIED)
    fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.fingerprint == fingerprint))
    if not status.trusted or key is None or key.university_id is None:
        return PdfVerdict(UNKNOWN_KEY)
    return _compare_with_register(key, _attachments(reader))


# --- the register ----------------------------------------------------------------------------------------

def _verified_credential(token):
    """The credential's claims and the key that signed it, or (None, None) when its signature fails."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    try:
        decoded = jwt.decode(token.strip(), credential.key_set(), algorithms=[credential.ALGORITHM])
    except (JoseError, ValueError, TypeError, KeyError):
        return None, None
    kid = decoded.header.get("kid", "")
    key = next((k for k in keystore.keys_of() if credential.key_url(k.kid) == kid), None)
    return decoded.claims, key


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
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.serial == str(serial)))
    claims, credential_key = _verified_credential(token)
    if (certificate is None or certificate.university_id != key.university_id
            or snapshot != certificate.snapshot or claims is None or credential_key is None
            or credential_key.university_id != key.university_id
            or claims.get("jti") != credential.credential_id(certificate.serial)):
        return PdfVerdict(NOT_IN_REGISTER, signing_key=key)
    issued_at = _time_of(claims.get("iat"))
    verdict = PdfVerdict(VALID, signing_key=key, certificate=certificate, credential_key=credential_key,
                         credential_issued_at=issued_at)
    if certificate.replaced:
        verdict.outcome = REPLACED
    elif certificate.revoked:
        verdict.outcome = REVOKED
    return verdict


def _time_of(timestamp):
    from datetime import UTC, datetime

    try:
        return datetime.fromtimestamp(int(timestamp), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
