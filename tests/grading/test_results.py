"""grading.results is the one owner of "the published results of a student": a student's pages, the
certificates and the programme's figures (``results.marks.course_results``) read the same marks from it."""
import pytest

from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.grading.models import SECOND_ROUND, Gradebook
from diploma.grading.results import published_results_of
from diploma.results.marks import course_results
from diploma.results.scope import Scope
from tests.results.random_programme import random_programme


def _unpublish_one_gradebook():
    gradebook = db.session.scalars(db.select(Gradebook).where(Gradebook.published_round > 0)
                                   .order_by(Gradebook.id)).first()
    gradebook.status, gradebook.published_round = "submitted", 0
    db.session.flush()
    return gradebook.offering.course_id, gradebook.offering.university_id


@pytest.mark.parametrize("seed", [5, 14, 15])
def test_the_students_results_and_the_programmes_figures_hold_the_same_published_marks(seed):
    random_programme(seed)
    hidden_course, hidden_university = _unpublish_one_gradebook()
    students = db.session.scalars(db.select(Student)).all()

    by_student = published_results_of(students)
    from_students = {(student_id, r.offering.course_id): (r.mark, r.passed, r.band.name_en)
                     for student_id, (results, _average) in by_student.items() for r in results}
    from_figures = {(r.student_id, r.course_id): (r.mark, r.passed, r.band_en)
                    for r in course_results(Scope(), the_programme())}

    assert from_students  # a random programme with published marks, in both rounds
    assert any(result.round == SECOND_ROUND for results, _ in by_student.values() for result in results)
    assert from_students == from_figures
    unpublished = {s.id for s in students if s.university_id == hidden_university}
    assert not [key for key in from_students if key[1] == hidden_course and key[0] in unpublished]
