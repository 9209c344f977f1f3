"""A random programme for the suppression attack (tests/results/test_attack.py): several universities,
cohorts, courses taught over two academic years, women and men, both rounds, valid and revoked
certificates, verifications — drawn from a seeded ``random.Random`` so that a failure replays."""
import random
from dataclasses import dataclass, field
from datetime import date

from diploma.certificates.models import REVOKED, VALID
from diploma.extensions import db
from tests import factories
from tests.results.builders import _offering, enter_marks, issue, log_verifications

TERMS = ((date(2023, 10, 1), date(2024, 1, 31)), (date(2024, 2, 15), date(2024, 6, 30)),
         (date(2024, 10, 1), date(2025, 1, 31)))


@dataclass
class RandomProgramme:
    admin: object = None
    registrars: list = field(default_factory=list)
    universities: list = field(default_factory=list)
    cohorts: list = field(default_factory=list)


def random_programme(seed, universities=3, cohorts=3, courses=3):
    draw = random.Random(seed)
    programme = factories.programme(required_credits=3 * courses)
    programme.required_credits = 3 * courses
    data = RandomProgramme(admin=factories.user(role="admin"))
    for index in range(universities):
        university = factories.university(code=f"R{index}{seed % 10}", name_ar=f"الجامعة {index + 1}",
                                          name_en=f"University {chr(65 + index)}")
        data.universities.append(university)
        data.registrars.append(factories.user(role="registrar", university=university))
    for index in range(cohorts):
        data.cohorts.append(factories.cohort(name_en=f"Cohort {index + 1}", name_ar=f"الدفعة {index + 1}",
                                             start_year=2022 + index, end_year=2024 + index))
    all_courses = [factories.course(code=f"PCR{index:02d}", title_en=f"Course {index}",
                                    title_ar=f"المقرر {index}") for index in range(courses)]
    terms = [factories.term(starts_on=start, ends_on=end) for start, end in TERMS]
    students = {}
    for university in data.universities:
        for cohort in data.cohorts:
            students[(university.id, cohort.id)] = [
                factories.student(university=university, cohort=cohort, gender=draw.choice("fm"))
                for _ in range(draw.choice((0, 1, 2, 3, 4, 5, 6, 8, 11)))]
    for university in data.universities:
        group = [s for cohort in data.cohorts for s in students[(university.id, cohort.id)]]
        for course in all_courses:
            takers = [s for s in group if draw.random() < 0.85]
            if not takers:
                continue
            offering = _offering(course, university, draw.choice(terms))
            enter_marks(offering, {s: _marks(draw) for s in takers}, published_round=draw.choice((1, 2)))
    for university in data.universities:
        for cohort in data.cohorts:
            for student in students[(university.id, cohort.id)]:
                roll = draw.random()
                if roll < 0.55:
                    status = VALID if roll < 0.5 else REVOKED
                    certificate = issue(student, university, cohort, programme, status=status)
                    if status == VALID and draw.random() < 0.3:
                        log_verifications(certificate, draw.choice((1, 2, 3, 6)))
    db.session.commit()
    return data


def _marks(draw):
    coursework, final = draw.randint(20, 100), draw.randint(10, 100)
    if draw.random() < 0.3:
        return coursework, final, draw.randint(30, 100)
    return coursework, final
