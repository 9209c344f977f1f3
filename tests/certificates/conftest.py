"""The certificate tests' universities get their signing keys when they first sign (the real keys, made by
``diploma.signing.keystore`` with the test passphrase), as an administrator would have made them with
``flask --app wsgi keys init`` and ``keys issue``: the tests here are about certificates, not key set-up
(tests/signing checks that a university without a key, or a wrong passphrase, signs nothing)."""
import pytest

from diploma.extensions import db
from diploma.signing import keystore


def provide_keys(university):
    if keystore.root_key() is None:
        keystore.create_root()
    if keystore.current_key(university) is None:
        keystore.issue_key(university)
        db.session.commit()


@pytest.fixture(autouse=True)
def signing_keys(monkeypatch):
    original = keystore.signer_for

    def signer_for(university):
        provide_keys(university)
        return original(university)

    monkeypatch.setattr(keystore, "signer_for", signer_for)
