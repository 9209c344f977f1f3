"""Issue 24, item 7, in Chromium: the verification page's verdict is one no one can miss — a coloured
panel (a tinted background and a thick border, not a thin outline), an icon, and words — whose text keeps
a contrast of at least 4.5:1 (axe-core's colour-contrast rule finds it and passes it), for a valid and a
revoked certificate, on a phone in Arabic and a desktop in English; and after a wrong code the typed serial
is still in the form.
"""
import pytest

from diploma.certificates import revocation
from diploma.extensions import db
from tests.browser.checkers import add_axe, require_checkers
from tests.certificates.builders import graduating_cohort

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}
CONTRAST = """async () => {
  const results = await axe.run(document, {runOnly: {type: "rule", values: ["color-contrast"]}});
  const targets = kind => results[kind].flatMap(rule => rule.nodes.map(node => node.target.join(" ")));
  return {passes: targets("passes"), violations: targets("violations"), incomplete: targets("incomplete")};
}"""
# axe asks only 3:1 of large bold text (the verdict's title), and skips Arabic words (it takes their
# ligatures for an icon font's): the ratio of the verdict's words to its background is measured here too.
RATIO = """element => {
  const rgb = text => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
      .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const background = luminance(rgb(getComputedStyle(element).backgroundColor));
  return [...element.querySelectorAll(".verdict-title, [data-testid=certificate-status]")].map(words => {
    const ink = luminance(rgb(getComputedStyle(words).color));
    return (Math.max(ink, background) + 0.05) / (Math.min(ink, background) + 0.05);
  });
}"""


@pytest.fixture
def certificates():
    """A valid and a revoked certificate of one cohort: (serial, code) each. Committed for the server."""
    group = graduating_cohort(2, code="MSL")
    valid, revoked = group.issue()
    revocation.revoke_certificate(group.registrar, revoked, "Issued by mistake")
    db.session.commit()
    found = {"valid": (valid.serial, valid.verification_code),
             "revoked": (revoked.serial, revoked.verification_code)}
    db.session.rollback()
    return found


def opened(browser, live_server, language, screen):
    context = browser.new_context(base_url=live_server, viewport=screen,
                                  locale="ar-IQ" if language == "ar" else "en-GB")
    add_axe(context)
    return context, context.new_page()


@pytest.mark.parametrize(("language", "screen"), [("ar", PHONE), ("en", DESKTOP)])
@pytest.mark.parametrize("status", ["valid", "revoked"])
def test_the_verdict_is_coloured_with_an_icon_and_words_and_readable(browser, live_server, certificates,
                                                                     language, screen, status):
    require_checkers()
    serial, code = certificates[status]
    context, page = opened(browser, live_server, language, screen)
    try:
        page.goto(f"/verify/{serial}?code={code}")
        verdict = page.get_by_test_id("verdict")
        assert verdict.is_visible()
        assert page.get_by_test_id("certificate-status").get_attribute("data-status") == status
        look = verdict.evaluate("""element => {
            const style = getComputedStyle(element), icon = element.querySelector("svg");
            const title = getComputedStyle(element.querySelector(".verdict-title"));
            return {background: style.backgroundColor, border: parseFloat(style.borderInlineStartWidth),
                    icon: icon ? icon.getBoundingClientRect().width : 0, title: parseFloat(title.fontSize),
                    titleWeight: parseInt(title.fontWeight), width: element.getBoundingClientRect().width};
        }""")
        assert look["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), look
        assert look["border"] >= 6 and look["icon"] >= 32, look
        assert look["title"] >= 20 and look["titleWeight"] >= 700, look
        assert look["width"] <= screen["width"], look
        words = verdict.inner_text()
        assert words.strip() and serial not in words

        contrast = page.evaluate(CONTRAST)
        assert contrast["violations"] == [], contrast
        if language == "en":  # axe takes shaped Arabic words for an icon font's ligatures and skips them
            assert {".verdict-title", ".flash"} <= set(contrast["passes"]), contrast
        ratios = verdict.evaluate(RATIO)
        assert len(ratios) == 2 and min(ratios) >= 4.5, ratios
    finally:
        context.close()


@pytest.mark.parametrize(("language", "screen"), [("ar", PHONE), ("en", DESKTOP)])
def test_a_wrong_code_keeps_the_typed_serial_in_the_form(browser, live_server, certificates, language,
                                                         screen):
    serial, _code = certificates["valid"]
    context, page = opened(browser, live_server, language, screen)
    try:
        page.goto("/verify")
        page.locator("#serial").fill(serial)
        page.locator("#code").fill("WrongCode1234567890")
        page.get_by_test_id("verify-button").click()
        assert page.get_by_test_id("certificate-status").get_attribute("data-status") == "not-found"
        assert page.locator("#serial").input_value() == serial
        assert page.locator("#code").input_value() == ""
        assert "WrongCode1234567890" not in page.content()
    finally:
        context.close()
