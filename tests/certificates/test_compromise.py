"""``flask --app wsgi keys compromise``: a leaked key disowned from a date, a new key issued, and every
certificate it signed re-signed with it — the same serials, audited, all or nothing — and the verification
page says so in Arabic and English. Through the CLI runner, on a real cohort."""
import base64
import json
from datetime import timedelta

import pytest
from cryptography import x509

from diploma import clock
from diploma.audit import AuditEvent
from diploma.certificates import documents
from diploma.certificates.compromise import KEY_COMPROMISED, RESIGNED
from diploma.certificates.models import Certificate, KeptDocument
from diploma.extensions import db
from diploma.signing import crl, keystore, status_lists
from diploma.signing.credential import key_url
from diploma.signing.models import SigningKey, StatusList
from tests.certificates.builders import graduating_cohort


@pytest.fixture
def cohort():
    made = graduating_cohort(3, code="MSL")
    keystore.create_root()
    keystore.issue_key(made.university)
    db.session.commit()
    made.issue()
    return made


def _since(minutes_ago=1):
    return (clock.utcnow() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def _compromise(runner, *arguments):
    return runner.invoke(args=["keys", "compromise", *arguments, "--language", "en"])


def _events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def _state(cohort):
    db.session.expire_all()
    return ([(c.serial, c.signing_key_id) for c in cohort.issued()],
            [(k.id, k.retired_at, k.compromised_at) for k in db.session.scalars(db.select(SigningKey))])


def test_compromise_disowns_the_key_and_re_signs_what_it_signed(runner, cohort):
    old = keystore.current_key(cohort.university)
    serials = [c.serial for c in cohort.issued()]
    assert {c.signing_key_id for c in cohort.issued()} == {old.id}
    since = _since()

    result = _compromise(runner, "--university", "MSL", "--since", since)

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    new = keystore.current_key(cohort.university)
    assert new.id != old.id and new.compromised_at is None
    old = db.session.get(SigningKey, old.id)
    assert old.compromised_at.strftime("%Y-%m-%dT%H:%M") == since and old.retired_at is not None
    issued = cohort.issued()
    assert [c.serial for c in issued] == serials  # the same serials, nothing issued anew
    assert {c.signing_key_id for c in issued} == {new.id}
    assert "3 certificate(s) re-signed" in result.output and new.fingerprint in result.output
    resigned = _events(RESIGNED)
    assert sorted(event.target_key for event in resigned) == sorted(c.id for c in issued)
    assert {event.data["previous_key"] for event in resigned} == {old.fingerprint}
    assert {event.data["key"] for event in resigned} == {new.fingerprint}
    [disowned] = _events(KEY_COMPROMISED)
    assert disowned.target_key == old.id and disowned.data["successor"] == new.fingerprint
    listed = runner.invoke(args=["keys", "list", "--language", "en"]).output
    assert f"disowned from {since.replace('T', ' ')}" in listed


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Re-signed on", "the key that first signed it was disowned on"]),
    ("ar", ["أُعيد توقيعها في", "تبرّأت الجامعة في"]),
])
def test_the_verification_page_says_the_certificate_was_re_signed(client, runner, cohort, language, words):
    certificate = cohort.issued()[0]
    path = f"/verify/{certificate.serial}?code={certificate.verification_code}"
    before = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
    assert 'data-testid="key-resigned"' not in before
    assert _compromise(runner, "--university", "MSL", "--since", _since()).exit_code == 0

    page = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
    assert 'data-testid="key-resigned"' in page
    for word in words:
        assert word in page
    new = keystore.current_key(cohort.university)
    assert new.fingerprint in page  # the key shown is the one that re-signed it
    assert 'data-within="yes"' in page  # re-signed within the new key's period


def test_a_failure_while_re_signing_leaves_nothing_half_done(runner, cohort, monkeypatch):
    before = _state(cohort)
    signed = []

    def keep_documents(certificate):  # the kept files' signing fails at the second certificate
        signed.append(certificate.serial)
        if len(signed) == 2:
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(documents, "keep_documents", keep_documents, raising=False)
    result = _compromise(runner, "--university", "MSL", "--since", _since())

    assert result.exit_code != 0 and len(signed) == 2
    assert _state(cohort) == before  # no compromise date, no new key, no certificate moved
    assert _events(RESIGNED) == [] and _events(KEY_COMPROMISED) == []


def test_a_retired_key_named_by_its_kid_moves_its_certificates_to_the_current_key(runner, cohort):
    old = keystore.current_key(cohort.university)
    keystore.issue_key(cohort.university)  # rotated before the leak is known
    db.session.commit()
    current = keystore.current_key(cohort.university)

    result = _compromise(runner, "--key", old.kid[:8], "--since", _since())

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert keystore.current_key(cohort.university).id == current.id  # no new key: the leaked one was retired
    assert {c.signing_key_id for c in cohort.issued()} == {current.id}
    assert db.session.get(SigningKey, old.id).compromised_at is not None


@pytest.mark.parametrize(("arguments", "message"), [
    ([], "Name the key to disown"),
    (["--key", "nothing-like-it"], "No university key has the kid"),
    (["--university", "MSL", "--since-typo"], "No such option"),
])
def test_compromise_refuses_what_it_cannot_do(runner, cohort, arguments, message):
    since = [] if "--since-typo" in arguments else ["--since", _since()]
    result = _compromise(runner, *arguments, *since)
    assert result.exit_code != 0 and message in result.output
    assert not _events(KEY_COMPROMISED)


def test_a_compromise_date_in_the_future_is_refused(runner, cohort):
    later = (clock.utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    result = _compromise(runner, "--university", "MSL", "--since", later)
    assert result.exit_code != 0 and "in the future" in result.output
    assert keystore.current_key(cohort.university).compromised_at is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 3



def _kept_files(certificate):
    db.session.expire_all()
    return {(kept.kind, kept.language): (kept.sha256, kept.signing_key_id) for kept in db.session.scalars(
        db.select(KeptDocument).where(KeptDocument.certificate_id == certificate.id))}


def _signed_by(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]


def test_compromise_signs_the_kept_files_anew_publishes_the_crl_and_re_signs_the_status_list(runner, cohort):
    certificate = cohort.issued()[0]
    documents.keep_documents(certificate)
    status_lists.renew(cohort.university)
    db.session.commit()
    old = keystore.current_key(cohort.university)
    before = _kept_files(certificate)
    assert len(before) == 4 and {key for _, key in before.values()} == {old.id}

    assert _compromise(runner, "--university", "MSL", "--since", _since()).exit_code == 0

    new = keystore.current_key(cohort.university)
    after = _kept_files(certificate)
    assert after.keys() == before.keys()
    assert all(after[name][0] != before[name][0] and after[name][1] == new.id for name in after)
    listed = x509.load_der_x509_crl(crl.current_crl().der)
    old_serial = keystore.load_certificate(db.session.get(SigningKey, old.id)).serial_number
    entry = listed.get_revoked_certificate_by_serial_number(old_serial)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == \
        x509.ReasonFlags.key_compromise
    token = db.session.get(StatusList, cohort.university.id).token
    assert _signed_by(token) == key_url(new.kid)  # the list is signed by the new key, not the disowned one
