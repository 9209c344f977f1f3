"""The public verification page: no login; a valid certificate shows what it states (names in Arabic and
English, programme, university, date, band) in the visitor's language; a revoked one says so, with the
date; and an unknown serial, a wrong or missing code and malformed input all get one and the same
not-found answer, after the same work. Rate-limited per address; never kept by shared caches; not indexed.
"""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import format_date

from diploma.arabic import to_arabic_digits
from diploma.certificates import verification
from diploma.extensions import db, limiter
from diploma.i18n import force_language
from tests.certificates.builders import NAMES, graduating_cohort
from tests.certificates.test_views import client_for, page_of, shown
from tests.pages import confirm

CSRF_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')
NOINDEX = '<meta name="robots" content="noindex">'
TYPED_SERIAL = re.compile(r'(name="serial"[^>]* value=)"([^"]*)"')


@pytest.fixture
def certificate(app):
    """A valid certificate of a Mosul graduate (the first of NAMES, Excellent), as plain values."""
    group = graduating_cohort(2, code="MSL")
    first, second = group.issue()
    found = {"serial": first.serial, "code": first.verification_code, "issued_on": first.issued_on,
             "other_code": second.verification_code, "registrar": group.registrar,
             "cohort": (group.cohort.name_ar, group.cohort.name_en)}
    db.session.rollback()
    return found


def verify_url(serial, code):
    return f"/verify/{serial}?code={code}"


def without_csrf_token(response):
    return CSRF_TOKEN.sub('name="csrf_token" value=""', page_of(response))


def typed_serial(page):
    """The serial the not-found page keeps in its form ("" when none)."""
    return TYPED_SERIAL.search(page)[2]


def without_typed_serial(page):
    """The not-found page with the serial kept in its form blanked: the one part that differs."""
    return TYPED_SERIAL.sub(r'\1"', page)


def test_a_valid_certificate_in_arabic(app, certificate):
    response = client_for(app).get(verify_url(certificate["serial"], certificate["code"]))

    assert response.status_code == 200
    page = page_of(response)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'data-status="valid"' in page and shown("This certificate is valid.") in page
    name_ar, name_en = NAMES[0][:2]
    for text in (name_ar, name_en, "دبلوم دراسات السلام والأزمات", "جامعة الموصل", "امتياز",
                 certificate["cohort"][0], certificate["serial"]):
        assert text in page, text
    with force_language("ar"):  # the graduation date as the Arabic paper prints it, Arabic-Indic digits
        assert to_arabic_digits(format_date(certificate["issued_on"], format="long")) in page
    assert "Diploma in Peace and Crisis Studies" not in page and "University of Mosul" not in page


def test_a_valid_certificate_in_english(app, certificate):
    response = client_for(app, language="en").get(verify_url(certificate["serial"], certificate["code"]))

    assert response.status_code == 200
    page = page_of(response)
    assert '<html lang="en" dir="ltr">' in page
    assert 'data-status="valid"' in page and shown("This certificate is valid.", "en") in page
    for text in (*NAMES[0][:2], "Diploma in Peace and Crisis Studies", "University of Mosul", "Excellent",
                 certificate["cohort"][1]):
        assert text in page, text
    with force_language("en"):
        assert format_date(certificate["issued_on"], format="long") in page


def test_the_browser_language_chooses_the_page_language(app, certificate):
    url = verify_url(certificate["serial"], certificate["code"])
    page = page_of(client_for(app).get(url, headers={"Accept-Language": "en-GB,en;q=0.8"}))
    assert '<html lang="en" dir="ltr">' in page and "University of Mosul" in page


def test_switching_the_language_comes_back_to_the_same_certificate(app, certificate):
    """A visitor's switch is a link to the same page in the other language (no cookie: see
    test_verify_without_cookie.py)."""
    url = verify_url(certificate["serial"], certificate["code"])
    client = client_for(app)
    page = page_of(client.get(url))
    link = re.search(r'class="link-button language-link" href="([^"]*)"', page)[1].replace("&amp;", "&")
    assert link == f"{url}&lang=en"
    page = page_of(client.get(link))
    assert '<html lang="en" dir="ltr">' in page and "University of Mosul" in page


