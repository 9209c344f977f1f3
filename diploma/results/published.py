"""The public page's figures ("the programme in numbers", البرنامج بالأرقام), and what every page, report
and the command line publish: the figures passed through ``suppression.protect``, the one owner of what may be
shown. The programme-wide figures and the public page's are protected together (the same counts hidden alike
in both), since anyone may hold both.
"""
from flask_babel import gettext as _

from diploma.certificates.models import VALID
from diploma.curriculum.services import the_programme
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.models import University
from diploma.results.groups import certificate_groups, scope_tag, share
from diploma.results.marks import offerings_in_scope
from diploma.results.scope import Scope
from diploma.results.services import (
    FEMALE,
    MALE,
    Figures,
    certificate_counts,
    cohorts_of,
    figure_row,
    programme_figures,
)
from diploma.results.suppression import protect
from diploma.results.tables import PERCENT, Column, FigureTable
from diploma.teaching.models import Offering


def published_figures(scope, language):
    """The figures of ``scope`` as they may be shown (page, XLSX, PDF, command line)."""
    figures = programme_figures(scope, language)
    context = []
    if scope == Scope():
        public = public_figures(language)
        context = public.tables if public else []
    figures.tables = protect(figures.tables, context)
    return figures


def published_public_figures(language):
    """The public page's figures as they may be shown."""
    figures = public_figures(language)
    if figures is None:
        return None
    figures.tables = protect(figures.tables, programme_figures(Scope(), language).tables)
    return figures


# --- the public page ----------------------------------------------------------------------------------------

def public_figures(language):
    """The programme's headline figures for anyone, and graduates per cohort split into women and men. No
    university is named: the split is by cohort. The headline's people counts are the one-row table
    "headline" (``tables[0]``), so that they are protected with the rest."""
    with force_language(language):
        return _public_figures(language)


def _public_figures(language):
    programme = the_programme()
    if programme is None:
        return None
    certificates = certificate_groups(certificate_counts(Scope()), scope_tag(Scope()))
    cohorts = cohorts_of(programme, Scope())
    universities = db.session.scalar(db.select(db.func.count(University.id)))
    courses_taught = db.session.scalar(db.select(db.func.count(db.distinct(Offering.course_id)))
                                       .where(Offering.id.in_(offerings_in_scope(Scope()))))

    def valid(cohort=None, gender=None):
        return certificates.count(lambda k: k.status == VALID and (cohort is None or k.cohort == cohort)
                                  and (gender is None or k.gender == gender))

    graduates, women = valid(), valid(gender=FEMALE)
    headline = FigureTable("headline", _("The programme in numbers"), [
        Column("", "text"), Column(_("graduates so far")), Column(_("women among the graduates"), PERCENT),
        Column(_("certificates that can be verified"))])
    headline.rows.append(figure_row("", [graduates, share(women, graduates), graduates]))
    columns = [Column(_("Cohort"), "text"), Column(_("Women")), Column(_("Men")), Column(_("Graduates"))]
    table = FigureTable("graduates_by_cohort", _("Graduates per cohort"), columns, chart=(2,), split=(0, 1))
    for cohort in cohorts:
        cells = [valid(cohort.id, FEMALE), valid(cohort.id, MALE), valid(cohort.id)]
        table.rows.append(figure_row(cohort.name(language), cells))
    facts = {"universities": universities, "cohorts": len(cohorts), "courses_taught": courses_taught}
    return Figures(Scope(), language, programme.certificate_digits, facts, [headline, table])
