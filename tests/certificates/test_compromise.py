"""``flask --app wsgi keys compromise``: a leaked key disowned from a date, a new key issued, and every
certificate it signed re-signed with it — the same serials, audited, all or nothing — and the verification
page says so in Arabic and English. Through the CLI runner, on a real cohort."""
from datetime import timedelta

import pytest

from diploma import clock
from diploma.audit import AuditEvent
from diploma.certificates import documents
from diploma.certificates.compromise import KEY_COMPROMISED, RESIGNED
from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.signing import keystore
from diploma.signing.models import SigningKey
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
