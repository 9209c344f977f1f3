"""Corrections and re-issue: a registrar corrects a misspelt name or a wrong date; in one transaction the old
certificate is revoked as "replaced by a corrected certificate", a new serial comes from the same gap-free
counter with a fresh snapshot and verification code, audit events link both. The old one's public page says
it was replaced (and when) without revealing the new code; the student sees only the current one. Who may
correct: the registrar of the certificate's university and the administrator; two corrections at the same
moment (PostgreSQL) make exactly one replacement."""
import threading
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.certificates import corrections, documents, graduation, inspect, issuing, revocation
from diploma.certificates.models import Certificate, SerialCounter
from diploma.errors import RuleViolation
from diploma.extensions import db
from tests import factories
from tests.certificates.builders import graduating_cohort
from tests.certificates.test_views import client_for
from tests.pages import confirm, confirm_if_asked, page_of

ISSUED_ON = date(2025, 7, 15)
NEW_NAME_AR, NEW_NAME_EN = "فاطمة علي حسين العبيدي", "Fatima Ali Hussein Al-Obaidi"


@pytest.fixture
def cohort():
    group = graduating_cohort(3, code="MSL")
    group.issue(issued_on=ISSUED_ON)
    return group


def correction_form(name_ar=NEW_NAME_AR, name_en=NEW_NAME_EN, issued_on="2025-07-16", reason="misspelt name"):
    return {"name_ar": name_ar, "name_en": name_en, "issued_on": issued_on, "reason": reason}


def post_correction(app, user, serial, language="en", **values):
    """Post the correction form and confirm it on the confirmation page when one is shown."""
    client = client_for(app, user, language)
    return confirm_if_asked(client, client.post(f"/certificates/{serial}/correct",
                                                data=correction_form(**values)))


def certificates_now():
    db.session.rollback()
    return db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()


def test_a_registrar_corrects_a_name_and_date_and_a_new_certificate_replaces_the_old(app, cohort):
    old = cohort.issued()[0]
    old_serial, old_snapshot = old.serial, dict(old.snapshot)

    response = post_correction(app, cohort.registrar, old_serial)

    assert response.status_code == 302
    old = db.session.get(Certificate, old.id)
    new = old.replaced_by
    assert new is not None and new.replaces_id == old.id and new.edition == 2
    assert old.revoked and old.revoked_reason == corrections.REPLACED_REASON and old.revoked_at is not None
    assert not old.printable and new.printable
    assert new.serial == "PCS-MSL-2025-0004"  # the next number of the same counter (three were issued)
    assert db.session.get(SerialCounter, (old.university_id, 2025)).last_number == 4
    assert new.verification_code != old.verification_code
    assert new.issued_on == date(2025, 7, 16) and new.snapshot["issued_on"] == "2025-07-16"
    student = new.snapshot["student"]
    assert student["name_ar"] == NEW_NAME_AR and student["name_en"] == NEW_NAME_EN
    assert new.snapshot["serial"] == new.serial and new.verification_code in new.snapshot["verification_url"]
    # Everything else is stated as it was issued.
    for key in ("average", "rank", "cohort_size", "band", "courses", "university", "programme"):
        assert new.snapshot[key] == old_snapshot[key]
    assert old.snapshot == old_snapshot  # the old certificate's statement is never rewritten
    user = db.session.get(User, old.student.user_id)
    assert (user.name_ar, user.name_en) == (NEW_NAME_AR, NEW_NAME_EN)  # the record is corrected too
    assert response.headers["Location"].endswith(f"/certificates/{new.serial}")


def test_audit_events_link_both_certificates(app, cohort):
    old = cohort.issued()[0]
    post_correction(app, cohort.registrar, old.serial)
    new = db.session.get(Certificate, old.id).replaced_by
    events = {e.action: e for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action.in_(["certificate.replaced", "certificate.corrected"])))}
    assert events["certificate.replaced"].target_id == str(old.id)
    assert events["certificate.replaced"].data["replaced_by"] == new.serial
    assert events["certificate.corrected"].target_id == str(new.id)
    assert events["certificate.corrected"].data["replaces"] == old.serial
    assert events["certificate.corrected"].data["changes"]["name_en"] == [
        old.snapshot["student"]["name_en"], NEW_NAME_EN]
    assert events["certificate.corrected"].actor_id == cohort.registrar.id


