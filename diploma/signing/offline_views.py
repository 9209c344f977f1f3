"""The offline checker (التحقق دون اتصال بالإنترنت): a public page that checks a certificate's token (from its
QR code) in the browser, with WebCrypto, against the universities' published keys, and keeps working with
the network cut once it has been opened (a service worker caches the page in both languages, its script and
stylesheet, the fonts, the keys and the revocation lists).

    /verify/offline               the page (``?lang=ar|en``: in that language, as the worker caches it)
    /verify/offline/keys.json     the public keys with their signing periods, retirements and compromise
                                  dates, and the names the page shows: signed by the programme's root
    /verify/offline/assets.json   what the service worker caches when it is installed
    /verify/offline/sw.js         the service worker (static/js/verify-offline-sw.js), its scope /verify/

The token never reaches the server: it is read from the page's own URL fragment or pasted into it.

keys.json is a JWS in the flattened JSON serialization (``protected``, ``payload``, ``signature``: RFC 7515
§7.2.2), ES256, signed by the programme's root; the payload is the list itself. The page carries the root's
public key (its JWK, written in the page when it is rendered, and kept with it by the service worker) and
trusts no list whose signature does not check with it: a list changed on the way or in the browser's cache
is refused. The signature is deterministic and kept per process for the same list, so it is made once after
each change of the keys (the root is decrypted once per process).
"""
import hashlib
import json
import re
import threading
from datetime import UTC

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from diploma.access import public
from diploma.config import PROJECT_ROOT
from diploma.curriculum.models import Programme
from diploma.extensions import db
from diploma.i18n import current_language, force_language, language_by_link, supported_languages
from diploma.signing import bp, keystore
from diploma.signing.token import BAND_CODES, KID_LENGTH, OUTCOMES, TokenVerdict, detached_es256, short_kid

STATIC = PROJECT_ROOT / "static"
WORKER = STATIC / "js" / "verify-offline-sw.js"
STYLESHEET = STATIC / "css" / "app.css"
SCRIPT = "js/verify-offline.js"
CSS_URL = re.compile(r"url\(\"?\.\./([^\")]+)\"?\)")
# Short: a rotated key or a new revocation shows up within minutes when online; offline, the cache serves.
KEYS_CACHE = "public, max-age=300"


def _iso(moment):
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_or_none(moment):
    return _iso(moment) if moment is not None else None


def _json(data, cache=KEYS_CACHE):
    response = Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                        mimetype="application/json")
    response.headers["Cache-Control"] = cache
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def published_keys():
    """The universities' keys (current and retired) as the page needs them: the public point (JWK), the
    ``kid`` (the JWK thumbprint; tokens name its first characters), the university, the certificate's
    period (``nbf``, ``exp``), its retirement (``retired``) and compromise (``compromised``) dates or null —
    the signing period is [nbf, retired or exp] —, and the key's URL (the ``kid`` of the signed revocation
    lists). The universities' names are in their issuer profiles (``/issuers/<CODE>``), which the page
    fetches."""
    from diploma.signing.credential import key_url

    entries = []
    for record in keystore.keys_of():
        jwk = keystore.jwk_of_certificate(record.certificate_pem).as_dict(private=False)
        entries.append({"kid": record.kid, "short": short_kid(record.kid), "url": key_url(record.kid),
                        "kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"],
                        "university": record.university.code, "fingerprint": record.fingerprint,
                        "nbf": _iso(record.not_before), "exp": _iso(record.not_after),
                        "retired": _iso_or_none(record.retired_at),
                        "compromised": _iso_or_none(record.compromised_at), "current": record.current})
    return entries


def _last_change(records):
    moments = [moment for record in records
               for moment in (record.created_at, record.retired_at, record.compromised_at) if moment]
    return _iso(max(moments)) if moments else None


def _names():
    universities = {}
    for record in keystore.keys_of():
        university = record.university
        # Its names come from its issuer profile (the page fetches it): this list names no university.
        universities[university.code] = {"profile": url_for("signing.issuer_profile", code=university.code),
                                         "status": url_for("signing.status_list", code=university.code)}
    programmes = {p.code: {"ar": p.name_ar, "en": p.name_en}
                  for p in db.session.scalars(db.select(Programme).order_by(Programme.id))}
    return universities, programmes


def key_list():
    """The published list (keys.json's payload): the keys, the universities' links, the programmes' names,
    and when the keys last changed (``published``)."""
    universities, programmes = _names()
    return {"keys": published_keys(), "universities": universities, "programmes": programmes,
            "published": _last_change(keystore.keys_of())}


