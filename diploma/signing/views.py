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
    document = status_lists.served_data_integrity(university, record) if record is not None else None
    if document is None:
        abort(404)
    response = Response(document.body, mimetype=credential.JSON_MEDIA_TYPE)
    return _cached_list(response, document.listed, document.etag)


@bp.route("/issuers/<code>/status")
@public
def status_list(code):
    """The university's revocation list as kept (status_lists.served): the same bytes at every fetch until
    a change, with a strong ETag (``If-None-Match`` answers 304), ``Last-Modified`` and a cache time that
    never runs past its validUntil."""
    listed = status_lists.served(_university_or_404(code))
    if listed is None:
        abort(404)
    return _cached_list(Response(listed.token, mimetype=credential.MEDIA_TYPE), listed, listed.etag)


def _cached_list(response, listed, etag):
    """A status list's answer: kept lists with their strong ETag (``If-None-Match`` answers 304),
    ``Last-Modified`` and a cache time within their validUntil; a list signed for this answer only with
    ``no-store``."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if not listed.kept:  # signed for this answer only: the next fetch gets other bytes
        response.headers["Cache-Control"] = "no-store"
        return response
    response.set_etag(etag)
    response.last_modified = listed.signed_at.replace(tzinfo=UTC)
    response.headers["Cache-Control"] = f"public, max-age={listed.max_age(utcnow())}"
    return response.make_conditional(request)


@bp.route("/keys/programme.crl")
@public
def programme_crl():
    """The programme's CRL as the root signed it (DER), named in the university certificates."""
    from diploma.signing import crl

    current = crl.current_crl()
    if current is None:
        abort(404)
    response = Response(current.der, mimetype=crl.CRL_MIMETYPE)
    response.headers["Content-Disposition"] = "attachment; filename=programme.crl"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Last-Modified"] = current.this_update.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
