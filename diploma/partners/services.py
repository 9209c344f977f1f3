"""Universities: their details, logos and certificate signatories."""
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from diploma import audit
from diploma.access import covered_university_id
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.partners.models import Signatory, University

LOGO_FORMATS = {"PNG": ".png", "JPEG": ".jpg"}
UNIVERSITY_FIELDS = ("code", "slug", "name_ar", "name_en", "city_ar", "city_en")
SIGNATORY_FIELDS = ("title_ar", "title_en", "name_ar", "name_en")


def all_universities():
    return db.session.scalars(db.select(University).order_by(University.id)).all()


def university_choices(language="en"):
    return [(u.id, u.name(language)) for u in all_universities()]


def university_of(user):
    """The university an account belongs to (None for the administrator)."""
    return db.session.get(University, user.university_id) if user.university_id is not None else None


def covered_university_or_404(requested_id):
    """The university a page about one university covers (``access.covered_university_id``: the
    administrator's pick, anyone else's own); 404 when the administrator names none or an unknown one."""
    return db.get_or_404(University, covered_university_id(requested_id, required=True))


def universities_by_id(ids):
    """{id: University} for these ids, in one query."""
    ids = {university_id for university_id in ids if university_id is not None}
    if not ids:
        return {}
    return {university.id: university
            for university in db.session.scalars(db.select(University).where(University.id.in_(ids)))}


def find_university_by_code(code):
    return db.session.scalar(db.select(University).where(University.code == (code or "").upper()))


def find_university_by_code_or_slug(value):
    """The university named on a command line by its code (``KRB``) or its slug (``karbala``), in any case."""
    value = (value or "").strip()
    return db.session.scalar(db.select(University).where(db.or_(
        University.code == value.upper(), db.func.lower(University.slug) == value.lower())))


def university_names_for_commands():
    """``KRB (karbala)`` for every university, in the order of the list: what a command line accepts."""
    return ", ".join(f"{university.code} ({university.slug})" for university in all_universities())


def _check_unique(university, code, slug):
    clash = db.session.scalar(
        db.select(University).where(db.or_(University.code == code, University.slug == slug))
        .where(University.id != (university.id or -1))
    )
    if clash is not None:
        field = "code" if clash.code == code else "slug"
        raise RuleViolation(_l("Another university already uses this value."), field=field)


def _university_values(university):
    return {name: getattr(university, name) for name in UNIVERSITY_FIELDS}


def save_university(actor, university, values, signatories):
    """Create (``university`` None) or update a university with its ordered signatories."""
    creating = university is None
    university = university or University()
    values = {**values, "code": values["code"].upper(), "slug": values["slug"].lower()}
    _check_unique(university, values["code"], values["slug"])
    before = None if creating else _university_values(university)
    for name in UNIVERSITY_FIELDS:
        setattr(university, name, values[name])
    _replace_signatories(university, signatories)
    db.session.add(university)
    db.session.flush()
    audit.record(actor, "university.created" if creating else "university.updated", university,
                 {"before": before, "after": _university_values(university)})
    return university


def _replace_signatories(university, signatories):
    kept = [s for s in signatories if any(s.get(name) for name in SIGNATORY_FIELDS)]
    for entry in kept:
        if not all(entry.get(name) for name in SIGNATORY_FIELDS):
            raise RuleViolation(_l("Give each signatory a title and a name in both languages."))
    university.signatories.clear()
    db.session.flush()
    for position, entry in enumerate(kept, start=1):
        university.signatories.append(Signatory(position=position, **{n: entry[n] for n in SIGNATORY_FIELDS}))


def logo_folder():
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _checked_image_format(stream):
    """The image format of an upload, judged by its content; RuleViolation if not a PNG or JPEG."""
    try:
        with Image.open(stream) as image:
            image.verify()
            image_format = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        image_format = None
    if image_format not in LOGO_FORMATS:
        raise RuleViolation(_l("The logo must be a PNG or JPEG image."), field="logo")
    return image_format


def save_logo(actor, university, upload):
    """Store an uploaded logo under a random name, after checking its content and size."""
    data = upload.read(current_app.config["MAX_LOGO_BYTES"] + 1)
    if len(data) > current_app.config["MAX_LOGO_BYTES"]:
        raise RuleViolation(_l("The logo must be smaller than 2 MB."), field="logo")

    image_format = _checked_image_format(BytesIO(data))
    filename = secrets.token_hex(16) + LOGO_FORMATS[image_format]
    (logo_folder() / filename).write_bytes(data)
    previous = university.logo_filename
    university.logo_filename = filename
    db.session.flush()
    audit.record(actor, "university.logo_changed", university, {"previous": previous, "new": filename})
    return filename


def logo_path(university):
    if not university.logo_filename:
        return None
    path = logo_folder() / university.logo_filename
    return path if path.is_file() else None
