"""The gradebook as a table: its assessments, one line per active student with the course mark, band
and round, computed with the gradebook's grading rules, in a fixed number of queries; and the band
distribution of the class. A gradebook exists from the moment its offering does."""
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from sqlalchemy.orm import contains_eager, lazyload, load_only

from diploma.auth.models import User
from diploma.curriculum.models import GradeBand, Programme
from diploma.curriculum.services import PROGRAMME_CODE
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Assessment, Gradebook, Score
from diploma.teaching.signals import offering_created

DEFAULT_ASSESSMENTS = (
    {"name_ar": "السعي", "name_en": "Coursework", "weight": Decimal(40), "max_score": Decimal(100),
     "is_final": False},
    {"name_ar": "الامتحان النهائي", "name_en": "Final exam", "weight": Decimal(60), "max_score": Decimal(100),
     "is_final": True},
)


# --- the gradebook and its table -------------------------------------------------------------------

def new_gradebook(offering):
    """A draft gradebook with the default assessments (coursework 40, final exam 60)."""
    gradebook = Gradebook(offering=offering, status="draft")
    for position, values in enumerate(DEFAULT_ASSESSMENTS, start=1):
        gradebook.assessments.append(Assessment(position=position, **values))
    return gradebook


def give_new_offering_its_gradebook(offering):
    """A gradebook exists as soon as its offering does, whoever creates the offering (the teaching
    services, an import, the demo: all through ``teaching.services.add_offering``), so that no page has to
    create one while it is being read."""
    db.session.add(new_gradebook(offering))


def connect_to_teaching():
    """At app creation: every new offering gets its gradebook (``teaching.signals.offering_created``)."""
    offering_created.connect(give_new_offering_its_gradebook, weak=False)


@cache
def _gradebook_with_assessments():
    """Built once (SQLAlchemy then reuses its cache key and compiled SQL). The assessments come in the same
    query; the offering is not joined again: the caller holds it, and ``gradebook.offering`` finds it in
    the session without a query."""
    return (db.select(Gradebook).outerjoin(Gradebook.assessments)
            .where(Gradebook.offering_id == db.bindparam("offering_id"))
            .options(contains_eager(Gradebook.assessments), lazyload(Gradebook.offering))
            .order_by(Assessment.position))


def gradebook_of(offering):
    """The offering's gradebook, with its assessments."""
    return db.session.scalars(_gradebook_with_assessments(), {"offering_id": offering.id}).unique().one()


@dataclass
class StudentMarks:
    """One student's line of the gradebook."""

    enrolment: Enrolment
    scores: dict = field(default_factory=dict)  # assessment id → Score of the first round
    second: Score | None = None  # the second-round attempt at the final, if any
    first_mark: Decimal | None = None
    mark: Decimal | None = None
    round: int = FIRST_ROUND
    band: object = None
    complete: bool = False
    first_passed: bool | None = None


@dataclass
class MarksTable:
    """The gradebook as a table: its assessments and one StudentMarks per active student."""

    gradebook: Gradebook
    grading: rules.GradingRules
    assessments: list
    rows: list
    # Whether any mark exists, also a withdrawn student's (who has no line): the assessments can be
    # replaced only before the first one.
    has_scores: bool = False

    @property
    def final(self):
        return next((a for a in self.assessments if a.is_final), None)

    @property
    def complete(self):
        return all(row.complete for row in self.rows)

    @property
    def has_second_round_column(self):
        """Once the second round is open, and afterwards as long as any line has a second-round mark."""
        return (self.gradebook.current_round == SECOND_ROUND
                or any(row.second is not None for row in self.rows))

    def cells(self, row, second_round_column):
        """A line's mark cells in column order, as (assessment, attempt, score): one per assessment, then
        in the second-round column the final exam's second attempt of a student who failed the first
        round, or (None, SECOND_ROUND, None) where the line has no such cell. Worked out here once per
        line, so that the page renders each cell inline instead of deciding (and including) it per cell."""
        cells = [(assessment, FIRST_ROUND, row.scores.get(assessment.id)) for assessment in self.assessments]
        if second_round_column:
            final = self.final
            if row.first_passed is False and final is not None:
                cells.append((final, SECOND_ROUND, row.second))
            else:
                cells.append((None, SECOND_ROUND, None))
        return cells


