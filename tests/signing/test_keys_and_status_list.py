"""Each university signs with its own key, and the revocation list lays its bits out as the Bitstring
Status List specification does: read here without the project's own decoder."""
import base64
import gzip

from joserfc import jwt

from diploma.certificates import documents, revocation
from diploma.extensions import db
from diploma.signing import credential, keystore
from diploma.signing.models import SigningKey
from tests import factories
from tests.certificates.builders import graduating_cohort


def _own_key(university):
    """The university's key as stored (by its university, not through ``keystore.current_key``)."""
    return db.session.scalars(db.select(SigningKey).where(SigningKey.university_id == university.id)).one()


def _verified_header(token, key):
    """The token's header, once its signature is checked with ``key`` only (another key fails)."""
    return jwt.decode(token, keystore.jwk_of_certificate(key.certificate_pem), algorithms=["ES256"]).header


def test_each_university_signs_with_its_own_key_after_another_university_got_a_newer_one(app):
    group = graduating_cohort(2, code="MSL")
    group.issue()
    other = factories.university(code="BGD")
    keystore.create_root()
    for university in (group.university, other):  # the other university's key is the newest
        keystore.issue_key(university)
        db.session.commit()
    own, others = _own_key(group.university), _own_key(other)
    assert keystore.current_key(group.university).id == own.id
    assert keystore.current_key(other).id == others.id

    token = documents.certificate_credential(group.issued()[0])
    assert _verified_header(token, own)["kid"] == credential.key_url(own.kid)
    client = app.test_client()
    for university, key in ((group.university, own), (other, others)):
        with app.test_request_context():
            url = credential.status_list_url(university.code).removeprefix("http://localhost")
        status_list = client.get(url).get_data(as_text=True)
        assert _verified_header(status_list, key)["kid"] == credential.key_url(key.kid)


def _bits_as_the_specification_reads_them(encoded):
    """Multibase base64url ('u' prefix, no padding) of the GZIP-compressed bitstring; index 0 is the
    left-most (most significant) bit of the first byte."""
    assert encoded.startswith("u")
    data = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    return [(byte >> (7 - offset)) & 1 for byte in raw for offset in range(8)]


def test_the_status_list_sets_index_0_as_the_top_bit_of_the_first_byte():
    encoded = credential.encode_status_list([0, 9, 23])
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw[:3] == bytes([0b1000_0000, 0b0100_0000, 0b0000_0001])
    bits = _bits_as_the_specification_reads_them(encoded)
    assert [index for index, bit in enumerate(bits) if bit] == [0, 9, 23]
    assert len(bits) >= 131072  # the specification's minimum size (16 KB)


def test_a_revoked_certificate_sets_exactly_its_own_bit_in_the_published_list(app):
    group = graduating_cohort(3, code="MSL")
    group.issue()
    keystore.create_root()
    keystore.issue_key(group.university)
    db.session.commit()
    revoked = group.issued()[1]
    revocation.revoke_certificate(group.registrar, revoked, "Issued to the wrong person")
    db.session.commit()
    claims = credential.credential_json(documents.certificate_credential(revoked))
    status = claims["credentialStatus"]
    client = app.test_client()
    token = client.get(status["statusListCredential"].removeprefix("http://localhost")).get_data(as_text=True)
    encoded = credential.credential_json(token)["credentialSubject"]["encodedList"]
    bits = _bits_as_the_specification_reads_them(encoded)
    assert [index for index, bit in enumerate(bits) if bit] == [int(status["statusListIndex"])]
