"""Enrolling students in offerings and withdrawing them: the rules (capacity, closed offerings, another
university, already enrolled), the history a withdrawal leaves, and the roster's folded Arabic search."""
import pytest

from diploma.audit import events_for
from diploma.auth.services import set_user_active
from diploma.enrolment import services
from diploma.enrolment.models import Enrolment
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.teaching.services import set_offering_status
from tests import teaching as build
from tests.pages import database_state, shown


def enrolments():
    db.session.expire_all()
    return db.session.scalars(db.select(Enrolment).order_by(Enrolment.id)).all()


@pytest.fixture
def campus(make):
    home = make.university(name_ar="جامعة كربلاء", name_en="University of Karbala")
    foreign = make.university()
    cohort = make.cohort()
    return {"home": home, "foreign": foreign, "cohort": cohort,
            "registrar": make.user(role="registrar", university=home),
            "offering": build.offering(home, capacity=2),
            "student": make.student(university=home, cohort=cohort, name_ar="زينب علي حسين",
                                    name_en="Zainab Ali Hussein"),
            "second": make.student(university=home, cohort=cohort),
            "third": make.student(university=home, cohort=cohort),
            "foreigner": make.student(university=foreign, cohort=cohort)}


@pytest.fixture
def registrar(campus, login_as):
    return login_as(campus["registrar"])


def enrol_url(campus):
    return f"/offerings/{campus['offering'].id}/students"


# --- the services --------------------------------------------------------------------------------------

def test_enrolling_makes_an_active_enrolment_and_an_audit_event(campus):
    enrolment = services.enrol_student(campus["registrar"], campus["offering"], campus["student"])
    db.session.commit()

    assert (enrolment.status, enrolment.withdrawn_at) == ("active", None)
    assert enrolment.enrolled_at is not None
    assert services.is_enrolled(campus["student"].user, campus["offering"])
    event, = events_for(enrolment)
    assert (event.action, event.actor_id, event.data) == (
        "enrolment.enrolled", campus["registrar"].id,
        {"student_id": campus["student"].id, "offering_id": campus["offering"].id})


def test_withdrawing_keeps_the_enrolment_in_the_history_with_its_date(campus):
    enrolment = build.enrolled(campus["student"], campus["offering"])

    services.withdraw_student(campus["registrar"], enrolment)
    db.session.commit()

    enrolment, = enrolments()
    assert enrolment.status == "withdrawn"
    assert enrolment.withdrawn_at is not None and enrolment.withdrawn_at >= enrolment.enrolled_at
    assert not services.is_enrolled(campus["student"].user, campus["offering"])
    assert [e.action for e in events_for(enrolment)] == ["enrolment.enrolled", "enrolment.withdrawn"]
    with pytest.raises(RuleViolation):
        services.withdraw_student(campus["registrar"], enrolment)


def test_a_withdrawn_student_can_enrol_again_in_the_same_row(campus):
    first = build.enrolled(campus["student"], campus["offering"])
    services.withdraw_student(campus["registrar"], first)
    db.session.commit()

    again = build.enrolled(campus["student"], campus["offering"])

    assert again.id == first.id
    enrolment, = enrolments()
    assert (enrolment.status, enrolment.withdrawn_at) == ("active", None)
    assert [e.action for e in events_for(enrolment)] == ["enrolment.enrolled", "enrolment.withdrawn",
                                                         "enrolment.enrolled"]


def test_an_enrolled_student_cannot_be_enrolled_twice(campus):
    build.enrolled(campus["student"], campus["offering"])
    with pytest.raises(RuleViolation) as refused:
        services.enrol_student(campus["registrar"], campus["offering"], campus["student"])
    with force_language("en"):
        assert str(refused.value.message) == "The student is already enrolled."
    assert len(enrolments()) == 1


def test_the_capacity_counts_active_enrolments_only(campus):
    first = build.enrolled(campus["student"], campus["offering"])
    build.enrolled(campus["second"], campus["offering"])

    with pytest.raises(RuleViolation) as refused:
        services.enrol_student(campus["registrar"], campus["offering"], campus["third"])
    with force_language("en"):
        assert str(refused.value.message) == "The course offering is full (2 students)."

    services.withdraw_student(campus["registrar"], first)
    build.enrolled(campus["third"], campus["offering"])  # the withdrawal freed a seat
    assert [e.status for e in enrolments()] == ["withdrawn", "active", "active"]


def test_a_closed_offering_refuses_enrolments(campus, make):
    closed = build.offering(campus["home"], status="closed")
    with pytest.raises(RuleViolation) as refused:
        services.enrol_student(campus["registrar"], closed, campus["student"])
    with force_language("en"):
        assert str(refused.value.message) == "This course offering is closed to new enrolments."
    assert enrolments() == []


