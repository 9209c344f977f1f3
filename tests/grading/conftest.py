"""Builders for the grading tests: an offering taught by one lecturer with N enrolled students (and the
registrar of its university), its gradebook with assessments, marks typed as the lecturer types them (or
written straight to the table for big classes), and the steps of the workflow.

``classroom(3)`` returns a ``Classroom``; its students are listed in the gradebook's order (by Arabic
name), so that ``room.enrolments[i]`` is the i-th line of the gradebook.
"""
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest

from diploma.auth.models import User
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading import services
from diploma.grading.models import Score
from diploma.teaching.models import Offering
from tests import factories
from tests import teaching as build

_numbers = itertools.count(1)
ABSENT_TEXT = "غ"


def assessment(name_en, weight, max_score=100, *, final=False, name_ar=None):
    """One entry of ``save_assessments``."""
    return {"name_ar": name_ar or f"تقييم {name_en}", "name_en": name_en, "weight": Decimal(weight),
            "max_score": Decimal(max_score), "is_final": final}


@dataclass
class Classroom:
    """An offering, its lecturer, the registrar of its university and its enrolled students."""

    offering: Offering
    lecturer: User
    registrar: User
    students: list
    enrolments: list
    colleagues: list  # other lecturers of the same offering

    @property
    def university(self):
        return self.offering.university

    def refresh(self):
        """The records again, from the database (after a request or another session committed)."""
        db.session.expire_all()
        return self

    def gradebook(self, assessments=None):
        """The offering's gradebook (created with the default assessments), or with ``assessments``."""
        gradebook = services.gradebook_of(self.offering)
        if assessments is not None:
            services.save_assessments(self.lecturer, self.offering, assessments)
        db.session.commit()
        return gradebook

    def sheet(self):
        db.session.expire_all()
        return services.load_sheet(self.offering)

    def assessments(self):
        return self.sheet().assessments

    def final(self):
        return self.sheet().final

    def entries(self, marks, attempt=1):
        """Save entries with the versions the user sees now. ``marks``: {line index: texts}, the texts of
        every assessment in order for the first round, the text of the final for the second round."""
        sheet = self.sheet()
        rows = {row.enrolment.id: row for row in sheet.rows}
        entries = []
        for index, texts in marks.items():
            row = rows[self.enrolments[index].id]
            if attempt == 2:
                score = row.second
                entries.append(entry(row.enrolment, sheet.final, texts, getattr(score, "version", None), 2))
                continue
            for assessment_, text in zip(sheet.assessments, texts, strict=True):
                if text is None:
                    continue
                score = row.scores.get(assessment_.id)
                entries.append(entry(row.enrolment, assessment_, text, getattr(score, "version", None)))
        return entries

    def type(self, actor, marks, attempt=1, reason=None):
        """What a user typed into the gradebook and saved (committed): {cell key: CellResult}."""
        results = services.save_marks(actor, self.offering, self.entries(marks, attempt), reason=reason)
        db.session.commit()
        return results

    def fill(self, rows):
        """First-round marks written straight to the table (fast): one tuple of texts per line; 'غ' is
        absent, None leaves the cell empty."""
        assessments = self.assessments()
        for enrolment, texts in zip(self.enrolments, rows, strict=False):
            for assessment_, text in zip(assessments, texts, strict=True):
                if text is None:
                    continue
                absent = text == ABSENT_TEXT
                db.session.add(Score(enrolment_id=enrolment.id, assessment_id=assessment_.id, attempt=1,
                                     value=None if absent else Decimal(text), absent=absent))
        db.session.commit()

    def submit(self):
        services.submit_gradebook(self.lecturer, self.offering)
        db.session.commit()

    def publish(self, actor=None):
        services.publish_gradebook(actor or self.registrar, self.offering)
        db.session.commit()

    def give_back(self, comment="Check the final exam marks.", actor=None):
        services.return_gradebook(actor or self.registrar, self.offering, comment)
        db.session.commit()

    def open_second_round(self, actor=None):
        services.open_second_round(actor or self.registrar, self.offering)
        db.session.commit()

    def score(self, index, assessment_index=None, attempt=1):
        """The stored Score of a line (the final's by default), or None."""
        db.session.expire_all()
        assessments = self.assessments()
        target = assessments[assessment_index] if assessment_index is not None else self.final()
        return db.session.scalar(db.select(Score).where(
            Score.enrolment_id == self.enrolments[index].id, Score.assessment_id == target.id,
            Score.attempt == attempt))


def entry(enrolment, assessment_, text, version=None, attempt=1):
    return {"enrolment_id": enrolment.id, "assessment_id": assessment_.id, "attempt": attempt, "text": text,
            "version": version}


def make_classroom(size=3, *, university=None, lecturer=None, registrar=None, cohort=None, course=None,
                   term=None, colleagues=0, bulk=False):
    """An offering with a lecturer (and ``colleagues`` more) and ``size`` enrolled students (committed).
    ``bulk`` writes the students and enrolments in one go (big classes; those students cannot log in)."""
    university = university or factories.university()
    lecturer = lecturer or factories.user(role="lecturer", university=university)
    registrar = registrar or factories.user(role="registrar", university=university)
    cohort = cohort or factories.cohort()
    others = [factories.user(role="lecturer", university=university) for _ in range(colleagues)]
    offering = build.offering(university, lecturers=[lecturer, *others], course=course, term=term,
                              capacity=max(size, 1) + 10)
    tag = next(_numbers)
    if bulk:
        students = _bulk_students(size, university, cohort, tag)
        enrolments = [Enrolment(student_id=student.id, offering_id=offering.id) for student in students]
        db.session.add_all(enrolments)
        db.session.commit()
    else:
        students = [factories.student(university=university, cohort=cohort, name_ar=f"طالب {tag}-{i:04d}",
                                      name_en=f"Student {tag}-{i:04d}") for i in range(size)]
        enrolments = [build.enrolled(student, offering) for student in students]
    return Classroom(offering, lecturer, registrar, students, enrolments, others)


def _bulk_students(size, university, cohort, tag):
    users = [User(role="student", university_id=university.id, email=f"bulk{tag}-{i}@example.org",
                  name_ar=f"طالب {tag}-{i:04d}", name_en=f"Student {tag}-{i:04d}") for i in range(size)]
    db.session.add_all(users)
    db.session.flush()
    students = [Student(user_id=user.id, university_id=university.id, cohort_id=cohort.id,
                        student_number=f"B{tag}-{i:04d}", gender="mf"[i % 2]) for i, user in enumerate(users)]
    db.session.add_all(students)
    db.session.commit()
    return students


def full_marks(size, seed=7):
    """A plausible (coursework, final) pair of texts per line, some failing, one absent now and then."""
    rows = []
    for i in range(size):
        coursework = (seed * (i + 3)) % 41
        final = ABSENT_TEXT if i % 17 == 5 else str((seed * (i + 11) * 13) % 101)
        rows.append((str(coursework) + ".5" if i % 3 == 0 else str(coursework), final))
    return rows


def set_programme(**settings):
    """The PCS programme with these settings (pass mark, rounding, second-round rule …), committed."""
    programme = factories.programme()
    for name, value in settings.items():
        setattr(programme, name, value)
    db.session.commit()
    return programme


@pytest.fixture
def classroom(make):
    """``classroom(size=3, **options)``: see ``make_classroom``."""
    make.programme()
    return make_classroom


@pytest.fixture
def programme(make):
    """``programme(**settings)``: the PCS programme with these settings."""
    make.programme()
    return set_programme
