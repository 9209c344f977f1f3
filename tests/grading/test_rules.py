"""The grading rules, table by table: marks are Decimal from the typed text to the average (never float),
rounded half up; the Iraqi scale's boundaries; weights and maximum scores; the three second-round rules;
credit-weighted averages."""
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

from diploma.demo import IRAQI_SCALE
from diploma.grading import rules
from diploma.grading.rules import ABSENT, Component, MarkError
from diploma.i18n import force_language

pytestmark = pytest.mark.engine_independent

D = Decimal
BANDS = [SimpleNamespace(min_mark=D(minimum), name_ar=name_ar, name_en=name_en)
         for minimum, name_ar, name_en in sorted(IRAQI_SCALE, reverse=True)]


def in_english(message):
    with force_language("en"):
        return str(message)


def in_arabic(message):
    with force_language("ar"):
        return str(message)


# --- the Iraqi scale -------------------------------------------------------------------------------

@pytest.mark.parametrize(("mark", "band"), [
    ("0", "Fail"), ("49.99", "Fail"),
    ("50", "Pass"), ("50.00", "Pass"), ("59.99", "Pass"),
    ("60", "Fair"), ("69.99", "Fair"),
    ("70", "Good"), ("79.99", "Good"),
    ("80", "Very good"), ("89.99", "Very good"),
    ("90", "Excellent"), ("99.99", "Excellent"), ("100", "Excellent"), ("100.00", "Excellent"),
])
def test_the_band_of_a_mark_on_the_iraqi_scale(mark, band):
    assert rules.band_of(D(mark), BANDS).name_en == band


def test_the_bands_have_their_arabic_names():
    assert [rules.band_of(D(m), BANDS).name_ar for m in ("95", "85", "75", "65", "55", "45")] == [
        "امتياز", "جيد جداً", "جيد", "متوسط", "مقبول", "راسب"]


def test_a_mark_below_every_band_has_no_band():
    assert rules.band_of(D("49.99"), BANDS[:-1]) is None


@pytest.mark.parametrize(("mark", "passed"), [("49.99", False), ("50", True), ("50.00", True), ("100", True),
                                              ("0", False)])
def test_passing_means_reaching_the_pass_mark(mark, passed):
    assert rules.passed(D(mark), SimpleNamespace(pass_mark=D(50))) is passed


def test_no_mark_is_not_a_pass():
    assert rules.passed(None, SimpleNamespace(pass_mark=D(50))) is False


# --- rounding --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "rounding", "expected"), [
    ("49.5", "whole", "50"), ("49.49", "whole", "49"), ("49.4999", "whole", "49"), ("89.5", "whole", "90"),
    ("59.50", "whole", "60"), ("0.5", "whole", "1"), ("100", "whole", "100"), ("54", "whole", "54"),
    ("84.445", "none", "84.45"), ("84.444", "none", "84.44"), ("49.995", "none", "50.00"),
    ("49.994", "none", "49.99"), ("49.5", "none", "49.50"), ("80.005", "none", "80.01"),
    ("54", "none", "54.00"), ("0", "none", "0.00"),
])
def test_course_marks_are_rounded_half_up(raw, rounding, expected):
    rounded = rules.round_course_mark(D(raw), rounding)
    assert isinstance(rounded, Decimal)
    assert str(rounded) == expected  # the places too: '54.00' without rounding, '54' to a whole mark


# --- weights, maximum scores, absence ----------------------------------------------------------------

def default(coursework, final, rounding="none"):
    """The default gradebook: coursework 40 %, final exam 60 %, both out of 100."""
    components = [Component(D(40), D(100), coursework), Component(D(60), D(100), final)]
    return rules.course_mark(components, rounding)


@pytest.mark.parametrize(("coursework", "final", "rounding", "expected"), [
    (D(30), D(70), "none", "54.00"),
    (D(30), D(70), "whole", "54"),
    (D(100), D(100), "none", "100.00"),
    (D(0), D(0), "none", "0.00"),
    (None, D(70), "none", "42.00"),  # absent from the coursework: it counts 0
    (D(30), None, "none", "12.00"),  # absent from the final
    (None, None, "none", "0.00"),
    (D("33.33"), D("66.67"), "none", "53.33"),  # 13.332 + 40.002 = 53.334
    (D("33.75"), D("66.25"), "none", "53.25"),  # 13.5 + 39.75
    (D("33.75"), D("66.25"), "whole", "53"),
    (D("48.75"), D("50"), "whole", "50"),  # 19.5 + 30 = 49.5 → 50: a pass
    (D("48.7"), D("50"), "whole", "49"),  # 19.48 + 30 = 49.48 → 49
    (D("48.74"), D("50"), "none", "49.50"),  # 19.496 + 30 = 49.496
])
def test_the_course_mark_is_the_weighted_sum(coursework, final, rounding, expected):
    assert str(default(coursework, final, rounding)) == expected


