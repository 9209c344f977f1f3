"""``flask backup create | restore`` on the suite's database (SQLite, or PostgreSQL when TEST_DATABASE_URL
names a server): the demo data and a registrar's day of work, backed up and restored into a brand-new
database and upload folder of a second app, then read back there; and the refusals, which change nothing."""
import hashlib
import io
import json
import tarfile
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from diploma import audit, backup, create_app
from diploma.auth.models import User
from diploma.certificates import graduation, issuing, verification
from diploma.certificates.models import Certificate
from diploma.config import TestConfig
from diploma.curriculum.models import Cohort
from diploma.demo import DEMO_PASSWORD
from diploma.extensions import db
from diploma.grading import services as grading
from diploma.grading.models import Gradebook, Score
from diploma.partners.models import University
from diploma.teaching.models import Material, Offering
from tests import factories
from tests.teaching import PDF, material, png_bytes, upload
from tests.teaching import offering as new_offering

pytestmark = pytest.mark.commits  # backs up and restores through connections of its own


def suite_kind(database_url):
    return make_url(database_url).get_backend_name()


def _admin_dsn(url):
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


@pytest.fixture
def new_app(database_url, tmp_path):
    """Makes apps, each on a brand-new empty database of the suite's kind (SQLite: a file not created yet;
    PostgreSQL: a database created here and dropped at the end) and a new empty upload folder."""
    made = []

    def _make(name="restored"):
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            target, dropped = f"sqlite:///{tmp_path / f'{name}.sqlite'}", None
        else:
            dropped = f"{url.database}_{name}"
            with psycopg.connect(_admin_dsn(url), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{dropped}"')
            target = url.set(database=dropped).render_as_string(hide_password=False)

        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = target
            UPLOAD_FOLDER = str(tmp_path / f"{name}-uploads")

        application = create_app(Config)
        made.append((application, dropped))
        return application

    yield _make
    for application, dropped in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        if dropped:
            with psycopg.connect(_admin_dsn(make_url(database_url)), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


def run(application, *arguments):
    """A ``flask backup …`` command of ``application``, in its own app context: the CLI uses the context
    already pushed, which would otherwise be the suite's app (conftest keeps it pushed)."""
    with application.app_context():
        return application.test_cli_runner().invoke(args=["backup", *map(str, arguments), "--language", "en"])


def tree(folder):
    """{relative path: sha256} of every file under ``folder`` (uploads being written aside)."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file() and not path.name.startswith(".partial-")}


def contents():
    """What a restore must bring back, read from the database of the current app."""
    db.session.expire_all()

    def rows(*columns):
        return [tuple(row) for row in db.session.execute(db.select(*columns).order_by(columns[0]))]

    return {
        "counts": {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
                   for table in db.metadata.sorted_tables},
        "users": rows(User.id, User.email, User.password_hash, User.role, User.university_id, User.active,
                      User.session_token),
        "scores": rows(Score.id, Score.enrolment_id, Score.assessment_id, Score.attempt, Score.value,
                       Score.absent, Score.version),
        "audit": rows(audit.AuditEvent.id, audit.AuditEvent.created_at, audit.AuditEvent.actor_id,
                      audit.AuditEvent.action, audit.AuditEvent.target_type, audit.AuditEvent.target_id,
                      audit.AuditEvent.data),
        "materials": rows(Material.id, Material.kind, Material.stored_name, Material.original_name,
                          Material.size, Material.sha256),
        "certificates": rows(Certificate.id, Certificate.serial, Certificate.verification_code,
                             Certificate.status, Certificate.issued_on, Certificate.snapshot),
    }


def by_email(email):
    return db.session.scalar(db.select(User).where(User.email == email))


# --- a day of work on top of the demo data -----------------------------------------------------------

def change_a_mark(lecturer):
    """The lecturer enters a coursework mark in their draft gradebook (a Score and its audit event)."""
    offering = db.session.scalar(db.select(Offering).join(Gradebook, Gradebook.offering_id == Offering.id)
                                 .where(Offering.university_id == lecturer.university_id,
                                        Gradebook.status == "draft").order_by(Offering.id))
    sheet = grading.load_sheet(offering)
    coursework, row = sheet.assessments[0], sheet.rows[-1]
    score = row.scores.get(coursework.id)
    key = grading.cell_key(row.enrolment.id, coursework.id, 1)
    results = grading.save_marks(lecturer, offering, [{
        "enrolment_id": row.enrolment.id, "assessment_id": coursework.id, "attempt": 1, "text": "33.5",
        "version": getattr(score, "version", None)}])
    assert results[key].status == "saved"
    db.session.commit()
    return offering


def issue_kufa_certificates():
    kufa = db.session.scalar(db.select(University).where(University.code == "KUF"))
    cohort = db.session.scalar(db.select(Cohort).order_by(Cohort.start_year))
    registrar = by_email("registrar.kufa@example.org")
    report = graduation.graduation_report(kufa, cohort)
    graduates = [standing.student.id for standing in report.graduates]
    issued = issuing.issue_certificates(registrar, kufa, cohort, graduates, issued_on=date(2025, 9, 1))
    db.session.commit()
    return issued


def test_a_backup_restored_into_a_new_database_brings_everything_back(demo, runner, app, new_app, tmp_path,
                                                                      database_url):
    lecturer = by_email("lecturer.kufa@example.org")
    offering = change_a_mark(lecturer)
    posted = material(offering, "file", file=upload(PDF, "محاضرة إضافية.pdf"), actor=lecturer,
                      title="قراءة إضافية")
    issued = issue_kufa_certificates()
    assert issued
    before, files = contents(), tree(app.config["UPLOAD_FOLDER"])
    assert before["audit"][-1][3] == "certificate.issued"
    assert any(event[3] == "score.changed" and event[6]["new"] == "33.5" for event in before["audit"])
    archive = tmp_path / "diploma.tar.gz"

    created = runner.invoke(args=["backup", "create", str(archive), "--language", "en"])

    assert created.exit_code == 0, created.output
    assert f"{len(files)} uploaded files" in created.output
    assert archive.stat().st_mode & 0o077 == 0  # password hashes and verification codes: the owner's only
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
    kind = suite_kind(database_url)
    assert manifest["database"] == kind
    assert manifest["alembic_revision"] == backup.head_revision()
    assert manifest["file_count"] == len(files)
    assert {name: digest for name, digest in manifest["sha256"].items() if name.startswith("uploads/")} \
        == {f"uploads/{name}": digest for name, digest in files.items()}
    assert set(manifest["sha256"]) - {f"uploads/{name}" for name in files} == {backup.DATABASE_PART[kind]}

    restored = new_app()
    result = run(restored, "restore", archive)

    assert result.exit_code == 0, result.output
    assert tree(restored.config["UPLOAD_FOLDER"]) == files
    with restored.app_context():
        assert contents() == before
        for stored_name, digest in db.session.execute(db.select(Material.stored_name, Material.sha256)
                                                      .where(Material.kind == "file")):
            path = Path(restored.config["UPLOAD_FOLDER"], "materials", stored_name)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        codes = [(c.serial, c.verification_code) for c in db.session.scalars(db.select(Certificate))]
        for serial, code in codes:
            assert verification.verify(serial, code).serial == serial
        assert verification.verify(codes[0][0], codes[1][1]) is None

    client = restored.test_client()
    page = client.get(f"/verify/{issued[0].serial}?code={issued[0].verification_code}")
    assert page.status_code == 200 and issued[0].serial in page.get_data(as_text=True)
    student = restored.test_client()
    login = student.post("/login", data={"email": "student.mosul.1@example.org", "password": DEMO_PASSWORD})
    assert login.status_code == 302 and not login.headers["Location"].endswith("/login")
    assert student.get("/dashboard").status_code == 200
    teacher = restored.test_client()
    login = teacher.post("/login", data={"email": lecturer.email, "password": DEMO_PASSWORD})
    assert login.status_code == 302
    with teacher.get(f"/courses/{offering.id}/materials/{posted.id}/file") as download:
        assert download.status_code == 200 and download.data == PDF


# --- smaller backups ---------------------------------------------------------------------------------

@pytest.fixture
def small_backup(runner, app, tmp_path):
    """A backup of a few records and a stored file; returns (archive, contents, files)."""
    material(new_offering(), "file", file=upload(png_bytes(), "شعار.png"))
    archive = tmp_path / "small.tar.gz"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output
    return archive, contents(), tree(app.config["UPLOAD_FOLDER"])


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(small_backup, app, runner, make):
    archive, _, _ = small_backup
    make.user(email="after.backup@example.org")
    before, files = contents(), tree(app.config["UPLOAD_FOLDER"])

    result = run(app, "restore", archive)

    assert result.exit_code == 1
    assert "already holds data" in result.output and "--force" in result.output
    assert contents() == before
    assert tree(app.config["UPLOAD_FOLDER"]) == files


def test_restore_with_force_replaces_a_database_that_holds_data(small_backup, new_app):
    archive, before, files = small_backup
    target = new_app()
    assert run(target, "restore", archive).exit_code == 0
    with target.app_context():
        factories.user(email="later@example.org")

    refused = run(target, "restore", archive)
    forced = run(target, "restore", archive, "--force")

    assert refused.exit_code == 1 and "--force" in refused.output
    assert forced.exit_code == 0, forced.output
    with target.app_context():
        assert by_email("later@example.org") is None
        assert contents() == before
    assert tree(target.config["UPLOAD_FOLDER"]) == files


def test_restore_accepts_a_database_that_was_only_migrated(small_backup, new_app):
    archive, before, _ = small_backup
    target = new_app()
    with target.app_context():
        assert target.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0

    result = run(target, "restore", archive)

    assert result.exit_code == 0, result.output
    with target.app_context():
        assert contents() == before


def rewrite(archive, change):
    """Rewrite ``archive`` with ``change(name, data)`` applied to each member (keeping the manifest as is
    unless ``change`` alters it)."""
    with tarfile.open(archive) as opened:
        members = [(member.name, opened.extractfile(member).read()) for member in opened]
    with tarfile.open(archive, "w:gz") as out:
        for name, data in members:
            data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def assert_untouched(target):
    assert tree(target.config["UPLOAD_FOLDER"]) == {}
    with target.app_context():
        assert inspect(db.engine).get_table_names() == []


@pytest.mark.parametrize("altered", ["database", "uploads/"])
def test_a_tampered_archive_is_refused_and_changes_nothing(small_backup, new_app, altered):
    archive, _, _ = small_backup
    changed = []

    def flip_a_byte(name, data):
        if name.startswith(altered) and not changed:
            changed.append(name)
            return data[:-1] + bytes([data[-1] ^ 1])
        return data

    rewrite(archive, flip_a_byte)
    target = new_app()

    result = run(target, "restore", archive)

    assert result.exit_code == 1
    assert f"{changed[0]} does not match its checksum" in result.output
    assert_untouched(target)


def test_an_added_file_counts_as_tampering(small_backup, new_app):
    archive, _, _ = small_backup
    with tarfile.open(archive) as opened:
        members = [(member.name, opened.extractfile(member).read()) for member in opened]
    with tarfile.open(archive, "w:gz") as out:
        for name, data in [*members, ("uploads/materials/extra.pdf", PDF)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    target = new_app()

    result = run(target, "restore", archive)

    assert result.exit_code == 1 and "uploads/materials/extra.pdf" in result.output
    assert_untouched(target)


def test_a_backup_of_the_other_kind_of_database_is_refused(small_backup, new_app, database_url):
    archive, _, _ = small_backup
    other = "postgresql" if suite_kind(database_url) == "sqlite" else "sqlite"

    def relabel(name, data):
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "database": other}).encode()

    rewrite(archive, relabel)
    target = new_app()

    result = run(target, "restore", archive)

    assert result.exit_code == 1
    assert f"backup of a {backup.KIND_NAMES[other]} database" in result.output
    assert_untouched(target)


@pytest.mark.parametrize("member", ["../outside.txt", "/tmp/absolute.txt"])
def test_an_archive_that_is_not_a_backup_is_refused(new_app, tmp_path, member):
    archive = tmp_path / "odd.tar.gz"
    with tarfile.open(archive, "w:gz") as out:
        info = tarfile.TarInfo(member)
        info.size = 3
        out.addfile(info, io.BytesIO(b"odd"))
    target = new_app()

    result = run(target, "restore", archive)

    assert result.exit_code == 1 and "is not a backup" in result.output
    assert not (tmp_path / "outside.txt").exists()
    assert_untouched(target)


def test_create_refuses_to_overwrite_a_file(runner, tmp_path):
    existing = tmp_path / "taken.tar.gz"
    existing.write_bytes(b"keep me")

    result = runner.invoke(args=["backup", "create", str(existing), "--language", "en"])

    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_bytes() == b"keep me"


def test_a_change_not_yet_committed_is_not_in_the_backup(runner, new_app, tmp_path, make):
    make.user(email="committed@example.org")
    archive = tmp_path / "online.tar.gz"
    db.session.add(User(email="uncommitted@example.org", password_hash="x", name_ar="س", name_en="S",
                        role="admin"))
    db.session.flush()  # the app is in the middle of a transaction while the backup is taken

    result = runner.invoke(args=["backup", "create", str(archive)])
    db.session.rollback()

    assert result.exit_code == 0, result.output
    target = new_app()
    assert run(target, "restore", archive).exit_code == 0
    with target.app_context():
        assert by_email("committed@example.org") is not None
        assert by_email("uncommitted@example.org") is None


def test_the_signing_keys_travel_in_a_backup_wrapped_at_todays_strength(runner, app, new_app, tmp_path):
    """Issue 25, finding 4: a key written the old way (2,048 iterations) is re-wrapped by ``keys rewrap``; the
    backup taken after carries every key at SIGNING_KDF_ITERATIONS, and the restored keys still open."""
    from cryptography.hazmat.primitives import serialization

    from diploma.signing import key_wrap, keystore

    keystore.create_root()
    record = keystore.issue_key(factories.university(code="KUF"))
    record.encrypted_key_pem = keystore._decrypt(record).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(keystore.passphrase())).decode("ascii")
    db.session.commit()
    assert runner.invoke(args=["keys", "rewrap"]).exit_code == 0
    archive = tmp_path / "keys.tar.gz"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    target = new_app()
    assert run(target, "restore", archive).exit_code == 0
    with target.app_context():
        restored = keystore.all_keys()
        assert len(restored) == 2
        for key in restored:
            assert key_wrap.iterations_of(key.encrypted_key_pem) == target.config["SIGNING_KDF_ITERATIONS"]
            assert keystore._decrypt(key) is not None
