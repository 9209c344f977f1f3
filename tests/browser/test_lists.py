"""The lists staff open on a phone — accounts, students, course offerings — show each row as a card of
labelled lines, with nothing hidden to the side; on a desktop they stay tables."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

LISTS = [  # who opens it, where, and the label of its second column in Arabic
    ("admin@example.org", "/admin/users", "البريد الإلكتروني"),
    ("registrar.mosul@example.org", "/students/", "الرقم الجامعي"),
    ("registrar.mosul@example.org", "/offerings/", "الفصل الدراسي"),
]


def _table(page):
    return page.locator(".table-wrap table.stacked")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
@pytest.mark.parametrize(("email", "path", "label"), LISTS, ids=["accounts", "students", "offerings"])
def test_on_a_phone_a_list_is_cards_with_nothing_to_the_side(page, email, path, label):
    log_in(page, email)
    page.goto(path)
    table = _table(page)
    expect(table.locator("tbody tr").first).to_be_visible()

    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    frame = page.locator(".table-wrap:has(table.stacked)")
    assert frame.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth")
    second = table.locator("tbody tr").first.locator("td").nth(1)
    assert second.evaluate("cell => getComputedStyle(cell, '::before').content") == f'"{label}"'
    screenshot(page, f"list{path.replace('/', '-').rstrip('-')}-ar-phone")


@pytest.mark.parametrize(("email", "path", "label"), LISTS, ids=["accounts", "students", "offerings"])
def test_on_a_desktop_a_list_stays_a_table(page, email, path, label):
    log_in(page, email)
    page.goto(path)
    table = _table(page)

    expect(table.locator("thead")).to_contain_text(label)
    assert table.evaluate("table => getComputedStyle(table).display") == "table"
