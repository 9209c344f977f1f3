"""Every message of the code and the templates is translated into Arabic and English, placeholders intact.

The messages are extracted the way ``pybabel extract`` does it (babel.cfg, the same keywords), so a
string added to the code without a translation fails here rather than showing up in English on an
Arabic page.
"""
import re
from functools import cache

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from diploma.config import PROJECT_ROOT

pytestmark = pytest.mark.engine_independent

LANGUAGES = ("ar", "en")
# ngettext's singular and plural (1, 2), as `pybabel extract` (make translations) reads it.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_", "gettext", "ngettext:1,2", "_l", "lazy_gettext"])}
# %(name)s, %s, %d … (not %%), and str.format fields: {name}
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w*\}")


@cache
def extracted_messages():
    """{(msgid, context): [where it is used, …]} for every message of the code and the templates."""
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    messages = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            PROJECT_ROOT, method_map, options_map, keywords=KEYWORDS):
        messages.setdefault((message, context), []).append(f"{filename}:{lineno}")
    return messages


@cache
def catalog(language):
    path = PROJECT_ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as po_file:
        return read_po(po_file, locale=language)


def placeholders(text):
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def _forms(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def problems_of(message_id, context, translation):
    """What is wrong with one message's translation, as readable lines (none when it is fine)."""
    if translation is None:
        return ["missing from the catalogue"]
    problems = []
    if translation.fuzzy:
        problems.append("marked fuzzy")
    translated_forms = _forms(translation.string)
    if not all(form and form.strip() for form in translated_forms):
        problems.append("not translated (empty msgstr)")
        return problems
    source_forms = _forms(message_id)
    expected = set().union(*(placeholders(form) for form in source_forms))
    is_plural = len(source_forms) > 1
    for form in translated_forms:
        found = placeholders(form)
        # A plural form may leave the number out ("طالب واحد"), never add or misspell a placeholder.
        if found != expected and not (is_plural and found <= expected):
            problems.append(f"placeholders differ: {sorted(expected)} in the source, "
                            f"{sorted(found)} in {form!r}")
    return problems


def test_extraction_finds_the_messages_of_the_code_and_of_the_templates():
    messages = extracted_messages()
    sources = {place.split(":")[0] for places in messages.values() for place in places}

    assert len(messages) > 100
    assert ("The e-mail address or the password is wrong.", None) in messages  # gettext in a view
    assert ("Keep me logged in on this device", None) in messages  # lazy_gettext in a form
    assert ("Too many attempts", None) in messages  # _l in a module-level table
    assert ("Welcome, %(name)s", None) in messages  # a template, with a placeholder
    assert any(source.startswith("templates/") for source in sources)
    assert any(source.startswith("diploma/") for source in sources)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language):
    translations = catalog(language)
    report = []
    for (message_id, context), places in sorted(extracted_messages().items(), key=str):
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        for problem in problems_of(message_id, context, translations.get(key, context=context)):
            report.append(f"{key!r} ({places[0]}): {problem}")

    assert not report, f"{len(report)} problem(s) in translations/{language}:\n" + "\n".join(report)


@pytest.mark.parametrize(("source", "translation", "expected"), [
    ("Welcome, %(name)s", "مرحباً، %(name)s", []),
    ("Welcome, %(name)s", "مرحباً", ["placeholders differ"]),
    ("Welcome, %(name)s", "مرحباً، %(nom)s", ["placeholders differ"]),
    ("Page %(page)s of %(pages)s", "الصفحة %(pages)s من %(page)s", []),
    ("Posted {title}", "نُشر {title}", []),
    ("Posted {title}", "نُشر", ["placeholders differ"]),
    ("100%% sure", "متأكد 100%%", []),
    ("Log in", "", ["not translated"]),
])
def test_the_placeholder_check_itself(source, translation, expected):
    from babel.messages.catalog import Message

    problems = problems_of(source, None, Message(source, translation))

    assert [problem.split(":")[0].split(" (")[0] for problem in problems] == expected


def test_the_fuzzy_check_itself():
    from babel.messages.catalog import Message

    problems = problems_of("Log in", None, Message("Log in", "تسجيل الدخول", flags=["fuzzy"]))

    assert problems == ["marked fuzzy"]
