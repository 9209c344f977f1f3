"""A print batch makes no query per certificate: the university, its signer and each certificate's index in
the revocation list are what the batch already holds, so the QR codes of 500 pages cost the statements of 5.
Counted with an SQLAlchemy ``before_cursor_execute`` listener (tests/queries.py) over the whole print:
choosing the printable certificates in their order, signing every page's QR token, the batch's signature."""
import pytest

from diploma.certificates import documents, pdf, wording
from diploma.certificates.issuing import printable_certificates
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.signing import crl
from diploma.signing.token import VALID, verify_token
from tests.certificates.builders import blank_pdf, graduating_cohort
from tests.queries import counting_queries

# Statements a print may make whatever its size: the certificates (one SELECT), the university and its
# current key, the signer's root, the key at the batch's signature, the programme's current CRL (embedded in
# the signature) (a few, all per batch).
PER_BATCH_ALLOWANCE = 9


@pytest.fixture
def pages(monkeypatch):
    """The real pages' contexts (QR included) of each batch rendered, without WeasyPrint's layout."""
    rendered = []

    def render_batch(snapshots, language, progress=None, qr_urls=None):
        with force_language(language):
            rendered.append([wording.certificate_context(snapshot, language, url)
                             for snapshot, url in zip(snapshots, qr_urls, strict=True)])
        return blank_pdf(len(snapshots))

    monkeypatch.setattr(pdf, "render_batch", render_batch)
    return rendered


def _statements_of_printing(group, size):
    """The SQL statements of printing the first ``size`` of ``group``'s batch, from a session that starts
    empty."""
    university_id, cohort_id = group.university.id, group.cohort.id
    db.session.remove()
    with counting_queries() as statements:
        certificates = printable_certificates(university_id, cohort_id)[:size]
        documents.batch_pdf(certificates[0].university, certificates, "ar")
    db.session.remove()
    return statements


def test_a_print_batch_makes_no_query_per_certificate(pages):
    group = graduating_cohort(500, courses=1)
    group.issue()
    _statements_of_printing(group, 1)  # warm-up: the keys exist, the signer is opened once
    crl.publish_crl()  # the programme's CRL exists (the worker publishes it)
    db.session.commit()

    few, many = _statements_of_printing(group, 5), _statements_of_printing(group, 500)

    print(f"\nstatements to print 5: {len(few)}, 500: {len(many)}")
    assert len(many) == len(few) <= PER_BATCH_ALLOWANCE, many
    # …and every page's QR still carries its own token, signed and verifiable.
    last = pages[-1]
    assert len(last) == 500
    for context in last:
        url, _, token = context["qr_url"].partition("#")
        verdict = verify_token(token)
        assert verdict.outcome == VALID and url == context["verification_url"]
        assert verdict.claims["s"] == context["serial"] and verdict.claims["i"] > 0
