"""diploma.text: the cleaning of free text (what format characters stay) and the one reading of typed
decimal numbers that every decimal field, the gradebook and the marks import share."""
from decimal import Decimal

import pytest

from diploma.markdown import render_markdown
from diploma.text import (
    NotANumber,
    TooManyDecimals,
    clean_multiline,
    format_average,
    parse_decimal,
)

pytestmark = pytest.mark.engine_independent

# --- free text --------------------------------------------------------------------------------------------

SPOOFING = {
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
    "\u200b": "ZWSP", "\u2060": "WJ", "\ufeff": "BOM", "\u00ad": "SHY", "\u180e": "MVS",
    "\U000e0041": "TAG A", "\u2062": "INVISIBLE TIMES", "\ufff9": "INTERLINEAR ANNOTATION",
}


@pytest.mark.parametrize("character", SPOOFING, ids=SPOOFING.values())
def test_free_text_loses_the_characters_that_reorder_or_hide_text(character):
    assert clean_multiline(f'see file "exe.{character}fdp"\nnext line') == 'see file "exe.fdp"\nnext line'


@pytest.mark.parametrize("text", [
    "خوش\u200cآمدید",  # ZWNJ: Persian, a word with a non-joining break
    "لا\u200dم",  # ZWJ
    "\u200fاستخدم Excel.\u200f",  # RLM: the full stop after an English word in an Arabic sentence
    "\u200eWord (2016)\u200e",  # LRM
    "\u061c٥٠٪",  # the Arabic letter mark
    "\u06dd١",  # end of ayah: a visible sign
    "tab\tand\r\nlines",
])
def test_free_text_keeps_the_joiners_the_direction_marks_and_the_visible_arabic_signs(text):
    assert clean_multiline(text) == text


def test_free_text_loses_control_characters_but_tab_and_line_breaks():
    assert clean_multiline("a\x00b\x07c\x1b[31m\td\r\n") == "abc[31m\td\r\n"


@pytest.mark.parametrize("source", [
    'see file "exe.\u202efdp"',
    "see file \u2066exe.pdf\u2069",
    "see file exe.&#x202E;fdp and &#8238;",  # character references are decoded by the renderer
    "`exe.\u202efdp`",
    "```\nexe.\u202efdp\n```",
    "[exe.\u202efdp](https://example.org/)",
])
def test_rendered_markdown_has_no_bidi_override_isolate_or_embedding(source):
    html = str(render_markdown(source))
    assert not [ch for ch in html if "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"]
    assert "exe.fdp" in html or "exe.pdf" in html


def test_rendered_markdown_keeps_zwnj_zwj_and_direction_marks():
    html = str(render_markdown("خوش\u200cآمدید **لا\u200dم** \u200fExcel.\u200f"))
    assert "خوش\u200cآمدید" in html and "لا\u200dم" in html and "\u200fExcel.\u200f" in html


# --- numbers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("85", Decimal(85)),
    ("85.5", Decimal("85.5")),
    ("٨٥٫٥", Decimal("85.5")),
    ("٥٠٫٥", Decimal("50.5")),
    ("۸۵٫۲۵", Decimal("85.25")),
    ("85,5", Decimal("85.5")),
    (" 8 5 ", Decimal(85)),
    ("\u200f٨٥", Decimal(85)),  # an invisible mark typed with Arabic digits
    ("85.500", Decimal("85.5")),
    (".5", Decimal("0.5")),
    ("5.", Decimal(5)),
    ("0", Decimal(0)),
    ("999999999999.99", Decimal("999999999999.99")),
    ("", None),
    ("   ", None),
    (None, None),
])
def test_parse_decimal_reads_plain_numbers(text, expected):
    value = parse_decimal(text)
    assert value == expected
    if expected is not None:
        assert isinstance(value, Decimal) and value.is_finite() and not value.is_signed()
        assert value == value.quantize(Decimal("0.01"))


@pytest.mark.parametrize("text", [
    "sNaN", "-sNaN", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e999999", "1E+1000000", "1e-30", "1E2",
    "-0", "-5", "+5", "0x10", "٥٠..٥", "8,5.5", ".", ",", "²", "①", "५०", "50%", "1_000", "1٬000",
    "1" * 13, "0." + "0" * 13, "1,000", "1,500", "0,001",
])
def test_parse_decimal_refuses_anything_else(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["0.001", "85.555", "1.000000001"])
def test_parse_decimal_refuses_more_than_two_decimals(text):
    with pytest.raises(TooManyDecimals):
        parse_decimal(text)


# --- the average's format -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "written"), [
    (Decimal("88.5"), "88.50"), (Decimal(90), "90.00"), (Decimal("71.25"), "71.25"),
    (Decimal("64.125"), "64.13"), (Decimal("64.135"), "64.14"), (None, "")])
def test_an_average_is_written_with_two_decimals_rounded_half_up(value, written):
    assert format_average(value) == written


def test_templates_write_an_average_through_the_same_function(app):
    assert app.jinja_env.from_string("{{ a|average }}|{{ n|average or '—' }}").render(
        a=Decimal("64.125"), n=None) == "64.13|—"
