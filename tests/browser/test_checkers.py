"""The checkers of the accessibility tests do find what they are there to find: a page with the faults the
app once had (a grey "⋯" link in text, a required select preselecting its first option, a repeated id)
fails them, and the same page without those faults passes."""
import pytest

from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkers</title>
<style>body {{ color: #1d2a33; background: #fff; }} .more {{ color: #5b6b76; text-decoration: none; }}</style>
</head><body><main>
<p>Layla's mark is 82 <a class="more" href="/history/1"{link}>more</a> and nothing else.</p>
<form><input type="hidden" name="csrf_token" id="csrf_token" value="a">
{second_token}
<label for="role">Role</label>
<select id="role" name="role" required>{choose}<option value="admin">Administrator</option></select></form>
</main></body></html>"""
BAD = PAGE.format(link="", second_token='<input type="hidden" name="csrf_token" id="csrf_token" value="a">',
                  choose="")
GOOD = PAGE.format(link=' style="text-decoration: underline"', second_token="",
                   choose='<option value="">— choose —</option>')


@pytest.mark.parametrize(("html", "failing"), [(BAD, True), (GOOD, False)], ids=["faulty", "fixed"])
def test_axe_core_and_the_nu_html_checker_fail_a_faulty_page(browser, tmp_path, html, failing):
    require_checkers()
    context = browser.new_context()
    add_axe(context)
    page = context.new_page()
    try:
        page.set_content(html)
        problems = axe_problems(page)
    finally:
        context.close()
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    errors = html_errors([tmp_path / "page.html"])

    if failing:
        assert any("link-in-text-block" in problem for problem in problems), problems
        assert any("Duplicate ID" in error for error in errors), errors
        assert any("first “option” element" in error for error in errors), errors
    else:
        assert not problems and not errors, problems + errors