def test_the_old_verification_page_says_replaced_and_when_without_the_new_code(app, cohort):
    old = cohort.issued()[0]
    old_serial, old_code = old.serial, old.verification_code
    post_correction(app, cohort.registrar, old_serial)
    new = db.session.scalar(db.select(Certificate).where(Certificate.replaces_id == old.id))
    for language, words in (("en", "replaced by a corrected certificate on"), ("ar", "استُبدلت هذه الشهادة")):
        page = client_for(app, language=language).get(f"/verify/{old_serial}?code={old_code}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-status="replaced"' in text and words in text
        assert new.verification_code not in text and new.serial not in text
    fresh = client_for(app, language="en").get(f"/verify/{new.serial}?code={new.verification_code}")
    fresh_text = fresh.get_data(as_text=True)
    assert 'data-status="valid"' in fresh_text and NEW_NAME_EN in fresh_text


def test_the_student_sees_only_the_current_certificate(app, cohort):
    old = cohort.issued()[0]
    student_user = old.student.user
    post_correction(app, cohort.registrar, old.serial)
    new = db.session.scalar(db.select(Certificate).where(Certificate.replaces_id == old.id))
    client = client_for(app, student_user, "en")
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert new.serial in page and old.serial not in page and 'data-status="valid"' in page
    assert client.get("/certificates/mine/certificate.pdf").status_code == 200


def test_the_graduation_report_shows_the_current_certificate_and_nothing_to_issue(app, cohort):
    old = cohort.issued()[0]
    post_correction(app, cohort.registrar, old.serial)
    report = graduation.graduation_report(cohort.university, cohort.cohort)
    standing = next(s for s in report.standings if s.student.id == old.student_id)
    assert standing.certificate.replaces_id == old.id and not standing.awaits_certificate


def test_the_corrected_pdf_is_signed_and_valid_when_uploaded(app, cohort):
    old = cohort.issued()[0]
    post_correction(app, cohort.registrar, old.serial)
    new = db.session.scalar(db.select(Certificate).where(Certificate.replaces_id == old.id))
    with app.test_request_context():
        verdict = inspect.inspect_pdf(documents.certificate_pdf(new, "ar"))
    assert verdict.outcome == inspect.VALID and verdict.certificate.id == new.id


def test_the_certificates_list_counts_a_corrected_certificate_once(app, cohort):
    old = cohort.issued()[0]
    assert post_correction(app, cohort.registrar, old.serial).status_code == 302
    db.session.rollback()

    counts = graduation.counts_by_cohort(Certificate, [cohort.cohort.id], cohort.university.id,
                                       Certificate.current())
    assert counts == {(cohort.cohort.id, cohort.university.id): 3}  # three graduates, three certificates
    assert len(certificates_now()) == 4  # the replaced one is kept, revoked


def test_the_administrator_may_correct(app, cohort):
    admin = factories.user(role="admin")
    old = cohort.issued()[1]
    assert post_correction(app, admin, old.serial).status_code == 302
    assert db.session.get(Certificate, old.id).replaced


def test_another_universitys_registrar_gets_404_and_students_and_lecturers_403(app, cohort):
    old = cohort.issued()[0]
    other = graduating_cohort(1, code="BGD")
    student = old.student.user
    assert post_correction(app, other.registrar, old.serial).status_code == 404
    assert post_correction(app, student, old.serial).status_code == 403
    assert post_correction(app, cohort.lecturer, old.serial).status_code == 403
    anonymous = client_for(app).post(f"/certificates/{old.serial}/correct", data=correction_form())
    assert anonymous.status_code in (302, 401)
    assert len(certificates_now()) == 3 and not any(c.revoked for c in certificates_now())


@pytest.mark.parametrize(("values", "message"), [
    ({"reason": ""}, "This field is required."),
    ({"name_ar": ""}, "This field is required."),
    ({"issued_on": "15/07/2025x"}, "date"),
    ({"name_ar": None, "name_en": None, "issued_on": None}, "Nothing was changed"),
])
def test_bad_input_is_a_translated_error_and_changes_nothing(app, cohort, values, message):
    old = cohort.issued()[0]
    if values.get("name_ar", "") is None:  # the same names and date as issued: nothing to correct
        student = old.snapshot["student"]
        values = {"name_ar": student["name_ar"], "name_en": student["name_en"],
                  "issued_on": old.issued_on.isoformat()}
    response = post_correction(app, cohort.registrar, old.serial, **values)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert len(certificates_now()) == 3 and not any(c.revoked for c in certificates_now())
    assert db.session.get(SerialCounter, (old.university_id, 2025)).last_number == 3


def test_the_errors_are_in_arabic_too(app, cohort):
    old = cohort.issued()[0]
    values = {"name_ar": old.snapshot["student"]["name_ar"], "name_en": old.snapshot["student"]["name_en"],
              "issued_on": old.issued_on.isoformat()}
    response = post_correction(app, cohort.registrar, old.serial, language="ar", **values)
    assert response.status_code == 422 and "لم يتغيّر شيء" in response.get_data(as_text=True)


def test_a_revoked_or_already_replaced_certificate_cannot_be_corrected(app, cohort):
    first, second = cohort.issued()[:2]
    revocation.revoke_certificate(cohort.registrar, first, "issued in error")
    db.session.commit()
    assert post_correction(app, cohort.registrar, first.serial).status_code == 422
    assert post_correction(app, cohort.registrar, second.serial).status_code == 302
    again = post_correction(app, cohort.registrar, second.serial, name_en="Another Name")
    assert again.status_code == 422 and "only a valid certificate" in again.get_data(as_text=True)
    assert len(certificates_now()) == 4


def test_a_certificate_corrected_twice_keeps_a_chain(app, cohort):
    first = cohort.issued()[0]
    post_correction(app, cohort.registrar, first.serial)
    second = db.session.get(Certificate, first.id).replaced_by
    post_correction(app, cohort.registrar, second.serial, name_en="Fatima A. Hussein Al-Obaidi")
    third = db.session.get(Certificate, second.id).replaced_by
    assert third.edition == 3 and third.replaces.replaces.id == first.id
    assert issuing.current_certificate_of(first.student).id == third.id


def test_the_detail_page_offers_the_correction_filled_in(app, cohort):
    old = cohort.issued()[0]
    page = client_for(app, cohort.registrar, "en").get(f"/certificates/{old.serial}").get_data(as_text=True)
    assert 'data-testid="correction-form"' in page and old.snapshot["student"]["name_en"] in page
    assert 'value="2025-07-15"' in page


# --- two corrections at the same moment ---------------------------------------------------------------

def test_a_correction_whose_commit_meets_another_is_refused_on_the_form_and_changes_nothing(app, cohort,
                                                                                           monkeypatch):
    old = cohort.issued()[0]
    before = [(c.id, c.serial, c.revoked) for c in certificates_now()]
    client = client_for(app, cohort.registrar, "en")
    asked = client.post(f"/certificates/{old.serial}/correct", data=correction_form())

    def failing_commit(session):
        raise IntegrityError("INSERT", {}, Exception("duplicate key: corrected at the same moment"))

    monkeypatch.setattr(type(db.session()), "commit", failing_commit)
    response = confirm(client, asked)
    monkeypatch.undo()

    assert response.status_code == 422
    assert ("This certificate was being corrected by someone else at the same moment. Check it and try again."
            in page_of(response))
    assert [(c.id, c.serial, c.revoked) for c in certificates_now()] == before


def _correct_at_the_same_moment(app, barrier, registrar_id, certificate_id, name_en, outcomes, key):
    with app.app_context():
        try:
            registrar = db.session.get(User, registrar_id)
            certificate = db.session.get(Certificate, certificate_id)
            correction = corrections.Correction(NEW_NAME_AR, name_en, certificate.issued_on, "race")
            barrier.wait(timeout=60)
            new = corrections.correct_certificate(registrar, certificate, correction)
            db.session.commit()
            outcomes[key] = ("corrected", new.serial)
        except RuleViolation:
            db.session.rollback()
            outcomes[key] = ("refused", None)
        except Exception as error:  # noqa: BLE001 - reported by the test
            db.session.rollback()
            outcomes[key] = ("error", repr(error))
        finally:
            db.session.remove()


@pytest.mark.postgres_only
def test_two_corrections_of_the_same_certificate_at_once_make_exactly_one_replacement(app):
    group = graduating_cohort(6, code="KUF")
    group.issue(issued_on=ISSUED_ON)
    second_registrar = factories.user(role="registrar", university=group.university)
    registrars = (group.registrar.id, second_registrar.id)
    university_id = group.university.id
    for certificate_id in [c.id for c in group.issued()]:
        db.session.commit()
        db.session.close()
        barrier, outcomes = threading.Barrier(2), {}
        threads = [threading.Thread(target=_correct_at_the_same_moment, args=(
            app, barrier, registrars[index], certificate_id, f"Name {index}", outcomes, index))
            for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(kind for kind, _ in outcomes.values()) == ["corrected", "refused"], outcomes
        replacements = db.session.scalars(db.select(Certificate).where(
            Certificate.replaces_id == certificate_id)).all()
        assert len(replacements) == 1
    numbers = db.session.scalars(db.select(Certificate.number).where(
        Certificate.university_id == university_id).order_by(Certificate.number)).all()
    assert numbers == list(range(1, 13))  # six issued, six corrections: gap-free


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_name_corrected_after_later_marks_were_published_keeps_its_date(app, cohort, language):
    """The date rule (not before the cohort's last published marks) is checked only for a date that
    changes: on the confirmation step as in the service. A misspelt name found after a classmate's later
    marks were published is corrected, with the graduation date as it was."""
    from datetime import datetime

    from diploma.grading.models import Gradebook

    old = cohort.issued()[0]
    for gradebook in db.session.scalars(db.select(Gradebook).where(Gradebook.published_round > 0)):
        gradebook.published_at = datetime(2025, 9, 1, 10, 0)  # after the certificates' 15 July 2025
    db.session.flush()

    unchanged = post_correction(app, cohort.registrar, old.serial, language, issued_on=ISSUED_ON.isoformat())
    assert unchanged.status_code == 302
    new = db.session.get(Certificate, old.id).replaced_by
    assert new.snapshot["student"]["name_en"] == NEW_NAME_EN and new.issued_on == ISSUED_ON

    moved = post_correction(app, cohort.registrar, new.serial, language, name_en="Fatima Ali Hussein Obaidi",
                            issued_on="2025-08-01")  # a changed date still meets the rule
    assert moved.status_code == 422 and "2025-09-01" in page_of(moved)
