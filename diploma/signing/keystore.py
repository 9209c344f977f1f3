"""The programme's certificate authority and the universities' signing keys.

One ECDSA P-256 key for everything a university signs: PAdES (the PDF's CMS signature), JOSE ES256 (the
Open Badges credential) and COSE all take it, and its signatures are small and fast. Beside it, each
university key has an Ed25519 twin for the Open Badges credential's Data Integrity proof (eddsa-rdfc-2022,
which allows no other curve): made with the key, given to older keys by ``add_missing_ed25519_keys``
(``flask --app wsgi keys ed25519``), wrapped and rotated with it. The root (شهادة الجذر
للبرنامج) only issues the universities' certificates. Every private key is stored as encrypted PKCS#8
(``key_wrap``: PBES2 with PBKDF2-HMAC-SHA256 at SIGNING_KDF_ITERATIONS, 600,000 by default, and
AES-256-CBC) under SIGNING_PASSPHRASE, and decrypted in memory, once per process, at the first signature.
The passphrase's strength is checked when the root is made (setup); keys wrapped more weakly before (2,048
iterations) are re-wrapped by ``rewrap_keys`` (``flask --app wsgi keys rewrap``). Backups carry the keys as
stored here.
"""
import hashlib
import threading
from datetime import timedelta
from functools import cache

from blinker import Namespace
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc.jwk import ECKey

from diploma import clock
from diploma.clock import utcnow
from diploma.extensions import db
from diploma.signing import data_integrity, key_wrap
from diploma.signing.errors import SigningError
from diploma.signing.models import ROOT, UNIVERSITY, SigningKey

ROOT_YEARS, UNIVERSITY_YEARS = 20, 5

root_created = Namespace().signal("root-created", doc="""
The programme's root was made (flushed; sent with its SigningKey). The CRL, which the root signs and which
imports this module, publishes its first list then (``crl.publish_first_crl``, connected at app creation):
signatures embed it from the start.""")
PROGRAMME_NAME = "Peace and Crisis Studies Diploma"


# --- the passphrase -------------------------------------------------------------------------------------

def passphrase():
    value = current_app.config.get("SIGNING_PASSPHRASE")
    if not value:
        raise SigningError(_l("No signing passphrase is set (SIGNING_PASSPHRASE): nothing can be signed. "
                              "Set it as when the keys were made, then try again."))
    return value.encode("utf-8")


_WEAK_PASSPHRASE = {
    "short": _l("The signing passphrase is too short: use at least 16 characters (the Makefile makes a "
                "random one in instance/signing_passphrase). Nothing was created."),
    "repetitive": _l("The signing passphrase repeats too few characters: use at least 8 different ones. "
                     "Nothing was created."),
    "well_known": _l("The signing passphrase is built on a well-known word: choose a random one. Nothing was "
                     "created."),
}


def check_passphrase_strength():
    """SigningError (translated) when SIGNING_PASSPHRASE is too weak to protect the keys at rest."""
    problem = key_wrap.passphrase_problem(passphrase().decode("utf-8"))
    if problem is not None:
        raise SigningError(_WEAK_PASSPHRASE[problem])


def kdf_iterations():
    return int(current_app.config["SIGNING_KDF_ITERATIONS"])


def _encrypt(private_key):
    return key_wrap.wrap(private_key, passphrase(), kdf_iterations())


def _decrypt(record):
    return _unwrap(record.encrypted_key_pem)


def _unwrap(pem):
    try:
        return key_wrap.unwrap(pem, passphrase())
    except ValueError as error:
        raise SigningError(_l("The signing passphrase is wrong: the signing key cannot be opened. "
                              "Nothing was signed.")) from error


# --- certificates ---------------------------------------------------------------------------------------

