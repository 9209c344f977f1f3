"""The certificates pages: who sees what on every route (anonymous, a student with and without a
certificate, a lecturer, the registrar of the university, a registrar of another university, the
administrator), the graduation report, issuing (all or none, gap-free serials), printing from the frozen
snapshot, revoking, and the student's own certificate."""
import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy.exc import IntegrityError, OperationalError

from diploma import clock
from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.certificates import issuing, pdf, revocation, verification
from diploma.certificates.models import Certificate, SerialCounter
from diploma.extensions import db
from diploma.grading import services as grading
from diploma.grading.models import Score
from diploma.partners.models import University
from diploma.web import confirmed
from tests import factories
from tests import teaching as build
from tests.certificates.builders import blank_pdf
from tests.pages import confirm, database_state, page_of, redirects_to_login, shown

YEAR = date.today().year
SERIAL = re.compile(rf"^PCS-(?P<uni>[A-Z]{{3}})-{YEAR}-(?P<number>\d{{4}})$")
# (name_ar, name_en, gender, coursework, final): course mark = 0.4 × coursework + 0.6 × final.
GRADUATES = (
    ("آمنة جاسم محمد الربيعي", "Amna Jasim Mohammed Al-Rubaie", "f", 95, 95),
    ("باسم كريم عبد الحسين الخفاجي", "Basim Karim Abdulhussein Al-Khafaji", "m", 85, 85),
    ("تبارك علي حسن الياسري", "Tabarak Ali Hassan Al-Yasiri", "f", 75, 75),
)
FAILING = ("ثامر سعد ناجي العزاوي", "Thamer Saad Naji Al-Azzawi", "m", 30, 40)
ELSEWHERE = ("دعاء فاضل عباس الشمري", "Duaa Fadhil Abbas Al-Shammari", "f", 88, 88)
UNIVERSITY_NAMES = {"KUF": ("جامعة الكوفة", "University of Kufa"),
                    "MSL": ("جامعة الموصل", "University of Mosul"),
                    "BSR": ("جامعة البصرة", "University of Basra")}


# --- graduates at several universities (builder) -------------------------------------------------
# tests/certificates/builders.py makes one cohort at one new university with new required courses of its
# own; these tests also need several universities sharing a cohort and its courses, a student who failed
# and marks not yet published, hence this smaller builder.

@dataclass
class Graduating:
    """A cohort's students at one university, with every required course's marks published."""

    university: University
    cohort: object
    registrar: object
    lecturer: object
    students: list
    offerings: list

    def ids(self, *indexes):
        return [self.students[index].id for index in indexes]


def graduates_at(code="KUF", people=GRADUATES, *, cohort=None, university=None, publish=True):
    """Students of ``cohort`` (a new one by default) at a new university ``code`` (or at ``university``,
    with a new registrar and lecturer), enrolled in every
    required course of the programme (two 3-credit courses, created the first time; the programme asks
    for 6 credits) with their marks entered, submitted by the lecturer and published by the registrar
    (``publish=False`` leaves the last course submitted only). Everything is committed."""
    programme = factories.programme()
    programme.required_credits = 6
    db.session.commit()
    courses = [course for course in programme_courses(programme) if course.required] or \
        [factories.course(credits=3, required=True) for _ in range(2)]
    if university is None:
        name_ar, name_en = UNIVERSITY_NAMES.get(code, (f"جامعة {code}", f"University {code}"))
        university = factories.university(code=code, name_ar=name_ar, name_en=name_en)
    registrar = factories.user(role="registrar", university=university)
    lecturer = factories.user(role="lecturer", university=university)
    cohort = cohort or factories.cohort(name_ar="الدفعة الأولى", name_en="First cohort")
    students = [factories.student(university=university, cohort=cohort, gender=gender, name_ar=ar, name_en=en)
                for ar, en, gender, *_marks in people]
    offerings = []
    for position, course in enumerate(courses, start=1):
        offering = build.offering(university, lecturers=[lecturer], course=course)
        enrolments = [build.enrolled(student, offering) for student in students]
        coursework, final = grading.gradebook_of(offering).assessments
        for enrolment, (*_names, coursework_mark, final_mark) in zip(enrolments, people, strict=True):
            db.session.add_all([
                Score(enrolment_id=enrolment.id, assessment_id=coursework.id, value=Decimal(coursework_mark)),
                Score(enrolment_id=enrolment.id, assessment_id=final.id, value=Decimal(final_mark))])
        db.session.commit()
        grading.submit_gradebook(lecturer, offering)
        if publish or position < len(courses):
            grading.publish_gradebook(registrar, offering)
        db.session.commit()
        offerings.append(offering)
    return Graduating(university, cohort, registrar, lecturer, students, offerings)


