"""Cleaning of text typed by users before it is stored."""
import unicodedata

# Control characters (Cc) and format characters (Cf: bidi overrides and isolates, zero-width marks)
# let a name display reversed or hide text; they never belong in a name, title or e-mail.
_REMOVED_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}


def clean_multiline(value):
    """Free text (a note, an announcement, a comment) as typed, less the control characters but tab and
    line breaks (PostgreSQL refuses a NUL in text)."""
    if value is None:
        return None
    return "".join(ch for ch in str(value) if ch in "\t\n\r" or unicodedata.category(ch) != "Cc")


def clean_text(value):
    """Strip, drop control and bidi-format characters, and collapse runs of white space."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in _REMOVED_CATEGORIES or ch in "\t\n")
    return " ".join(kept.split())
