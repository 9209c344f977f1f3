"""The Open Badges 3.0 credential of a certificate (an ``OpenBadgeCredential``, Verifiable Credentials
Data Model 2.0), in its two secured forms, and what a verifier fetches: the JWKS, the issuers' profiles and
the revocation status lists (Bitstring Status List, one per university).

- **VC-JWT** (VC-JOSE-COSE: ``typ`` ``vc+jwt``, ``cty`` ``vc``, ES256, ``kid`` = the URL of the university's
  P-256 key, served as ``application/vc+jwt``): issuer the university's https profile.
- **Data Integrity** (``eddsa-rdfc-2022``, ``data_integrity``), JSON served as ``application/vc+ld+json``:
  what the DCC verifier and the Learner Credential Wallet check. Its issuer ``id`` is the ``did:key`` of
  the university key's Ed25519 twin, not the https profile: the DCC verifier resolves the proof's
  verification method and requires the issuer to be its controller (issuance proof purpose), and only a
  did:key resolves with no server at all — an https issuer id is refused, and a did:web would need https
  on a resolvable host (not a test's 127.0.0.1) and dies with the domain, while a credential should verify
  in 2060. The issuer names its https profile in ``url`` and ``otherIdentifier``, and that profile lists
  the did:key among its keys (``verificationMethod``), so a verifier can tie the two. The DI credential's
  status list is one per Ed25519 key (``/issuers/<code>/status/<kid>.json``), signed by that key, so that
  its issuer is the credential's (a rotated key keeps its list for what it proved).

Everything is built from the certificate's frozen snapshot, so the credential states what the PDF states.
Ids are stable: the credential is ``urn:uuid:`` derived from the serial, so a new download of the same
certificate is the same credential (signed again). The graduate is named, and identified by the
university's student number (``sisSourcedId``) hashed with a salt (``sha256$…``, the salt stable per
serial), so the number is not published while the registrar can still confirm it.
"""
import base64
import gzip
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta

from cryptography.hazmat.primitives.serialization import Encoding
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.jwk import KeySet

from diploma.clock import utcnow
from diploma.signing import data_integrity, keystore
from diploma.signing.errors import SigningError
from diploma.web import absolute_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
# The schema's type is VC 2.0's "JsonSchema": the Open Badges 3.0.3 context does not define the
# "1EdTechJsonSchemaValidator2019" of the spec's examples, and a JSON-LD processor in safe mode (the DCC
# verifier's) refuses the credential over that undefined, relative type.
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
NAMESPACE = uuid.UUID("9a8f4e52-7c1b-4f0e-9d55-2f1c0b7d3a61")  # this programme's name-based UUIDs
# A status list holds at least 131,072 entries (16 KiB), so that an index tells little about a graduate.
STATUS_LIST_BITS = 131072
# A status list is signed for a week (its ``validUntil``); the worker signs it anew before then.
STATUS_LIST_VALID_FOR = timedelta(days=7)
ALGORITHM = "ES256"
MEDIA_TYPE = "application/vc+jwt"
JSON_MEDIA_TYPE = "application/vc+ld+json"
ATTACHMENT_NAME = "open-badge-credential.jwt"
JSON_ATTACHMENT_NAME = "open-badge-credential.json"


def _bilingual(arabic, english):
    return f"{arabic} — {english}"


def issuer_url(code):
    return absolute_url("signing.issuer_profile", code=code)


def status_list_url(code):
    return absolute_url("signing.status_list", code=code)


def key_url(kid):
    return absolute_url("signing.jwk", kid=kid)


def data_integrity_status_list_url(code, kid):
    return absolute_url("signing.data_integrity_status_list", code=code, kid=kid)


def _key_entries(university, issuer):
    """The university's keys as verification methods: each Ed25519 twin as a ``Multikey`` (its did:key),
    each P-256 key as a ``JsonWebKey`` (its URL, the VC-JWT's ``kid``), current and retired."""
    entries = []
    for record in keystore.keys_of(university):
        state = {"current": record.current}
        multikey = record.ed25519_public_key
        if multikey:
            entries.append({"id": data_integrity.verification_method(multikey), "type": "Multikey",
                            "controller": data_integrity.did_key(multikey), "publicKeyMultibase": multikey,
                            **state})
        jwk = keystore.jwk_of_certificate(record.certificate_pem).as_dict(private=False)
        entries.append({"id": key_url(record.kid), "type": "JsonWebKey", "controller": issuer,
                        "publicKeyJwk": {k: jwk[k] for k in ("kty", "crv", "x", "y")}, **state})
    return entries


