"""The public keys, published for verifiers: the programme's root certificate (to install), the JWKS of the
universities' keys (current and retired), one key by its URL (the credentials' ``kid``), each university's
Open Badges issuer profile and its revocation status list. All public and cacheable for a short while."""
import json

from flask import Response, abort, current_app

from diploma.access import public
from diploma.extensions import db
from diploma.partners.services import find_university_by_code
from diploma.signing import bp, credential, keystore
from diploma.signing.errors import SigningError
from diploma.signing.models import SigningKey

PUBLIC_CACHE = "public, max-age=300"
# Where the app keeps the function that lists a university's revoked certificates as status-list indexes:
# signing knows no certificate, so ``create_app`` hands it the certificates' own (``revocation``).
REVOKED_INDEXES = "diploma.revoked_indexes"


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


@bp.route("/issuers/<code>/status")
@public
def status_list(code):
    university = _university_or_404(code)
    try:
        signer = keystore.signer_for(university)
    except SigningError:
        abort(404)
    revoked = current_app.extensions[REVOKED_INDEXES](university)
    response = Response(credential.signed_status_list(university, signer, revoked),
                        mimetype=credential.MEDIA_TYPE)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


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
