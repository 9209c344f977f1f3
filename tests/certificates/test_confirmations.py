"""Issuing, correcting and revoking a certificate ask first: the form's button posts to a confirmation page
that says what will happen and to whom, carrying what was typed or ticked, and changes nothing; Cancel goes
back; only its Confirm button acts."""
from tests.certificates.test_views import (
    GRADUATES,
    certificate_state,
    client_for,
    graduates_at,
    issued,
    serials,
)
from tests.pages import confirm, confirmation_form, page_of, shown


def test_issuing_asks_first_listing_the_graduates_and_cancelling_issues_nothing(app):
    group = graduates_at("KUF")
    client = client_for(app, group.registrar, "en")
    url = f"/certificates/cohorts/{group.cohort.id}/issue"
    before = certificate_state()

    page = client.post(url, data={"student_id": [str(i) for i in group.ids(0, 2)]})

    assert page.status_code == 200
    text = page_of(page)
    assert f"Issue 2 certificates of {group.cohort.name_en} at {group.university.name_en}" in text
    assert GRADUATES[0][1] in text and GRADUATES[2][1] in text and GRADUATES[1][1] not in text
    assert f'<a href="/certificates/cohorts/{group.cohort.id}" data-testid="confirm-cancel">' in text
    action, fields = confirmation_form(page)
    assert action == url and fields.getlist("student_id") == [str(i) for i in group.ids(0, 2)]
    assert client.get(f"/certificates/cohorts/{group.cohort.id}").status_code == 200  # Cancel
    assert certificate_state() == before

    assert confirm(client, page).status_code == 302
    assert len(serials(group.university)) == 2


def test_another_universitys_registrar_sees_no_name_of_its_graduates(app):
    home = graduates_at("KUF", GRADUATES[:1])
    other = graduates_at("MSL", GRADUATES[1:2], cohort=home.cohort)
    client = client_for(app, other.registrar, "en")
    page = client.post(f"/certificates/cohorts/{home.cohort.id}/issue",
                       data={"student_id": str(home.ids(0)[0])})
    assert GRADUATES[0][1] not in page_of(page)
    refused = confirm(client, page)
    assert refused.status_code == 422 and serials(home.university) == []


def test_revoking_asks_first_with_the_reason_and_cancelling_keeps_it_valid(app):
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    client = client_for(app, group.registrar)
    url = f"/certificates/{certificate.serial}/revoke"
    before = certificate_state()

    page = client.post(url, data={"reason": "صدرت لطالب آخر"})

    assert page.status_code == 200
    assert certificate.serial in page_of(page) and GRADUATES[0][0] in page_of(page)
    assert "صدرت لطالب آخر" in page_of(page) and shown("Revoke the certificate") in page_of(page)
    assert f'<a href="/certificates/{certificate.serial}" data-testid="confirm-cancel">' in page_of(page)
    assert confirmation_form(page)[1]["reason"] == "صدرت لطالب آخر"
    assert certificate_state() == before

    assert confirm(client, page).status_code == 302
    assert 'data-status="revoked"' in page_of(client.get(f"/certificates/{certificate.serial}"))


def test_correcting_asks_first_saying_what_changes(app):
    group = graduates_at("KUF", GRADUATES[:1])
    certificate, = issued(group, 0)
    client = client_for(app, group.registrar, "en")
    snapshot = certificate.snapshot
    form = {"name_ar": snapshot["student"]["name_ar"], "name_en": "Amna J. M. Al-Rubaie",
            "issued_on": snapshot["issued_on"], "reason": "misspelt name"}
    before = certificate_state()

    page = client.post(f"/certificates/{certificate.serial}/correct", data=form)

    assert page.status_code == 200
    assert "Re-issue the certificate <bdi" in page_of(page)
    assert "Amna J. M. Al-Rubaie" in page_of(page) and GRADUATES[0][1] in page_of(page)
    assert certificate_state() == before

    assert confirm(client, page).status_code == 302
    assert len(serials(group.university)) == 2
