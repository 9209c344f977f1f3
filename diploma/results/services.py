"""The programme in numbers: every figure of the results pages, the public page and the donor's report, from
SQL aggregates (GROUP BY counts) and the published course results (``results.marks``), in a fixed number
of queries whatever the number of students, marks or certificates.

Definitions (the words are the glossary's):
- enrolled: the students of a cohort (at the university, when the scope has one);
- completed: a student who has passed every required course, with published marks, and has at least the
  programme's required credits from passed courses;
- graduate: a student holding a valid certificate (a revoked certificate makes nobody a graduate);
- certificates issued: every certificate issued (revoked ones included); verified: the views of a valid
  certificate's verification page, from the audit log (``certificate.verified``).
The academic-year filter applies to the courses' figures (terms starting in that year), to certificates
issued in it and to verifications made in it; the cohort filter to everything about students.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _

from diploma.arabic import number_for_sentence
from diploma.audit import AuditEvent
from diploma.certificates import services as certificate_services
from diploma.certificates.models import REVOKED, VALID, Certificate
from diploma.curriculum.models import Cohort, Course, Term
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.models import University
from diploma.results.marks import course_results, offerings_in_scope
from diploma.results.scope import Scope, academic_year_bounds, academic_year_of
from diploma.results.tables import (
    AVERAGE,
    FEWER_THAN_5,
    PERCENT,
    SMALLEST_SHOWN,
    Column,
    FigureTable,
    Row,
    mean,
    percent,
)
from diploma.teaching.models import Offering

VERIFIED_ACTION = certificate_services.VERIFIED  # written by the verification page
FEMALE, MALE = "f", "m"


@dataclass
class Figures:
    """Everything a results page, a report or the public page shows, in one language."""

    scope: Scope
    language: str
    digits: str  # the programme's digit setting for Arabic ('arabic_indic' or 'western')
    headline: dict
    tables: list

    def table(self, key):
        return next(table for table in self.tables if table.key == key)


# --- the records figures are labelled with ------------------------------------------------------------------

def _universities(scope):
    query = db.select(University).order_by(University.id)
    if scope.university_id is not None:
        query = query.where(University.id == scope.university_id)
    return db.session.scalars(query).all()


def _cohorts(programme, scope):
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
    cohorts = _cohorts(programme, Scope()) if programme else []
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


def _certificate_counts(scope):
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
        .join(Certificate, db.cast(Certificate.id, db.String) == AuditEvent.target_id) \
        .where(AuditEvent.action == VERIFIED_ACTION, AuditEvent.target_type == "Certificate") \
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


def _completed(programme, results, courses):
    """{student id} of those who completed the programme (see the module's docstring)."""
    credits = {course.id: course.credits for course in courses}
    required = {course.id for course in courses if course.required}
    passed = defaultdict(set)
    for result in results:
        if result.passed:
            passed[result.student_id].add(result.course_id)
    return {student for student, done in passed.items()
            if required <= done
            and sum(credits.get(course, 0) for course in done) >= programme.required_credits}


# --- labels -------------------------------------------------------------------------------------------------

def _course_label(course, language):
    return f"{course.code} {course.title(language)}"


def _year_label(year, language, digits):
    return number_for_sentence(f"{year}–{year + 1}", language, digits)


# --- the tables ---------------------------------------------------------------------------------------------

def _graduates_table(universities, cohorts, certificates, language):
    columns = [Column(_("University"), "text"), *(Column(cohort.name(language)) for cohort in cohorts),
               Column(_("All cohorts"))]
    table = FigureTable("graduates", _("Graduates per cohort and university"), columns,
                        chart=(len(cohorts),), split=tuple(range(len(cohorts))))
    for university in universities:
        cells = [sum(n for (c, u, _g, s), n in certificates.items() if c == cohort.id and u == university.id
                     and s == VALID) for cohort in cohorts]
        table.rows.append(Row(university.name(language), [*cells, sum(cells)]))
    return table


def _gender_table(universities, certificates, language):
    columns = [Column(_("University"), "text"), Column(_("Women")), Column(_("Men")),
               Column(_("Share of women"), PERCENT)]
    table = FigureTable("gender", _("Graduates: women and men"), columns, chart=(2,), split=(0, 1))

    def row(label, university_ids):
        women = sum(n for (_c, u, g, s), n in certificates.items() if u in university_ids and g == FEMALE
                    and s == VALID)
        men = sum(n for (_c, u, g, s), n in certificates.items() if u in university_ids and g == MALE
                  and s == VALID)
        return Row(label, [women, men, percent(women, women + men)], base=women + men)

    for university in universities:
        table.rows.append(row(university.name(language), {university.id}))
    if len(universities) > 1:
        table.rows.append(row(_("All universities"), {university.id for university in universities}))
    return table


def _progress_table(cohorts, students, completed_ids, cohort_of_student, certificates, language):
    columns = [Column(_("Cohort"), "text"), Column(_("Enrolled")), Column(_("Completed")),
               Column(_("Graduated")), Column(_("Graduated of those enrolled"), PERCENT)]
    table = FigureTable("progress", _("Enrolled, completed and graduated per cohort"), columns,
                        chart=(0, 1, 2))
    completed_per_cohort = Counter(cohort_of_student[student] for student in completed_ids)
    for cohort in cohorts:
        enrolled = sum(n for (c, _u, _g), n in students.items() if c == cohort.id)
        graduated = sum(n for (c, _u, _g, s), n in certificates.items() if c == cohort.id and s == VALID)
        table.rows.append(Row(cohort.name(language), [enrolled, completed_per_cohort[cohort.id], graduated,
                                                      percent(graduated, enrolled)], base=enrolled))
    return table


def _pass_rates_table(courses, results, language):
    columns = [Column(_("Course"), "text"), Column(_("Students with a mark")),
               Column(_("Passed in the first round"), PERCENT),
               Column(_("Passed after the second round"), PERCENT)]
    table = FigureTable("pass_rates", _("Pass rates per course"), columns, chart=(1, 2))
    for course in courses:
        marked = [r for r in results if r.course_id == course.id]
        if not marked:
            continue
        table.rows.append(Row(_course_label(course, language), [
            len(marked), percent(sum(r.first_passed for r in marked), len(marked)),
            percent(sum(r.passed for r in marked), len(marked))], base=len(marked)))
    return table


def _band_columns(programme, results, language):
    """The bands, highest first: the programme's, then any other a frozen scale had."""
    bands = [(band.min_mark, band.name_ar, band.name_en) for band in
             sorted(programme.bands, key=lambda band: band.min_mark, reverse=True)]
    known = {(band[1], band[2]) for band in bands}
    extra = sorted({(r.band_min, r.band_ar, r.band_en) for r in results
                    if (r.band_ar, r.band_en) not in known}, reverse=True)
    return [(ar, en) for _minimum, ar, en in [*bands, *extra]]


def _bands_table(key, title, label_heading, groups, bands, results, group_of, language):
    columns = [Column(label_heading, "text"), *(Column(ar if language == "ar" else en) for ar, en in bands),
               Column(_("Students with a mark"))]
    table = FigureTable(key, title, columns, split=tuple(range(len(bands))))
    for group_id, label in groups:
        counts = Counter((r.band_ar, r.band_en) for r in results if group_of(r) == group_id)
        if not counts:
            continue
        cells = [counts[band] for band in bands]
        table.rows.append(Row(label, [*cells, sum(cells)], base=sum(cells)))
    return table


def _band_totals_table(bands, results, language):
    columns = [Column(_("Band"), "text"), Column(_("Students")), Column(_("Share"), PERCENT)]
    table = FigureTable("bands", _("Distribution of bands, all courses"), columns, chart=(1,))
    counts = Counter((r.band_ar, r.band_en) for r in results)
    total = sum(counts.values())
    if total:
        for band in bands:
            table.rows.append(Row(band[0] if language == "ar" else band[1],
                                  [counts[band], percent(counts[band], total)], base=total))
    return table


def _averages_table(key, title, label_heading, groups, results, group_of, language, digits):
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
        smallest = min(len(values) for values in marks.values())
        table.rows.append(Row(label, [mean(marks.get(year, [])) for year in years], base=smallest))
    return table


def _certificates_table(universities, certificates, verifications, language):
    columns = [Column(_("University"), "text"), Column(_("Issued")), Column(_("Revoked")),
               Column(_("Verified"))]
    table = FigureTable("certificates", _("Certificates issued, revoked and verified"), columns,
                        chart=(0, 1, 2),
                        note=_("Verified: views of a valid certificate's verification page."))
    for university in universities:
        issued = sum(n for (_c, u, _g, _s), n in certificates.items() if u == university.id)
        revoked = sum(n for (_c, u, _g, s), n in certificates.items() if u == university.id and s == REVOKED)
        verified = verifications.get(university.id, 0)
        table.rows.append(Row(university.name(language), [issued, revoked, verified]))
    return table


# --- the whole ----------------------------------------------------------------------------------------------

def _course_tables(programme, courses, universities, results, language):
    bands = _band_columns(programme, results, language)
    course_groups = [(course.id, _course_label(course, language)) for course in courses]
    university_groups = [(university.id, university.name(language)) for university in universities]
    return [
        _pass_rates_table(courses, results, language),
        _band_totals_table(bands, results, language),
        _bands_table("bands_by_course", _("Bands per course"), _("Course"), course_groups, bands, results,
                     lambda r: r.course_id, language),
        _bands_table("bands_by_university", _("Bands per university"), _("University"), university_groups,
                     bands, results, lambda r: r.university_id, language),
        _averages_table("averages_by_university", _("Average mark per university over the years"),
                        _("University"), university_groups, results, lambda r: r.university_id, language,
                        programme.certificate_digits),
        _averages_table("averages_by_course", _("Average mark per course over the years"), _("Course"),
                        course_groups, results, lambda r: r.course_id, language,
                        programme.certificate_digits),
    ]


def programme_figures(scope, language):
    """Every table of the results pages and reports for ``scope``, labelled in ``language``."""
    with force_language(language):
        return _programme_figures(scope, language)


def _programme_figures(scope, language):
    programme = the_programme()
    courses = _courses(programme)
    universities = _universities(scope)
    results = course_results(scope, programme)
    digits = programme.certificate_digits
    if scope.teaching_only:
        return Figures(scope, language, digits, {}, _course_tables(programme, courses, universities, results,
                                                                   language))
    cohorts = _cohorts(programme, scope)
    students = _student_counts(scope)
    certificates = _certificate_counts(scope)
    verifications = _verification_counts(scope)
    # Completing the programme counts courses of every year, whatever the year filter.
    all_years = course_results(Scope(scope.university_id, scope.cohort_id), programme) \
        if scope.year is not None else results
    cohort_of_student = {r.student_id: r.cohort_id for r in all_years}
    completed = _completed(programme, all_years, courses)
    tables = [
        _graduates_table(universities, cohorts, certificates, language),
        _gender_table(universities, certificates, language),
        _progress_table(cohorts, students, completed, cohort_of_student, certificates, language),
        *_course_tables(programme, courses, universities, results, language),
        _certificates_table(universities, certificates, verifications, language),
    ]
    headline = _headline(certificates, students)
    return Figures(scope, language, digits, headline, tables)


def _headline(certificates, students):
    graduates = sum(n for (_c, _u, _g, s), n in certificates.items() if s == VALID)
    return {"graduates": graduates, "students": sum(students.values())}


def _share_shown(women, men):
    """The share of women, unless women or men number 1 to 4 (the share would give their number away)."""
    if 0 < women < SMALLEST_SHOWN or 0 < men < SMALLEST_SHOWN:
        return FEWER_THAN_5
    return percent(women, women + men)


# --- the public page ----------------------------------------------------------------------------------------

def public_figures(language):
    """The programme's headline figures for anyone, and graduates per cohort split into women and men
    (the caller shows them through ``tables.protected``). No university is named: the split is by cohort."""
    with force_language(language):
        return _public_figures(language)


def _public_figures(language):
    programme = the_programme()
    if programme is None:
        return None
    certificates = _certificate_counts(Scope())
    cohorts = _cohorts(programme, Scope())
    universities = db.session.scalar(db.select(db.func.count(University.id)))
    courses_taught = db.session.scalar(db.select(db.func.count(db.distinct(Offering.course_id)))
                                       .where(Offering.id.in_(offerings_in_scope(Scope()))))
    valid = {key: n for key, n in certificates.items() if key[3] == VALID}
    women = sum(n for (_c, _u, g, _s), n in valid.items() if g == FEMALE)
    graduates = sum(valid.values())
    columns = [Column(_("Cohort"), "text"), Column(_("Women")), Column(_("Men")), Column(_("Graduates"))]
    table = FigureTable("graduates_by_cohort", _("Graduates per cohort"), columns, chart=(2,), split=(0, 1))
    for cohort in cohorts:
        w = sum(n for (c, _u, g, _s), n in valid.items() if c == cohort.id and g == FEMALE)
        m = sum(n for (c, _u, g, _s), n in valid.items() if c == cohort.id and g == MALE)
        table.rows.append(Row(cohort.name(language), [w, m, w + m], base=w + m))
    headline = {"graduates": graduates, "universities": universities, "cohorts": len(cohorts),
                "courses_taught": courses_taught, "women": women,
                "share_of_women": _share_shown(women, graduates - women), "verifiable": graduates}
    return Figures(Scope(), language, programme.certificate_digits, headline, [table])

