"""Undoing a revocation: the registrar of the certificate's university (or the administrator) reinstates a
revoked certificate with a reason; it is valid again on the verification page, in the university's status
list and on the graduate's page, and the audit trail keeps both the revocation and the reinstatement. A
certificate replaced by a correction stays revoked."""
from datetime import date
from urllib.parse import urlsplit

import pytest

from diploma.audit import AuditEvent
from diploma.certificates import corrections, documents, revocation, verification
from diploma.certificates.revocation import reinstate_certificate
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.signing import credential
from tests import factories
from tests.certificates.builders import graduating_cohort
from tests.certificates.test_verification import verify_url
from tests.certificates.test_views import certificate_state, client_for
from tests.pages import page_of, redirects_to_login, shown
from tests.signing.test_signing import _status_bit


@pytest.fixture
def revoked(runner):
    """Two Mosul graduates with signed certificates (the university has its key); the first revoked by
    mistake. Everything committed."""
    group = graduating_cohort(2, code="MSL")
    first, _second = group.issue()
    assert runner.invoke(args=["keys", "init", "--language", "en"]).exit_code == 0
    assert runner.invoke(args=["keys", "issue", "--university", "MSL", "--language", "en"]).exit_code == 0
    claims = credential.credential_json(documents.certificate_credential(first))
    revocation.revoke_certificate(group.registrar, first, "Issued to the wrong person")
    db.session.commit()
    return {"group": group, "serial": first.serial, "code": first.verification_code, "claims": claims,
            "student": group.students[0].user}


def reinstate(client, serial, reason):
    return client.post(f"/certificates/{serial}/reinstate", data={"reason": reason})


def events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_reinstated_certificate_is_valid_again_everywhere_and_the_trail_keeps_why(app, revoked):
    serial, registrar = revoked["serial"], revoked["group"].registrar
    client = client_for(app, registrar)
    visitor = app.test_client()
    assert _status_bit(visitor, revoked["claims"]) is True
    assert 'data-status="revoked"' in page_of(visitor.get(verify_url(serial, revoked["code"])))
    detail = page_of(client.get(f"/certificates/{serial}"))
    assert 'data-testid="reinstate-form"' in detail  # the way back, on the certificate's page

    response = reinstate(client, serial, "Revoked by mistake: the wrong row was chosen")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/certificates/{serial}"
    db.session.expire_all()
    certificate = verification.find_by_serial(serial)
    assert certificate.status == "valid" and certificate.revoked_at is None
    assert certificate.revoked_reason is None and certificate.revoked_by_id is None
    event, = events("certificate.reinstated")
    assert event.actor_id == registrar.id and event.target_id == str(certificate.id)
    assert event.data["reason"] == "Revoked by mistake: the wrong row was chosen"
    assert event.data["revoked_reason"] == "Issued to the wrong person" and event.data["revoked_at"]
    assert len(events("certificate.revoked")) == 1  # the revocation stays in the trail
    # The status list, the verification page, the registrar's and the graduate's pages follow.
    assert _status_bit(visitor, revoked["claims"]) is False
    assert 'data-status="valid"' in page_of(visitor.get(verify_url(serial, revoked["code"])))
    assert 'data-testid="downloads"' in page_of(client.get(f"/certificates/{serial}"))
    graduate = client_for(app, revoked["student"])
    mine = page_of(graduate.get("/certificates/mine"))
    assert 'data-status="valid"' in mine and 'data-testid="my-certificate-ar"' in mine
    assert graduate.get("/certificates/mine/certificate.pdf").status_code == 200


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_reason_is_required_and_told_in_the_pages_language(app, revoked, language):
    client = client_for(app, revoked["group"].registrar, language)
    before = certificate_state()

    response = reinstate(client, revoked["serial"], "   ")

    assert response.status_code == 422
    assert shown("This field is required.", language) in page_of(response)
    assert certificate_state() == before


def test_the_service_refuses_a_blank_reason_and_a_certificate_that_is_not_revoked(revoked):
    certificate = verification.find_by_serial(revoked["serial"])
    with pytest.raises(RuleViolation) as blank:
        reinstate_certificate(revoked["group"].registrar, certificate, " ")
    assert blank.value.field == "reason"
    reinstate_certificate(revoked["group"].registrar, certificate, "A mistake")
    with pytest.raises(RuleViolation) as twice:
        reinstate_certificate(revoked["group"].registrar, certificate, "Twice")
    assert str(twice.value.message) == shown("This certificate is not revoked.")
    db.session.rollback()


def test_only_the_universitys_registrar_and_the_administrator_reinstate(app, revoked):
    serial = revoked["serial"]
    other = graduating_cohort(1, code="BGD")
    before = certificate_state()
    assert reinstate(client_for(app, other.registrar), serial, "Not ours").status_code == 404
    assert reinstate(client_for(app, revoked["student"]), serial, "Mine").status_code == 403
    assert reinstate(client_for(app, revoked["group"].lecturer), serial, "Hers").status_code == 403
    assert redirects_to_login(reinstate(app.test_client(), serial, "Anyone"))
    assert certificate_state() == before

    admin = client_for(app, factories.user(role="admin"))
    assert reinstate(admin, serial, "Revoked by mistake").status_code == 302
    db.session.expire_all()
    assert verification.find_by_serial(serial).status == "valid"


