"""The Open Badges 3.0 credential checked by independent tools: 1EdTech's official JSON schema (vendored in
ob3/, see its README) through the ``jsonschema`` package, for the Data Integrity credential and the VC-JWT's
payload; the ``eddsa-rdfc-2022`` proof re-checked here by another path (pyld's canonicalisation and the
``cryptography`` Ed25519 verifier called directly, the did:key decoded by hand); and the Digital Credentials
Consortium's verifier (``@digitalcredentials/verifier-core``, pinned in tests/checkers) run in node against a
freshly issued and a revoked credential, offline: the status list it fetches is served by the app under test
on 127.0.0.1."""
import base64
import datetime
import hashlib
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jwt
from jsonschema import Draft201909Validator
from pyld import jsonld
from werkzeug.serving import make_server

from diploma.certificates import documents, revocation
from diploma.extensions import db
from diploma.signing import credential, data_integrity, keystore
from diploma.signing.models import SigningKey
from tests.certificates.test_views import client_for

HERE = Path(__file__).parent
CHECKERS = HERE.parent / "checkers"
SCHEMA = json.loads((HERE / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
CONTEXTS = Path(data_integrity.__file__).parent / "contexts"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _schema_errors(document):
    validator = Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(document)]


def _data_integrity(certificate):
    return json.loads(documents.certificate_data_integrity_credential(certificate))


def _jwt_payload(certificate):
    token = documents.certificate_credential(certificate)
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- the official schema ----------------------------------------------------------------------------------

def test_the_vendored_schema_is_the_official_achievement_credential_schema():
    assert SCHEMA["title"] == "JSON Schema for the AchievementCredential class."
    assert SCHEMA["$id"].startswith("https://purl.imsglobal.org/spec/ob/v3p0/schema/")
    identity_types = SCHEMA["$defs"]["IdentityObject"]["properties"]["identityType"]["oneOf"][0]["enum"]
    assert "sisSourcedId" in identity_types and "studentId" not in identity_types


def test_both_forms_of_a_fresh_credential_pass_the_official_schema(cohort):
    certificate = cohort.issued()[0]
    assert _schema_errors(_data_integrity(certificate)) == []
    assert _schema_errors(_jwt_payload(certificate)) == []


def test_the_schema_catches_what_the_old_credential_had(cohort):
    """The check can fail: the previous round's ``studentId`` identity type is refused."""
    document = _data_integrity(cohort.issued()[0])
    document["credentialSubject"]["identifier"][1]["identityType"] = "studentId"
    assert any("identityType" in error for error in _schema_errors(document))


def test_the_student_number_is_hashed_with_a_salt_stable_per_serial(cohort):
    first, second = cohort.issued()
    identifiers = _data_integrity(first)["credentialSubject"]["identifier"]
    number = next(i for i in identifiers if i["identityType"] == "sisSourcedId")
    student_number = first.snapshot["student"]["student_number"]
    assert number["hashed"] is True
    # (the identifiers only: a short test number such as "25-0001" may also be part of the serial)
    assert all(student_number not in identity["identityHash"] for identity in identifiers), student_number
    expected = hashlib.sha256(f"MSL:{student_number}{number['salt']}".encode()).hexdigest()
    assert number["identityHash"] == f"sha256${expected}"
    assert _data_integrity(first)["credentialSubject"] == _data_integrity(first)["credentialSubject"]
    assert _jwt_payload(first)["credentialSubject"]["identifier"] == identifiers
    other_salt = next(i for i in _data_integrity(second)["credentialSubject"]["identifier"]
                      if i["identityType"] == "sisSourcedId")["salt"]
    assert other_salt != number["salt"]


# --- the VC-JWT ------------------------------------------------------------------------------------------

def test_the_vc_jwt_is_typed_as_served(app, cohort):
    certificate = cohort.issued()[0]
    address = f"/credentials/{certificate.serial}.jwt?code={certificate.verification_code}"
    response = app.test_client().get(address)
    assert response.mimetype == "application/vc+jwt"
    header = jwt.decode(response.get_data(as_text=True), credential.key_set(), algorithms=["ES256"]).header
    assert header["typ"] == "vc+jwt" and header["cty"] == "vc" and header["alg"] == "ES256"


def test_the_wallet_credential_is_offered_where_the_jwt_is(app, cohort):
    certificate = cohort.issued()[0]
    code = certificate.verification_code
    client = app.test_client()
    page = client.get(f"/verify/{certificate.serial}?code={code}").get_data(as_text=True)
    assert f"/credentials/{certificate.serial}.json?code={code}" in page
    assert client.get(f"/credentials/{certificate.serial}.json?code=wrong-code-000000").status_code == 404
    expected = credential.credential_id(certificate.serial)
    graduate, registrar = client_for(app, certificate.student.user), client_for(app, cohort.registrar)
    for response in (graduate.get("/certificates/mine/credential.json"),
                     registrar.get(f"/certificates/{certificate.serial}/credential.json")):
        assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
        secured = json.loads(response.data)
        assert secured["id"] == expected and data_integrity.verify(secured)


# --- the Data Integrity proof, checked by another path ----------------------------------------------------

def _offline_loader(url, options=None):
    names = {"https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
             "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json"}
    return {"contextUrl": None, "documentUrl": url,
            "document": json.loads((CONTEXTS / names[url]).read_text())}


def _from_base58(text):
    number = 0
    for character in text:
        number = number * 58 + BASE58.index(character)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def _independently_verified(secured):
    """vc-di-eddsa §3.3.2, written out: proofConfig and document canonicalised (URDNA2015), hashed,
    concatenated, the Ed25519 signature checked with the key the did:key spells."""
    proof = dict(secured["proof"][0])
    signature = _from_base58(proof.pop("proofValue")[1:])
    document = {k: v for k, v in secured.items() if k != "proof"}
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _offline_loader}
    config_hash = hashlib.sha256(jsonld.normalize({"@context": document["@context"], **proof}, options)
                                 .encode()).digest()
    document_hash = hashlib.sha256(jsonld.normalize(document, options).encode()).digest()
    multikey = proof["verificationMethod"].split("#")[1]
    decoded = _from_base58(multikey[1:])
    assert decoded[:2] == b"\xed\x01" and len(decoded) == 34
    try:
        Ed25519PublicKey.from_public_bytes(decoded[2:]).verify(signature, config_hash + document_hash)
    except Exception:  # noqa: BLE001 — any failure of the signature is a "no"
        return False
    return True


