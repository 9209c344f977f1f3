"""What the importers share beyond the cells: how a problem of a file is located and told ("Row 4,
column E-mail: …"), the refusal that carries every problem of a file, and how header names are recognised
(without case, spaces, punctuation or Arabic spelling variants, in Arabic or in English)."""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from diploma.arabic import fold_for_search
from diploma.errors import RuleViolation

_HEADER_NOISE = re.compile(r"[\s_\-.:*()%/|'\"،]")
_HEADER_PARTS = re.compile(r"[/|()\n]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: at a row and a column, a whole row (``column`` None), or the file
    itself (``row`` None). ``column`` identifies the column for the caller (its key, or its header as
    written); ``label`` is how the message names it (the column itself by default); ``position`` orders
    the problems of a row."""

    row: int | None
    column: object
    reason: object  # a lazy string, rendered in the language active when the problem is shown
    label: object = None
    position: int = -1

    def sort_key(self):
        return (self.row or 0, self.position)

    def __str__(self):
        if self.row is None:
            return str(self.reason)
        if self.column is None:
            return str(_l("Row %(row)s: %(reason)s", row=self.row, reason=self.reason))
        return str(_l("Row %(row)s, column %(column)s: %(reason)s", row=self.row,
                      column=self.label if self.label is not None else self.column, reason=self.reason))


class FileRejected(RuleViolation):
    """The file was refused; ``problems`` says why, every one of them, in the order of the file."""

    def __init__(self, problems):
        super().__init__(_l("The file was not imported. Correct these problems and upload it again:"))
        self.problems = sorted(problems, key=Problem.sort_key)


def header_form(text):
    """A header as compared: without case, spaces, punctuation and Arabic spelling variants."""
    return _HEADER_NOISE.sub("", fold_for_search(text or ""))


class HeaderNames:
    """The columns a file may name, each with its spellings: ``key('الرقم الجامعي / Student number')``
    is 'student_number'; a header that names none is None."""

    def __init__(self, spellings):
        self._keys = {header_form(name): key for key, names in spellings.items() for name in (key, *names)
                      if header_form(name)}

    def key(self, text):
        text = text or ""
        for candidate in (text, *_HEADER_PARTS.split(text)):
            key = self._keys.get(header_form(candidate))
            if key:
                return key
        return None


def header_row_index(rows):
    """The index of the header: the first row with any text, or None for an empty file."""
    return next((index for index, cells in enumerate(rows) if any(cells)), None)
