"""The results page's filters (cohort, university, academic year), sent with GET: they change nothing, and a
filtered page can be shared as a link. A value that is not one of the choices is refused with a translated
message on its field, and that filter is not applied."""
from dataclasses import dataclass, field

from diploma.forms import ONLY_FROM_THE_LIST

FILTER_NAMES = ("cohort", "university", "year")


@dataclass
class Filters:
    choices: dict  # name -> [(value, label)]
    chosen: dict = field(default_factory=dict)  # name -> int or None
    errors: dict = field(default_factory=dict)  # name -> message

    def value(self, name):
        return self.chosen.get(name)


def _choices(options, language):
    return {
        "cohort": [(cohort.id, cohort.name(language)) for cohort in options["cohorts"]],
        "university": [(university.id, university.name(language)) for university in options["universities"]],
        "year": [(year, f"{year}–{year + 1}") for year in options["years"]],
    }


def read_filters(args, options, language):
    """The filters asked for in ``args`` (request.args), checked against ``options``
    (services.filter_choices). A filter without choices (the university, for all but the administrator)
    is ignored, not refused."""
    filters = Filters(_choices(options, language))
    for name in FILTER_NAMES:
        text = (args.get(name) or "").strip()
        if not text or not filters.choices[name] and name == "university":
            filters.chosen[name] = None
            continue
        allowed = {value for value, _label in filters.choices[name]}
        number = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
        if number in allowed:
            filters.chosen[name] = number
        else:
            filters.chosen[name] = None
            filters.errors[name] = ONLY_FROM_THE_LIST
    return filters