@pytest.mark.parametrize(("components", "expected"), [
    # Coursework out of 40 (weight 40), final out of 100 (weight 60): 30/40 × 40 + 70/100 × 60.
    ([(40, 40, "30"), (60, 100, "70")], "72.00"),
    ([(40, 40, "40"), (60, 100, "100")], "100.00"),
    ([(40, 40, "20.5"), (60, 100, "0")], "20.50"),
    # The Iraqi habit of a maximum equal to the weight: coursework /30, final /70.
    ([(30, 30, "21"), (70, 70, "29")], "50.00"),
    ([(30, 30, "20.5"), (70, 70, "28.99")], "49.49"),
    # Three components, one out of 20.
    ([(20, 20, "15"), (20, 100, "50"), (60, 100, "80")], "73.00"),
    # A third of a mark: 10/30 × 30 is exactly 10.
    ([(30, 30, "10"), (70, 100, "0")], "10.00"),
])
def test_maximum_scores_other_than_100(components, expected):
    mark = rules.course_mark([Component(D(w), D(m), D(v)) for w, m, v in components], "none")
    assert str(mark) == expected


@pytest.mark.parametrize(("components", "rounding", "expected"), [
    # Exactly 49.5 once summed, though each part is a repeating decimal: a pass when rounding to whole marks.
    # 15.5/30 × 35 = 18.0833… and 14.5/30 × 65 = 31.4166…
    ([(35, 30, "15.5"), (65, 30, "14.5")], "whole", "50"),
    # 3.5/30 × 35 + 20.5/30 × 65 = 48.5 → 49.
    ([(35, 30, "3.5"), (65, 30, "20.5")], "whole", "49"),
    # 15.85/30 × 35 + 14.54/30 × 65 = 49.995 exactly → 50.00.
    ([(35, 30, "15.85"), (65, 30, "14.54")], "none", "50.00"),
    # 3.08/6 × 53 + 4.39/6 × 47 = 61.595 exactly → 61.60.
    ([(53, 6, "3.08"), (47, 6, "4.39")], "none", "61.60"),
    # 0 + 7.5/70 × 70 = 7.5 → 8.
    ([(30, 30, "0"), (70, 70, "7.5")], "whole", "8"),
])
def test_a_mark_exactly_on_a_half_is_rounded_up_even_when_its_parts_do_not_terminate(components, rounding,
                                                                                       expected):
    mark = rules.course_mark([Component(D(w), D(m), D(v)) for w, m, v in components], rounding)
    assert str(mark) == expected


def test_the_unrounded_weighted_mark_is_a_decimal_and_exact():
    raw = rules.weighted_mark([Component(D(40), D(40), D("30")), Component(D(60), D(100), D("70.25"))])
    assert isinstance(raw, Decimal)
    assert raw == D("72.15")


def test_the_weighted_mark_is_the_exact_sum_of_fractions_that_do_not_terminate():
    """Parts such as 15.5/30 × 35 do not end in decimals: the mark is the exact sum of the fractions, divided
    once, to Decimal's 28 digits — the same as summing them as ``fractions.Fraction``."""
    from fractions import Fraction
    from random import Random

    choose = Random(15)
    for _ in range(2000):
        components = []
        for _ in range(choose.randint(1, 5)):
            maximum = D(choose.choice(["7.25", "15.5", "30", "40", "60", "100"]))
            value = (maximum * choose.randint(0, 100) / 100).quantize(D("0.01"))
            value = None if choose.random() < 0.1 else value
            components.append(Component(D(choose.choice(["12.5", "33.33", "35", "40"])), maximum, value))
        exact = sum((Fraction(c.value or 0) * Fraction(c.weight) / Fraction(c.max_score) for c in components),
                    Fraction(0))
        assert rules.weighted_mark(components) == D(exact.numerator) / D(exact.denominator), components
    # 15.5/30 × 35 + 10/40 × 65 = 217/12 + 195/12 = 103/3
    assert rules.weighted_mark([Component(D(35), D(30), D("15.5")), Component(D(65), D(40), D(10))]) \
        == D(103) / D(3)