def programme_courses(programme):
    from diploma.curriculum.models import Course

    return db.session.scalars(db.select(Course).where(Course.programme_id == programme.id)
                              .order_by(Course.id)).all()


def issued(group, *indexes, actor=None, issued_on=None):
    """Certificates issued through the service (committed), in the order of their serials."""
    certificates = issuing.issue_certificates(actor or group.registrar, group.university, group.cohort,
                                               group.ids(*indexes), issued_on=issued_on)
    db.session.commit()
    return certificates


# --- helpers ---------------------------------------------------------------------------------------

def client_for(app, user=None, language=None):
    client = app.test_client()
    if language:
        client.set_cookie("lang", language)
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, f"login of {user.email} failed"
    return client


def ticked(page):
    """The ids of the students ticked for issuing on a report page."""
    return re.findall(r'name="student_id" value="(\d+)" [^>]*checked', page)


def certificate_state():
    """The certificates, the serial counters and the audit trail but for logins (which the personas'
    logging in adds)."""
    state = database_state()
    events = db.session.scalars(db.select(AuditEvent.action)
                                .where(AuditEvent.action.not_like("auth.%"))).all()
    return state["certificate"], state["serial_counter"], sorted(events)


def serials(university=None):
    db.session.expire_all()
    query = db.select(Certificate.serial).order_by(Certificate.serial)
    if university is not None:
        query = query.where(Certificate.university_id == university.id)
    return db.session.scalars(query).all()


def issued_events():
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "certificate.issued")).all()


def pdf_text(data, *options):
    return subprocess.run(["pdftotext", *options, "-", "-"], input=data, capture_output=True, check=True
                          ).stdout.decode()


def pdf_pages(data):
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


@pytest.fixture
def fake_pdf(monkeypatch):
    """Stand-ins for the PDF renderer that record what they were given (the real one is tested below and
    in test_pdf.py): {kind: [(snapshots, language), …]}."""
    calls = {"certificate": [], "transcript": [], "batch": []}

    def single(kind):
        def render(snapshot, language, extra_attachments=(), qr_url=None):
            calls[kind].append((snapshot, language))
            return blank_pdf()  # a real (blank) PDF: the university signs it after the render
        return render

    def batch(snapshots, language, progress=None, qr_urls=None):
        calls["batch"].append((list(snapshots), language))
        return blank_pdf(len(snapshots))

    monkeypatch.setattr(pdf, "render_certificate", single("certificate"))
    monkeypatch.setattr(pdf, "render_transcript", single("transcript"))
    monkeypatch.setattr(pdf, "render_batch", batch)
    return calls


# --- who sees what ---------------------------------------------------------------------------------

@pytest.fixture
def world(app):
    """Kufa (three graduates, one student who failed; the first two have certificates) and Mosul (one
    graduate, with a certificate), in the same cohort; one persona of each kind."""
    home = graduates_at("KUF", (*GRADUATES, FAILING))
    other = graduates_at("MSL", (ELSEWHERE,), cohort=home.cohort)
    home_certificates, other_certificates = issued(home, 0, 1), issued(other, 0)
    people = {
        "anonymous": None,
        "student": home.students[0].user,
        "student_without": home.students[2].user,
        "lecturer": home.lecturer,
        "registrar": home.registrar,
        "other_registrar": other.registrar,
        "admin": factories.user(role="admin"),
    }
    found = {"home": home, "other": other, "people": people, "serial": home_certificates[0].serial,
             "second_serial": home_certificates[1].serial, "other_serial": other_certificates[0].serial}
    db.session.rollback()
    return found


def check(world, app, url, expected, method="GET", data=None):
    """Ask ``url`` as every persona; ``expected``: {persona: status or 'login'}."""
    report = []
    for persona, outcome in expected.items():
        client = client_for(app, world["people"][persona])
        response = client.open(url, method=method, data=data)
        ok = redirects_to_login(response) if outcome == "login" else response.status_code == outcome
        if not ok:
            report.append(f"{persona}: {method} {url} answered {response.status_code}, expected {outcome}")
    assert not report, "\n".join(report)


