"""The grading rules, as pure functions on Decimal (never float): reading a typed mark, the course mark,
the second round, the band and the credit-weighted average."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from diploma.i18n import NamedInBothLanguages
from diploma.text import NumberError, TooManyDecimals, clean_text, parse_decimal

ABSENT = "absent"
HUNDRED = Decimal(100)
ZERO = Decimal(0)
TWO_PLACES = Decimal("0.01")
WHOLE = Decimal(1)
# What people type for "absent" (غائب): the Arabic word or its first letter, or the English word.
ABSENT_WORDS = {"غ", "غائب", "غياب", "a", "abs", "absent"}


@dataclass(frozen=True)
class Band(NamedInBothLanguages):
    """One step of the grading scale, as it stood when a gradebook was published."""

    id: int
    min_mark: Decimal
    name_ar: str
    name_en: str


@dataclass(frozen=True)
class GradingRules:
    """The programme's settings that turn marks into results: pass mark, rounding, second-round rule and
    bands (highest minimum first). A gradebook keeps a copy taken when it is first published, so that a
    later change of the programme's settings changes no published result."""

    pass_mark: Decimal
    course_mark_rounding: str
    second_round_rule: str
    second_round_deduction: Decimal
    bands: tuple

    @classmethod
    def of_programme(cls, programme):
        return cls.of_settings(programme, [(band.id, band.min_mark, band.name_ar, band.name_en)
                                           for band in programme.bands])

    @classmethod
    def of_settings(cls, settings, bands):
        """The rules of a programme's settings (the programme, or a row of its columns: ``pass_mark``,
        ``course_mark_rounding``, ``second_round_rule``, ``second_round_deduction``) and its bands as
        (id, min_mark, name_ar, name_en), in any order."""
        ordered = sorted(bands, key=lambda band: band[1], reverse=True)
        return cls(Decimal(settings.pass_mark), settings.course_mark_rounding, settings.second_round_rule,
                   Decimal(settings.second_round_deduction),
                   tuple(Band(band_id, Decimal(min_mark), name_ar, name_en)
                         for band_id, min_mark, name_ar, name_en in ordered))

    @classmethod
    def published_or_current(cls, published_rules, programme):
        """A gradebook's rules: those frozen at its first publication (``published_rules``, see
        ``as_json``), else the programme's current ones."""
        return cls.from_json(published_rules) if published_rules else cls.of_programme(programme)

    def as_json(self):
        return {"pass_mark": str(self.pass_mark), "course_mark_rounding": self.course_mark_rounding,
                "second_round_rule": self.second_round_rule,
                "second_round_deduction": str(self.second_round_deduction),
                "bands": [{"id": band.id, "min_mark": str(band.min_mark), "name_ar": band.name_ar,
                           "name_en": band.name_en} for band in self.bands]}

    @classmethod
    def from_json(cls, data):
        bands = tuple(Band(band["id"], Decimal(band["min_mark"]), band["name_ar"], band["name_en"])
                      for band in data["bands"])
        return cls(Decimal(data["pass_mark"]), data["course_mark_rounding"], data["second_round_rule"],
                   Decimal(data["second_round_deduction"]), bands)


class MarkError(ValueError):
    """A typed mark that cannot be accepted; ``reason`` is a translated message for the cell."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def parse_mark(text, max_score):
    """'٨٥٫٥' → Decimal('85.5'); 'غ' → ABSENT; '' → None (no mark yet). MarkError when malformed or out of
    range (0 … max_score, at most two decimals)."""
    cleaned = "".join(clean_text(text or "").split())  # without spaces, nor an invisible mark beside "غ"
    if not cleaned:
        return None
    if cleaned.casefold() in ABSENT_WORDS:
        return ABSENT
    try:
        value = parse_decimal(cleaned)  # the reading every typed decimal shares (diploma.text)
    except TooManyDecimals as error:
        raise MarkError(error.reason) from error
    except NumberError as error:
        raise MarkError(_l("Not a mark: type a number, or غ for absent.")) from error
    if value > max_score:
        raise MarkError(_l("The mark must be between 0 and %(max)s.", max=format_mark(max_score)))
    return value


def format_mark(value):
    """Decimal('85.50') → '85.5'; Decimal('40.00') → '40'."""
    if value is None:
        return ""
    normalized = value.quantize(TWO_PLACES).normalize()
    return format(normalized, "f")


@dataclass(frozen=True)
class Component:
    weight: Decimal
    max_score: Decimal
    value: Decimal | None  # None: absent (counts as 0)


def round_course_mark(value, rounding):
    """Half up, to a whole mark when the programme says so, else to two decimals."""
    return value.quantize(WHOLE if rounding == "whole" else TWO_PLACES, rounding=ROUND_HALF_UP)


def weighted_mark(components):
    """Σ value / max × weight, unrounded (absent counts 0). Summed exactly, as one fraction of whole
    numbers: parts such as 15.5/30 × 35 do not terminate, and a sum of 28-digit approximations can fall a
    hair below a half (49.4999… instead of 49.5) that rounding half up must see. The fraction is divided
    once at the end (Decimal rounds that one quotient correctly); it is not reduced on the way, which is
    what makes this several times cheaper than ``fractions.Fraction`` on a report of many students."""
    numerator, denominator = 0, 1
    for component in components:
        value_n, value_d = (component.value or ZERO).as_integer_ratio()
        weight_n, weight_d = component.weight.as_integer_ratio()
        max_n, max_d = component.max_score.as_integer_ratio()
        part_n, part_d = value_n * weight_n * max_d, value_d * weight_d * max_n
        numerator, denominator = numerator * part_d + part_n * denominator, denominator * part_d
    return Decimal(numerator) / Decimal(denominator)


def course_mark(components, rounding):
    return round_course_mark(weighted_mark(components), rounding)


def second_round_mark(components, final_index, second_value, grading):
    """The mark when the final exam (``components[final_index]``) is replaced by the second-round
    attempt, after the programme's rule: no cap, cap at the pass mark, or a fixed deduction."""
    replaced = list(components)
    final = replaced[final_index]
    replaced[final_index] = Component(final.weight, final.max_score, second_value)
    raw = weighted_mark(replaced)
    if grading.second_round_rule == "cap_at_pass":
        raw = min(raw, Decimal(grading.pass_mark))
    elif grading.second_round_rule == "deduction":
        raw = max(raw - Decimal(grading.second_round_deduction), Decimal(0))
    return round_course_mark(raw, grading.course_mark_rounding)


def passed(mark, grading):
    """``grading``: the GradingRules (or the programme) whose pass mark applies."""
    return mark is not None and mark >= Decimal(grading.pass_mark)


def band_of(mark, bands):
    """The band a mark falls in: the highest band (ordered from the highest minimum) it reaches."""
    for band in bands:
        if mark >= band.min_mark:
            return band
    return None


def credit_weighted_average(results):
    """Σ mark × credits / Σ credits over (mark, credits) pairs, half up to two decimals; None when empty."""
    results = [(mark, credits) for mark, credits in results if mark is not None]
    total_credits = sum(credits for _mark, credits in results)
    if not total_credits:
        return None
    total = sum((mark * credits for mark, credits in results), Decimal(0))
    return (total / total_credits).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weights_error(weights):
    """None when the weights sum to exactly 100, else the translated reason."""
    total = sum(weights, Decimal(0))
    if total != HUNDRED:
        return _l("The weights must add up to 100 (now %(total)s).", total=format_mark(total))
    return None