def test_no_float_creeps_in():
    components = [Component(D("33.33"), D(100), D("10.1")), Component(D("33.33"), D(100), D("20.2")),
                  Component(D("33.34"), D(100), D("30.3"))]
    raw = rules.weighted_mark(components)
    assert isinstance(raw, Decimal)
    assert raw == D("3.36633") + D("6.73266") + D("10.10202")
    assert str(rules.course_mark(components, "none")) == "20.20"


# --- reading what was typed --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "maximum", "expected"), [
    ("85", 100, D("85")),
    ("85.5", 100, D("85.5")),
    ("٨٥٫٥", 100, D("85.5")),  # Arabic-Indic digits and the Arabic decimal separator
    ("٨٥", 100, D("85")),
    ("۸۵٫۲۵", 100, D("85.25")),  # Persian (Eastern Arabic-Indic) digits
    ("85,5", 100, D("85.5")),  # a decimal comma
    (" 85 ", 100, D("85")),
    ("100", 100, D("100")),
    ("100.00", 100, D("100")),
    ("0", 100, D("0")),
    ("0.25", 100, D("0.25")),
    ("40", 40, D("40")),
    ("غ", 100, ABSENT),
    ("غائب", 100, ABSENT),
    ("absent", 100, ABSENT),
    ("Absent", 100, ABSENT),
    (" غ ", 100, ABSENT),
    ("", 100, None),
    ("   ", 100, None),
    (None, 100, None),
])
def test_parse_mark_reads_what_people_type(text, maximum, expected):
    parsed = rules.parse_mark(text, D(maximum))
    assert parsed == expected
    if isinstance(expected, Decimal):
        assert isinstance(parsed, Decimal)


@pytest.mark.parametrize(("text", "maximum", "reason"), [
    ("-5", 100, "Not a mark: type a number, or غ for absent."),
    ("+5", 100, "Not a mark: type a number, or غ for absent."),
    ("1e3", 100, "Not a mark: type a number, or غ for absent."),
    ("1E2", 100, "Not a mark: type a number, or غ for absent."),
    ("abc", 100, "Not a mark: type a number, or غ for absent."),
    ("٨٥..٥", 100, "Not a mark: type a number, or غ for absent."),
    ("85..5", 100, "Not a mark: type a number, or غ for absent."),
    ("8,5.5", 100, "Not a mark: type a number, or غ for absent."),
    ("NaN", 100, "Not a mark: type a number, or غ for absent."),
    ("Infinity", 100, "Not a mark: type a number, or غ for absent."),
    ("0x10", 100, "Not a mark: type a number, or غ for absent."),
    ("85%", 100, "Not a mark: type a number, or غ for absent."),
    ("²", 100, "Not a mark: type a number, or غ for absent."),
    ("85.555", 100, "At most two decimals."),
    ("0.001", 100, "At most two decimals."),
    ("101", 100, "The mark must be between 0 and 100."),
    ("١٠١", 100, "The mark must be between 0 and 100."),
    ("100.01", 100, "The mark must be between 0 and 100."),
    ("40.5", 40, "The mark must be between 0 and 40."),
    ("30.5", D("30.25"), "The mark must be between 0 and 30.25."),
])
def test_parse_mark_refuses_with_a_reason(text, maximum, reason):
    with pytest.raises(MarkError) as refused:
        rules.parse_mark(text, D(maximum))
    assert in_english(refused.value.reason) == reason


def test_the_reasons_are_translated():
    with pytest.raises(MarkError) as refused:
        rules.parse_mark("101", D(100))
    arabic = in_arabic(refused.value.reason)
    assert arabic != in_english(refused.value.reason)
    assert "100" in arabic


@pytest.mark.parametrize(("value", "shown"), [
    (D("85.50"), "85.5"), (D("40.00"), "40"), (D("100.00"), "100"), (D("100"), "100"), (D("0.00"), "0"),
    (D("49.99"), "49.99"), (D("0.05"), "0.05"), (None, ""),
])
def test_format_mark(value, shown):
    assert rules.format_mark(value) == shown


# --- the second round ---------------------------------------------------------------------------------

def programme(rule, deduction="0", rounding="none", pass_mark="50"):
    return SimpleNamespace(second_round_rule=rule, second_round_deduction=D(deduction),
                           course_mark_rounding=rounding, pass_mark=D(pass_mark))


FIRST_ATTEMPT = [Component(D(40), D(100), D(30)), Component(D(60), D(100), D(40))]  # 12 + 24 = 36: failed