STAFF_ONLY = {"anonymous": "login", "student": 403, "student_without": 403, "lecturer": 403}


def test_the_cohorts_list_is_for_registrars_and_the_administrator(app, world):
    check(world, app, "/certificates/",
          {**STAFF_ONLY, "registrar": 200, "other_registrar": 200, "admin": 200})


def test_the_graduation_report_shows_the_registrars_own_university(app, world):
    home, cohort_id = world["home"], world["home"].cohort.id
    check(world, app, f"/certificates/cohorts/{cohort_id}",
          {**STAFF_ONLY, "registrar": 200, "other_registrar": 200, "admin": 404})
    check(world, app, f"/certificates/cohorts/{cohort_id}?university={home.university.id}", {"admin": 200})
    check(world, app, "/certificates/cohorts/999999", {"registrar": 404, "admin": 404})

    name = home.students[0].user.name_ar
    assert name in page_of(client_for(app, home.registrar).get(f"/certificates/cohorts/{cohort_id}"))
    foreign = client_for(app, world["people"]["other_registrar"])
    for query in ("", f"?university={home.university.id}"):  # the registrar's own university, whatever asked
        page = page_of(foreign.get(f"/certificates/cohorts/{cohort_id}{query}"))
        assert name not in page and world["serial"] not in page
        assert world["other"].students[0].user.name_ar in page


@pytest.mark.parametrize("path", ["/certificates/{serial}", "/certificates/{serial}.pdf",
                                  "/certificates/{serial}/transcript.pdf"])
def test_a_certificate_is_for_its_universitys_registrar_and_the_administrator(app, world, fake_pdf, path):
    url = path.format(serial=world["serial"])
    check(world, app, url, {**STAFF_ONLY, "registrar": 200, "other_registrar": 404, "admin": 200})
    check(world, app, path.format(serial="PCS-KUF-2000-9999"), {"registrar": 404, "admin": 404})
    check(world, app, path.format(serial=world["other_serial"]), {"registrar": 404, "other_registrar": 200})


def test_the_batch_pdf_is_for_the_registrars_own_university(app, world, fake_pdf):
    home = world["home"]
    url = f"/certificates/cohorts/{home.cohort.id}/batch.pdf"
    check(world, app, url, {**STAFF_ONLY, "registrar": 200, "other_registrar": 200, "admin": 404})
    check(world, app, f"{url}?university={home.university.id}", {"admin": 200})

    printed = {tuple(s["serial"] for s in snapshots) for snapshots, _language in fake_pdf["batch"]}
    assert printed == {(world["serial"], world["second_serial"]), (world["other_serial"],)}


def test_revoking_is_for_the_registrar_of_the_university_and_the_administrator(app, world):
    url = f"/certificates/{world['serial']}/revoke"
    before = certificate_state()
    check(world, app, url, {**STAFF_ONLY, "other_registrar": 404}, method="POST",
          data={"reason": "Forged", "confirm": "yes"})
    check(world, app, url, {"registrar": 200, "admin": 200}, method="POST", data={"reason": "Forged"})
    assert certificate_state() == before  # without the confirmation: its page, nothing revoked

    confirmed = {"reason": "Issued by mistake", "confirm": "yes"}
    check(world, app, url, {"registrar": 302}, method="POST", data=confirmed)
    check(world, app, f"/certificates/{world['second_serial']}/revoke", {"admin": 302}, method="POST",
          data=confirmed)
    db.session.expire_all()
    assert {c.status for c in db.session.scalars(db.select(Certificate).where(
        Certificate.serial.in_([world["serial"], world["second_serial"]])))} == {"revoked"}


def test_issuing_is_for_the_registrar_of_the_university_and_the_administrator(app, world):
    home = world["home"]
    url = f"/certificates/cohorts/{home.cohort.id}/issue"
    data = {"student_id": str(home.students[2].id), "confirm": "yes"}
    before = certificate_state()
    check(world, app, url, {"registrar": 200}, method="POST", data={"student_id": data["student_id"]})
    check(world, app, url, {**STAFF_ONLY, "other_registrar": 422}, method="POST", data=data)
    check(world, app, f"{url}?university={world['other'].university.id}", {"admin": 422}, method="POST",
          data=data)
    assert certificate_state() == before

    check(world, app, f"{url}?university={home.university.id}", {"admin": 302}, method="POST", data=data)
    assert serials(home.university) == [f"PCS-KUF-{YEAR}-{n:04d}" for n in (1, 2, 3)]


