"""What a results page or report covers: the filters (cohort, university, academic year) and, for a
lecturer, their own offerings only. The scope is decided here from the acting user, once, for the pages, the
reports and the command line alike: a registrar's (or a lecturer's) university is always their own, whatever
the request asks for."""
from dataclasses import dataclass, replace
from datetime import date

ADMIN, REGISTRAR, LECTURER = "admin", "registrar", "lecturer"
# An Iraqi academic year begins in September: a term starting in 2024-02 belongs to 2023–2024.
YEAR_STARTS_IN_MONTH = 9


@dataclass(frozen=True)
class Scope:
    university_id: int | None = None
    cohort_id: int | None = None
    year: int | None = None  # the academic year starting in this calendar year (2023: 2023–2024)
    lecturer_id: int | None = None  # only the offerings this lecturer teaches

    @property
    def teaching_only(self):
        """A lecturer's view: the distributions of their own offerings, nothing about cohorts."""
        return self.lecturer_id is not None


def scope_for(user, *, university_id=None, cohort_id=None, year=None):
    """The scope ``user`` may see with the filters asked for: the administrator's university filter is
    theirs to choose; anyone else's university is their own; a lecturer sees their own offerings."""
    scope = Scope(university_id=university_id, cohort_id=cohort_id, year=year)
    if user is None or user.role == ADMIN:
        return scope
    scope = replace(scope, university_id=user.university_id)
    if user.role == LECTURER:
        scope = replace(scope, lecturer_id=user.id)
    return scope


def academic_year_of(day):
    return day.year if day.month >= YEAR_STARTS_IN_MONTH else day.year - 1


def academic_year_bounds(year):
    """[first day, first day of the next year) of the academic year starting in ``year``."""
    return date(year, YEAR_STARTS_IN_MONTH, 1), date(year + 1, YEAR_STARTS_IN_MONTH, 1)
