"""A previewed marks file kept until it is accepted (diploma.grading.marks_spreadsheet.storage): whose it
is, of which offering and round, with the reason and the versions the preview saw, in the shared store of
uploaded sheets (diploma.spreadsheets.kept)."""
import pytest

from diploma.grading import marks_spreadsheet
from diploma.grading.marks_spreadsheet import storage
from diploma.spreadsheets import kept as kept_files
from tests.grading.marks_spreadsheet import AR_HEADER, numbers, xlsx_file


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def test_a_kept_preview_comes_back_as_it_was_kept_until_it_is_forgotten(room):
    data = xlsx_file([AR_HEADER, [numbers(room)[2], "", "70", "80"]])
    preview = marks_spreadsheet.preview_import(room.lecturer, room.offering, data)

    token = storage.keep_preview(room.lecturer, room.offering, preview, data, reason="  ")
    kept = storage.kept_import(token)

    assert (kept.token, kept.offering_id, kept.user_id, kept.round, kept.reason, kept.data) == (
        token, room.offering.id, room.lecturer.id, 1, None, data)
    assert kept.versions == preview.versions and len(kept.versions) == 2
    storage.forget_kept(token)
    assert storage.kept_import(token) is None and kept_files.load_pending(token) is None


@pytest.mark.parametrize("payload", [b"not json", b"{}", b'{"offering_id": "x"}', b"[]"])
def test_a_kept_file_that_is_not_a_kept_preview_is_none(payload):
    assert storage.kept_import(kept_files.store_pending(payload)) is None