def test_a_student_sees_only_their_own_certificate(app, world, fake_pdf):
    home = world["home"]
    check(world, app, "/certificates/mine", {"anonymous": "login", "student": 200, "student_without": 200,
                                             "lecturer": 403, "registrar": 403, "admin": 403})
    check(world, app, "/certificates/mine/certificate.pdf", {
        "anonymous": "login", "student": 200, "student_without": 404, "lecturer": 403, "registrar": 403,
        "admin": 403})
    check(world, app, "/certificates/mine/transcript.pdf", {
        "anonymous": "login", "student": 200, "student_without": 404, "registrar": 403})

    own = page_of(client_for(app, world["people"]["student"]).get("/certificates/mine"))
    assert world["serial"] in own and world["second_serial"] not in own and world["other_serial"] not in own
    assert home.students[0].user.name_ar in own and home.students[1].user.name_ar not in own
    without = page_of(client_for(app, world["people"]["student_without"]).get("/certificates/mine"))
    assert 'data-testid="no-certificate"' in without and "PCS-" not in without
    printed = {(snapshot["serial"], language) for snapshot, language in fake_pdf["certificate"]}
    assert printed == {(world["serial"], "ar")}


def test_the_student_downloads_their_certificate_in_both_languages(app, world, fake_pdf):
    client = client_for(app, world["people"]["student"])
    page = page_of(client.get("/certificates/mine"))
    links = [f"/certificates/mine/{kind}.pdf?language={language}" for kind in ("certificate", "transcript")
             for language in ("ar", "en")]
    for link in links:
        assert str(escape(link)) in page
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
    assert [language for _snapshot, language in fake_pdf["certificate"]] == ["ar", "en"]
    assert [language for _snapshot, language in fake_pdf["transcript"]] == ["ar", "en"]


def test_the_students_dashboard_and_grades_page_link_to_their_certificate(app, world):
    client = client_for(app, world["people"]["student"])
    for page in ("/dashboard", "/grades/"):
        assert 'href="/certificates/mine"' in page_of(client.get(page)), page


def test_the_registrars_navigation_leads_to_the_certificates(app, world):
    page = page_of(client_for(app, world["people"]["registrar"]).get("/dashboard"))
    assert 'href="/certificates/"' in page


def test_the_cohorts_list_counts_students_and_certificates(app, world):
    home = world["home"]
    page = page_of(client_for(app, home.registrar).get("/certificates/"))
    row = re.search(rf'cohort-{home.cohort.id}-KUF".*?</tr>', page, re.DOTALL)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["4", "2"]
    admin_page = page_of(client_for(app, world["people"]["admin"]).get("/certificates/"))
    assert f"cohort-{home.cohort.id}-KUF" in admin_page and f"cohort-{home.cohort.id}-MSL" in admin_page


# --- the graduation report -------------------------------------------------------------------------

def test_the_report_shows_who_can_graduate_and_why_not(app):
    group = graduates_at("KUF", (*GRADUATES, FAILING))
    certificate, = issued(group, 1)
    page = page_of(client_for(app, group.registrar, "en").get(f"/certificates/cohorts/{group.cohort.id}"))

    expected = zip(GRADUATES, ("95.00", "85.00", "75.00"), ("Excellent", "Very good", "Good"), (1, 2, 3),
                   strict=True)
    for (name_ar, name_en, *_rest), average, band, rank in expected:
        student_id = next(s.id for s in group.students if s.user.name_ar == name_ar)
        row = re.search(rf'data-testid="standing-{student_id}".*?</tr>', page, re.DOTALL)[0]
        assert name_ar in row and name_en in row and average in row and band in row
        assert f"<td>{rank}</td>" in row and 'data-testid="eligible"' in row
    failing_id = group.students[3].id
    failing_row = re.search(rf'data-testid="standing-{failing_id}".*?</tr>', page, re.DOTALL)[0]
    assert 'data-testid="not-eligible"' in failing_row
    assert "not passed" in failing_row and "credits short: 0 of 6" in failing_row
    assert 'type="checkbox"' not in failing_row
    # A checkbox for each graduate without a certificate; the one with a certificate shows its serial.
    assert re.findall(r'name="student_id" value="(\d+)"', page) == [str(i) for i in group.ids(0, 2)]
    assert certificate.serial in page and "valid" in page


