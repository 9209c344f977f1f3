"""Issue 12: text that users write keeps its own direction whatever the interface language — the
language told by its letters, the attributes and isolates the pages put around it, Markdown blocks
with their own ``dir``, year ranges that never break, and plural counts in Arabic command-line messages."""
import pytest

from diploma.arabic import number_for_sentence
from diploma.i18n import force_language, isolate, name_list, text_attributes, text_language, year_range
from diploma.markdown import render_markdown


@pytest.mark.parametrize(("text", "language"), [
    ("تؤجَّل محاضرة يوم الأحد.", "ar"),
    ("PCS201 مقرر العدالة الانتقالية", "ar"),  # a code first, but most of the letters are Arabic
    ("Lecture by د. أحمد on Sunday", "en"),  # an Arabic name quoted in an English sentence
    ("المحاضرة الأولى - التنوع في العراق.pdf", "ar"),
    ("syllabus.pdf", "en"),
    ("2023–2025", None), ("٣٫٥", None), ("؟!", None), ("", None), (None, None),
])
def test_the_language_of_a_text_is_told_by_the_majority_of_its_letters(text, language):
    assert text_language(text) == language


def test_a_block_of_user_text_has_the_direction_of_its_letters_and_a_lang_when_not_the_interfaces(app):
    with force_language("en"):
        assert text_attributes("إعلان مهم.") == ' dir="rtl" lang="ar"'
        assert text_attributes("An announcement.") == ' dir="ltr"'
        assert text_attributes("40") == ' dir="auto"'
    with force_language("ar"):
        assert text_attributes("إعلان مهم.") == ' dir="rtl"'
        assert text_attributes("An announcement.") == ' dir="ltr" lang="en"'


def test_an_inline_run_is_isolated_and_escaped(app):
    with force_language("en"):
        assert isolate("أحمد <b>") == '<bdi dir="rtl" lang="ar">أحمد &lt;b&gt;</bdi>'
        assert isolate("12") == "<bdi>12</bdi>"


def test_names_are_joined_in_the_interface_language_each_isolated(app):
    with force_language("en"):
        assert name_list(["Ali", "علي"]) == '<bdi dir="ltr">Ali</bdi> and <bdi dir="rtl" lang="ar">علي</bdi>'
    with force_language("ar"):
        assert name_list(["علي", "حسن"]) == '<bdi dir="rtl">علي</bdi> و<bdi dir="rtl">حسن</bdi>'
        assert "," not in name_list(["علي", "حسن", "زينب"])
    assert name_list([]) == ""


def test_a_year_range_is_one_unbreakable_run_in_the_sentences_direction(app):
    with force_language("ar"):
        assert year_range(2023, 2025) == '<bdi class="year-range" dir="rtl">2023–2025</bdi>'
    with force_language("en"):
        assert year_range(2023, 2025) == '<bdi class="year-range" dir="ltr">2023–2025</bdi>'


def test_markdown_blocks_carry_the_direction_of_their_own_text():
    html = render_markdown("يُرجى قراءة ما يأتي:\n\n1. **الفصل الأول** من الكتاب.\n2. ملخص التقرير.\n\n"
                           "An English paragraph.\n\n- one\n- two\n\n> اقتباس.\n\n```\ncode\n```")

    assert '<p dir="rtl">يُرجى قراءة ما يأتي:</p>' in html
    assert '<ol dir="rtl">' in html and '<li dir="rtl"><strong>الفصل الأول</strong> من الكتاب.</li>' in html
    assert '<p dir="ltr">An English paragraph.</p>' in html
    assert '<ul dir="ltr">' in html
    assert '<blockquote dir="rtl">' in html
    assert "<pre><code>code" in html  # code stays as it is


def test_html_written_in_the_source_stays_text_its_dir_too():
    html = render_markdown('<p dir="rtl" onclick="x">نص</p>')

    assert html.startswith('<p dir="ltr">&lt;p dir="rtl" onclick="x"&gt;')  # text, mostly Latin letters
    assert "<p dir=\"rtl\"" not in html


@pytest.mark.parametrize(("number", "language", "digits", "written"), [
    (6, "ar", "arabic_indic", "٦"), (6, "ar", "western", "6"), (6, "en", "arabic_indic", "6"),
    (12, "ar", "arabic_indic", "١٢"),
])
def test_a_number_in_a_sentence_follows_the_programmes_digits_in_arabic(number, language, digits, written):
    assert number_for_sentence(number, language, digits) == written


def test_the_students_spreadsheets_we_hand_out_are_right_to_left(app):
    """Their headers are Arabic first (الاسم الرباعي / name_ar): the sheet reads right to left, as the
    gradebook's Arabic export does (tests/grading/marks_spreadsheet/test_file_format.py)."""
    import io

    import openpyxl

    from diploma.enrolment.importing import sheet

    for data in (sheet.template_xlsx(), sheet.links_xlsx([])):
        assert openpyxl.load_workbook(io.BytesIO(data)).active.sheet_view.rightToLeft is True


def test_fields_for_typed_text_follow_what_is_typed_and_addresses_stay_left_to_right(app):
    from flask_wtf import FlaskForm
    from wtforms import EmailField, StringField, TextAreaField

    class Typed(FlaskForm):
        title = StringField("Title")
        body = TextAreaField("Body")
        email = EmailField("E-mail")

    with app.test_request_context("/"):
        macro = app.jinja_env.get_template("_forms.html").module.field
        form = Typed(meta={"csrf": False})
        title, body = str(macro(form.title)), str(macro(form.body))
        email = str(macro(form.email, dir="ltr"))

    assert 'dir="auto"' in title and 'dir="auto"' in body
    assert 'dir="ltr"' in email and 'dir="auto"' not in email
