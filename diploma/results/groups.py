"""The groups the figures count, as ``suppression.Count``s: a count and its atoms (the finest groups it is
summed from), so that the suppression sees the same group in two tables as one count and a total as the sum
of its cells.

Atoms carry the scope's tag (its university, cohort, year and lecturer filters): figures of one scope are
compared with one another and with the programme-wide ones only when the tags agree.
"""
from collections import Counter, namedtuple

from diploma.results.suppression import Count, Share

ResultKey = namedtuple("ResultKey",
                       "course university cohort gender year band_ar band_en first_passed passed")
CertificateKey = namedtuple("CertificateKey", "cohort university gender status")
StudentKey = namedtuple("StudentKey", "cohort done")


def scope_tag(scope):
    return (scope.university_id, scope.cohort_id, scope.year, scope.lecturer_id)


class Groups:
    """{key: n} of one measure (certificates, results, students, verifications), counted by predicate."""

    def __init__(self, measure, counts, tag, key_type=None):
        self.measure, self.tag = measure, tag
        self.counts = {(key_type(*key) if key_type else key): n for key, n in counts.items() if n}

    def count(self, keep=lambda key: True):
        chosen = {key: n for key, n in self.counts.items() if keep(key)}
        parts = tuple(((self.measure, *_tuple(key), self.tag), n) for key, n in chosen.items())
        return Count(sum(chosen.values()), frozenset(atom for atom, _n in parts), parts)


def _tuple(key):
    return tuple(key) if isinstance(key, tuple) else (key,)


def result_groups(results, tag):
    counts = Counter(ResultKey(r.course_id, r.university_id, r.cohort_id, r.gender, r.year, r.band_ar,
                               r.band_en, r.first_passed, r.passed) for r in results)
    return Groups("result", counts, tag)


def certificate_groups(certificates, tag):
    return Groups("certificate", certificates, tag, CertificateKey)


def student_groups(enrolled_per_cohort, completed_per_cohort, tag):
    counts = {}
    for cohort, enrolled in enrolled_per_cohort.items():
        done = completed_per_cohort.get(cohort, 0)
        counts[(cohort, True)] = done
        counts[(cohort, False)] = enrolled - done
    return Groups("student", counts, tag, StudentKey)


def share(part, whole):
    return Share(part, whole)
