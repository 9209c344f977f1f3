"""The public keys, published for verifiers: the programme's root certificate (to install), the JWKS of the
universities' keys (current and retired), one key by its URL (the credentials' ``kid``), each university's
Open Badges issuer profile and its revocation status list. All public and cacheable for a short while."""
import json
from datetime import UTC

from flask import Response, abort, request

from diploma.access import public
from diploma.clock import utcnow
from diploma.extensions import db
from diploma.partners.services import find_university_by_code
from diploma.signing import bp, credential, keystore, status_lists
from diploma.signing.models import SigningKey

PUBLIC_CACHE = "public, max-age=300"


def _json(data, mimetype="application/json"):
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype=mimetype)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"  # read by checkers in the browser, too
    return response


def _university_or_404(code):
    university = find_university_by_code(code) if code.isalpha() and len(code) == 3 else None
    if university is None:
        abort(404)
    return university


@bp.route("/keys/root.pem")
@public
def root_certificate():
    root = keystore.root_key()
    if root is None:
        abort(404)
    response = Response(root.certificate_pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = "attachment; filename=diploma-root-ca.pem"
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@bp.route("/.well-known/jwks.json")
@public
def jwks():
    return _json(credential.jwks(), "application/jwk-set+json")


@bp.route("/keys/jwk/<kid>")
@public
def jwk(kid):
    record = db.session.scalar(db.select(SigningKey).where(SigningKey.kid == kid[:64],
                                                           SigningKey.kind != "root"))
    if record is None:
        abort(404)
    entry = next(e for e in credential.jwks(record.university)["keys"] if e["kid"] == credential.key_url(kid))
    return _json(entry, "application/jwk+json")


@bp.route("/issuers/<code>")
@public
def issuer_profile(code):
    return _json(credential.issuer_profile(_university_or_404(code)))


@bp.route("/issuers/<code>/status/<kid>.json")
@public
def data_integrity_status_list(code, kid):
    """The revocation list of the credentials one key's Ed25519 twin proved, with that key's Data Integrity
    proof (JSON-LD; what the DCC verifier reads)."""
    university = _university_or_404(code)
    record = db.session.scalar(db.select(SigningKey).where(SigningKey.kid == kid[:64],
                                                           SigningKey.university_id == university.id))
    if record is None:
        abort(404)
    revoked = current_app.extensions[REVOKED_INDEXES](university)
    try:
        secured = credential.data_integrity_status_list(university, record, revoked)
    except SigningError:
        abort(404)
    if secured is None:
        abort(404)
    response = _json(secured, credential.JSON_MEDIA_TYPE)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.route("/issuers/<code>/status")
@public
def status_list(code):
    """The university's revocation list as kept (status_lists.served): the same bytes at every fetch until
    a change, with a strong ETag (``If-None-Match`` answers 304), ``Last-Modified`` and a cache time that
    never runs past its validUntil."""
    listed = status_lists.served(_university_or_404(code))
    if listed is None:
        abort(404)
    response = Response(listed.token, mimetype=credential.MEDIA_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    if not listed.kept:  # signed for this answer only: the next fetch gets other bytes
        response.headers["Cache-Control"] = "no-store"
        return response
    response.set_etag(listed.etag)
    response.last_modified = listed.signed_at.replace(tzinfo=UTC)
    response.headers["Cache-Control"] = f"public, max-age={listed.max_age(utcnow())}"
    return response.make_conditional(request)