def issuer_profile(university):
    """The university's Open Badges issuer profile (a ``Profile``), published at a stable URL, with its
    keys (``verificationMethod``; every one may sign credentials: ``assertionMethod``)."""
    issuer = issuer_url(university.code)
    keys = _key_entries(university, issuer)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer,
        "type": ["Profile"],
        "name": _bilingual(university.name_ar, university.name_en),
        "url": absolute_url("certificates.verify_form"),
        "address": {"type": ["Address"], "addressLocality": university.city_en, "addressCountry": "Iraq",
                    "addressCountryCode": "IQ"},
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": key["controller"],
                             "identifierType": "identifier"} for key in keys if key["type"] == "Multikey"],
        "verificationMethod": keys,
        "assertionMethod": [key["id"] for key in keys],
    }


def _iso(day_or_time):
    if isinstance(day_or_time, date) and not isinstance(day_or_time, datetime):
        day_or_time = datetime(day_or_time.year, day_or_time.month, day_or_time.day, tzinfo=UTC)
    return day_or_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_id(serial):
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, 'credential:' + serial)}"


def _subject_id(snapshot):
    university, student = snapshot["university"]["code"], snapshot["student"]["student_number"]
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'graduate:{university}:{student}')}"


def identity_salt(serial):
    """The salt of the credential's hashed identifiers: stable per serial, different for every one."""
    return uuid.uuid5(NAMESPACE, "salt:" + serial).hex


