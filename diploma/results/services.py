"""The programme in numbers: every figure of the results pages, the public page and the donor's report, from
SQL aggregates (GROUP BY counts) and the published course results (``results.marks``), in a fixed number
of queries whatever the number of students, marks or certificates.

Definitions (the words are the glossary's):
- enrolled: the students of a cohort (at the university, when the scope has one);
- completed: the one rule, ``grading.completion`` (every required course passed, credits of the distinct
  courses passed at least the programme's, all marks published);
- graduate: a student holding a valid certificate (a revoked certificate makes nobody a graduate);
- certificates issued: every certificate issued (revoked ones included); verified: the views of a valid
  certificate's verification page, from the audit log (``certificate.verified``).
The academic-year filter applies to the courses' figures (terms starting in that year), to certificates
issued in it and to verifications made in it; the cohort filter to everything about students.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _

from diploma import audit
from diploma.arabic import number_for_sentence
from diploma.audit import AuditEvent
from diploma.certificates.models import REVOKED, VALID, Certificate
from diploma.certificates.verification import VERIFIED
from diploma.curriculum.models import Cohort, Course, Term
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.grading.completion import completion, unpublished_courses
from diploma.i18n import force_language
from diploma.partners.models import University
from diploma.results.groups import (
    Groups,
    certificate_groups,
    result_groups,
    scope_tag,
    share,
    student_groups,
)
from diploma.results.marks import course_results, offerings_in_scope
from diploma.results.scope import Scope, academic_year_bounds, academic_year_of
from diploma.results.suppression import Count, Share
from diploma.results.tables import AVERAGE, PERCENT, Column, FigureTable, Row, mean, percent
from diploma.teaching.models import Offering

VERIFIED_ACTION = VERIFIED  # written by the verification page
FEMALE, MALE = "f", "m"


@dataclass
class Figures:
    """Everything a results page, a report or the public page shows, in one language."""

    scope: Scope
    language: str
    digits: str  # the programme's digit setting for Arabic ('arabic_indic' or 'western')
    facts: dict  # what counts nobody (universities, cohorts, courses taught): the public page's only
    tables: list

    def table(self, key):
        return next(table for table in self.tables if table.key == key)


# --- the records figures are labelled with ------------------------------------------------------------------

def _universities(scope):
    query = db.select(University).order_by(University.id)
    if scope.university_id is not None:
        query = query.where(University.id == scope.university_id)
    return db.session.scalars(query).all()


def cohorts_of(programme, scope):
    query = db.select(Cohort).where(Cohort.programme_id == programme.id) \
        .order_by(Cohort.start_year, Cohort.id)
    if scope.cohort_id is not None:
        query = query.where(Cohort.id == scope.cohort_id)
    return db.session.scalars(query).all()


def _courses(programme):
    return db.session.scalars(db.select(Course).where(Course.programme_id == programme.id)
                              .order_by(Course.code)).all()


def academic_years():
    """The academic years that have terms, newest first (for the filter)."""
    starts = db.session.scalars(db.select(Term.starts_on).distinct()).all()
    return sorted({academic_year_of(day) for day in starts}, reverse=True)


def filter_choices(user):
    """Cohorts, universities (the administrator's only) and academic years to filter by."""
    programme = the_programme()
    cohorts = cohorts_of(programme, Scope()) if programme else []
    universities = db.session.scalars(db.select(University).order_by(University.id)).all() \
        if user.role == "admin" else []
    return {"cohorts": cohorts, "universities": universities, "years": academic_years()}


# --- counts (GROUP BY) --------------------------------------------------------------------------------------

def _student_counts(scope):
    """{(cohort id, university id, gender): students}."""
    query = db.select(Student.cohort_id, Student.university_id, Student.gender, db.func.count(Student.id)) \
        .group_by(Student.cohort_id, Student.university_id, Student.gender)
    if scope.university_id is not None:
        query = query.where(Student.university_id == scope.university_id)
    if scope.cohort_id is not None:
        query = query.where(Student.cohort_id == scope.cohort_id)
    return {(c, u, g): n for c, u, g, n in db.session.execute(query)}


def certificate_counts(scope):
    """{(cohort id, university id, gender, status): certificates}."""
    query = db.select(Certificate.cohort_id, Certificate.university_id, Student.gender, Certificate.status,
                      db.func.count(Certificate.id)) \
        .join(Student, Student.id == Certificate.student_id) \
        .group_by(Certificate.cohort_id, Certificate.university_id, Student.gender, Certificate.status)
    query = _certificates_in(scope, query, Certificate.issued_on)
    return {(c, u, g, s): n for c, u, g, s, n in db.session.execute(query)}


def _verification_counts(scope):
    """{university id: views of a valid certificate's verification page} (the audit log)."""
    query = db.select(Certificate.university_id, db.func.count(AuditEvent.id)) \
        .join(Certificate, audit.about(Certificate)) \
        .where(AuditEvent.action == VERIFIED_ACTION) \
        .group_by(Certificate.university_id)
    return dict(db.session.execute(_certificates_in(scope, query, AuditEvent.created_at)).all())


def _certificates_in(scope, query, dated):
    """``query`` kept to the certificates of the scope's university and cohort, and to the rows whose
    ``dated`` column falls in the scope's academic year."""
    if scope.university_id is not None:
        query = query.where(Certificate.university_id == scope.university_id)
    if scope.cohort_id is not None:
        query = query.where(Certificate.cohort_id == scope.cohort_id)
    if scope.year is not None:
        first, following = academic_year_bounds(scope.year)
        query = query.where(dated >= first, dated < following)
    return query


def _completed(programme, results, courses, unpublished):
    """{student id} of those who completed the programme (``grading.completion``): ``results``, the
    published course results of every year; ``unpublished``, {student id: course ids waiting for marks}."""
    published = defaultdict(list)
    for result in results:
        published[result.student_id].append((result.course_id, result.passed))
    return {student for student, taken in published.items()
            if completion(programme.required_credits, courses, taken, unpublished.get(student, ())).completed}


def completed_students(scope, programme, all_years=None):
    """{student id: cohort id} of the students of ``scope`` (university, cohort; every year) who completed
    the programme: what the figures count as "completed". ``all_years``: the scope's course results of
    every year, when the caller has them already."""
    everything = Scope(scope.university_id, scope.cohort_id)
    results = all_years if all_years is not None else course_results(everything, programme)
    unpublished = unpublished_courses(Offering.id.in_(offerings_in_scope(everything)),
                                      *([Student.cohort_id == scope.cohort_id] if scope.cohort_id else []))
    cohort_of_student = {r.student_id: r.cohort_id for r in results}
    return {student: cohort_of_student[student]
            for student in _completed(programme, results, _courses(programme), unpublished)}


# --- labels -------------------------------------------------------------------------------------------------

def _course_label(course, language):
    return f"{course.code} {course.title(language)}"


def _year_label(year, language, digits):
    return number_for_sentence(f"{year}–{year + 1}", language, digits)


# --- the tables ---------------------------------------------------------------------------------------------
# Each row carries, per cell, the group it counts (groups.py): the suppression's input.

def _graduates_table(universities, cohorts, certificates, language):
    columns = [Column(_("University"), "text"), *(Column(cohort.name(language)) for cohort in cohorts),
               Column(_("All cohorts"))]
    table = FigureTable("graduates", _("Graduates per cohort and university"), columns,
                        chart=(len(cohorts),), split=tuple(range(len(cohorts))))
    for university in universities:
        groups = [certificates.count(lambda k, c=cohort.id, u=university.id: k.cohort == c
                                     and k.university == u and k.status == VALID) for cohort in cohorts]
        groups.append(certificates.count(lambda k, u=university.id: k.university == u and k.status == VALID))
        table.rows.append(figure_row(university.name(language), groups))
    return table


def figure_row(label, groups):
    """A row whose cells are the groups' values (a count's n, a share's percentage, an average as given)."""
    cells = []
    for group in groups:
        if isinstance(group, Count):
            cells.append(group.n)
        elif isinstance(group, Share):
            cells.append(percent(group.part.n, group.whole.n))
        else:
            cells.append(group)
    return Row(label, cells, groups=[g if isinstance(g, (Count, Share)) else None for g in groups])


def _gender_table(universities, certificates, language):
    columns = [Column(_("University"), "text"), Column(_("Women")), Column(_("Men")),
               Column(_("Share of women"), PERCENT)]
    table = FigureTable("gender", _("Graduates: women and men"), columns, chart=(2,), split=(0, 1))

    def row(label, university_ids):
        def of(gender=None):
            return certificates.count(lambda k: k.university in university_ids and k.status == VALID
                                      and (gender is None or k.gender == gender))
        women, men, both = of(FEMALE), of(MALE), of()
        return figure_row(label, [women, men, share(women, both)])

    for university in universities:
        table.rows.append(row(university.name(language), {university.id}))
    if len(universities) > 1:
        table.rows.append(row(_("All universities"), {university.id for university in universities}))
    return table


def _progress_table(cohorts, students, certificates, language):
    columns = [Column(_("Cohort"), "text"), Column(_("Enrolled")), Column(_("Completed")),
               Column(_("Graduated")), Column(_("Graduated of those enrolled"), PERCENT)]
    table = FigureTable("progress", _("Enrolled, completed and graduated per cohort"), columns,
                        chart=(0, 1, 2))
    for cohort in cohorts:
        enrolled = students.count(lambda k, c=cohort.id: k.cohort == c)
        completed = students.count(lambda k, c=cohort.id: k.cohort == c and k.done)
        graduated = certificates.count(lambda k, c=cohort.id: k.cohort == c and k.status == VALID)
        table.rows.append(figure_row(cohort.name(language), [enrolled, completed, graduated,
                                                       share(graduated, enrolled)]))
    return table


def _pass_rates_table(courses, results, language):
    columns = [Column(_("Course"), "text"), Column(_("Students with a mark")),
               Column(_("Passed in the first round"), PERCENT),
               Column(_("Passed after the second round"), PERCENT)]
    table = FigureTable("pass_rates", _("Pass rates per course"), columns, chart=(1, 2))
    for course in courses:
        marked = results.count(lambda k, c=course.id: k.course == c)
        if not marked.n:
            continue
        first = results.count(lambda k, c=course.id: k.course == c and k.first_passed)
        final = results.count(lambda k, c=course.id: k.course == c and k.passed)
        table.rows.append(figure_row(_course_label(course, language),
                               [marked, share(first, marked), share(final, marked)]))
    return table


def _band_columns(programme, results, language):
    """The bands, highest first: the programme's, then any other a frozen scale had."""
    bands = [(band.min_mark, band.name_ar, band.name_en) for band in
             sorted(programme.bands, key=lambda band: band.min_mark, reverse=True)]
    known = {(band[1], band[2]) for band in bands}
    extra = sorted({(r.band_min, r.band_ar, r.band_en) for r in results
                    if (r.band_ar, r.band_en) not in known}, reverse=True)
    return [(ar, en) for _minimum, ar, en in [*bands, *extra]]


def _bands_table(key, title, label_heading, groups, bands, results, field, language):
    columns = [Column(label_heading, "text"), *(Column(ar if language == "ar" else en) for ar, en in bands),
               Column(_("Students with a mark"))]
    table = FigureTable(key, title, columns, split=tuple(range(len(bands))))
    for group_id, label in groups:
        total = results.count(lambda k, g=group_id: getattr(k, field) == g)
        if not total.n:
            continue
        cells = [results.count(lambda k, g=group_id, b=band: getattr(k, field) == g
                               and (k.band_ar, k.band_en) == b) for band in bands]
        table.rows.append(figure_row(label, [*cells, total]))
    return table


def _band_totals_table(bands, results, language):
    columns = [Column(_("Band"), "text"), Column(_("Students")), Column(_("Share"), PERCENT)]
    table = FigureTable("bands", _("Distribution of bands, all courses"), columns, chart=(1,))
    total = results.count()
    if total.n:
        for band in bands:
            count = results.count(lambda k, b=band: (k.band_ar, k.band_en) == b)
            label = band[0] if language == "ar" else band[1]
            table.rows.append(figure_row(label, [count, share(count, total)]))
    return table


def _averages_table(key, title, label_heading, groups, results, group_of, counted, field, language, digits):
    """``counted``: the results' Groups, whose counts give each average the group of marks it is over."""
    years = sorted({r.year for r in results})
    columns = [Column(label_heading, "text"),
               *(Column(_year_label(year, language, digits), AVERAGE) for year in years)]
    table = FigureTable(key, title, columns, chart=tuple(range(len(years))))
    for group_id, label in groups:
        marks = defaultdict(list)
        for r in results:
            if group_of(r) == group_id:
                marks[r.year].append(r.mark)
        if not marks:
            continue
        over = [counted.count(lambda k, g=group_id, y=year: getattr(k, field) == g and k.year == y)
                for year in years]
        table.rows.append(Row(label, [mean(marks.get(year, [])) for year in years], groups=over))
    return table


def _certificates_table(universities, certificates, verifications, language):
    columns = [Column(_("University"), "text"), Column(_("Issued")), Column(_("Revoked")),
               Column(_("Verified"))]
    table = FigureTable("certificates", _("Certificates issued, revoked and verified"), columns,
                        chart=(0, 1, 2),
                        note=_("Verified: views of a valid certificate's verification page."))
    for university in universities:
        issued = certificates.count(lambda k, u=university.id: k.university == u)
        revoked = certificates.count(lambda k, u=university.id: k.university == u and k.status == REVOKED)
        verified = verifications.count(lambda k, u=university.id: k == u)
        table.rows.append(figure_row(university.name(language), [issued, revoked, verified]))
    return table


# --- the whole ----------------------------------------------------------------------------------------------

def _course_tables(programme, courses, universities, results, tag, language):
    bands = _band_columns(programme, results, language)
    groups = result_groups(results, tag)
    course_groups = [(course.id, _course_label(course, language)) for course in courses]
    university_groups = [(university.id, university.name(language)) for university in universities]
    return [
        _pass_rates_table(courses, groups, language),
        _band_totals_table(bands, groups, language),
        _bands_table("bands_by_course", _("Bands per course"), _("Course"), course_groups, bands, groups,
                     "course", language),
        _bands_table("bands_by_university", _("Bands per university"), _("University"), university_groups,
                     bands, groups, "university", language),
        _averages_table("averages_by_university", _("Average mark per university over the years"),
                        _("University"), university_groups, results, lambda r: r.university_id, groups,
                        "university", language, programme.certificate_digits),
        _averages_table("averages_by_course", _("Average mark per course over the years"), _("Course"),
                        course_groups, results, lambda r: r.course_id, groups, "course", language,
                        programme.certificate_digits),
    ]


def programme_figures(scope, language):
    """Every table of the results pages and reports for ``scope``, labelled in ``language`` — every figure,
    the small ones too: what may be published is ``published.published_figures``."""
    with force_language(language):
        return _programme_figures(scope, language)


def _programme_figures(scope, language):
    programme = the_programme()
    courses = _courses(programme)
    universities = _universities(scope)
    results = course_results(scope, programme)
    digits = programme.certificate_digits
    tag = scope_tag(scope)
    if scope.teaching_only:
        return Figures(scope, language, digits, {}, _course_tables(programme, courses, universities, results,
                                                                   tag, language))
    cohorts = cohorts_of(programme, scope)
    students = _student_counts(scope)
    certificates = certificate_groups(certificate_counts(scope), tag)
    verifications = Groups("verified", _verification_counts(scope), tag)
    # Completing the programme counts courses of every year, whatever the year filter.
    completed = Counter(completed_students(scope, programme, None if scope.year is not None else results)
                        .values())
    enrolled = Counter()
    for (cohort, _u, _g), n in students.items():
        enrolled[cohort] += n
    tables = [
        _graduates_table(universities, cohorts, certificates, language),
        _gender_table(universities, certificates, language),
        _progress_table(cohorts, student_groups(enrolled, completed, tag), certificates, language),
        *_course_tables(programme, courses, universities, results, tag, language),
        _certificates_table(universities, certificates, verifications, language),
    ]
    return Figures(scope, language, digits, {}, tables)