@pytest.mark.parametrize(("rule", "deduction", "second", "rounding", "expected"), [
    # no cap: the new mark as computed (12 + second × 0.6)
    ("no_cap", "0", "90", "none", "66.00"),
    ("no_cap", "0", "60", "none", "48.00"),
    ("no_cap", "0", "100", "none", "72.00"),
    ("no_cap", "0", "20", "none", "24.00"),  # lower than the first attempt: the second round counts
    ("no_cap", "0", None, "none", "12.00"),  # absent from the second round: the final counts 0
    ("no_cap", "0", "62.5", "whole", "50"),  # 12 + 37.5 = 49.5 → 50
    # cap at the pass mark: min(new, 50)
    ("cap_at_pass", "0", "90", "none", "50.00"),
    ("cap_at_pass", "0", "63.34", "none", "50.00"),  # 50.004
    ("cap_at_pass", "0", "63.33", "none", "50.00"),  # 49.998 → 50.00 after rounding
    ("cap_at_pass", "0", "60", "none", "48.00"),
    ("cap_at_pass", "0", "62.5", "whole", "50"),
    ("cap_at_pass", "0", None, "none", "12.00"),
    # a deduction: new − deduction, never below 0
    ("deduction", "10", "90", "none", "56.00"),
    ("deduction", "10", "60", "none", "38.00"),
    ("deduction", "5.5", "90", "none", "60.50"),
    ("deduction", "5.5", "90", "whole", "61"),  # 60.5 → 61
    ("deduction", "10", "0", "none", "2.00"),
    ("deduction", "15", "0", "none", "0.00"),  # 12 − 15: not below 0
    ("deduction", "15", None, "none", "0.00"),
    ("deduction", "0", "90", "none", "66.00"),
])
def test_the_second_round_rules(rule, deduction, second, rounding, expected):
    value = D(second) if second is not None else None
    mark = rules.second_round_mark(FIRST_ATTEMPT, 1, value, programme(rule, deduction, rounding))
    assert str(mark) == expected


def test_the_second_round_replaces_only_the_final():
    components = [Component(D(60), D(100), D(10)), Component(D(40), D(40), D(5))]  # the final first
    mark = rules.second_round_mark(components, 0, D(80), programme("no_cap"))
    assert mark == D("53.00")  # 80 × 0.6 + 5/40 × 40
    assert components[0].value == D(10)  # the first attempt is untouched


def test_cap_at_a_programmes_own_pass_mark():
    mark = rules.second_round_mark(FIRST_ATTEMPT, 1, D(100), programme("cap_at_pass", pass_mark="60"))
    assert mark == D("60.00")


# --- credit-weighted averages ------------------------------------------------------------------------

@pytest.mark.parametrize(("results", "expected"), [
    ([("90", 3), ("70", 2)], "82.00"),
    ([("85.5", 3), ("60", 2)], "75.30"),
    ([("80", 1), ("80.01", 1)], "80.01"),  # 80.005: half up (half even would say 80.00)
    ([("80", 1), ("80.02", 1)], "80.01"),
    ([("70", 1), ("70", 1), ("71", 1)], "70.33"),
    ([("70", 2), ("70", 2), ("71", 2)], "70.33"),
    ([("100", 4)], "100.00"),
    ([("50", 3), (None, 3)], "50.00"),  # no mark yet: left out
    ([], None),
    ([(None, 3)], None),
])
def test_credit_weighted_average(results, expected):
    average = rules.credit_weighted_average((D(mark) if mark is not None else None, credits)
                                            for mark, credits in results)
    if expected is None:
        assert average is None
    else:
        assert isinstance(average, Decimal)
        assert str(average) == expected


# --- weights -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("weights", "error"), [
    (["40", "60"], None),
    (["100"], None),
    (["33.33", "33.33", "33.34"], None),
    (["20", "20", "60"], None),
    (["40", "50"], "The weights must add up to 100 (now 90)."),
    (["40", "61"], "The weights must add up to 100 (now 101)."),
    (["33.33", "33.33", "33.33"], "The weights must add up to 100 (now 99.99)."),
    ([], "The weights must add up to 100 (now 0)."),
])
def test_weights_error(weights, error):
    problem = rules.weights_error([D(w) for w in weights])
    if error is None:
        assert problem is None
    else:
        assert in_english(problem) == error
        assert in_arabic(problem) != error


def test_grading_rules_survive_their_json_copy():
    bands = (rules.Band(3, D("90.00"), "امتياز", "Excellent"), rules.Band(9, D("0.00"), "راسب", "Fail"))
    kept = rules.GradingRules(D("50.00"), "whole", "deduction", D("7.50"), bands)

    copy = json.loads(json.dumps(kept.as_json()))

    assert rules.GradingRules.from_json(copy) == kept
    assert rules.band_of(D("91"), rules.GradingRules.from_json(copy).bands).name("ar") == "امتياز"