def _name(common_name, organisation):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IQ"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, public_key, issuer_name, issuer_key, years, ca, issuer_public=None, crl_url=None):
    now = clock.now().replace(microsecond=0)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5))
               .not_valid_after(now + timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_public or public_key), critical=False))
    if crl_url is not None:  # where validators find the programme's CRL (diploma.signing.crl)
        builder = builder.add_extension(_distribution_point(crl_url), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _record(kind, university, private_key, certificate):
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    record = SigningKey(
        kind=kind, university_id=getattr(university, "id", None), kid=jwk_of_certificate(pem).thumbprint(),
        fingerprint=hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest(),
        certificate_pem=pem, encrypted_key_pem=_encrypt(private_key),
        not_before=certificate.not_valid_before_utc.replace(tzinfo=None),
        not_after=certificate.not_valid_after_utc.replace(tzinfo=None))
    db.session.add(record)
    db.session.flush()
    return record


def jwk_of_certificate(pem):
    public_key = x509.load_pem_x509_certificate(pem.encode("ascii")).public_key()
    return ECKey.import_key(public_key)


def load_certificate(record):
    return x509.load_pem_x509_certificate(record.certificate_pem.encode("ascii"))


# --- the keys -----------------------------------------------------------------------------------------

def root_key():
    return db.session.scalar(db.select(SigningKey).where(SigningKey.kind == ROOT,
                                                         SigningKey.retired_at.is_(None))
                             .order_by(SigningKey.id.desc()))


def current_key(university):
    return db.session.scalar(_current_key_of_university(), {"university_id": university.id})


@cache
def _current_key_of_university():
    """Built once: the verification page asks it at each look at a QR code."""
    return db.select(SigningKey).where(SigningKey.university_id == db.bindparam("university_id"),
                                       SigningKey.retired_at.is_(None)) \
        .order_by(SigningKey.id.desc()).limit(1)


def keys_of(university=None):
    """Every university key (or one university's), current and retired, oldest first."""
    query = db.select(SigningKey).where(SigningKey.kind == UNIVERSITY).order_by(SigningKey.id)
    if university is not None:
        query = query.where(SigningKey.university_id == university.id)
    return db.session.scalars(query).all()


def all_keys():
    return db.session.scalars(db.select(SigningKey).order_by(SigningKey.id)).all()


def create_root():
    """The programme's root certificate authority (once)."""
    if root_key() is not None:
        raise SigningError(_l("The programme's root certificate already exists."))
    check_passphrase_strength()
    private_key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"{PROGRAMME_NAME} Root CA", PROGRAMME_NAME)
    certificate = _certificate(subject, private_key.public_key(), subject, private_key, ROOT_YEARS, ca=True)
    record = _record(ROOT, None, private_key, certificate)
    root_created.send(record)
    return record


def issue_key(university):
    """A new signing key for the university, certified by the root; its previous key (if any) is retired
    (rotation) and stays published."""
    root = root_key()
    if root is None:
        raise SigningError(_l("Create the programme's root certificate first (flask --app wsgi keys init)."))
    root_private = _decrypt(root)
    root_certificate = load_certificate(root)
    previous = current_key(university)
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(_name(university.name_en, university.name_en), private_key.public_key(),
                               root_certificate.subject, root_private, UNIVERSITY_YEARS, ca=False,
                               issuer_public=root_certificate.public_key(), crl_url=crl_url())
    if previous is not None:
        previous.retired_at = utcnow()
        db.session.flush()
    record = _record(UNIVERSITY, university, private_key, certificate)
    _add_ed25519(record)
    return record


# --- the Ed25519 twins (the Open Badges Data Integrity proof) -------------------------------------------

def _add_ed25519(record):
    private_key = ed25519.Ed25519PrivateKey.generate()
    record.ed25519_public_key = data_integrity.public_multikey(private_key.public_key())
    record.ed25519_encrypted_key_pem = _encrypt(private_key)
    db.session.flush()


def add_missing_ed25519_keys():
    """Each current, uncompromised university key that has no Ed25519 twin yet (made before them) given
    one (flushed). Returns the keys completed."""
    missing = db.session.scalars(db.select(SigningKey).where(
        SigningKey.kind == UNIVERSITY, SigningKey.retired_at.is_(None), SigningKey.compromised_at.is_(None),
        SigningKey.ed25519_public_key.is_(None)).order_by(SigningKey.id)).all()
    for record in missing:
        _add_ed25519(record)
    return missing


_ed25519_keys = {}


def ed25519_private_key(record):
    """The record's Ed25519 private key, decrypted (once per process); None when it has none."""
    if record.ed25519_encrypted_key_pem is None:
        return None
    cache_key = (record.ed25519_public_key, hashlib.sha256(passphrase()).hexdigest())
    with _signers_lock:
        private_key = _ed25519_keys.get(cache_key)
    if private_key is None:
        private_key = _unwrap(record.ed25519_encrypted_key_pem)
        with _signers_lock:
            _ed25519_keys[cache_key] = private_key
    return private_key


# --- a leaked key: disowned from a date ---------------------------------------------------------------------