def test_the_proof_verifies_by_an_independent_path_and_fails_when_edited(cohort):
    secured = _data_integrity(cohort.issued()[0])
    assert isinstance(secured["proof"], list) and len(secured["proof"]) == 1
    proof = secured["proof"][0]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")
    issuer = secured["issuer"]
    assert proof["verificationMethod"] == f"{issuer['id']}#{issuer['id'].removeprefix('did:key:')}"
    assert issuer["url"] == credential.issuer_url("MSL")
    assert _independently_verified(secured) and data_integrity.verify(secured)
    edited = json.loads(json.dumps(secured))
    edited["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    assert not _independently_verified(edited) and not data_integrity.verify(edited)


def test_the_document_loader_never_fetches_an_unknown_context():
    with pytest.raises(jsonld.JsonLdError):
        data_integrity.canonical_nquads({"@context": "https://example.org/unknown-context.jsonld",
                                         "name": "x"})


@pytest.mark.parametrize("edit", [
    lambda document: document["credentialSchema"][0].update(type="1EdTechJsonSchemaValidator2019"),
    lambda document: document["credentialSubject"].update(studentNumber="MSL:1234"),
], ids=["relative type", "undefined property"])
def test_canonicalisation_refuses_what_the_contexts_do_not_define(cohort, edit):
    """Like the DCC verifier's safe mode: an undefined term is refused, not left out of what is proved."""
    document = _data_integrity(cohort.issued()[0])
    del document["proof"]
    data_integrity.canonical_nquads(document)
    edit(document)
    with pytest.raises(data_integrity.UndefinedTerm):
        data_integrity.canonical_nquads(document)


def test_multibase_round_trips_leading_zeros():
    for data in (b"", b"\0", b"\0\0\x01\xff", bytes(range(40))):
        assert data_integrity.from_base58btc(data_integrity.base58btc(data)) == data


# --- keys -------------------------------------------------------------------------------------------------

def test_the_issuer_profile_lists_its_keys_current_and_retired(app, cohort, runner):
    assert runner.invoke(args=["keys", "rotate", "--university", "MSL", "--language", "en"]).exit_code == 0
    profile = app.test_client().get("/issuers/MSL").get_json()
    keys = profile["verificationMethod"]
    multikeys = [k for k in keys if k["type"] == "Multikey"]
    jwks = [k for k in keys if k["type"] == "JsonWebKey"]
    assert len(multikeys) == 2 and len(jwks) == 2
    assert sorted(k["current"] for k in multikeys) == [False, True]
    assert all(k["publicKeyMultibase"].startswith("z6Mk") for k in multikeys)
    assert all(k["publicKeyJwk"]["crv"] == "P-256" and "d" not in k["publicKeyJwk"] for k in jwks)
    assert set(profile["assertionMethod"]) == {k["id"] for k in keys}
    assert {i["identifier"] for i in profile["otherIdentifier"]} == {k["controller"] for k in multikeys}


def test_older_keys_get_their_ed25519_key_by_command_stored_encrypted(cohort, runner):
    record = keystore.current_key(cohort.university)
    assert record.ed25519_public_key.startswith("z6Mk")
    assert "ENCRYPTED PRIVATE KEY" in record.ed25519_encrypted_key_pem
    record.ed25519_public_key = record.ed25519_encrypted_key_pem = None
    db.session.commit()
    with pytest.raises(Exception, match="Ed25519"):
        _data_integrity(cohort.issued()[0])
    result = runner.invoke(args=["keys", "ed25519", "--language", "en"])
    assert result.exit_code == 0 and "1 signing key(s)" in result.output
    assert db.session.get(SigningKey, record.id).ed25519_public_key.startswith("z6Mk")
    assert data_integrity.verify(_data_integrity(cohort.issued()[0]))


def test_the_demo_keys_have_their_ed25519_twins(demo):
    assert all(record.ed25519_public_key for record in keystore.keys_of() if record.current)


# --- the DCC verifier, offline ----------------------------------------------------------------------------

@pytest.fixture
def served(app, monkeypatch):
    """The app on 127.0.0.1 (a real server in a thread), and its public address pointed there: the
    credential's status list is fetched from it by the verifier."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="open-badges-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
    yield base
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _dcc_verifier(secured):
    node = shutil.which("node")
    if node is None or not (CHECKERS / "node_modules" / "@digitalcredentials" / "verifier-core").exists():
        pytest.fail("node and tests/checkers' npm packages are needed (npm ci --prefix tests/checkers)")
    completed = subprocess.run([node, str(CHECKERS / "verify-credential.mjs")], input=json.dumps(secured),
                               capture_output=True, text=True, timeout=120, cwd=CHECKERS)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    return result, {step["id"]: step for step in result["log"]}


@pytest.mark.commits
def test_the_dcc_verifier_accepts_a_fresh_credential_and_reports_a_revoked_one(app, cohort, served):
    revoked, kept = cohort.issued()
    response = app.test_client().get(f"/credentials/{kept.serial}.json?code={kept.verification_code}")
    assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
    fresh = response.get_json()
    assert fresh["credentialStatus"]["statusListCredential"].startswith(served)

    result, steps = _dcc_verifier(fresh)
    assert result["errors"] == [], result
    assert steps["valid_signature"]["valid"] is True, result
    assert steps["revocation_status"]["valid"] is True, result
    assert steps["expiration"]["valid"] is True, result
    schema_checks = next(i for i in result["additionalInformation"] if i["id"] == "schema_check")["results"]
    assert [check["result"]["valid"] for check in schema_checks] == [True], result

    revoked_credential = _data_integrity(revoked)
    assert _dcc_verifier(revoked_credential)[1]["revocation_status"]["valid"] is True
    revocation.revoke_certificate(cohort.registrar, revoked, "Issued to the wrong person")
    db.session.commit()
    result, steps = _dcc_verifier(revoked_credential)
    assert steps["valid_signature"]["valid"] is True, result
    assert steps["revocation_status"]["valid"] is False, result
    assert _dcc_verifier(fresh)[1]["revocation_status"]["valid"] is True


def test_the_wallet_status_list_is_signed_by_its_key_and_the_same_bytes_for_the_same_moment(cohort):
    record = keystore.current_key(cohort.university)
    moment, until = datetime.datetime(2026, 12, 1, 8), datetime.datetime(2026, 12, 8, 8)
    first = credential.data_integrity_status_list(cohort.university, record, [5], moment, until)
    assert first == credential.data_integrity_status_list(cohort.university, record, [5], moment, until)
    assert data_integrity.verify(first)
    assert first["issuer"] == data_integrity.did_key(record.ed25519_public_key)
    assert first["validUntil"] == "2026-12-08T08:00:00Z"
    assert credential.status_bit(first["credentialSubject"]["encodedList"], 5)


@pytest.mark.commits
def test_the_dcc_verifier_refuses_an_edited_credential(cohort, served):
    edited = _data_integrity(cohort.issued()[0])
    edited["name"] = "A forged diploma"
    result, steps = _dcc_verifier(edited)
    assert result["errors"] or steps.get("valid_signature", {}).get("valid") is False, result
