"""The revocation status lists are signed only when they change and kept: two fetches give the same bytes and
a strong ETag (``If-None-Match`` answers 304), a revocation, a reinstatement or a correction signs a new list
in its own transaction, the list says when it was signed and until when it holds, the worker signs it anew
before then, and a GET writes nothing."""
import threading
from datetime import timedelta

import pytest
from joserfc import jwt

from diploma import clock
from diploma.auth.models import User
from diploma.certificates import revocation
from diploma.certificates.corrections import Correction, correct_certificate
from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.jobs.runner import run_periodic_steps
from diploma.partners.models import University
from diploma.signing import credential, keystore, status_lists
from diploma.signing.jobs import RENEW_STATUS_LISTS
from diploma.signing.models import StatusList
from tests import factories
from tests.certificates.builders import graduating_cohort

SIGNED_LIST = "application/vc+jwt"
TIMEOUT = 60


@pytest.fixture
def group():
    """Three Mosul graduates issued while the university has its key: the issue made its list."""
    keystore.create_root()
    cohort = graduating_cohort(3, code="MSL")
    keystore.issue_key(cohort.university)
    db.session.commit()
    cohort.issue()
    return cohort


def _path(university):
    return f"/issuers/{university.code}/status"


def _kept(university):
    db.session.expire_all()
    return db.session.get(StatusList, university.id)


def _claims(token, university):
    key = keystore.jwk_of_certificate(keystore.current_key(university).certificate_pem)
    return jwt.decode(token, key, algorithms=["ES256"]).claims