def test_a_certificate_replaced_by_a_correction_stays_revoked(app, revoked):
    group = revoked["group"]
    kept = group.issued()[1]
    corrected = corrections.correct_certificate(group.registrar, kept, corrections.Correction(
        kept.snapshot["student"]["name_ar"], "A corrected name", date(2025, 1, 20), "misspelt name"))
    db.session.commit()
    client = client_for(app, group.registrar)
    assert 'data-testid="reinstate-form"' not in page_of(client.get(f"/certificates/{kept.serial}"))
    before = certificate_state()

    response = reinstate(client, kept.serial, "Bring the old one back")

    assert response.status_code == 422
    assert shown("This certificate was replaced by a corrected certificate: it cannot be reinstated.") \
        in page_of(response)
    assert certificate_state() == before
    assert verification.find_by_serial(corrected.serial).status == "valid"


def test_the_graduation_report_leads_from_a_revoked_graduate_to_the_way_back(app, revoked):
    """A revoked (not replaced) graduate has no issue box: the report links the certificate, whose page
    offers reinstating it."""
    group = revoked["group"]
    client = client_for(app, group.registrar)
    report = page_of(client.get(f"/certificates/cohorts/{group.cohort.id}"))
    assert f'href="/certificates/{revoked["serial"]}"' in report
    assert f'name="student_id" value="{group.students[0].id}"' not in report
    assert 'data-testid="reinstate-form"' in page_of(client.get(f"/certificates/{revoked['serial']}"))


# --- two reinstatements at the same moment -----------------------------------------------------------------

def _change_in_a_thread(app, barrier, registrar_id, certificate_id, outcomes, key, change, reason, done):
    from diploma.auth.models import User
    from diploma.certificates.models import Certificate

    with app.app_context():
        try:
            registrar = db.session.get(User, registrar_id)
            certificate = db.session.get(Certificate, certificate_id)
            barrier.wait(timeout=60)
            change(registrar, certificate, reason)
            db.session.commit()
            outcomes[key] = done
        except RuleViolation:
            db.session.rollback()
            outcomes[key] = "refused"
        except Exception as error:  # noqa: BLE001 - reported by the test
            db.session.rollback()
            outcomes[key] = repr(error)
        finally:
            db.session.remove()


def _two_registrars_at_once(app, registrars, certificate_id, change, reasons, done):
    """The two registrars make the same change to the certificate at the same moment, each in a thread of
    its own (its own connection); what each got: ``done`` or "refused"."""
    import threading

    db.session.commit()
    db.session.close()
    barrier, outcomes = threading.Barrier(2), {}
    threads = [threading.Thread(target=_change_in_a_thread, args=(
        app, barrier, registrars[index], certificate_id, outcomes, index, change, reasons[index], done))
        for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.postgres_only
def test_two_reinstatements_of_the_same_certificate_at_once_reinstate_it_once(app):
    """The row is locked and read afresh: the second registrar waits, then finds the certificate valid and
    is refused; without the lock both would reinstate it and the trail would say so twice."""
    group = graduating_cohort(6, code="KUF")
    certificates = group.issue()
    serials = sorted(c.serial for c in certificates)
    for certificate in certificates:
        revocation.revoke_certificate(group.registrar, certificate, "Issued to the wrong person")
    second_registrar = factories.user(role="registrar", university=group.university)
    registrars = (group.registrar.id, second_registrar.id)
    for certificate_id in [c.id for c in certificates]:
        outcomes = _two_registrars_at_once(app, registrars, certificate_id, reinstate_certificate,
                                           ["revoked by mistake"] * 2, "reinstated")
        assert sorted(outcomes.values()) == ["refused", "reinstated"], outcomes
    reinstated = [event.data["serial"] for event in events("certificate.reinstated")]
    assert sorted(reinstated) == serials  # each once


@pytest.mark.postgres_only
def test_two_revocations_of_the_same_certificate_at_once_revoke_it_once(app):
    """Revoking locks the row too: the second registrar waits, then finds the certificate revoked and is
    refused; without the lock both would revoke it, the second reason over the first, the trail twice."""
    group = graduating_cohort(3, code="KUF")
    certificates = group.issue()
    second_registrar = factories.user(role="registrar", university=group.university)
    registrars = (group.registrar.id, second_registrar.id)
    for certificate_id in [c.id for c in certificates]:
        outcomes = _two_registrars_at_once(app, registrars, certificate_id, revocation.revoke_certificate,
                                           ["reason 0", "reason 1"], "revoked")
        assert sorted(outcomes.values()) == ["refused", "revoked"], outcomes
    assert len(events("certificate.revoked")) == len(certificates)  # each once
