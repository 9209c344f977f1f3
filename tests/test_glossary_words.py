"""Issue 24, fault 9 (words): one word for each thing in the Arabic catalogue. *Submit* (the lecturer sends
the marks to the registration office for approval) read «رفع الدرجات», which beside «استيراد الدرجات» reads as
*upload*: it is now «إرسال الدرجات للاعتماد» in every message about submitting. And *English* had two
spellings (الإنجليزية and الإنكليزية): only the Iraqi الإنكليزية remains."""
import re

from babel.messages.pofile import read_po

from diploma.config import PROJECT_ROOT

UPLOAD_WORDS = re.compile(r"رفع|رُفع|يرفع|مرفوع")  # «رفع» and its forms: kept for files (ارفع الملف)
SENT_FOR_APPROVAL = re.compile(r"إرسال|أُرسل|يرسل|مُرسَل")


def arabic_catalogue():
    with open(PROJECT_ROOT / "translations/ar/LC_MESSAGES/messages.po", "rb") as po:
        return [message for message in read_po(po) if message.id]


def texts(message):
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return " ".join(ids), " ".join(strings)


def test_submitting_the_marks_is_sending_them_for_approval_never_uploading():
    about_submitting = [texts(message) for message in arabic_catalogue()
                        if re.search(r"\bsubmit", texts(message)[0], re.IGNORECASE)]
    assert len(about_submitting) >= 5
    for english, arabic in about_submitting:
        assert not UPLOAD_WORDS.search(arabic), (english, arabic)
        assert SENT_FOR_APPROVAL.search(arabic), (english, arabic)
    assert dict(about_submitting)["Submit the marks"] == "إرسال الدرجات للاعتماد"


def test_english_is_spelt_one_way_in_arabic():
    spellings = {word for _english, arabic in map(texts, arabic_catalogue())
                 for word in re.findall(r"\w*(?:إنجليز|إنكليز|انجليز|انكليز)\w*", arabic)}
    assert spellings, "no message names the English language"
    assert all("إنكليز" in word for word in spellings), spellings
