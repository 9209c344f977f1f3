"""The snapshot helpers of the hostile-input tests (tests/snapshots.py) see every write a row count misses."""
import os

from diploma.extensions import db
from diploma.partners.models import University
from tests.snapshots import (
    database_snapshot,
    describe_changes,
    file_changes,
    folder_snapshot,
    integer_key,
    table_changes,
)


def counts(snapshot):
    return {name: len(rows) for name, rows in snapshot.items()}


def test_an_update_keeps_the_counts_but_not_the_snapshot(make):
    university = make.university()
    db.session.commit()
    university_id, name = university.id, university.name_en
    before = database_snapshot()

    db.session.get(University, university_id).name_en = "Renamed"
    db.session.commit()
    after = database_snapshot()

    assert counts(after) == counts(before) and after != before
    (old, new), = table_changes(before, after)["university"]["changed"]
    assert new == {"name_en": "Renamed"} and old == {"name_en": name}
    assert "Renamed" in describe_changes(before, {}, after, {})


def test_a_row_deleted_and_another_added_keep_the_counts_but_not_the_snapshot(make):
    first = make.university()
    db.session.commit()
    before = database_snapshot()

    db.session.delete(db.session.get(University, first.id))
    make.university()
    db.session.commit()
    after = database_snapshot()

    assert counts(after) == counts(before) and after != before
    change = table_changes(before, after)["university"]
    assert len(change["added"]) == len(change["removed"]) == 1 and not change["changed"]


def test_every_table_and_column_is_read_in_primary_key_order(make):
    make.university(), make.university()
    db.session.commit()
    snapshot = database_snapshot()

    assert list(snapshot) == [table.name for table in db.metadata.sorted_tables]
    universities = snapshot["university"]
    assert len(universities[0]) == len(University.__table__.columns)
    key = integer_key("university")
    assert [int(row[key]) for row in universities] == sorted(int(row[key]) for row in universities)
    newer = database_snapshot(tables={"university"}, newer_than={"university": universities[0][key]})
    assert newer == {"university": universities[1:]}


def test_a_file_rewritten_in_place_an_added_file_and_an_empty_folder_are_seen(tmp_path):
    (tmp_path / "logos").mkdir()
    logo = tmp_path / "logos" / "a.png"
    logo.write_bytes(b"one")
    written = os.stat(logo)
    before = folder_snapshot(tmp_path)
    assert folder_snapshot(tmp_path) == before

    logo.write_bytes(b"two")  # the same size, at once, and its modification time put back
    os.utime(logo, ns=(written.st_atime_ns, written.st_mtime_ns))
    (tmp_path / "new.pdf").write_bytes(b"%PDF")
    (tmp_path / "empty").mkdir()
    after = folder_snapshot(tmp_path)

    assert file_changes(before, after) == {"added": ["empty", "new.pdf"], "changed": ["logos/a.png"]}
