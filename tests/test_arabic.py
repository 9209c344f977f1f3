"""The Arabic text helpers: digits, numbers in words, gendered phrases, search folding."""
from decimal import Decimal

import pytest

from diploma.arabic import (
    digits_for,
    fold_for_search,
    gendered,
    integer_in_words,
    number_for_sentence,
    number_in_words,
    to_arabic_digits,
    uses_arabic_digits,
)

pytestmark = pytest.mark.engine_independent


@pytest.mark.parametrize(("number", "words"), [
    (0, "صفر"), (1, "واحد"), (2, "اثنان"), (8, "ثمانية"), (10, "عشرة"), (11, "أحد عشر"), (12, "اثنا عشر"),
    (15, "خمسة عشر"), (19, "تسعة عشر"), (20, "عشرون"), (21, "واحد وعشرون"), (50, "خمسون"),
    (71, "واحد وسبعون"), (88, "ثمانية وثمانون"), (90, "تسعون"), (99, "تسعة وتسعون"), (100, "مئة"),
])
def test_whole_numbers_in_words(number, words):
    assert integer_in_words(number) == words


@pytest.mark.parametrize("number", [-1, 101, 50.5])
def test_numbers_outside_the_scale_are_refused(number):
    with pytest.raises(ValueError):
        integer_in_words(number)


@pytest.mark.parametrize(("printed", "words"), [
    ("88.50", "ثمانية وثمانون فاصلة خمسون"),
    ("88.5", "ثمانية وثمانون فاصلة خمسة"),
    ("90.00", "تسعون"),
    ("90", "تسعون"),
    ("100.00", "مئة"),
    ("88.05", "ثمانية وثمانون فاصلة صفر خمسة"),
    ("71.25", "واحد وسبعون فاصلة خمسة وعشرون"),
    ("50.01", "خمسون فاصلة صفر واحد"),
    ("٨٨٫٥٠", "ثمانية وثمانون فاصلة خمسون"),
    (Decimal("64.10"), "أربعة وستون فاصلة عشرة"),
])
def test_averages_are_read_as_printed(printed, words):
    assert number_in_words(printed) == words


@pytest.mark.parametrize("printed", ["", "abc", "88.555", "-5", "101", "8,5"])
def test_malformed_averages_are_refused(printed):
    with pytest.raises(ValueError):
        number_in_words(printed)


@pytest.mark.parametrize(("value", "arabic"), [("88.50", "٨٨٫٥٠"), ("2023–2024", "٢٠٢٣–٢٠٢٤"), (3, "٣")])
def test_arabic_indic_digits(value, arabic):
    assert to_arabic_digits(value) == arabic


@pytest.mark.parametrize(("phrase", "male", "female"), [
    ("student", "الطالب", "الطالبة"), ("completed", "أكمل", "أكملت"), ("rank_of", "تسلسله", "تسلسلها"),
])
def test_phrases_agree_with_the_gender(phrase, male, female):
    assert gendered(phrase, "m") == male
    assert gendered(phrase, "f") == female


@pytest.mark.parametrize(("typed", "folded"), [
    ("أحمد", "احمد"), ("إسراء", "اسراء"), ("آمنة", "امنه"), ("مصطفى", "مصطفي"),
    ("محـــمد", "محمد"), ("عَلِيّ", "علي"), ("Zainab  AL-Jubouri", "zainab al-jubouri"),
])
def test_search_folding(typed, folded):
    assert fold_for_search(typed) == folded


@pytest.mark.parametrize(("language", "digits", "arabic"), [
    ("ar", "arabic_indic", True), ("ar", "western", False), ("en", "arabic_indic", False),
    ("en", "western", False)])
def test_arabic_indic_digits_only_in_arabic_and_when_the_programme_chose_them(language, digits, arabic):
    assert uses_arabic_digits(language, digits) is arabic
    assert (digits_for(language, digits) is to_arabic_digits) is arabic
    assert number_for_sentence("88.50", language, digits) == ("٨٨٫٥٠" if arabic else "88.50")