def root_jwk():
    """The root's public key as a JWK (with its thumbprint as ``kid``), written in the checker's page; None
    without a root."""
    root = keystore.root_key()
    if root is None:
        return None
    jwk = keystore.jwk_of_certificate(root.certificate_pem).as_dict(private=False)
    return {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"], "kid": root.kid}


_signed_lists = {}
_signed_lists_lock = threading.Lock()


def signed_key_list():
    """keys.json: the list signed by the root (the module's docstring), kept per process by the SHA-256 of
    its bytes: signed once after each change. None without a root (no university key either)."""
    root = keystore.root_key()
    if root is None:
        return None
    payload = json.dumps(key_list(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    cache_key = (root.kid, hashlib.sha256(payload).hexdigest())
    with _signed_lists_lock:
        signed = _signed_lists.get(cache_key)
    if signed is None:
        signed = detached_es256(payload, keystore.root_private_key(), root.kid)
        with _signed_lists_lock:
            _signed_lists.clear()  # only the latest list is served
            _signed_lists[cache_key] = signed
    return signed


def checker_messages():
    """Every sentence the page's script shows, translated here (the script has no text of its own).
    ``{date}`` is filled in by the script, in the page's language."""
    return {
        "outcomes": {outcome: TokenVerdict(outcome).message for outcome in OUTCOMES},
        "valid": _("Genuine: signed by the university"),
        "valid_revocation_unknown": _("Signature genuine — revocation unknown"),
        "refused": _("Refused"),
        "checking": _("Checking…"),
        "empty": _("Paste the token, or the whole address read from the QR code, then press Check."),
        "no_keys": _("The published keys could not be loaded: open this page once with the internet, then "
                     "it works without it."),
        "keys_not_signed": _("The list of published keys is not signed by the programme's root certificate: "
                             "it was changed, and is not used. Open this page again with the internet."),
        "key_disowned": _("The signature is genuine, but the university disowned this key on {date} (it "
                          "leaked): check the certificate online with its serial number and code before "
                          "trusting it."),
        "valid_key_disowned": _("Signature genuine — key disowned: check online"),
        "no_crypto": _("This browser cannot check signatures (it needs a secure https connection and a "
                       "recent browser)."),
        "ready": _("Ready to check without the internet. Published keys as of {date}."),
        "online_only": _("Published keys as of {date}. This browser cannot keep the checker for use "
                         "without the internet; it works while connected."),
        "preparing": _("Preparing the checker for use without the internet…"),
        "not_revoked": _("Not revoked, according to the university's revocation list of {date}."),
        "revoked": _("Revoked, according to the university's revocation list of {date}. This certificate is "
                     "no longer valid."),
        "list_expired": _("This list was valid until {date}: a later revocation may be missing from it. Open "
                          "this page with the internet to fetch the current list."),
        "revocation_unknown": _("Revocation not checked: no revocation list of this university has been "
                                "seen yet. Open this page with the internet to fetch it."),
        "camera_error": _("The camera could not be opened. Paste the token instead."),
        "camera_hint": _("Point the camera at the certificate's QR code."),
    }


def band_names():
    """The bands a token names by code (the Iraqi scale's passing steps, highest first), in the page's
    language."""
    names = (_("Excellent"), _("Very good"), _("Good"), _("Fair"), _("Pass"))
    return dict(zip(BAND_CODES, names, strict=True))


@bp.route("/verify/offline")
@public
@language_by_link
def offline_checker():
    language = request.args.get("lang")
    if language in supported_languages():
        with force_language(language):
            return _render_checker()
    return _render_checker()


def _render_checker():
    return render_template("signing/offline.html", messages=checker_messages(), bands=band_names(),
                           kid_length=KID_LENGTH, root=root_jwk(), language=current_language(),
                           other_language="en" if current_language() == "ar" else "ar")


@bp.route("/verify/offline/keys.json")
@public
def offline_keys():
    signed = signed_key_list()
    if signed is None:
        abort(404)
    return _json(signed)


def _stylesheet_assets():
    """The files app.css loads (the fonts), as static URLs."""
    return [url_for("static", filename=path) for path in CSS_URL.findall(STYLESHEET.read_text("utf-8"))]


def offline_assets():
    """What the service worker caches when it is installed: (what the checker cannot work without — the
    page in both languages, its script and stylesheet, the fonts, the keys —, what it is better with — each
    university's issuer profile (its names) and revocation list, kept when they answer)."""
    universities, _ = _names()
    pages = [url_for("signing.offline_checker", lang=language) for language in supported_languages()]
    required = [*pages, url_for("static", filename=SCRIPT), url_for("static", filename="css/app.css"),
                *_stylesheet_assets(), url_for("signing.offline_keys")]
    optional = [url for links in universities.values() for url in (links["profile"], links["status"])]
    return required, optional


@bp.route("/verify/offline/assets.json")
@public
def offline_assets_list():
    required, optional = offline_assets()
    content = WORKER.read_bytes() + (STATIC / SCRIPT).read_bytes() + "\n".join(required + optional).encode()
    version = hashlib.sha256(content).hexdigest()[:16]
    return _json({"version": version, "urls": required, "optional": optional}, cache="no-cache")


@bp.route("/verify/offline/sw.js")
@public
def offline_worker():
    """The service worker, served under /verify/ so that it may control the checker, and the verification
    pages too (opened from a QR code with the network cut, they fall back to the checker, which reads the
    token in their fragment)."""
    response = Response(WORKER.read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("certificates.verify_form") + "/"
    response.headers["Cache-Control"] = "no-cache"
    return response
