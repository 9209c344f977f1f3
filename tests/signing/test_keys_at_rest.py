"""Keys at rest (issue 25, finding 4): wrapped with PBKDF2 at today's strength, a weak passphrase refused at
setup, and keys wrapped the old way (cryptography's BestAvailableEncryption: 2,048 iterations) re-wrapped by
``flask keys rewrap`` — and still signing."""
import pytest
from cryptography.hazmat.primitives import serialization

from diploma.config import Config
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.signing import key_wrap, keystore, pades
from diploma.signing.errors import SigningError
from diploma.signing.models import SigningKey
from tests import factories
from tests.certificates.builders import blank_pdf


def _old_way(record):
    """The key as the keystore wrote it before: BestAvailableEncryption (PBKDF2, 2,048 iterations)."""
    private_key = keystore._decrypt(record)
    record.encrypted_key_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(keystore.passphrase())).decode("ascii")


def test_the_default_strength_is_600000_iterations_and_keys_are_written_with_it(app):
    assert Config.SIGNING_KDF_ITERATIONS >= 600_000
    root = keystore.create_root()
    assert key_wrap.iterations_of(root.encrypted_key_pem) == app.config["SIGNING_KDF_ITERATIONS"]
    assert "BEGIN ENCRYPTED PRIVATE KEY" in root.encrypted_key_pem
    assert keystore._decrypt(root).public_key().public_numbers() == \
        keystore.load_certificate(root).public_key().public_numbers()


@pytest.mark.parametrize("weak, words", [("short-phrase", "too short"),
                                         ("abababababababababab", "8 different"),
                                         ("Password1234567!", "well-known")])
def test_a_weak_passphrase_is_refused_at_setup(app, monkeypatch, weak, words):
    monkeypatch.setitem(app.config, "SIGNING_PASSPHRASE", weak)
    with force_language("en"), pytest.raises(SigningError, match=words):
        keystore.create_root()
    with force_language("ar"), pytest.raises(SigningError) as refused:
        keystore.create_root()
    assert any("\u0600" <= letter <= "\u06ff" for letter in str(refused.value.message))
    assert db.session.scalar(db.select(db.func.count()).select_from(SigningKey)) == 0


def test_a_key_written_the_old_way_is_rewrapped_and_still_signs(app):
    university = factories.university(code="MSL")
    keystore.create_root()
    record = keystore.issue_key(university)
    for stored in keystore.all_keys():
        _old_way(stored)
    db.session.commit()
    assert key_wrap.iterations_of(record.encrypted_key_pem) == 2048
    result = app.test_cli_runner().invoke(args=["keys", "rewrap", "--language", "en"])
    assert result.exit_code == 0 and "2 signing key(s) re-wrapped" in result.output, result.output
    db.session.expire_all()
    assert {key_wrap.iterations_of(key.encrypted_key_pem) for key in keystore.all_keys()} == {
        app.config["SIGNING_KDF_ITERATIONS"]}
    keystore._signers.clear()
    signed = pades.sign_pdf(blank_pdf(), keystore.signer_for(university), reason="test")
    assert signed.startswith(b"%PDF") and len(signed) > len(blank_pdf())
    again = app.test_cli_runner().invoke(args=["keys", "rewrap", "--language", "en"])
    assert "0 signing key(s) re-wrapped" in again.output