@cache
def _active_enrolments_statement():
    """The lines of the table, built once. A line shows the student's number and name: the student and
    account come from the joins the order needs, with those columns only (not the account's password hash
    and the rest), and without the cohort, which no user of the table reads."""
    return (db.select(Enrolment).join(Enrolment.student).join(Student.user)
            .where(Enrolment.offering_id == db.bindparam("offering_id"), Enrolment.status == "active")
            .order_by(User.name_ar, Enrolment.id)
            .options(load_only(Enrolment.student_id, Enrolment.offering_id),
                     contains_eager(Enrolment.student).load_only(Student.user_id, Student.student_number)
                     .lazyload(Student.cohort),
                     contains_eager(Enrolment.student, Student.user).load_only(User.name_ar, User.name_en)))


def _active_enrolments(offering):
    return db.session.scalars(_active_enrolments_statement(), {"offering_id": offering.id}).all()


@cache
def _scores_statement():
    return (db.select(Score).join(Assessment, Assessment.id == Score.assessment_id)
            .where(Assessment.gradebook_id == db.bindparam("gradebook_id")))


def _scores_of(gradebook):
    return db.session.scalars(_scores_statement(), {"gradebook_id": gradebook.id}).all()


def _components(assessments, scores):
    components = []
    for assessment in assessments:
        score = scores.get(assessment.id)
        if score is None or (score.value is None and not score.absent):
            return None
        components.append(rules.Component(assessment.weight, assessment.max_score, score.value))
    return components


def grading_rules_of(gradebook, programme=None):
    """The rules a gradebook's results are computed with: those frozen at its first publication (a later
    change of the programme's pass mark, rounding, bands or second-round rule changes no published
    result), the programme's current ones before it — from ``programme`` when the caller holds it, else
    read as one row of values (the programme is not loaded at all for a published gradebook)."""
    if gradebook.published_rules or programme is not None:
        return rules.GradingRules.published_or_current(gradebook.published_rules, programme)
    return _current_programme_rules()


@cache
def _programme_rules_statement():
    """The programme's grading settings and its bands (highest minimum first), as plain values in one
    query: one line per band, or a single line without a band."""
    return (db.select(Programme.pass_mark, Programme.course_mark_rounding, Programme.second_round_rule,
                      Programme.second_round_deduction, GradeBand.id, GradeBand.min_mark, GradeBand.name_ar,
                      GradeBand.name_en)
            .outerjoin(GradeBand, GradeBand.programme_id == Programme.id)
            .where(Programme.code == db.bindparam("code"))
            .order_by(GradeBand.min_mark.desc()))


def _current_programme_rules():
    """``rules.GradingRules.of_programme(the_programme())``, without loading the programme and its bands
    as objects."""
    lines = db.session.execute(_programme_rules_statement(), {"code": PROGRAMME_CODE}).all()
    return rules.GradingRules.of_settings(lines[0], [line[4:] for line in lines if line.id is not None])


def compute_row(row, assessments, grading, visible_round=SECOND_ROUND):
    components = _components(assessments, row.scores)
    row.complete = components is not None
    if components is None:
        return row
    row.first_mark = row.mark = rules.course_mark(components, grading.course_mark_rounding)
    row.first_passed = rules.passed(row.first_mark, grading)
    second = row.second
    if (visible_round >= SECOND_ROUND and not row.first_passed and second is not None
            and (second.value is not None or second.absent)):
        final_index = next(i for i, a in enumerate(assessments) if a.is_final)
        row.mark = rules.second_round_mark(components, final_index, second.value, grading)
        row.round = SECOND_ROUND
    row.band = rules.band_of(row.mark, grading.bands)
    return row


def load_sheet(offering):
    """The whole gradebook in a fixed number of queries, whatever the number of students."""
    gradebook = gradebook_of(offering)
    grading = grading_rules_of(gradebook)
    assessments = list(gradebook.assessments)
    rows = {e.id: StudentMarks(enrolment=e) for e in _active_enrolments(offering)}
    final_id = next((a.id for a in assessments if a.is_final), None)
    scores = _scores_of(gradebook)
    for score in scores:
        row = rows.get(score.enrolment_id)
        if row is None:
            continue
        if score.attempt == FIRST_ROUND:
            row.scores[score.assessment_id] = score
        elif score.assessment_id == final_id:
            row.second = score
    for row in rows.values():
        compute_row(row, assessments, grading)
    return MarksTable(gradebook, grading, assessments, list(rows.values()), has_scores=bool(scores))


def distribution(sheet):
    """How many students in each band, and in each tenth of the scale (0–9, 10–19 … 90–100)."""
    by_band = {band.id: 0 for band in sheet.grading.bands}
    by_tenth = [0] * 10
    for row in sheet.rows:
        if row.mark is None:
            continue
        by_band[row.band.id] = by_band.get(row.band.id, 0) + 1
        by_tenth[min(int(row.mark // 10), 9)] += 1
    return {"bands": [(band, by_band[band.id]) for band in sheet.grading.bands], "tenths": by_tenth}