def test_the_report_says_which_marks_are_not_published(app):
    group = graduates_at("KUF", GRADUATES[:1], publish=False)
    page = page_of(client_for(app, group.registrar, "en").get(f"/certificates/cohorts/{group.cohort.id}"))
    course = group.offerings[-1].course.code
    assert f"{course}: the mark is not published yet" in page
    assert 'name="student_id"' not in page and 'data-testid="issue-button"' not in page


def test_tick_all_ticks_every_graduate_without_a_certificate(app):
    group = graduates_at("KUF", (*GRADUATES, FAILING))
    issued(group, 0)
    client = client_for(app, group.registrar)
    plain = page_of(client.get(f"/certificates/cohorts/{group.cohort.id}"))
    assert "checked" not in plain
    page = page_of(client.get(f"/certificates/cohorts/{group.cohort.id}?select=all"))
    assert ticked(page) == [str(i) for i in group.ids(1, 2)]


# --- issuing -------------------------------------------------------------------------------------

def post_issue(client, group, student_ids, query=""):
    """Tick the students, press Issue, and confirm on the confirmation page, as the registrar does."""
    return confirm(client, client.post(f"/certificates/cohorts/{group.cohort.id}/issue{query}",
                                       data={"student_id": [str(i) for i in student_ids]}))


def test_issuing_the_ticked_graduates(app):
    group = graduates_at("KUF")
    client = client_for(app, group.registrar, "en")

    response = post_issue(client, group, group.ids(2, 0, 1))

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/certificates/cohorts/{group.cohort.id}"
    numbers = [f"PCS-KUF-{YEAR}-{n:04d}" for n in (1, 2, 3)]
    assert serials() == numbers
    by_student = {c.student_id: c for c in db.session.scalars(db.select(Certificate))}
    # Serials follow the rank: the best graduate gets the first.
    assert [by_student[i].serial for i in group.ids(0, 1, 2)] == numbers
    assert all(SERIAL.match(serial)["uni"] == "KUF" for serial in numbers)
    assert {c.issued_by_id for c in by_student.values()} == {group.registrar.id}
    assert len(issued_events()) == 3
    page = page_of(client.get(response.headers["Location"]))
    assert shown("Certificates issued: %(count)s (%(first)s to %(last)s).", "en", count=3, first=numbers[0],
                 last=numbers[-1]) in page
    assert 'name="student_id"' not in page


def test_nothing_is_issued_when_one_chosen_student_cannot_graduate(app):
    group = graduates_at("KUF", (*GRADUATES, FAILING))
    client = client_for(app, group.registrar)
    before = database_state()

    response = post_issue(client, group, group.ids(0, 3, 1))

    assert response.status_code == 422
    page = page_of(response)
    assert shown("%(name)s cannot graduate yet.", name=FAILING[0]) in page
    assert database_state() == before  # no certificate, no serial consumed, no audit event
    # The choice is kept for the registrar to correct.
    assert ticked(page) == [str(i) for i in group.ids(0, 1)]

    assert post_issue(client, group, group.ids(0, 1)).status_code == 302
    assert serials() == [f"PCS-KUF-{YEAR}-0001", f"PCS-KUF-{YEAR}-0002"]


def test_nothing_is_issued_when_one_chosen_student_already_has_a_certificate(app):
    group = graduates_at("KUF")
    client = client_for(app, group.registrar)
    assert post_issue(client, group, group.ids(0)).status_code == 302
    before = database_state()

    response = post_issue(client, group, group.ids(1, 0))

    assert response.status_code == 422
    assert shown("%(name)s already has a certificate.", name=GRADUATES[0][0]) in page_of(response)
    assert database_state() == before
    counter = db.session.scalar(db.select(SerialCounter))
    assert counter.last_number == 1

    assert post_issue(client, group, group.ids(1, 2)).status_code == 302
    assert serials() == [f"PCS-KUF-{YEAR}-{n:04d}" for n in (1, 2, 3)]  # no gap