def key_by_kid(kid):
    """The university key whose ``kid`` (JWK thumbprint) is or starts with ``kid`` (at least the tokens'
    ``KID_LENGTH`` characters), or None — also when the start names more than one key."""
    if not kid or len(kid) < 8:
        return None
    matches = [record for record in keys_of() if record.kid.startswith(kid)]
    return matches[0] if len(matches) == 1 else None


def compromise_key(record, since):
    """Disown a leaked university key from ``since`` (a naive UTC datetime, not in the future): its
    ``compromised_at`` is set (flushed), and when it was its university's current key a new key is
    issued (the leaked one is retired). Returns the university's current key after it. SigningError
    (translated) when the key is already disowned or the date is in the future."""
    if record.compromised_at is not None:
        raise SigningError(_l("This key was already disowned on %(date)s.",
                              date=record.compromised_at.strftime("%Y-%m-%d %H:%M")))
    if since > utcnow():
        raise SigningError(_l("The compromise date is in the future: give the moment from which the key "
                              "is no longer trusted, at the latest now."))
    record.compromised_at = since
    db.session.flush()
    if record.current:
        return issue_key(record.university)
    return current_key(record.university)


_root_private_keys = {}


def root_private_key():
    """The root's private key, decrypted once per process (it signs the published key list and the
    programme's CRL); None when there is no root. SigningError (translated) without the right passphrase."""
    root = root_key()
    if root is None:
        return None
    cache_key = (root.fingerprint, hashlib.sha256(passphrase()).hexdigest())
    with _signers_lock:
        private_key = _root_private_keys.get(cache_key)
    if private_key is None:
        private_key = _decrypt(root)
        with _signers_lock:
            _root_private_keys[cache_key] = private_key
    return private_key


def crl_url():
    """The programme CRL's public address, as written in the university certificates (absolute, on
    PUBLIC_BASE_URL)."""
    from diploma.web import absolute_url

    return absolute_url("signing.programme_crl")


def _distribution_point(url):
    """The CRL Distribution Points extension naming ``url`` (for a university certificate)."""
    return x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)], relative_name=None, reasons=None, crl_issuer=None)])


def rewrap_keys():
    """Every stored key wrapped with fewer iterations than SIGNING_KDF_ITERATIONS, re-wrapped under the
    same passphrase (flushed). Returns the keys re-wrapped."""
    rewrapped = []
    for record in all_keys():
        if key_wrap.iterations_of(record.encrypted_key_pem) < kdf_iterations():
            record.encrypted_key_pem = _encrypt(_decrypt(record))
            rewrapped.append(record)
        twin = record.ed25519_encrypted_key_pem
        if twin is not None and key_wrap.iterations_of(twin) < kdf_iterations():
            record.ed25519_encrypted_key_pem = _encrypt(_unwrap(twin))
    db.session.flush()
    return rewrapped


# --- signers (decrypted once per process) ---------------------------------------------------------------

class Signer:
    """What signs for a university: its current key, decrypted, with its certificate and the root's."""

    def __init__(self, record, private_key, root_record):
        self.key_id = record.id
        self.kid = record.kid
        self.fingerprint = record.fingerprint
        self.not_before, self.not_after = record.not_before, record.not_after
        self.private_key = private_key
        self.certificate = load_certificate(record)
        self.root_certificate = load_certificate(root_record)
        self.university_id = record.university_id
        self.signer_name = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        self.ed25519_public_key = record.ed25519_public_key
        self.ed25519_private_key = ed25519_private_key(record)
        self._pades = None
        self.lock = threading.Lock()

    def jwk(self):
        return ECKey.import_key(self.private_key)


_signers = {}
_signers_lock = threading.Lock()


def signer_for(university):
    """The university's signer; SigningError (translated) when there is no passphrase, a wrong one, or no
    key. Raised before anything is rendered: a certificate is signed or not handed out."""
    secret = passphrase()
    record = current_key(university)
    if record is None:
        raise SigningError(_l("%(university)s has no signing key yet: an administrator creates it with "
                              "flask --app wsgi keys issue --university %(code)s.",
                              university=university.name_ar, code=university.code))
    root = root_key()
    cache_key = (record.fingerprint, record.ed25519_public_key, hashlib.sha256(secret).hexdigest())
    with _signers_lock:
        signer = _signers.get(cache_key)
    if signer is None:
        signer = Signer(record, _decrypt(record), root or record)
        with _signers_lock:
            _signers[cache_key] = signer
    return signer
