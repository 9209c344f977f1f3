"""Cleaning of text typed by users before it is stored, and reading the numbers they type."""
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

# Control characters (Cc) and format characters (Cf: bidi overrides and isolates, zero-width marks)
# let a name display reversed or hide text; they never belong in a name, title or e-mail.
_REMOVED_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}


# What free text (notes, announcements, comments) keeps of the format characters:
# - ZWNJ and ZWJ (U+200C, U+200D) choose the joined or separate forms of letters in Arabic, Persian and
#   Kurdish words (and join emoji sequences); removing them changes how words are written.
# - the implicit direction marks LRM, RLM and ALM (U+200E, U+200F, U+061C): invisible letters with a
#   direction, the usual way to put a full stop or a bracket on the right side of an English word in an
#   Arabic sentence (text pasted from Word carries them). Unlike an override they reverse no run of letters:
#   at most they move a neutral character (a dot, a bracket) between two runs, as a visible letter would.
# - the Arabic signs U+0600–U+0605, U+06DD, U+08E2 (number sign, end of ayah …), which are visible.
# Every other format character goes: the bidi embeddings, overrides and isolates (U+202A–U+202E,
# U+2066–U+2069) that make "exe.\u202efdp" read "exe.pdf", and the invisible characters that hide or split
# text (zero-width space, word joiner, BOM, soft hyphen, tag characters …).
TEXT_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f\u061c\u0600\u0601\u0602\u0603\u0604\u0605"
                                   "\u06dd\u08e2")
_LINE_CHARACTERS = frozenset("\t\n\r")
_REMOVED_FROM_FREE_TEXT = {"Cc", "Cf", "Cs"}


def _kept_in_free_text(ch):
    if ch in _LINE_CHARACTERS or ch in TEXT_FORMAT_CHARACTERS:
        return True
    return unicodedata.category(ch) not in _REMOVED_FROM_FREE_TEXT


def clean_multiline(value):
    """Free text (a note, an announcement, a comment) as typed, less the control characters but tab and line
    breaks (PostgreSQL refuses a NUL in text) and less the format characters that reorder or hide text
    (see TEXT_FORMAT_CHARACTERS for the few that stay)."""
    if value is None:
        return None
    return "".join(ch for ch in str(value) if _kept_in_free_text(ch))


def clean_text(value):
    """Strip, drop control and bidi-format characters, and collapse runs of white space."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in _REMOVED_CATEGORIES or ch in "\t\n")
    return " ".join(kept.split())


# --- numbers -----------------------------------------------------------------------------------------
# Every decimal a user types (a mark, a weight, a maximum score, the pass mark, a band's minimum, a mark in an
# imported file) is read here, and only here: digits (Latin, Arabic-Indic or Persian) with at most one
# decimal separator (".", "," or the Arabic "٫"). Decimal() itself would also take a sign, an exponent,
# "NaN", "sNaN" and "Infinity" — values that fail later comparisons with a signal (a 500), overflow a
# NUMERIC column, or round silently ("1e-30" → 0.00) — so it is never given anything but plain digits.
DECIMAL_PLACES = 2
NOT_A_NUMBER = _l("Type a number, such as 85 or 85.5.")
TOO_MANY_DECIMALS = _l("At most two decimals.")
_NUMBER_CHARACTERS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫,", "01234567890123456789..")
_PLAIN_DECIMAL = re.compile(r"([0-9]{0,12})(?:\.([0-9]{0,12}))?", re.ASCII)


class NumberError(ValueError):
    """A typed number that cannot be read; ``reason`` is a translated message for the field."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class NotANumber(NumberError):
    def __init__(self):
        super().__init__(NOT_A_NUMBER)


class TooManyDecimals(NumberError):
    def __init__(self):
        super().__init__(TOO_MANY_DECIMALS)


def parse_decimal(text):
    """A typed number as a finite, non-negative Decimal with at most two decimals: '٨٥٫٥' → Decimal('85.5'),
    ' 85,5 ' → Decimal('85.5'), '85.500' → Decimal('85.50'); '' (or only spaces) → None. NotANumber for
    anything else ('-5', '1e3', 'NaN', 'sNaN', 'Infinity', '٨٥..٥', '²', and '1,000' — a decimal comma takes
    at most two digits), TooManyDecimals for '0.001'.
    Ranges are the caller's: the value is an ordinary number, safe to compare."""
    typed = "".join(clean_text(text or "").split())
    if not typed:
        return None
    match = _PLAIN_DECIMAL.fullmatch(typed.translate(_NUMBER_CHARACTERS))
    if match is None or not (match[1] or match[2]):
        raise NotANumber()
    whole, fraction = match[1] or "0", match[2] or ""
    if "," in typed and len(fraction) > DECIMAL_PLACES:  # '1,000' is a thousand to some, one to others
        raise NotANumber()
    if fraction[DECIMAL_PLACES:].strip("0"):
        raise TooManyDecimals()
    fraction = fraction[:DECIMAL_PLACES]
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def format_average(value):
    """An average as every page, report, spreadsheet and certificate writes it: two decimals, rounded half
    up — Decimal('88.5') → '88.50'; '' for none. In Western digits (``arabic.digits_for`` turns them)."""
    if value is None:
        return ""
    return format(Decimal(value).quantize(Decimal(1).scaleb(-DECIMAL_PLACES), rounding=ROUND_HALF_UP), "f")