def test_issuing_the_same_certificate_twice_is_refused(app):
    group = graduates_at("KUF")
    client = client_for(app, group.registrar)
    assert post_issue(client, group, group.ids(0)).status_code == 302

    again = post_issue(client, group, group.ids(0))

    assert again.status_code == 422
    assert shown("%(name)s already has a certificate.", name=GRADUATES[0][0]) in page_of(again)
    assert serials() == [f"PCS-KUF-{YEAR}-0001"]


@pytest.mark.parametrize("error", [IntegrityError("INSERT", {}, Exception("duplicate key")),
                                   OperationalError("UPDATE", {}, Exception("database is locked"))],
                         ids=["same-students-at-once", "database-locked"])
@pytest.mark.parametrize("met_at", ["flush", "commit"])  # in the service, or at the request's commit point
def test_an_issue_that_collides_with_another_issues_nothing_and_says_so(app, monkeypatch, error, met_at):
    group = graduates_at("KUF", GRADUATES[:2])
    client = client_for(app, group.registrar)
    real_issue = issuing.issue_certificates

    def colliding(*args, **kwargs):
        real_issue(*args, **kwargs)
        raise error

    real_commit = type(db.session()).commit

    def failing_commit(session):  # the confirmed issue's commit (the confirmation page's commits nothing)
        if not confirmed():
            return real_commit(session)
        raise error

    if met_at == "flush":
        monkeypatch.setattr(issuing, "issue_certificates", colliding)
    before = database_state()

    if met_at == "commit":
        monkeypatch.setattr(type(db.session()), "commit", failing_commit)
    response = post_issue(client, group, group.ids(0, 1))
    monkeypatch.undo()

    assert response.status_code == 409
    assert shown("Nothing was issued: certificates of this university were being issued at the same moment. "
                 "Check the report and try again.") in page_of(response)
    assert database_state() == before


@pytest.mark.parametrize("chosen", [[], ["abc"], ["-1"], ["1e3"], ["99999999999"]],
                         ids=["none", "letters", "negative", "exponent", "too-long"])
def test_nothing_ticked_or_nonsense_issues_nothing(app, chosen):
    group = graduates_at("KUF", GRADUATES[:1])
    client = client_for(app, group.registrar)
    before = database_state()

    response = client.post(f"/certificates/cohorts/{group.cohort.id}/issue", data={"student_id": chosen})

    assert response.status_code == 422
    assert shown("Tick the students whose certificates to issue.") in page_of(response)
    assert database_state() == before


def test_a_student_of_another_cohort_cannot_be_slipped_into_the_batch(app):
    group = graduates_at("KUF", GRADUATES[:2])
    stranger = factories.student(university=group.university, cohort=factories.cohort(name_en="Later"))
    client = client_for(app, group.registrar)
    before = database_state()

    response = post_issue(client, group, [group.students[0].id, stranger.id])

    assert response.status_code == 422
    assert shown("Choose students of this cohort at your university.") in page_of(response)
    assert database_state() == before


def test_serials_are_gap_free_per_university_and_year(app):
    kufa = graduates_at("KUF")
    mosul = graduates_at("MSL", GRADUATES[:2], cohort=kufa.cohort)
    with clock.as_of(datetime(YEAR - 1, 7, 1, 10)):  # Basra published its marks a year ago
        basra = graduates_at("BSR", GRADUATES[:1], cohort=kufa.cohort)

    assert post_issue(client_for(app, kufa.registrar), kufa, kufa.ids(0)).status_code == 302
    assert post_issue(client_for(app, mosul.registrar), mosul, mosul.ids(1, 0)).status_code == 302
    assert post_issue(client_for(app, kufa.registrar), kufa, kufa.ids(1, 2)).status_code == 302
    issued(basra, 0, issued_on=date(YEAR - 1, 7, 2))

    assert serials(kufa.university) == [f"PCS-KUF-{YEAR}-{n:04d}" for n in (1, 2, 3)]
    assert serials(mosul.university) == [f"PCS-MSL-{YEAR}-{n:04d}" for n in (1, 2)]
    assert serials(basra.university) == [f"PCS-BSR-{YEAR - 1}-0001"]


# --- printing --------------------------------------------------------------------------------------