def test_a_revoked_certificate_says_so_with_the_date(app, certificate):
    client = client_for(app, certificate["registrar"], "en")
    response = confirm(client, client.post(f"/certificates/{certificate['serial']}/revoke",
                                           data={"reason": "Obtained by fraud"}))
    assert response.status_code == 302
    revoked = verification.find_by_serial(certificate["serial"])

    for language in ("ar", "en"):
        visitor = client_for(app, language=language)
        page = page_of(visitor.get(verify_url(revoked.serial, certificate["code"])))
        assert 'data-status="revoked"' in page and 'data-status="valid"' not in page
        with force_language(language):
            revoked_on = format_date(revoked.revoked_at, format="long")
        assert shown("This certificate was revoked on %(date)s.", language, date=revoked_on) in page
        assert NAMES[0][0] in page
        assert "Obtained by fraud" not in page  # the reason stays with the registration office


def test_the_verification_link_printed_on_the_certificate_opens_it(app, certificate):
    snapshot = verification.find_by_serial(certificate["serial"]).snapshot
    link = urlsplit(snapshot["verification_url"])
    assert link.path == f"/verify/{certificate['serial']}"
    assert parse_qs(link.query) == {"code": [certificate["code"]]}
    response = client_for(app).get(f"{link.path}?{link.query}")
    assert response.status_code == 200 and 'data-status="valid"' in page_of(response)


# --- not found: one answer for everything wrong -----------------------------------------------------

def not_found_cases(certificate):
    serial, code = certificate["serial"], certificate["code"]
    return {
        "unknown serial": verify_url("PCS-KUF-2001-0001", code),
        "wrong code": verify_url(serial, certificate["other_code"]),
        "wrong case": verify_url(serial, code.swapcase()),
        "code of another certificate": verify_url(serial, certificate["other_code"]),
        "missing code": f"/verify/{serial}",
        "empty code": f"/verify/{serial}?code=",
        "script serial": verify_url("<script>alert(1)</script>", code),
        "quote serial": verify_url("PCS-KUF-2025-0001\"'><b>", "x' OR '1'='1"),
        "slashes": verify_url(f"{serial}/../../etc/passwd", code),
        "long serial": verify_url("P" * 5000, code),
        "long code": verify_url(serial, code + "A" * 5000),
        "lower-case serial": verify_url(serial.lower(), code),
        "arabic serial": verify_url("شهادة-١٢٣", code),
        "no serial": f"/verify/?code={code}",
        "code twice": f"/verify/{serial}?code=nothing&code={code}",
    }


