"""Arabic text helpers: Arabic-Indic digits and Iraqi dates."""
from flask_babel import format_date

ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_DECIMAL_SEPARATOR = "٫"


def to_arabic_digits(value):
    """'88.50' → '٨٨٫٥٠': Western digits to Arabic-Indic, with the Arabic decimal separator."""
    return str(value).translate(ARABIC_INDIC_DIGITS).replace(".", ARABIC_DECIMAL_SEPARATOR)


def format_long_date(value):
    """A date in the active locale; in Arabic with the Iraqi month names (كانون الثاني، شباط ...)."""
    return format_date(value, format="long")


# What people type inconsistently in Arabic names: hamza forms of alef, taa marbuta, alef maqsura,
# tatweel and the short-vowel marks. Search compares both sides in this folded form.
_ARABIC_FOLDING = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_ARABIC_MARKS = {chr(code) for code in [*range(0x064B, 0x0653), 0x0670]}


def fold_for_search(text):
    """'أحمد  الكبيسيّ' → 'احمد الكبيسي': the form names are stored and searched in (also lower-cases
    Latin letters)."""
    folded = "".join(ch for ch in (text or "") if ch not in _ARABIC_MARKS).translate(_ARABIC_FOLDING)
    return " ".join(folded.casefold().split())