def test_the_batch_follows_the_order_and_language_asked_for(app, fake_pdf):
    group = graduates_at("KUF")
    issued(group, 0, 1, 2)
    client = client_for(app, group.registrar)
    url = f"/certificates/cohorts/{group.cohort.id}/batch.pdf"

    by_rank = client.get(f"{url}?language=ar&order=rank")
    by_name = client.get(f"{url}?language=en&order=name")
    default = client.get(url)

    for response in (by_rank, by_name, default):
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "private, no-store"
    (rank_snapshots, rank_language), (name_snapshots, name_language), (_, default_language) = \
        fake_pdf["batch"]
    assert [s["rank"] for s in rank_snapshots] == [1, 2, 3] and rank_language == "ar"
    assert [s["student"]["name_en"] for s in name_snapshots] == sorted(g[1] for g in GRADUATES)
    assert name_language == "en" and default_language == "ar"


def test_the_batch_leaves_out_revoked_certificates(app, fake_pdf):
    group = graduates_at("KUF")
    first, second, third = issued(group, 0, 1, 2)
    revocation.revoke_certificate(group.registrar, db.session.merge(second), "Issued by mistake")
    db.session.commit()

    response = client_for(app, group.registrar).get(f"/certificates/cohorts/{group.cohort.id}/batch.pdf")

    assert response.status_code == 200
    (snapshots, _language), = fake_pdf["batch"]
    assert [s["serial"] for s in snapshots] == [first.serial, third.serial]


def test_a_batch_without_valid_certificates_goes_back_to_the_report(app, fake_pdf):
    group = graduates_at("KUF", GRADUATES[:1])
    client = client_for(app, group.registrar)

    response = client.get(f"/certificates/cohorts/{group.cohort.id}/batch.pdf")

    assert response.status_code == 302
    assert shown("This cohort has no valid certificates to print at this university.") in \
        page_of(client.get(response.headers["Location"]))
    assert fake_pdf["batch"] == []


def test_the_web_limit_is_a_setting():
    from diploma.config import Config, TestConfig

    assert Config.CERTIFICATE_BATCH_WEB_LIMIT == 200 and TestConfig.CERTIFICATE_BATCH_WEB_LIMIT == 200
    assert Config.VERIFY_LIMIT == "30 per minute" and TestConfig.VERIFY_LIMIT == "1000 per minute"


def test_a_reprint_is_made_from_the_snapshot_only(app, fake_pdf):
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    snapshot = dict(certificate.snapshot)
    student, university = group.students[0], group.university
    student.user.name_ar, student.user.name_en = "اسم جديد تماما للطالبة", "A Completely New Name"
    university.name_ar, university.name_en = "جامعة باسم جديد", "Renamed University"
    db.session.commit()
    client = client_for(app, group.registrar)

    for url in (f"/certificates/{certificate.serial}.pdf?language=ar",
                f"/certificates/{certificate.serial}/transcript.pdf?language=en"):
        assert client.get(url).status_code == 200
    assert client.get(f"/certificates/cohorts/{group.cohort.id}/batch.pdf").status_code == 200

    given = [fake_pdf["certificate"][0][0], fake_pdf["transcript"][0][0], fake_pdf["batch"][0][0][0]]
    assert given == [snapshot] * 3
    assert snapshot["student"]["name_en"] == GRADUATES[0][1]
    assert snapshot["university"]["name_en"] == "University of Kufa"


def test_a_reprint_prints_the_names_of_the_day_of_issue(app):
    """The real renderer: the student and the university are renamed after the issue; the printed
    certificate and transcript still carry the old names."""
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    group.students[0].user.name_en = "A Completely New Name"
    group.university.name_en = "Renamed University"
    db.session.commit()
    client = client_for(app, group.registrar)

    for url in (f"/certificates/{certificate.serial}.pdf?language=en",
                f"/certificates/{certificate.serial}/transcript.pdf?language=en"):
        response = client.get(url)
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
        text = " ".join(pdf_text(response.data).split())
        assert GRADUATES[0][1] in text and "University of Kufa" in text, url
        assert "A Completely New Name" not in text and "Renamed University" not in text, url