def test_everything_wrong_gets_the_same_not_found_page(app, certificate):
    client = client_for(app)
    answers = {}
    for case, url in not_found_cases(certificate).items():
        response = client.get(url)
        assert response.status_code == 404, case
        assert response.headers["Cache-Control"] == "private, no-store", case
        answers[case] = without_typed_serial(without_csrf_token(response))
        assert certificate["code"] not in page_of(response) and "nothing" not in page_of(response), case

    reference = answers["unknown serial"]
    assert all(body == reference for body in answers.values()), \
        [case for case, body in answers.items() if body != reference]
    assert 'data-status="not-found"' in reference and NOINDEX in reference
    assert shown("Certificate not found") in reference
    assert certificate["serial"] not in reference and "script" not in reference
    # Other clients (another address, another session) get byte for byte the same page too.
    other = client_for(app).get(verify_url("PCS-MSL-2030-0042", "abcdefghijklmnopqrstuv"),
                                environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 404 and without_typed_serial(without_csrf_token(other)) == reference
    assert typed_serial(page_of(other)) == "PCS-MSL-2030-0042"


def test_everything_wrong_costs_the_same_work(app, certificate, monkeypatch):
    """Each request, whatever is wrong with it, goes through verification.verify once (its constant-time
    comparison against a stored or a dummy code) and nothing else decides the answer."""
    calls = []
    real_verify = verification.verify

    def spy(serial, code):
        calls.append((serial, code))
        return real_verify(serial, code)

    monkeypatch.setattr(verification, "verify", spy)
    cases = not_found_cases(certificate)
    client = client_for(app)
    for url in cases.values():
        client.get(url)
    client.get(verify_url(certificate["serial"], certificate["code"]))

    assert len(calls) == len(cases) + 1
    assert calls[list(cases).index("missing code")] == (certificate["serial"], None)
    assert calls[-1] == (certificate["serial"], certificate["code"])


def test_a_serial_alone_reveals_nothing(app, certificate):
    client = client_for(app)
    known = client.get(f"/verify/{certificate['serial']}")
    unknown = client.get("/verify/PCS-KUF-2001-0001")
    assert known.status_code == unknown.status_code == 404
    assert without_typed_serial(without_csrf_token(known)) == \
        without_typed_serial(without_csrf_token(unknown))
    assert NAMES[0][0] not in page_of(known)


def test_the_not_found_page_does_not_send_the_language_switch_back_to_the_wrong_address(app, certificate):
    page = page_of(client_for(app).get(verify_url("<b>", "x")))
    assert re.search(r'data-testid="language-switch"', page)
    assert re.search(r'class="link-button language-link" href="([^"]*)"', page)[1] == "/verify?lang=en"


# --- the form ------------------------------------------------------------------------------------

def test_the_form_is_public_and_not_indexed(app):
    response = client_for(app).get("/verify")
    page = page_of(response)
    assert response.status_code == 200 and NOINDEX in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'method="get"' in page and 'name="serial"' in page and 'name="code"' in page
    assert 'name="csrf_token"' not in page.split('data-testid="verify-form"')[1]


def test_the_form_leads_to_the_verification_page(app, certificate):
    client = client_for(app)
    typed = {"serial": f"  {certificate['serial'].lower()} ", "code": f" {certificate['code']}"}

    response = client.get("/verify", query_string=typed)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == f"/verify/{certificate['serial']}"
    assert parse_qs(location.query) == {"code": [certificate["code"]]}
    assert 'data-status="valid"' in page_of(client.get(response.headers["Location"]))


def test_the_form_reads_a_serial_typed_with_arabic_indic_digits(app, certificate):
    typed = {"serial": to_arabic_digits(certificate["serial"]).replace("٫", "."), "code": certificate["code"]}
    assert typed["serial"] != certificate["serial"]

    response = client_for(app).get("/verify", query_string=typed, follow_redirects=True)

    assert response.status_code == 200 and 'data-status="valid"' in page_of(response)


def test_the_form_asks_for_both_fields(app):
    response = client_for(app).get("/verify", query_string={"serial": "", "code": "abc"})
    assert response.status_code == 200
    assert shown("This field is required.") in page_of(response)


def test_malformed_input_through_the_form_gets_the_same_not_found_page(app, certificate):
    client = client_for(app)
    reference = without_csrf_token(client.get(verify_url("PCS-KUF-2001-0001", certificate["code"])))
    for serial in ("<script>", "a/b", "PCS KUF 2025 0001", "٠١٢٣"):
        response = client.get("/verify", query_string={"serial": serial, "code": "<x>"},
                              follow_redirects=True)
        assert response.status_code == 404, serial
        assert without_typed_serial(without_csrf_token(response)) == without_typed_serial(reference), serial


# --- rate limit, caches ----------------------------------------------------------------------------

def test_verification_is_rate_limited_per_address(app, certificate, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT", "3 per minute")
    limiter.reset()
    client = client_for(app)
    url = verify_url(certificate["serial"], certificate["code"])
    try:
        assert [client.get(url).status_code for _ in range(2)] == [200, 200]
        assert client.get("/verify/PCS-KUF-2001-0001?code=guess").status_code == 404
        blocked = client.get(url)

        assert blocked.status_code == 429
        page = page_of(blocked)
        assert shown("Too many attempts") in page
        assert shown("Too many attempts. Please wait a minute and try again.") in page
        assert NAMES[0][0] not in page
        assert blocked.headers["Cache-Control"] == "private, no-store"
        elsewhere = client_for(app).get(url, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert elsewhere.status_code == 200
    finally:
        limiter.reset()


def test_the_form_is_rate_limited_too(app, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT", "2 per minute")
    limiter.reset()
    client = client_for(app)
    try:
        assert [client.get("/verify").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.reset()


def test_verification_pages_are_kept_out_of_shared_caches_and_search_engines(app, certificate):
    client = client_for(app)
    for url in (verify_url(certificate["serial"], certificate["code"]), verify_url("x", "y"), "/verify"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert NOINDEX in page_of(response), url


def test_verification_needs_no_login_and_works_for_anyone_logged_in(app, certificate):
    url = verify_url(certificate["serial"], certificate["code"])
    for person in (None, certificate["registrar"]):
        response = client_for(app, person).get(url)
        assert response.status_code == 200 and 'data-status="valid"' in page_of(response)


def verification_events():
    from diploma.audit import AuditEvent

    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == verification.VERIFIED)).all()


def test_a_look_at_a_valid_certificate_is_counted_without_who_or_where(app, certificate):
    client = client_for(app)
    client.get(verify_url(certificate["serial"], certificate["code"]))
    client.get(verify_url(certificate["serial"], certificate["code"]))
    client.get(verify_url(certificate["serial"], certificate["other_code"]))  # the wrong code
    client.get(verify_url("PCS-MSL-2025-9999", certificate["code"]))  # an unknown serial

    events = verification_events()
    found = verification.find_by_serial(certificate["serial"])
    assert [(e.target_type, e.target_id) for e in events] == [("Certificate", str(found.id))] * 2
    assert all(e.actor_id is None and e.ip_address is None and e.data == {} for e in events)


def test_a_verification_that_cannot_be_counted_still_shows_the_certificate(app, certificate, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def locked(*arguments, **options):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", locked)
    response = client_for(app).get(verify_url(certificate["serial"], certificate["code"]))
    monkeypatch.undo()
    assert response.status_code == 200 and 'data-status="valid"' in page_of(response)
    assert verification_events() == []


@pytest.mark.commits  # another writer, on a connection of its own
def test_a_look_while_another_writer_holds_the_database_waits_its_turn_and_is_counted(app, certificate):
    """Under load, another look is being counted (or a registrar is saving) when this one comes. The
    count waits for the write lock instead of being dropped: on SQLite a transaction that had already
    read was refused at once ("database is locked"), so the page now counts in a transaction of its own."""
    import threading
    import time

    db.session.close()
    engine, holding, done = db.engine, threading.Event(), threading.Event()

    def hold_the_write_lock():
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            if engine.dialect.name == "sqlite":
                raw.execute("BEGIN IMMEDIATE")
            else:
                raw.execute("BEGIN")
                raw.execute("LOCK TABLE audit_event IN SHARE ROW EXCLUSIVE MODE")
            holding.set()
            time.sleep(0.4)  # the look comes meanwhile, and waits
            raw.execute("COMMIT")
        done.set()

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    assert holding.wait(10)
    response = client_for(app).get(verify_url(certificate["serial"], certificate["code"]))
    writer.join(10)
    assert done.is_set()
    assert response.status_code == 200 and 'data-status="valid"' in page_of(response)
    assert len(verification_events()) == 1


@pytest.mark.commits  # read back through a connection of its own: only a real commit shows there
def test_a_look_at_the_page_is_counted_and_committed(app, certificate):
    def committed_count():
        with db.engine.connect() as connection:  # not the request's session: what another process sees
            return connection.execute(db.text(
                "SELECT count(*) FROM audit_event WHERE action = 'certificate.verified'")).scalar()

    before = committed_count()
    assert client_for(app).get(verify_url(certificate["serial"], certificate["code"])).status_code == 200
    assert committed_count() == before + 1
    assert client_for(app).get(verify_url(certificate["serial"], "wrong-code-000000")).status_code == 404
    assert committed_count() == before + 1  # a failed check is not a look at a certificate
