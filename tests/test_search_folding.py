"""The students search finds a name however its Arabic letters are typed (أ/إ/آ/ا, ة/ه, ى/ي, tatweel, short
vowels), on SQLite and on PostgreSQL alike, now that it goes through the trigram indexes of migration
9b5d3f7c2e14; and on PostgreSQL an index, not a reading of every account, answers it."""
import pytest

from diploma.auth.models import User
from diploma.enrolment import services
from diploma.enrolment.models import Student
from diploma.extensions import db
from tests import factories

NAMES = {
    "hamza": ("أحمد إبراهيم آل ياسين", "Ahmed Ibrahim Al Yaseen"),
    "taa marbuta": ("فاطمة حمزة الخفاجي", "Fatima Hamza Al-Khafaji"),
    "alef maqsura": ("مصطفى عيسى الزبيدي", "Mustafa Issa Al-Zubaidi"),
    "marks and tatweel": ("عَلِيّ حسـيـن", "Ali Hussein"),
}


@pytest.fixture
def people():
    university = factories.university()
    cohort = factories.cohort()
    made = {key: factories.student(university=university, cohort=cohort, name_ar=ar, name_en=en,
                                   password=None, student_number=f"MSL-{index:03d}")
            for index, (key, (ar, en)) in enumerate(NAMES.items(), start=1)}
    elsewhere = factories.student(name_ar="أحمد من جامعة أخرى", name_en="Ahmed Elsewhere", password=None)
    return university, made, elsewhere


def found(university, search):
    """The English names the search finds at the university, as the list shows them (and as counted)."""
    university_id = getattr(university, "id", None)  # None: every university's, as the administrator
    names = [student.user.name_en for student in
             db.session.scalars(services.students_query(university_id=university_id, search=search))]
    assert services.count_students(university_id=university_id, search=search) == len(names)
    return sorted(names)


@pytest.mark.parametrize("typed, expected", [
    ("احمد", "Ahmed Ibrahim Al Yaseen"),       # أ typed as ا
    ("أحمد", "Ahmed Ibrahim Al Yaseen"),       # as stored
    ("ابراهيم", "Ahmed Ibrahim Al Yaseen"),    # إ typed as ا
    ("ال ياسين", "Ahmed Ibrahim Al Yaseen"),   # آ typed as ا, two words
    ("فاطمه", "Fatima Hamza Al-Khafaji"),      # ة typed as ه
    ("فاطمة", "Fatima Hamza Al-Khafaji"),
    ("مصطفي", "Mustafa Issa Al-Zubaidi"),      # ى typed as ي
    ("عيسي", "Mustafa Issa Al-Zubaidi"),
    ("علي حسين", "Ali Hussein"),               # stored with short vowels and tatweel
    ("عـلـي", "Ali Hussein"),                  # typed with tatweel
    ("KHAFAJI", "Fatima Hamza Al-Khafaji"),    # Latin, any case
    ("msl-003", "Mustafa Issa Al-Zubaidi"),    # part of a student number, any case
])
def test_the_search_finds_the_spelling_variants(people, typed, expected):
    university, _, _ = people

    assert found(university, typed) == [expected]


def test_the_search_stays_within_the_university_and_needs_every_word(people):
    university, _, _ = people

    assert found(university, "احمد") == ["Ahmed Ibrahim Al Yaseen"]
    assert found(None, "احمد") == ["Ahmed Elsewhere", "Ahmed Ibrahim Al Yaseen"]  # the administrator's
    assert found(university, "احمد الزبيدي") == []


def test_characters_of_like_patterns_are_searched_for_themselves(people):
    university, _, _ = people

    assert found(university, "%") == []
    assert found(university, "_") == []
    assert found(university, "msl_00") == []  # "_" is not "any character"


def test_the_students_page_finds_a_variant_typed_without_hamza(people, client, login_as):
    university, _, _ = people
    login_as(factories.user(role="registrar", university=university))

    page = client.get("/students/?q=ابراهيم").get_data(as_text=True)

    assert "أحمد إبراهيم آل ياسين" in page
    assert "فاطمة" not in page and "أخرى" not in page


def plan_of(query):
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True})).replace("%%", "%")
    db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.execute(db.text(f"EXPLAIN {sql}")).scalars())
    db.session.rollback()
    return plan


@pytest.mark.postgres_only(reason="the trigram indexes exist on PostgreSQL only")
def test_an_index_answers_the_search_on_postgresql(people):
    """With sequential scans priced out, the plans reach the accounts and the student numbers through the
    trigram indexes: the search can be served by them (the planner chooses them on a large table). Within a
    university the planner may read that university's few student numbers instead."""
    university, _, _ = people

    registrars = plan_of(services.students_query(university_id=university.id, search="احمد"))
    administrators = plan_of(services.students_query(university_id=None, search="احمد"))

    assert "ix_user_search_text_trgm" in registrars, registrars
    assert "ix_user_search_text_trgm" in administrators, administrators
    assert "ix_student_number_trgm" in administrators, administrators


def test_the_folded_text_is_what_the_search_reads(people):
    _, made, _ = people

    stored = db.session.scalar(db.select(User.search_text).join(Student, Student.user_id == User.id)
                               .where(Student.id == made["taa marbuta"].id))

    assert "فاطمه" in stored and "فاطمة" not in stored and "al-khafaji" in stored
