"""What the certificate and transcript templates receive: plain strings and numbers made from a
certificate's frozen snapshot (see ``issuing.certificate_statement``), in the language of the document
and the digits the programme chose — never ORM objects, so that a reprint years later states exactly
what was issued. Arabic: ``<html lang="ar" dir="rtl">``; Latin runs (English name, serial, URL) in
``<bdi dir="ltr">``; no text in SVG, no ``text-align: justify``, no letter-spacing, no font change
inside a word.
"""
from datetime import date
from pathlib import Path

from flask import current_app

from diploma.arabic import digits_for, format_long_date, gendered, to_arabic_digits
from diploma.certificates.pdf_engine import qr_data_uri, qr_source
from diploma.i18n import force_language
from diploma.partners.services import logo_folder

LANGUAGES = ("ar", "en")
TEMPLATES = {"certificate": "certificates/pdf/certificate.html",
             "transcript": "certificates/pdf/transcript.html"}
# A certificate is one page whatever the length of its names: the type shrinks step by step (CSS
# classes fit-0 … fit-4) until it fits; the first step is guessed from the length of the text.
FIT_LEVELS = 5


def _digits_for(snapshot, language):
    """How numbers are written: Arabic-Indic (٠–٩, ٫) in the Arabic version when the programme chose
    them, Western otherwise."""
    return digits_for(language, snapshot.get("digits"))


def _logo_url(snapshot):
    name = (snapshot.get("university") or {}).get("logo")
    if not name or Path(name).name != name:
        return None
    path = logo_folder() / name
    return path.resolve().as_uri() if path.is_file() else None


def _academic_year(cohort, digits):
    end = int(cohort["end_year"])
    return f"{digits(end - 1)}–{digits(end)}"


def _university_subject(name_en):
    """'University of Mosul' → 'The University of Mosul' (the subject of the English wording)."""
    return name_en if name_en.lower().startswith("the ") else f"The {name_en}"


def _fit_level(context):
    """The first type size worth trying, from the length of what grows with the names."""
    signatories = context["signatories"]
    longest = len(context["student_name"]) + len(context["university_name"]) + len(context["programme_name"])
    signatory_text = max((len(s["title"]) + len(s["name"]) for s in signatories), default=0)
    level = 0
    if longest > 120 or signatory_text > 70 or len(signatories) > 4:
        level = 1
    if longest > 220 or signatory_text > 140:
        level = 2
    if longest > 380:
        level = 3
    return level


def stated_figures(snapshot, language):
    """The figures a certificate states, as its ``language`` version prints them (the paper's digits):
    academic year, average, average in words (the Arabic wording's, the only one that writes it out), band,
    rank, cohort size and graduation date (``issued_on``, printed «تاريخ التخرج» / "Date of graduation").
    The PDF and the public verification page both take them from here. Call in ``language`` (the date's
    month names)."""
    digits = _digits_for(snapshot, language)
    return {
        "academic_year": _academic_year(snapshot["cohort"], digits),
        "average": digits(snapshot["average"]),
        "average_in_words": snapshot["average_in_words_ar"],
        "band": snapshot["band"]["ar" if language == "ar" else "en"],
        "rank": digits(snapshot["rank"]),
        "cohort_size": digits(snapshot["cohort_size"]),
        "issued_on": digits(format_long_date(date.fromisoformat(snapshot["issued_on"]))),
    }