def identity_hash(identifier, salt):
    """An Open Badges IdentityHash: 'sha256$' + hex SHA-256 of the identifier followed by the salt."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


def _identifiers(snapshot):
    student, salt = snapshot["student"], identity_salt(snapshot["serial"])
    return [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": _bilingual(student["name_ar"], student["name_en"])},
        {"type": "IdentityObject", "identityType": "sisSourcedId", "hashed": True,
         "identityHash": identity_hash(f"{snapshot['university']['code']}:{student['student_number']}", salt),
         "salt": salt},
    ]


def _achievement(snapshot, issuer):
    programme, university = snapshot["programme"], snapshot["university"]
    code = programme["code"]
    return {
        "id": f"{issuer}#achievement-{code}",
        "type": ["Achievement"],
        "achievementType": "Diploma",
        "name": programme["name_ar"],
        "description": (f"{programme['name_ar']}، {university['name_ar']}. "
                        f"{programme['name_en']}, {university['name_en']}."),
        "criteria": {"narrative": (
            "اجتياز جميع المقررات الإجبارية واستكمال الوحدات المطلوبة بدرجات منشورة. "
            "Passing every required course and completing the required credits, with published marks.")},
        "inLanguage": "ar",
        "fieldOfStudy": programme["name_en"],
        "creditsAvailable": snapshot.get("credits"),
        "humanCode": code,
        "related": [{"id": f"{issuer}#achievement-{code}-en", "type": ["Related"], "inLanguage": "en"}],
    }


def _issuer(snapshot, issuer_id):
    name = _bilingual(snapshot["university"]["name_ar"], snapshot["university"]["name_en"])
    profile = issuer_url(snapshot["university"]["code"])
    if issuer_id == profile:
        return {"id": profile, "type": ["Profile"], "name": name}
    return {"id": issuer_id, "type": ["Profile"], "name": name, "url": profile,
            "otherIdentifier": [{"type": "IdentifierEntry", "identifier": profile,
                                 "identifierType": "identifier"}]}


def build_credential(snapshot, status_index, issuer_id=None, status=None):
    """The unsigned OpenBadgeCredential of a certificate (a dict), from its frozen snapshot (a plain dict)
    and its index in its university's revocation list (``status_index``). The issuer is the university's
    https profile unless ``issuer_id`` names another (the DI form's did:key), its status list the VC-JWT
    one unless ``status`` names another."""
    code = snapshot["university"]["code"]
    issuer = issuer_url(code)
    valid_from = _iso(date.fromisoformat(snapshot["issued_on"]))
    status = status or status_list_url(code)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(snapshot["serial"]),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _bilingual(snapshot["programme"]["name_ar"], snapshot["programme"]["name_en"]),
        "description": _bilingual(f"شهادة التخرج {snapshot['serial']}",
                                  f"Graduation certificate {snapshot['serial']}"),
        "issuer": _issuer(snapshot, issuer_id or issuer),
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": {
            "id": _subject_id(snapshot),
            "type": ["AchievementSubject"],
            "identifier": _identifiers(snapshot),
            "achievement": _achievement(snapshot, issuer),
        },
        "credentialStatus": {
            "id": f"{status}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "JsonSchema"}],
        "evidence": [{"id": snapshot["verification_url"], "type": ["Evidence"],
                      "name": "التحقق من الشهادة — Verify the certificate"}],
    }


def _sign(claims, signer):
    header = {"alg": ALGORITHM, "kid": key_url(signer.kid), "typ": "vc+jwt", "cty": "vc"}
    return jwt.encode(header, claims, signer.jwk(), algorithms=[ALGORITHM])


def _b64url(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _timestamp(iso):
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def signed_credential(snapshot, status_index, signer):
    """The credential as a VC-JWT: the credential's JSON is the JWT payload, with the claims Open Badges
    3.0 requires (iss, jti, nbf, sub) mirroring its properties."""
    credential = build_credential(snapshot, status_index)
    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": _timestamp(credential["validFrom"]), "sub": credential["credentialSubject"]["id"],
              "iat": int(utcnow().replace(tzinfo=UTC).timestamp())}
    return _sign(claims, signer)


def data_integrity_credential(snapshot, status_index, signer):
    """The credential secured by an ``eddsa-rdfc-2022`` Data Integrity proof (a dict), made with the Ed25519
    twin of the university's current key; its issuer is that key's did:key (see the module's docstring)."""
    if signer.ed25519_private_key is None:
        raise SigningError(_l("The university's key has no Ed25519 key for the Open Badges proof yet: an "
                              "administrator adds it with flask --app wsgi keys ed25519."))
    code = snapshot["university"]["code"]
    unsecured = build_credential(snapshot, status_index, data_integrity.did_key(signer.ed25519_public_key),
                                 data_integrity_status_list_url(code, signer.kid))
    return data_integrity.add_proof(unsecured, signer.ed25519_private_key, _iso(utcnow().replace(tzinfo=UTC)))


def data_integrity_json(secured):
    """A Data Integrity credential as the bytes' text served and attached: JSON, ASCII-escaped (the proof
    covers the canonical RDF, not these characters)."""
    return json.dumps(secured, indent=2)


def data_integrity_status_list(university, record, revoked_indexes, issued_at=None, valid_until=None):
    """The university's revocation list as a BitstringStatusListCredential secured by the Data Integrity
    proof of one Ed25519 key (``record``'s twin), whose did:key is its issuer: the list of the credentials
    that key proved. None when the key has no twin or is compromised (it vouches for nothing any more).
    Ed25519 signatures are deterministic: given the same ``issued_at`` (naive UTC; now by default) and
    ``valid_until``, the same list is the same bytes."""
    private_key = keystore.ed25519_private_key(record)
    if private_key is None or record.compromised:
        return None
    url = data_integrity_status_list_url(university.code, record.kid)
    issued = _iso((issued_at or utcnow()).replace(tzinfo=UTC))
    unsecured = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": data_integrity.did_key(record.ed25519_public_key),
        "validFrom": issued,
        **({"validUntil": _iso(valid_until.replace(tzinfo=UTC))} if valid_until else {}),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": encode_status_list(revoked_indexes)},
    }
    return data_integrity.add_proof(unsecured, private_key, issued)


# --- what verifiers fetch ----------------------------------------------------------------------------

def jwks(university=None):
    """The public keys of every university (or one), current and retired, as a JWKS: each with its URL as
    ``kid``, its X.509 chain (``x5c``: the key's certificate, then the root's), its validity (``nbf``,
    ``exp``) and, when set, its retirement and compromise dates (``retired``, ``compromised``)."""
    root = keystore.root_key()
    root_der = keystore.load_certificate(root).public_bytes(Encoding.DER) if root else None
    entries = []
    for record in keystore.keys_of(university):
        key = keystore.jwk_of_certificate(record.certificate_pem)
        own = keystore.load_certificate(record).public_bytes(Encoding.DER)
        chain = [own, root_der] if root_der else [own]
        entry = key.as_dict(private=False)
        entry.update({"kid": key_url(record.kid), "use": "sig", "alg": ALGORITHM,
                      "x5c": [base64.b64encode(der).decode("ascii") for der in chain],
                      "x5t#S256": _b64url(bytes.fromhex(record.fingerprint)),
                      "nbf": int(record.not_before.replace(tzinfo=UTC).timestamp()),
                      "exp": int(record.not_after.replace(tzinfo=UTC).timestamp()),
                      "university": record.university.code, "current": record.current})
        entry.update(_signing_period(record))
        entries.append(entry)
    return {"keys": entries}


def _signing_period(record):
    """The key's retirement and compromise (Unix seconds), when it has them: it vouches for what it signed
    from ``nbf`` to ``retired`` (or ``exp``), and for nothing signed from ``compromised`` on."""
    period = {}
    if record.retired_at is not None:
        period["retired"] = int(record.retired_at.replace(tzinfo=UTC).timestamp())
    if record.compromised_at is not None:
        period["compromised"] = int(record.compromised_at.replace(tzinfo=UTC).timestamp())
    return period


def key_set():
    """The published keys as a joserfc KeySet (for verifying)."""
    return KeySet.import_key_set({"keys": [
        {k: v for k, v in entry.items() if k in ("kty", "crv", "x", "y", "kid", "use", "alg")}
        for entry in jwks()["keys"]]})


def encode_status_list(indexes, size=STATUS_LIST_BITS):
    """A Bitstring Status List: bit i (the most significant bit of byte i // 8 first) set for each index,
    GZIP-compressed, as multibase base64url without padding ('u…')."""
    size = max(size, ((max(indexes, default=0) // 8) + 1) * 8)
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_status_list(encoded):
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def status_bit(encoded, index):
    return bool(decode_status_list(encoded)[index // 8] & (0x80 >> (index % 8)))


def signed_status_list(university, signer, revoked_indexes, signed_at):
    """The university's revocation list as a BitstringStatusListCredential VC-JWT, from the indexes of its
    revoked certificates, signed at ``signed_at`` (naive UTC) and valid for STATUS_LIST_VALID_FOR: kept
    and served as signed (diploma.signing.status_lists), signed anew when a revocation changes it."""
    url = status_list_url(university.code)
    valid_from = signed_at.replace(tzinfo=UTC, microsecond=0)
    valid_until = valid_from + STATUS_LIST_VALID_FOR
    credential = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(university.code),
        "validFrom": _iso(valid_from),
        "validUntil": _iso(valid_until),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": encode_status_list(revoked_indexes)},
    }
    claims = {**credential, "iss": credential["issuer"], "jti": url, "nbf": int(valid_from.timestamp()),
              "iat": int(valid_from.timestamp()), "exp": int(valid_until.timestamp()),
              "sub": credential["credentialSubject"]["id"]}
    return _sign(claims, signer)


def verified_credential(token):
    """The claims of a VC-JWT and the published key that signed it, or (None, None) when its signature
    fails or the key is not one of ours."""
    from joserfc.errors import JoseError

    try:
        decoded = jwt.decode(token.strip(), key_set(), algorithms=[ALGORITHM])
    except (JoseError, ValueError, TypeError, KeyError):
        return None, None
    kid = decoded.header.get("kid", "")
    key = next((k for k in keystore.keys_of() if key_url(k.kid) == kid), None)
    return decoded.claims, key


def credential_json(token):
    """The payload of a VC-JWT (not verified): for showing."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