def test_a_student_of_another_university_is_refused(campus):
    with pytest.raises(RuleViolation) as refused:
        services.enrol_student(None, campus["offering"], campus["foreigner"])
    with force_language("en"):
        assert str(refused.value.message) == "The student belongs to another university."
    assert enrolments() == []


def test_a_deactivated_student_is_refused(campus):
    set_user_active(campus["registrar"], campus["student"].user, False)
    db.session.commit()
    with pytest.raises(RuleViolation):
        services.enrol_student(campus["registrar"], campus["offering"], campus["student"])


def test_who_may_follow_an_offering(campus, make):
    offering = campus["offering"]
    build.enrolled(campus["student"], offering)
    assert services.can_follow(campus["student"].user, offering)
    assert not services.can_follow(campus["second"].user, offering)
    assert services.can_follow(campus["registrar"], offering)
    assert services.can_follow(offering.lecturers[0], offering)
    assert not services.can_follow(make.user(role="lecturer", university=campus["home"]), offering)
    assert not services.can_follow(make.user(role="registrar", university=campus["foreign"]), offering)
    assert services.can_follow(make.user(role="admin"), offering)


# --- the views -------------------------------------------------------------------------------------------

def test_a_registrar_enrols_a_student_from_the_roster(campus, registrar, client):
    response = client.post(enrol_url(campus), data={"student_id": campus["student"].id, "q": "زينب"},
                           follow_redirects=True)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert shown("%(name)s is enrolled.", name="زينب علي حسين") in page
    assert shown("%(enrolled)s of %(capacity)s seats taken", enrolled=1, capacity=2) in page
    enrolment, = enrolments()
    assert (enrolment.student_id, enrolment.status) == (campus["student"].id, "active")


