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