def test_the_batch_pdf_has_one_page_per_graduate(app):
    group = graduates_at("KUF")
    issued(group, 0, 1, 2)

    response = client_for(app, group.registrar).get(f"/certificates/cohorts/{group.cohort.id}/batch.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert pdf_pages(response.data) == 3


def test_a_revoked_certificate_is_not_printed_again(app, fake_pdf):
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    revocation.revoke_certificate(group.registrar, db.session.merge(certificate), "Issued by mistake")
    db.session.commit()
    client = client_for(app, group.registrar)

    for path in (f"/certificates/{certificate.serial}.pdf",
                 f"/certificates/{certificate.serial}/transcript.pdf"):
        response = client.get(path)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"/certificates/{certificate.serial}"
    page = page_of(client.get(f"/certificates/{certificate.serial}"))
    assert shown("This certificate is revoked: it cannot be printed.") in page
    assert 'data-testid="revoke-form"' not in page and 'data-testid="downloads"' not in page
    student = client_for(app, group.students[0].user)
    assert student.get("/certificates/mine/certificate.pdf").status_code == 404
    assert 'data-status="revoked"' in page_of(student.get("/certificates/mine"))
    assert fake_pdf["certificate"] == [] and fake_pdf["transcript"] == []


# --- revoking ---------------------------------------------------------------------------------------

def test_revoking_needs_a_reason_and_is_recorded(app):
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    serial = certificate.serial
    client = client_for(app, group.registrar)

    refused = client.post(f"/certificates/{serial}/revoke", data={"reason": "   "})
    assert refused.status_code == 422
    assert shown("This field is required.") in page_of(refused)
    assert verification.find_by_serial(serial).status == "valid"

    response = confirm(client, client.post(f"/certificates/{serial}/revoke",
                                           data={"reason": "Issued to the wrong person"}))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/certificates/{serial}"
    db.session.expire_all()
    revoked = verification.find_by_serial(serial)
    assert revoked.status == "revoked" and revoked.revoked_reason == "Issued to the wrong person"
    assert revoked.revoked_by_id == group.registrar.id and revoked.revoked_at is not None
    event, = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).all()
    assert event.actor_id == group.registrar.id
    assert event.data == {"serial": serial, "reason": "Issued to the wrong person"}
    page = page_of(client.get(f"/certificates/{serial}"))
    assert 'data-status="revoked"' in page and "Issued to the wrong person" in page

    again = client.post(f"/certificates/{serial}/revoke", data={"reason": "Twice", "confirm": "yes"})
    assert again.status_code == 422
    assert shown("This certificate is already revoked.") in page_of(again)


def test_the_certificate_page_shows_its_snapshot_and_verification_link(app):
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    page = page_of(client_for(app, group.registrar).get(f"/certificates/{certificate.serial}"))
    assert GRADUATES[0][0] in page and GRADUATES[0][1] in page and "جامعة الكوفة" in page
    assert f"/verify/{certificate.serial}?code={certificate.verification_code}" in page
    assert f"/certificates/{certificate.serial}.pdf?language=ar" in page
    assert 'data-status="valid"' in page



# --- the demo ----------------------------------------------------------------------------------------

def test_the_demo_issues_the_first_cohorts_certificates_at_three_universities(app, demo, runner):
    """The demo as ``demo seed`` loads it (the template is built by the same ``seed()``; the command's first
    run from an empty database is tests/test_demo.py's), then the command run on it again."""
    from diploma.demo import CERTIFICATE_UNIVERSITIES, CERTIFICATES_ISSUED_ON

    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()
    by_university = {}
    for certificate in certificates:
        by_university.setdefault(certificate.university.slug, []).append(certificate)
    assert set(by_university) == set(CERTIFICATE_UNIVERSITIES)  # Kufa and the others: left to issue
    for slug, issued_there in by_university.items():
        code = issued_there[0].university.code
        assert [c.serial for c in issued_there] == [f"PCS-{code}-2025-{n:04d}" for n in
                                                    range(1, len(issued_there) + 1)], slug
        assert {c.issued_on for c in issued_there} == {CERTIFICATES_ISSUED_ON}
        issuers = {db.session.get(User, c.issued_by_id) for c in issued_there}
        assert [(u.role, u.university_id) for u in issuers] == [("registrar", issued_there[0].university_id)]
    assert len(issued_events()) == len(certificates)

    # The printed verification link opens the first certificate, valid.
    link = urlsplit(re.search(r"(http://\S+/verify/\S+)", first.output)[1])
    assert f"{link.scheme}://{link.netloc}" == (app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:5000")
    assert link.path == f"/verify/{certificates[0].serial}"
    response = client_for(app).get(f"{link.path}?{link.query}")
    assert response.status_code == 200 and 'data-status="valid"' in page_of(response)

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert serials() == sorted(c.serial for c in certificates)  # nothing issued twice
    assert len(issued_events()) == len(certificates)
