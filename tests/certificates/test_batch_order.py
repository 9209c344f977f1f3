"""One order of a batch of certificates, whether printed from the web or from the command line: names
compared folded (hamza forms, case), ranks tied by name."""
from decimal import Decimal

import pytest

from diploma.certificates import pdf
from diploma.certificates.issuing import printable_certificates
from diploma.extensions import db
from diploma.grading.models import Score
from tests.certificates.builders import blank_pdf, graduating_cohort
from tests.certificates.test_views import client_for

# Raw code points would order these أيمن < إبراهيم < احمد and Ayman < Ibrahim < ahmed; folded, they are
# ابراهيم < احمد < ايمن and ahmed < ayman < ibrahim.
NAMES = (("أيمن خالد سعيد العزاوي", "Ayman Khalid Saeed Al-Azzawi", "m"),
         ("إبراهيم جاسم محمد الدليمي", "Ibrahim Jasim Mohammed Al-Dulaimi", "m"),
         ("احمد كريم عبد الله الساعدي", "ahmed Kareem Abdullah Al-Saadi", "m"))
FOLDED_ORDER = {"ar": ["إبراهيم", "احمد", "أيمن"], "en": ["ahmed", "Ayman", "Ibrahim"]}


@pytest.fixture
def batches(monkeypatch):
    """The snapshots each batch was rendered from, in page order."""
    rendered = []

    def render_batch(snapshots, language, progress=None, qr_urls=None):
        rendered.append([snapshot["serial"] for snapshot in snapshots])
        return blank_pdf()  # a real (blank) PDF: the university signs the batch after the render

    monkeypatch.setattr(pdf, "render_batch", render_batch)
    return rendered


@pytest.fixture
def cohort():
    group = graduating_cohort(3, code="MSL", names=NAMES)
    group.issue()
    return group


def _first_names(certificates, language):
    return [certificate.snapshot["student"][f"name_{language}"].split()[0] for certificate in certificates]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_batch_by_name_is_in_folded_name_order(cohort, language):
    certificates = printable_certificates(cohort.university.id, cohort.cohort.id, order="name",
                                          language=language)

    assert _first_names(certificates, language) == FOLDED_ORDER[language]


@pytest.mark.parametrize("order", ["rank", "name"])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_web_and_the_command_line_print_a_batch_in_the_same_order(app, runner, cohort, batches,
                                                                     tmp_path, order, language):
    client = client_for(app, cohort.registrar)
    query = f"language={language}&order={order}"
    response = client.get(f"/certificates/cohorts/{cohort.cohort.id}/batch.pdf?{query}")
    assert response.status_code == 200
    result = runner.invoke(args=["certificates", "print", "--university", "MSL", "--cohort",
                                 str(cohort.cohort.id), "--language", language, "--order", order,
                                 "-o", str(tmp_path / "all.pdf")])
    assert result.exit_code == 0, result.output

    web, command_line = batches
    expected = [c.serial for c in printable_certificates(cohort.university.id, cohort.cohort.id,
                                                         order=order, language=language)]
    assert web == command_line == expected


def test_ranks_tied_are_printed_by_folded_name(cohort):
    for certificate in cohort.issued():
        certificate.snapshot = {**certificate.snapshot, "rank": 1}

    certificates = printable_certificates(cohort.university.id, cohort.cohort.id, order="rank", language="ar")

    assert _first_names(certificates, "ar") == FOLDED_ORDER["ar"]


def test_serials_of_tied_ranks_are_given_at_issue_in_folded_name_order():
    group = graduating_cohort(3, code="KRB", names=NAMES)
    db.session.execute(db.update(Score).values(value=Decimal(80)))  # the same marks: all three tied first
    db.session.commit()
    group.issue()
    in_serial_order = group.issued()  # by number
    assert [certificate.snapshot["rank"] for certificate in in_serial_order] == [1, 1, 1]
    assert _first_names(in_serial_order, "ar") == FOLDED_ORDER["ar"]
