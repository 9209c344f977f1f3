"""Universities: saving them with their signatories, and checking and storing their logos."""
from io import BytesIO

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from diploma.audit import events_for
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.partners import services
from diploma.partners.models import Signatory, University

VALUES = {"code": "njf", "slug": "Najaf", "name_ar": "جامعة النجف", "name_en": "University of Najaf",
          "city_ar": "النجف", "city_en": "Najaf"}
PRESIDENT = {"title_ar": "رئيس الجامعة", "title_en": "President", "name_ar": "أ.د. حسن علي",
             "name_en": "Prof. Dr. Hassan Ali"}
DEAN = {"title_ar": "عميد الكلية", "title_en": "Dean", "name_ar": "أ.د. زهراء كامل",
        "name_en": "Prof. Dr. Zahraa Kamil"}
EMPTY = dict.fromkeys(PRESIDENT, "")


@pytest.fixture
def admin(make):
    return make.user(role="admin")


def image_upload(image_format="PNG", filename="logo.png", size=(32, 32)):
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    buffer.seek(0)
    return FileStorage(buffer, filename=filename)


def test_a_new_university_has_its_code_upper_case_and_slug_lower_case(admin):
    university = services.save_university(admin, None, VALUES, [PRESIDENT, DEAN, EMPTY])

    assert (university.code, university.slug) == ("NJF", "najaf")
    assert [(s.position, s.title_en) for s in university.signatories] == [(1, "President"), (2, "Dean")]
    event, = events_for(university)
    assert (event.action, event.actor_id, event.data["before"]) == ("university.created", admin.id, None)


def test_saving_replaces_the_signatories_in_their_new_order(admin):
    university = services.save_university(admin, None, VALUES, [PRESIDENT, DEAN])
    db.session.commit()

    services.save_university(admin, university, VALUES, [EMPTY, DEAN, PRESIDENT])
    db.session.commit()

    assert [(s.position, s.title_en) for s in university.signatories] == [(1, "Dean"), (2, "President")]
    assert db.session.scalar(db.select(db.func.count()).select_from(Signatory)) == 2
    assert [e.action for e in events_for(university)] == ["university.created", "university.updated"]


@pytest.mark.parametrize(("values", "field"), [({"code": "Bgd"}, "code"), ({"slug": "BAGHDAD"}, "slug")])
def test_code_and_slug_are_unique_whatever_their_case(admin, make, values, field):
    make.university(code="BGD", slug="baghdad")

    with pytest.raises(RuleViolation) as refused:
        services.save_university(admin, None, {**VALUES, **values}, [PRESIDENT])

    assert refused.value.field == field


def test_a_university_keeps_its_own_code_when_edited(admin, make):
    university = make.university(code="BGD", slug="baghdad")

    services.save_university(admin, university, {**VALUES, "code": "BGD", "slug": "baghdad"}, [PRESIDENT])

    assert university.name_en == "University of Najaf"


def test_a_signatory_needs_every_field(admin):
    with pytest.raises(RuleViolation):
        services.save_university(admin, None, VALUES, [{**PRESIDENT, "name_en": ""}])


@pytest.mark.parametrize(("image_format", "suffix"), [("PNG", ".png"), ("JPEG", ".jpg")])
def test_a_png_or_jpeg_logo_is_stored_under_a_random_name(admin, make, image_format, suffix):
    university = make.university()

    filename = services.save_logo(admin, university, image_upload(image_format, "My Logo.gif"))

    assert filename.endswith(suffix)
    assert university.logo_filename == filename
    assert "Logo" not in filename
    assert services.logo_path(university).read_bytes()[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")
    assert events_for(university)[-1].action == "university.logo_changed"


@pytest.mark.parametrize("content", [b"GIF89a not really", b"", b"%PDF-1.7\n" + b"0" * 100])
def test_anything_but_a_png_or_jpeg_is_refused(admin, make, content):
    university = make.university()

    with pytest.raises(RuleViolation) as refused:
        services.save_logo(admin, university, FileStorage(BytesIO(content), filename="logo.png"))

    assert refused.value.field == "logo"
    assert university.logo_filename is None


def test_a_gif_image_is_refused(admin, make):
    university = make.university()
    with pytest.raises(RuleViolation):
        services.save_logo(admin, university, image_upload("GIF", "logo.gif"))


def test_a_logo_one_byte_over_the_limit_is_refused(admin, make, app, monkeypatch):
    upload = image_upload()
    monkeypatch.setitem(app.config, "MAX_LOGO_BYTES", len(upload.stream.getvalue()) - 1)
    university = make.university()

    with pytest.raises(RuleViolation) as refused:
        services.save_logo(admin, university, upload)

    assert refused.value.field == "logo"
    assert university.logo_filename is None


def test_a_logo_exactly_at_the_limit_is_accepted(admin, make, app, monkeypatch):
    upload = image_upload()
    monkeypatch.setitem(app.config, "MAX_LOGO_BYTES", len(upload.stream.getvalue()))
    university = make.university()

    assert services.save_logo(admin, university, upload) == university.logo_filename


def test_the_default_logo_limit_is_2_mb(app):
    assert app.config["MAX_LOGO_BYTES"] == 2 * 1024 * 1024


def test_a_logo_whose_file_is_missing_has_no_path(make):
    university = make.university(logo_filename="0" * 32 + ".png")
    assert services.logo_path(university) is None


def test_the_university_choices_follow_the_language(make):
    university = make.university(name_ar="جامعة البصرة", name_en="University of Basra")
    assert (university.id, "جامعة البصرة") in services.university_choices("ar")
    assert (university.id, "University of Basra") in services.university_choices("en")


def test_find_university_by_code_ignores_case(make):
    university = make.university(code="BSR")
    assert services.find_university_by_code("bsr") == university
    assert services.find_university_by_code(None) is None
    assert db.session.get(University, university.id) is university