def certificate_context(snapshot, language, qr_url=None):
    """The plain values one certificate's template needs, in ``language`` ('ar' or 'en'), with the
    numbers already written in the chosen digits. ``qr_url``: what the QR code holds, the verification URL
    with the signed token in its fragment (``qr.qr_url``, made by the signed documents, ``documents``); a
    render without a key (a benchmark, a template preview) gets the bare URL. Call under
    ``force_language(language)`` (the date)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    ar = language == "ar"
    digits = _digits_for(snapshot, language)
    student, university = snapshot["student"], snapshot["university"]
    gender = student.get("gender")
    context = {
        "ar": ar,
        "serial": snapshot["serial"],
        "verification_url": snapshot["verification_url"],
        "qr_url": qr_url or snapshot["verification_url"],
        "logo": _logo_url(snapshot),
        "student_name": student["name_ar"] if ar else student["name_en"],
        "student_name_en": student["name_en"],
        "student_number": student["student_number"],
        "student_word": gendered("student", gender),
        "completed_word": gendered("completed", gender),
        "rank_word": gendered("rank_of", gender),
        "university_name": university["name_ar"] if ar else university["name_en"],
        "university_subject": university["name_ar"] if ar else _university_subject(university["name_en"]),
        "city": university["city_ar"] if ar else university["city_en"],
        "programme_name": snapshot["programme"]["name_ar" if ar else "name_en"],
        "cohort_name": snapshot["cohort"]["name_ar" if ar else "name_en"],
        **stated_figures(snapshot, language),
        "credits": digits(snapshot["credits"]),
        "signatories": [{"title": signatory["title_ar" if ar else "title_en"],
                         "name": signatory["name_ar" if ar else "name_en"]}
                        for signatory in university.get("signatories") or []],
    }
    context["qr"] = qr_source(context["qr_url"])
    # The signatories share the width beside the QR code.
    context["signatory_width"] = round(100 / max(1, len(context["signatories"])), 2)
    context["fit"] = _fit_level(context)
    return context


def _round_name(number, ar):
    if ar:
        return "الدور الثاني" if number == 2 else "الدور الأول"
    return "Second" if number == 2 else "First"


def transcript_context(snapshot, language, qr_url=None):
    """The plain values of a transcript (كشف الدرجات): the certificate's, plus one row per course."""
    context = certificate_context(snapshot, language, qr_url)
    ar, digits = context["ar"], _digits_for(snapshot, language)
    context["courses"] = [{
        "number": digits(position), "code": course["code"],
        "title": course["title_ar"] if ar else course["title_en"],
        "term": course["term_ar"] if ar else course["term_en"],
        "credits": digits(course["credits"]), "mark": digits(course["mark"]),
        "band": course["band_ar"] if ar else course["band_en"], "round": _round_name(course["round"], ar),
    } for position, course in enumerate(snapshot.get("courses") or [], start=1)]
    context["digits_arabic"] = digits is to_arabic_digits
    context["total_credits"] = digits(sum(int(course["credits"]) for course in snapshot.get("courses") or []))
    return context


def html(kind, contexts, language, title):
    """The HTML of a document of one or more certificates (or transcripts), rendered with the app's Jinja
    environment in ``language``."""
    template = current_app.jinja_env.get_template(TEMPLATES[kind])
    return template.render(items=contexts, language=language, direction="rtl" if language == "ar" else "ltr",
                           title=title)


def title(kind, context):
    if kind == "transcript":
        label = "كشف الدرجات" if context["ar"] else "Transcript"
    else:
        label = "شهادة التخرج" if context["ar"] else "Graduation certificate"
    return f"{label} — {context['student_name']} — {context['serial']}"


def _standalone(contexts):
    """QR codes as data: URIs, so that the HTML renders with WeasyPrint's own URL fetcher too."""
    for context in contexts:
        context["qr"] = qr_data_uri(context["qr_url"])
    return contexts


def document_html(kind, snapshot, language):
    """The HTML of one certificate or transcript (``kind``), standing alone (QR code inlined) but without
    its stylesheet (see ``stylesheet_text``): for the benchmark and for the curious."""
    with force_language(language):
        build = transcript_context if kind == "transcript" else certificate_context
        context = build(snapshot, language)
        return html(kind, _standalone([context]), language, title(kind, context))


def certificates_html(snapshots, language):
    """The HTML of a batch of certificates as one document (what each chunk of ``render_batch`` is),
    standing alone like ``document_html``'s."""
    with force_language(language):
        contexts = [certificate_context(snapshot, language) for snapshot in snapshots]
        return html("certificate", _standalone(contexts), language, batch_title(language))


def batch_title(language):
    return "شهادات التخرج" if language == "ar" else "Graduation certificates"