def _revoked_places(token, university):
    bits = credential.decode_status_list(_claims(token, university)["credentialSubject"]["encodedList"])
    return [index for index in range(len(bits) * 8) if bits[index // 8] & (0x80 >> (index % 8))]


def test_two_fetches_return_the_same_bytes_and_the_etag_answers_304(client, group):
    first, second = client.get(_path(group.university)), client.get(_path(group.university))

    assert first.status_code == second.status_code == 200 and first.mimetype == SIGNED_LIST
    assert first.data == second.data == _kept(group.university).token.encode()
    etag = first.headers["ETag"]
    assert not etag.startswith("W/") and etag == second.headers["ETag"]
    assert etag.strip('"') == _kept(group.university).etag
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.last_modified.replace(tzinfo=None) == _kept(group.university).signed_at
    not_modified = client.get(_path(group.university), headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert client.get(_path(group.university), headers={"If-None-Match": '"other"'}).status_code == 200


def test_revoking_signs_a_new_list_in_the_same_transaction_with_its_bit_set(client, group):
    revoked, kept = group.issued()[:2]
    before = client.get(_path(group.university))
    assert _revoked_places(before.get_data(as_text=True), group.university) == []

    revocation.revoke_certificate(group.registrar, revoked, "Issued to the wrong person")
    signed_in_the_transaction = db.session.get(StatusList, group.university.id).token
    db.session.commit()

    after = client.get(_path(group.university))
    assert after.data != before.data and after.data == signed_in_the_transaction.encode()
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get(_path(group.university), headers={"If-None-Match": before.headers["ETag"]}) \
        .status_code == 200
    assert _revoked_places(after.get_data(as_text=True), group.university) == [revoked.status_index]
    assert kept.status_index != revoked.status_index

    revocation.reinstate_certificate(group.registrar, revoked, "Revoked by mistake")
    db.session.commit()
    reinstated = client.get(_path(group.university))
    assert reinstated.data not in (before.data, after.data)
    assert _revoked_places(reinstated.get_data(as_text=True), group.university) == []


def test_a_revocation_that_cannot_be_signed_drops_the_kept_list(app, client, group, monkeypatch):
    """Rather than keep serving a list that says "not revoked": fetches answer 404 until it can be signed."""
    assert client.get(_path(group.university)).status_code == 200
    monkeypatch.setitem(app.config, "SIGNING_PASSPHRASE", "not the passphrase")

    revocation.revoke_certificate(group.registrar, group.issued()[0], "Issued to the wrong person")
    db.session.commit()

    assert _kept(group.university) is None
    assert client.get(_path(group.university)).status_code == 404


def test_a_correction_sets_the_old_place_and_draws_a_new_one(client, group):
    old = group.issued()[0]
    new = correct_certificate(group.registrar, old, Correction(
        name_ar=old.snapshot["student"]["name_ar"], name_en="Corrected Name",
        issued_on=old.issued_on, reason="A typing mistake"))
    db.session.commit()

    assert new.status_index != old.status_index and 0 <= new.status_index < credential.STATUS_LIST_BITS
    token = client.get(_path(group.university)).get_data(as_text=True)
    assert _revoked_places(token, group.university) == [old.status_index]


def test_the_list_says_when_it_was_signed_and_holds_for_a_week(client, group):
    kept = _kept(group.university)
    claims = _claims(kept.token, group.university)

    assert claims["validFrom"] == kept.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert claims["validUntil"] == kept.valid_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert kept.valid_until - kept.signed_at == timedelta(days=7)
    assert claims["exp"] - claims["nbf"] == 7 * 24 * 3600
    # Near its validUntil, caches may keep it only until then.
    with clock.as_of(kept.valid_until - timedelta(seconds=100)):
        near_the_end = client.get(_path(group.university))
    assert near_the_end.data == kept.token.encode()
    assert near_the_end.headers["Cache-Control"] == "public, max-age=100"


def test_a_fetch_writes_nothing_and_a_list_past_its_valid_until_is_signed_for_that_answer_only(client,
                                                                                                 group):
    kept = _kept(group.university)
    late = kept.valid_until + timedelta(hours=1)
    with clock.as_of(late):
        first, second = client.get(_path(group.university)), client.get(_path(group.university))

    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert "ETag" not in first.headers and first.data != second.data  # signed at each answer
    assert _claims(first.get_data(as_text=True), group.university)["validFrom"] == \
        late.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _kept(group.university).token == kept.token  # nothing written by the GETs


def test_the_worker_signs_again_the_lists_with_less_than_two_days_left(group):
    kept = _kept(group.university)
    first_token, signed_at = kept.token, kept.signed_at
    with clock.as_of(signed_at + timedelta(days=4)):
        assert status_lists.renew_due() == []
    assert _kept(group.university).token == first_token

    later = signed_at + timedelta(days=5, hours=1)
    with clock.as_of(later):
        assert RENEW_STATUS_LISTS in run_periodic_steps()
    renewed = _kept(group.university)
    assert renewed.token != first_token and renewed.signed_at == later.replace(microsecond=0)
    assert renewed.valid_until == renewed.signed_at + timedelta(days=7)


def test_the_worker_makes_the_missing_lists_of_universities_with_a_key(client, group):
    other = factories.university(code="BGD")
    keystore.issue_key(other)
    without_key = factories.university(code="BSR")
    db.session.commit()
    assert _kept(other) is None

    with clock.as_of(clock.utcnow()):
        assert status_lists.renew_due() == ["BGD"]
    db.session.commit()

    assert _kept(other) is not None and _kept(without_key) is None
    assert client.get(_path(other)).data == _kept(other).token.encode()
    assert client.get(_path(without_key)).status_code == 404


def _revoke_in_a_thread(app, barrier, registrar_id, certificate_id, outcomes):
    with app.app_context():
        try:
            registrar = db.session.get(User, registrar_id)
            certificate = db.session.get(Certificate, certificate_id)
            barrier.wait(TIMEOUT)
            revocation.revoke_certificate(registrar, certificate, "Issued to the wrong person")
            db.session.commit()
            outcomes[certificate_id] = "revoked"
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            db.session.rollback()
            outcomes[certificate_id] = repr(error)
        finally:
            db.session.remove()


ROUNDS = 3


@pytest.mark.postgres_only(reason="SQLite serialises writers: the two revocations cannot overlap there")
def test_two_revocations_at_once_both_show_in_the_kept_list(app):
    """Each revocation locks the list's row before it reads the revoked places: the second waits for the
    first's commit, then signs a list with both (without the lock, the last to commit would drop the
    other's bit). Run several times."""
    keystore.create_root()
    cohort = graduating_cohort(2 * ROUNDS, code="MSL")
    keystore.issue_key(cohort.university)
    db.session.commit()
    ids = [c.id for c in cohort.issue()]
    university_id, registrar_id = cohort.university.id, cohort.registrar.id
    for round_ in range(ROUNDS):
        pair = ids[2 * round_:2 * round_ + 2]
        db.session.commit()
        db.session.close()
        barrier, outcomes = threading.Barrier(2), {}
        threads = [threading.Thread(target=_revoke_in_a_thread,
                                    args=(app, barrier, registrar_id, certificate_id, outcomes))
                   for certificate_id in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert outcomes == dict.fromkeys(pair, "revoked")

        revoked = ids[:2 * round_ + 2]
        places = sorted(db.session.scalars(db.select(Certificate.status_index)
                                           .where(Certificate.id.in_(revoked))))
        university = db.session.get(University, university_id)
        assert _revoked_places(_kept(university).token, university) == places
