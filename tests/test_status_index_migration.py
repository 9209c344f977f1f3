"""The status-list migration (28e4d0c5a004): the certificates issued before it keep their place in their
university's revocation list (their id, which the lists and the printed tokens used), the kept lists' table
comes with it, and both go with its downgrade."""
from sqlalchemy import inspect

from diploma.extensions import db
from tests import factories
from tests.test_migrations import fresh_database, schema_differences  # noqa: F401 - the fixture

BEFORE, AFTER = "28d3d0c5a003", "28e4d0c5a004"


def _insert_certificate(number, student, programme):
    db.session.execute(db.text(
        "INSERT INTO certificate (serial, university_id, year, number, verification_code, student_id, "
        "programme_id, cohort_id, issued_on, status, snapshot, created_at, edition) VALUES (:serial, "
        ":university, 2025, :number, 'code', :student, :programme, :cohort, '2025-01-20', 'valid', '{}', "
        "'2025-01-20', 1)"),
        {"serial": f"PCS-MSL-2025-{number:04d}", "university": student.university_id, "number": number,
         "student": student.id, "programme": programme.id, "cohort": student.cohort_id})


def test_the_certificates_issued_before_keep_their_place_and_the_downgrade_removes_it(fresh_database):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    upgrade(revision=BEFORE)
    university = factories.university(code="MSL")
    programme = factories.programme()
    students = [factories.student(university=university) for _ in range(2)]
    for number, student in enumerate(students, start=1):
        _insert_certificate(number, student, programme)
    db.session.commit()

    upgrade(revision=AFTER)
    rows = db.session.execute(db.text("SELECT id, status_index FROM certificate ORDER BY id")).all()
    assert len(rows) == 2 and all(place == certificate_id for certificate_id, place in rows)
    assert "status_list" in inspect(db.engine).get_table_names()
    db.session.rollback()

    downgrade(revision=BEFORE)
    assert "status_index" not in {c["name"] for c in inspect(db.engine).get_columns("certificate")}
    assert "status_list" not in inspect(db.engine).get_table_names()
    upgrade()
    assert schema_differences(db.engine) == []