def test_a_registrar_withdraws_a_student_and_the_roster_shows_the_history(campus, registrar, client):
    enrolment = build.enrolled(campus["student"], campus["offering"])

    response = client.post(f"{enrol_url(campus)}/{enrolment.id}/withdraw", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert shown("The student was withdrawn; the enrolment stays in the history.") in page
    assert "زينب علي حسين" in page and shown("withdrawn") in page
    enrolment, = enrolments()
    assert enrolment.status == "withdrawn" and enrolment.withdrawn_at is not None

    again = client.post(f"{enrol_url(campus)}/{enrolment.id}/withdraw", follow_redirects=True)
    assert shown("The student is not enrolled.") in again.get_data(as_text=True)


def test_the_roster_offers_to_withdraw_only_the_students_still_enrolled(campus, registrar, client):
    active = build.enrolled(campus["student"], campus["offering"])
    withdrawn = build.enrolled(campus["second"], campus["offering"])
    services.withdraw_student(campus["registrar"], withdrawn)
    db.session.commit()

    page = client.get(enrol_url(campus)).get_data(as_text=True)

    assert f"{enrol_url(campus)}/{active.id}/withdraw" in page
    assert f"{enrol_url(campus)}/{withdrawn.id}/withdraw" not in page


def test_re_enrolling_through_the_roster(campus, registrar, client):
    enrolment = build.enrolled(campus["student"], campus["offering"])
    client.post(f"{enrol_url(campus)}/{enrolment.id}/withdraw")
    client.post(enrol_url(campus), data={"student_id": campus["student"].id})
    enrolment, = enrolments()
    assert (enrolment.status, enrolment.withdrawn_at) == ("active", None)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_full_offering_refuses_with_a_translated_message_and_writes_nothing(campus, registrar, client,
                                                                              language):
    build.enrolled(campus["student"], campus["offering"])
    build.enrolled(campus["second"], campus["offering"])
    before = database_state()

    response = client.post(enrol_url(campus), data={"student_id": campus["third"].id}, follow_redirects=True,
                           headers={"Accept-Language": language})

    expected = shown("The course offering is full (%(capacity)s students).", language, capacity=2)
    assert expected in response.get_data(as_text=True)
    if language == "ar":
        assert "ممتلئة" in expected
    assert database_state() == before


@pytest.mark.parametrize(("setup", "message"), [
    ("closed", "This course offering is closed to new enrolments."),
    ("enrolled", "The student is already enrolled."),
    ("deactivated", "The student's account is deactivated."),
])
def test_refused_enrolments_say_why_and_write_nothing(campus, registrar, client, setup, message):
    if setup == "closed":
        set_offering_status(None, campus["offering"], "closed")
    elif setup == "enrolled":
        build.enrolled(campus["student"], campus["offering"])
    else:
        set_user_active(None, campus["student"].user, False)
    db.session.commit()
    before = database_state()

    response = client.post(enrol_url(campus), data={"student_id": campus["student"].id},
                           follow_redirects=True)

    assert shown(message) in response.get_data(as_text=True)
    assert database_state() == before


def test_the_administrator_is_told_a_student_belongs_to_another_university(campus, make, login_as, client):
    login_as(make.user(role="admin"))
    before = database_state()

    response = client.post(enrol_url(campus), data={"student_id": campus["foreigner"].id},
                           follow_redirects=True)

    assert shown("The student belongs to another university.") in response.get_data(as_text=True)
    assert database_state() == before


def test_the_lecturer_sees_the_roster_without_the_enrolment_form(campus, client, login_as):
    build.enrolled(campus["student"], campus["offering"])
    login_as(campus["offering"].lecturers[0])
    page = client.get(f"{enrol_url(campus)}?q=a").get_data(as_text=True)
    assert "زينب علي حسين" in page
    assert 'data-testid="enrol"' not in page and "/withdraw" not in page
    assert 'type="search"' not in page


# --- the roster's search -------------------------------------------------------------------------------

NAMES = {
    "ahmed": ("أحمد عبد الإله حسن", "Ahmed Abdulilah Hassan", "KRB-26-017"),
    "fatima": ("فاطمة كاظم جواد", "Fatima Kadhim Jawad", "KRB-26-018"),
    "mustafa": ("مصطفى رعد ناجي", "Mustafa Raad Naji", "KRB-26-019"),
    "muhammad": ("مُحَمَّـــد عَلِيّ الكـــربلائي", "Muhammad Ali Al-Karbalaei", "KRB-26-020"),
    "amal": ("آمال إبراهيم موسى", "Amal Ibrahim Musa", "KRB-25-001"),
}


@pytest.fixture
def named(campus, make):
    return {key: make.student(university=campus["home"], cohort=campus["cohort"], name_ar=name_ar,
                              name_en=name_en, student_number=number)
            for key, (name_ar, name_en, number) in NAMES.items()}


def candidates(client, campus, search):
    """The names of the students the roster offers to enrol for a search."""
    response = client.get(enrol_url(campus), query_string={"q": search})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {key for key, (name_ar, _name_en, _number) in NAMES.items() if f'{name_ar}</bdi><br>' in page}


@pytest.mark.parametrize(("search", "expected"), [
    ("احمد عبد الاله", {"ahmed"}),      # hamza forms typed without the hamza
    ("أحمد عبد الإله", {"ahmed"}),      # and with it
    ("عبد الاله", {"ahmed"}),
    ("فاطمه", {"fatima"}),             # taa marbuta typed as haa
    ("فاطمة", {"fatima"}),
    ("مصطفي", {"mustafa"}),            # alef maqsura typed as yaa
    ("موسي", {"amal"}),
    ("محمد علي الكربلائي", {"muhammad"}),  # the name is stored with tatweel and vowel marks
    ("مُحَمَّد", {"muhammad"}),           # marks typed, none stored in the search form
    ("امال ابراهيم", {"amal"}),          # alef madda and hamza below
    ("ahmed", {"ahmed"}),
    ("AHMED abdulilah", {"ahmed"}),     # English, any case
    ("fAtImA", {"fatima"}),
    ("krb-26-019", {"mustafa"}),        # student numbers, any case
    ("KRB-26", {"ahmed", "fatima", "mustafa", "muhammad"}),
    ("25-001", {"amal"}),
    ("حسن مصطفى", set()),               # every word must match
    ("%", set()),
    ("_", set()),
])
def test_the_roster_search_folds_arabic_spelling_and_case(campus, named, registrar, client, search, expected):
    assert candidates(client, campus, search) == expected


def test_the_roster_search_leaves_out_enrolled_deactivated_and_foreign_students(campus, named, registrar,
                                                                               client, make):
    build.enrolled(named["fatima"], campus["offering"])
    set_user_active(None, named["mustafa"].user, False)
    make.student(university=campus["foreign"], name_ar="أحمد عبد الإله الموصلي", name_en="Ahmed Mosuli")
    db.session.commit()

    assert candidates(client, campus, "فاطمه") == set()
    assert candidates(client, campus, "مصطفي") == set()
    page = client.get(enrol_url(campus), query_string={"q": "احمد"}).get_data(as_text=True)
    assert "الموصلي" not in page and "أحمد عبد الإله حسن" in page


def test_the_search_service_folds_too(campus, named):
    found = services.candidates_for(campus["offering"], "احمد عبد الاله")
    assert found == [named["ahmed"]]
    assert services.candidates_for(campus["offering"], "") != []


def test_no_match_says_so(campus, named, registrar, client):
    page = client.get(enrol_url(campus), query_string={"q": "لا أحد"}).get_data(as_text=True)
    assert shown("No student of this university matches, or they are already enrolled.") in page
