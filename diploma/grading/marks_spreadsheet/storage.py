"""A previewed marks file kept until it is accepted (or a day passes): the file with whose it is, the
offering, the round, the reason and the version of every cell as the preview saw it, as one JSON payload in
the shared store of uploaded sheets (``diploma.spreadsheets.kept``)."""
import base64
import json
from dataclasses import dataclass

from diploma.spreadsheets import kept as kept_files


@dataclass
class KeptImport:
    """A previewed file waiting to be accepted: whose, of which offering and round, with what reason."""

    token: str
    offering_id: int
    user_id: int
    round: int
    reason: str | None
    versions: dict
    data: bytes


def keep_preview(actor, offering, preview, data, reason=None):
    """Keep a previewed file until it is accepted (or a day passes); its token."""
    payload = {"offering_id": offering.id, "user_id": actor.id, "round": preview.round,
               "reason": (reason or "").strip() or None, "versions": preview.versions,
               "data": base64.b64encode(data).decode("ascii")}
    return kept_files.store_pending(json.dumps(payload).encode("utf-8"))


def kept_import(token):
    """The kept file of a token, or None (unknown, expired, or not a kept marks file)."""
    raw = kept_files.load_pending(token)
    try:
        payload = json.loads(raw) if raw else None
        return KeptImport(token, int(payload["offering_id"]), int(payload["user_id"]), int(payload["round"]),
                          payload["reason"], dict(payload["versions"]), base64.b64decode(payload["data"]))
    except (ValueError, TypeError, KeyError):
        return None


def forget_kept(token):
    kept_files.delete_pending(token)
