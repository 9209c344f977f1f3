"""The offline checker's routes: the page in either language whatever the browser asks, the keys it checks
against (public parts only, with their validity), what its service worker caches, and the worker itself
(allowed to control /verify/)."""
import pytest

from diploma.certificates.qr import token_claims
from diploma.extensions import db
from diploma.signing import keystore
from diploma.signing.token import KID_LENGTH, make_token
from tests import factories
from tests.certificates.builders import snapshot as make_snapshot


@pytest.fixture
def keys():
    mosul = factories.university(code="MSL", name_ar="جامعة الموصل", name_en="University of Mosul")
    basra = factories.university(code="BSR", name_ar="جامعة البصرة", name_en="University of Basra")
    keystore.create_root()
    old = keystore.issue_key(mosul)
    keystore.issue_key(mosul)  # rotated: the old key stays published
    keystore.issue_key(basra)
    db.session.commit()
    return {"mosul": mosul, "old": old}


@pytest.mark.parametrize(("query", "accept", "lang", "direction", "heading"), [
    ("", "ar", "ar", "rtl", "التحقق دون اتصال بالإنترنت"),
    ("", "en", "en", "ltr", "Verify offline"),
    ("?lang=en", "ar", "en", "ltr", "Verify offline"),
    ("?lang=ar", "en", "ar", "rtl", "التحقق دون اتصال بالإنترنت"),
    ("?lang=xx", "en", "en", "ltr", "Verify offline"),
])
def test_the_page_is_public_in_either_language(client, query, accept, lang, direction, heading):
    response = client.get(f"/verify/offline{query}", headers={"Accept-Language": accept})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in page and heading in page
    assert "/static/js/verify-offline.js" in page and 'id="offline-config"' in page


def test_the_page_gives_its_script_every_sentence_translated(client):
    import json
    import re

    page = client.get("/verify/offline?lang=ar").get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="offline-config">(.*?)</script>',
                                  page, re.DOTALL)[1])
    assert config["messages"]["outcomes"]["bad_signature"].startswith("التوقيع غير مطابق")
    assert config["bands"] == {"A": "امتياز", "B": "جيد جداً", "C": "جيد", "D": "متوسط", "E": "مقبول"}
    assert config["kidLength"] == KID_LENGTH and config["scope"] == "/verify/"


def _root_jwk(client):
    import json
    import re

    page = client.get("/verify/offline?lang=en").get_data(as_text=True)
    return json.loads(re.search(r'<script type="application/json" id="offline-config">(.*?)</script>',
                                page, re.DOTALL)[1])["root"]


def key_list(client):
    """keys.json's payload, its root signature checked by joserfc with the root key the page carries."""
    import json

    from joserfc import jws
    from joserfc.jwk import ECKey

    root = ECKey.import_key(_root_jwk(client))
    signed = client.get("/verify/offline/keys.json").get_json()
    return json.loads(jws.deserialize_json(signed, root, algorithms=["ES256"]).payload)


def test_the_keys_are_the_public_parts_of_every_published_key(client, keys):
    response = client.get("/verify/offline/keys.json")
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]
    assert set(response.get_json()) == {"protected", "payload", "signature"}
    data = key_list(client)
    published = {entry["kid"]: entry for entry in data["keys"]}
    assert len(published) == 3 and keys["old"].kid in published  # the retired key too
    for entry in data["keys"]:
        assert set(entry) == {"kid", "short", "url", "kty", "crv", "x", "y", "university", "fingerprint",
                              "nbf", "exp", "retired", "compromised", "current"}
        assert entry["kty"] == "EC" and entry["crv"] == "P-256" and "d" not in entry
        assert entry["short"] == entry["kid"][:KID_LENGTH] and entry["exp"] > entry["nbf"]
    assert published[keys["old"].kid]["current"] is False
    assert published[keys["old"].kid]["retired"] is not None
    assert data["universities"]["MSL"] == {"profile": "/issuers/MSL", "status": "/issuers/MSL/status"}
    # The universities' names come from their issuer profiles, not from this list.
    assert "Mosul" not in response.get_data(as_text=True)


def test_a_token_names_a_key_the_page_can_find(client, keys):
    token = make_token(token_claims(make_snapshot()), keystore.signer_for(keys["mosul"]))
    import base64
    import json

    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    shorts = [entry["short"] for entry in key_list(client)["keys"]]
    assert shorts.count(header["kid"]) == 1


def test_the_worker_caches_the_page_in_both_languages_and_what_it_needs(client, keys):
    data = client.get("/verify/offline/assets.json").get_json()
    urls = data["urls"] + data["optional"]
    assert {"/verify/offline?lang=ar", "/verify/offline?lang=en", "/static/js/verify-offline.js",
            "/static/css/app.css", "/verify/offline/keys.json"} <= set(data["urls"])
    assert {"/issuers/MSL", "/issuers/MSL/status", "/issuers/BSR", "/issuers/BSR/status"} == set(
        data["optional"])
    assert any(url.endswith(".woff2") for url in urls)
    for url in urls:  # every one of them answers, or the worker's installation fails
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
    assert len(data["version"]) == 16


def test_the_worker_may_control_the_verification_pages(client):
    response = client.get("/verify/offline/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/verify/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"addEventListener(\"fetch\"" in response.data


def test_the_content_security_policy_lets_the_page_fetch_and_register_its_worker(client):
    """No change needed: default-src 'self' covers connect-src and worker-src."""
    policy = client.get("/verify/offline").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "connect-src" not in policy and "worker-src" not in policy


def test_the_header_language_switch_comes_back_to_the_checker_in_the_language_chosen(client):
    page = client.get("/verify/offline?lang=en").get_data(as_text=True)
    assert '<a class="link-button language-link" href="/verify/offline?lang=ar" lang="ar"' in page
