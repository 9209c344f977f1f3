"""Signing keys: the programme's root and each university's keys, current and retired (rotated)."""
from diploma.clock import utcnow
from diploma.extensions import db

ROOT, UNIVERSITY = "root", "university"


class SigningKey(db.Model):
    """An ECDSA P-256 key pair: its X.509 certificate (public) and its private key as encrypted PKCS#8
    (PBES2, AES-256-CBC, the key derived from SIGNING_PASSPHRASE); never in clear. A university has one
    current key (``retired_at`` empty); rotation retires it, and a retired key stays published so that what
    it signed still verifies."""

    __tablename__ = "signing_key"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(12), nullable=False)
    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="RESTRICT"))
    # The JWK thumbprint (RFC 7638) of the public key: the JOSE "kid".
    kid = db.Column(db.String(64), nullable=False, unique=True)
    # SHA-256 of the certificate (DER), in hex: the key's fingerprint (بصمة المفتاح) shown to verifiers.
    fingerprint = db.Column(db.String(64), nullable=False, unique=True)
    certificate_pem = db.Column(db.Text, nullable=False)
    encrypted_key_pem = db.Column(db.Text, nullable=False)
    not_before = db.Column(db.DateTime, nullable=False)
    not_after = db.Column(db.DateTime, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    retired_at = db.Column(db.DateTime)
    # Set when the key leaked: disowned from this moment (UTC). What it signed before stays trusted only
    # where a time stamp or the register proves when; tokens and PDFs it signed from then on are refused.
    compromised_at = db.Column(db.DateTime)
    # A university key's Ed25519 twin, for the Open Badges credential's Data Integrity proof
    # (eddsa-rdfc-2022): the public key as a Multikey (multibase base58btc, 'z6Mk…', also its did:key)
    # and the private key wrapped like the P-256 one. Empty for the root, and for keys made before it
    # until ``keys ed25519`` adds it.
    ed25519_public_key = db.Column(db.String(64), unique=True)
    ed25519_encrypted_key_pem = db.Column(db.Text)

    university = db.relationship("University")

    __table_args__ = (
        db.CheckConstraint("kind IN ('root', 'university')", name="kind_known"),
        db.CheckConstraint("(kind = 'root') = (university_id IS NULL)", name="university_key_has_university"),
    )

    @property
    def current(self):
        return self.retired_at is None

    @property
    def compromised(self):
        return self.compromised_at is not None


class StatusList(db.Model):
    """A university's revocation status list as signed (a BitstringStatusListCredential VC-JWT), kept:
    served as stored, the same bytes at every fetch (its ETag), until a revocation, a reinstatement or a
    correction signs it anew (in that change's transaction) or the worker renews it before ``valid_until``
    (diploma.signing.status_lists)."""

    __tablename__ = "status_list"

    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="RESTRICT"),
                              primary_key=True)
    token = db.Column(db.Text, nullable=False)
    # The strong ETag of the token's bytes (SHA-256, hex).
    etag = db.Column(db.String(64), nullable=False)
    signed_at = db.Column(db.DateTime, nullable=False)
    valid_until = db.Column(db.DateTime, nullable=False)


class ProgrammeCrl(db.Model):
    """The programme's certificate revocation list, signed by the root: the university certificates whose
    key was disowned (``SigningKey.compromised_at``). Kept as signed (DER), served at /keys/programme.crl,
    embedded in every signature made while it is current, and made anew when a key is disowned or before
    ``next_update`` (the worker). The newest (highest ``number``) is the current one."""

    __tablename__ = "programme_crl"

    id = db.Column(db.Integer, primary_key=True)
    # The CRL number (RFC 5280 5.2.3): grows by one with each list.
    number = db.Column(db.Integer, nullable=False, unique=True)
    der = db.Column(db.LargeBinary, nullable=False)
    this_update = db.Column(db.DateTime, nullable=False)
    next_update = db.Column(db.DateTime, nullable=False)
