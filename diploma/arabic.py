"""Arabic text helpers: Arabic-Indic digits and Iraqi dates."""
from flask_babel import format_date

from diploma.text import clean_text

ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_DECIMAL_SEPARATOR = "٫"


def to_arabic_digits(value):
    """'88.50' → '٨٨٫٥٠': Western digits to Arabic-Indic, with the Arabic decimal separator."""
    return str(value).translate(ARABIC_INDIC_DIGITS).replace(".", ARABIC_DECIMAL_SEPARATOR)


def uses_arabic_digits(language, digits):
    """Whether a text in ``language`` writes its numbers in Arabic-Indic digits (٠–٩, ٫): in Arabic, when
    the programme's digit setting (``Programme.certificate_digits``, ``digits``) is 'arabic_indic'."""
    return language == "ar" and digits == "arabic_indic"


def digits_for(language, digits):
    """What writes a number in such a text: ``to_arabic_digits`` or ``str``."""
    return to_arabic_digits if uses_arabic_digits(language, digits) else str


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
    cleaned = clean_text(text or "")  # no control or bidi characters (nor a NUL, which PostgreSQL refuses)
    folded = "".join(ch for ch in cleaned if ch not in _ARABIC_MARKS).translate(_ARABIC_FOLDING)
    return " ".join(folded.casefold().split())


# --- numbers in words (تفقيط) ----------------------------------------------------------------------
# num2words(lang='ar') mangles decimals (88.5 → "ثمانية و ثمانون  , خمسون"), so the average in words
# has its own small, tested implementation for 0–100 with up to two decimals.
_UNITS = ("صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة",
          "أحد عشر", "اثنا عشر", "ثلاثة عشر", "أربعة عشر", "خمسة عشر", "ستة عشر", "سبعة عشر", "ثمانية عشر",
          "تسعة عشر")
_TENS = {20: "عشرون", 30: "ثلاثون", 40: "أربعون", 50: "خمسون", 60: "ستون", 70: "سبعون", 80: "ثمانون",
         90: "تسعون"}
DECIMAL_POINT_WORD = "فاصلة"


def integer_in_words(number):
    """0–100 in Arabic words: 71 → 'واحد وسبعون', 100 → 'مئة'."""
    if not 0 <= number <= 100 or int(number) != number:
        raise ValueError(f"{number!r} is outside 0–100")
    number = int(number)
    if number == 100:
        return "مئة"
    if number < 20:
        return _UNITS[number]
    tens, units = divmod(number, 10)
    return _TENS[tens * 10] if units == 0 else f"{_UNITS[units]} و{_TENS[tens * 10]}"


def number_in_words(text):
    """A number as printed ('88.50', '88.5', '90.00', '٨٨٫٥٠') read in Arabic words, the digits after the
    point read as they are printed: '88.50' → 'ثمانية وثمانون فاصلة خمسون', '88.5' → '… فاصلة خمسة',
    '88.05' → '… فاصلة صفر خمسة'; a zero fraction is not read ('90.00' → 'تسعون')."""
    western = str(text).translate(_WESTERN_DIGITS).replace(ARABIC_DECIMAL_SEPARATOR, ".").strip()
    whole, _, fraction = western.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 2:
        raise ValueError(f"{text!r} is not a number with at most two decimals")
    words = integer_in_words(int(whole))
    if fraction.strip("0"):
        leading_zeros = len(fraction) - len(fraction.lstrip("0"))
        fraction_words = [_UNITS[0]] * leading_zeros + [integer_in_words(int(fraction))]
        words = f"{words} {DECIMAL_POINT_WORD} {' '.join(fraction_words)}"
    return words


_WESTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


# --- phrases that agree with the student's gender ---------------------------------------------------
GENDERED = {
    "student": {"m": "الطالب", "f": "الطالبة"},
    "completed": {"m": "أكمل", "f": "أكملت"},
    "rank_of": {"m": "تسلسله", "f": "تسلسلها"},
    "graduate": {"m": "الخريج", "f": "الخريجة"},
}


def gendered(phrase, gender):
    """The Arabic phrase agreeing with the gender ('m' or 'f'): gendered('completed', 'f') → 'أكملت'."""
    return GENDERED[phrase]["f" if gender == "f" else "m"]


# --- numbers in sentences -----------------------------------------------------------------------------
def number_for_sentence(value, language, digits):
    """A number as an Arabic or English sentence writes it: Arabic-Indic ('٦') in Arabic when the
    programme's digit setting (``Programme.certificate_digits``) is 'arabic_indic', Western otherwise."""
    return digits_for(language, digits)(value)
