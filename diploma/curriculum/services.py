"""The programme and its settings, cohorts, courses and terms."""
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from diploma import audit, dates
from diploma.curriculum.models import Cohort, Course, GradeBand, Programme, Term
from diploma.errors import RuleViolation
from diploma.extensions import db

PROGRAMME_CODE = "PCS"
PROGRAMME_SETTINGS = ("name_ar", "name_en", "required_credits", "pass_mark", "course_mark_rounding",
                      "second_round_rule", "second_round_deduction", "certificate_digits")
COHORT_FIELDS = ("name_ar", "name_en", "start_year", "end_year")
COURSE_FIELDS = ("code", "title_ar", "title_en", "credits", "semester", "required")
TERM_FIELDS = ("name_ar", "name_en", "starts_on", "ends_on")


def the_programme():
    """The diploma's programme (the platform runs one; the model allows more)."""
    return db.session.scalar(db.select(Programme).where(Programme.code == PROGRAMME_CODE))


def _for_audit(record, fields):
    return {name: _jsonable(getattr(record, name)) for name in fields}


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _assign(record, values, fields):
    for name in fields:
        setattr(record, name, values[name])


def _check_bands(bands, pass_mark):
    """Band minimums must be distinct, within 0–100, and one band must start at 0."""
    if any(band.get("min_mark") is None for band in bands):  # a named band left without its mark
        raise RuleViolation(_l("Band marks must be between 0 and 100."), field="bands")
    minimums = [Decimal(band["min_mark"]) for band in bands]
    if len(set(minimums)) != len(minimums):
        raise RuleViolation(_l("Two bands of the scale start at the same mark."), field="bands")
    if any(not Decimal(0) <= value <= Decimal(100) for value in minimums):
        raise RuleViolation(_l("Band marks must be between 0 and 100."), field="bands")
    if Decimal(0) not in minimums:
        raise RuleViolation(_l("The lowest band must start at 0."), field="bands")
    if Decimal(pass_mark) not in minimums:
        raise RuleViolation(_l("One band must start at the pass mark."), field="bands")


def update_programme(actor, programme, values, bands):
    """Save the programme's settings and its grading scale (a list of {min_mark, name_ar, name_en})."""
    bands = [band for band in bands if band.get("name_ar") or band.get("name_en")]
    _check_bands(bands, values["pass_mark"])
    before = _for_audit(programme, PROGRAMME_SETTINGS)
    before["bands"] = [_for_audit(band, ("min_mark", "name_ar", "name_en")) for band in programme.bands]
    _assign(programme, values, PROGRAMME_SETTINGS)
    programme.bands.clear()
    db.session.flush()
    for band in sorted(bands, key=lambda b: Decimal(b["min_mark"]), reverse=True):
        programme.bands.append(GradeBand(min_mark=Decimal(band["min_mark"]), name_ar=band["name_ar"],
                                         name_en=band["name_en"]))
    db.session.flush()
    after = _for_audit(programme, PROGRAMME_SETTINGS)
    after["bands"] = [_for_audit(band, ("min_mark", "name_ar", "name_en")) for band in programme.bands]
    audit.record(actor, "programme.updated", programme, {"before": before, "after": after})
    return programme


def band_for(programme, mark):
    """The band (التقدير) a mark falls in: the highest band whose minimum it reaches."""
    for band in programme.bands:  # ordered from the highest minimum down
        if mark >= band.min_mark:
            return band
    return None


def _save(actor, record, values, fields, action):
    creating = record.id is None
    before = None if creating else _for_audit(record, fields)
    _assign(record, values, fields)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, f"{action}.{'created' if creating else 'updated'}", record,
                 {"before": before, "after": _for_audit(record, fields)})
    return record


def all_cohorts():
    return db.session.scalars(db.select(Cohort).order_by(Cohort.start_year, Cohort.id)).all()


def cohort_choices(language):
    return [(cohort.id, cohort.name(language)) for cohort in all_cohorts()]


def cohort_end_date(cohort):
    """The day a cohort's studies end, proposed as its graduation date: the last day of the latest term that
    ends in the cohort's final year (30 June of that year when no such term is recorded)."""
    last_term_end = db.session.scalar(db.select(db.func.max(Term.ends_on)).where(
        Term.ends_on.between(date(cohort.end_year, 1, 1), date(cohort.end_year, 12, 31))))
    return last_term_end or date(cohort.end_year, 6, 30)


def _refuse_a_second(column, values, record, message):
    """RuleViolation on the field when another record than ``record`` (None: a new one) already has the
    unique value ``values[column.key]``."""
    model = column.class_
    clash = db.session.scalar(db.select(model.id).where(column == values[column.key],
                                                        model.id != getattr(record, "id", None)))
    if clash is not None:
        raise RuleViolation(message, field=column.key)


def save_cohort(actor, cohort, values):
    dates.check_year(values["start_year"], field="start_year")
    dates.check_year(values["end_year"], field="end_year")
    if values["end_year"] < values["start_year"]:
        raise RuleViolation(_l("The final year cannot come before the first year."), field="end_year")
    _refuse_a_second(Cohort.name_en, values, cohort, _l("Another cohort already has this name."))
    return _save(actor, cohort or Cohort(programme=the_programme()), values, COHORT_FIELDS, "cohort")


def all_courses():
    return db.session.scalars(db.select(Course).order_by(Course.semester, Course.code)).all()


def save_course(actor, course, values):
    values = {**values, "code": values["code"].upper()}
    _refuse_a_second(Course.code, values, course, _l("Another course already has this code."))
    return _save(actor, course or Course(programme=the_programme()), values, COURSE_FIELDS, "course")


def all_terms():
    return db.session.scalars(db.select(Term).order_by(Term.starts_on.desc())).all()


def save_term(actor, term, values):
    dates.check_planned_date(values["starts_on"], field="starts_on")
    dates.check_planned_date(values["ends_on"], field="ends_on")
    if values["ends_on"] <= values["starts_on"]:
        raise RuleViolation(_l("The term must end after it starts."), field="ends_on")
    _refuse_a_second(Term.name_en, values, term, _l("Another term already has this name."))
    return _save(actor, term or Term(), values, TERM_FIELDS, "term")
