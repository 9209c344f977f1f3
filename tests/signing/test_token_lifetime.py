"""The token judged at its signing time (issue 28): a token signed today verifies in 2060; one that claims a
signing time after its key's retirement, or at or after its key's compromise, is refused; a token printed
before the signing time existed keeps today's rule, and is refused when its key was disowned. Then the
publication: keys.json signed by the root, the JWKS with each key's signing period and compromise date.
With the real keys made by the keystore."""
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey

from diploma import clock
from diploma.certificates.qr import qr_url, token_claims
from diploma.extensions import db
from diploma.signing import credential, keystore
from diploma.signing.token import (
    EXPIRED_KEY,
    KEY_COMPROMISED,
    MALFORMED,
    SIGNED_AFTER_RETIREMENT,
    VALID,
    make_token,
    signed_minute,
    verify_token,
)
from tests.certificates.builders import graduating_cohort
from tests.certificates.builders import snapshot as make_snapshot

IN_2060 = datetime(2060, 1, 1, tzinfo=UTC)


def _token(university, signed_at, index=7):
    return make_token(token_claims(make_snapshot(), index, signed_at), keystore.signer_for(university))


def _now():
    return clock.utcnow()


def test_a_token_carries_its_signing_time_in_minutes(mosul):
    url = qr_url(make_snapshot(), keystore.signer_for(mosul), 7)
    verdict = verify_token(url.split("#", 1)[1])
    assert verdict.outcome == VALID
    assert abs(verdict.claims["t"] - signed_minute(_now())) <= 1
    assert len(str(verdict.claims["t"])) == 8  # minutes: two digits fewer than Unix seconds


def test_a_token_signed_today_is_valid_in_2060_and_one_without_signing_time_is_not(mosul):
    signed_today = _token(mosul, _now())
    assert verify_token(signed_today, now=IN_2060).outcome == VALID
    # Printed before the signing time existed: judged by the key's dates against today, as before.
    undated = make_token(token_claims(make_snapshot(), 7), keystore.signer_for(mosul))
    assert verify_token(undated).outcome == VALID
    assert verify_token(undated, now=IN_2060).outcome == EXPIRED_KEY


def test_a_token_signed_after_its_keys_retirement_is_refused_for_ever(mosul):
    old = keystore.current_key(mosul)
    old_signer = keystore.signer_for(mosul)
    before = _now()
    with clock.as_of(before + timedelta(days=400)):
        keystore.issue_key(mosul)  # rotated: the old key retired a year on
    db.session.commit()
    assert old.retired_at is not None

    genuine = make_token(token_claims(make_snapshot(), 7, before), old_signer)
    after = make_token(token_claims(make_snapshot(), 7, old.retired_at + timedelta(minutes=2)), old_signer)
    assert verify_token(genuine, now=IN_2060).outcome == VALID
    assert verify_token(after).outcome == SIGNED_AFTER_RETIREMENT
    assert verify_token(after, now=IN_2060).outcome == SIGNED_AFTER_RETIREMENT
    # Before the key's period began: outside it.
    early = make_token(token_claims(make_snapshot(), 7, old.not_before - timedelta(days=1)), old_signer)
    assert verify_token(early).outcome == EXPIRED_KEY
    # Past the key's certificate, on a current key too.
    late = _token(mosul, keystore.current_key(mosul).not_after + timedelta(days=1))
    assert verify_token(late).outcome == EXPIRED_KEY


def test_a_compromised_key_refuses_tokens_from_its_compromise_date_and_every_undated_one(mosul):
    key = keystore.current_key(mosul)
    signer = keystore.signer_for(mosul)
    now = _now()
    since = now - timedelta(minutes=2)  # the key began 5 minutes before it was made
    earlier = make_token(token_claims(make_snapshot(), 7, since - timedelta(minutes=1)), signer)
    at_the_date = make_token(token_claims(make_snapshot(), 7, since), signer)
    later = make_token(token_claims(make_snapshot(), 7, now), signer)
    undated = make_token(token_claims(make_snapshot(), 7), signer)
    successor = keystore.compromise_key(key, since)
    db.session.commit()

    assert successor.id != key.id and key.retired_at is not None and key.compromised_at == since
    assert verify_token(at_the_date).outcome == KEY_COMPROMISED
    assert verify_token(later, now=IN_2060).outcome == KEY_COMPROMISED
    assert verify_token(undated).outcome == KEY_COMPROMISED
    # Earlier: the signature proves nothing more than the register does: valid, with the date to warn by.
    verdict = verify_token(earlier, now=IN_2060)
    assert verdict.outcome == VALID and verdict.compromised_at == since
    # The new key signs as before.
    assert verify_token(_token(mosul, _now())).outcome == VALID


def test_a_compromise_date_in_the_future_or_twice_is_refused(mosul):
    from diploma.signing.errors import SigningError

    key = keystore.current_key(mosul)
    with pytest.raises(SigningError):
        keystore.compromise_key(key, _now() + timedelta(days=1))
    keystore.compromise_key(key, _now())
    with pytest.raises(SigningError):
        keystore.compromise_key(key, _now())


@pytest.mark.parametrize("signing_time", ["29000000", 29000000.0, -1, True, 2**31, None])
def test_the_signing_time_is_read_strictly(mosul, signing_time):
    claims = token_claims(make_snapshot(), 7)
    claims["t"] = signing_time
    assert verify_token(make_token(claims, keystore.signer_for(mosul))).outcome == MALFORMED


# --- the publication ---------------------------------------------------------------------------------------

def _root_jwk(client):
    import re

    page = client.get("/verify/offline?lang=en").get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="offline-config">(.*?)</script>',
                                  page, re.DOTALL)[1])
    return config["root"]


def test_keys_json_is_signed_by_the_root_the_page_carries_and_a_changed_list_is_refused(client, mosul):
    root = _root_jwk(client)
    assert root["kid"] == keystore.root_key().kid and "d" not in root
    signed = client.get("/verify/offline/keys.json").get_json()
    assert json.loads(client.get("/verify/offline/keys.json").data) == signed  # the same bytes: signed once
    payload = json.loads(jws.deserialize_json(signed, ECKey.import_key(root), algorithms=["ES256"]).payload)
    assert [entry["kid"] for entry in payload["keys"]] == [keystore.current_key(mosul).kid]

    altered = json.loads(jws.deserialize_json(signed, ECKey.import_key(root)).payload)
    altered["keys"][0]["exp"] = "2099-01-01T00:00:00Z"
    forged = dict(signed, payload=base64.urlsafe_b64encode(json.dumps(altered).encode()).decode().rstrip("="))
    with pytest.raises(BadSignatureError):
        jws.deserialize_json(forged, ECKey.import_key(root), algorithms=["ES256"])


def test_the_published_lists_carry_each_keys_retirement_and_compromise(client, mosul):
    old = keystore.current_key(mosul)
    since = _now() - timedelta(days=1)
    keystore.compromise_key(old, since)
    db.session.commit()

    signed = client.get("/verify/offline/keys.json").get_json()
    payload = json.loads(jws.deserialize_json(signed, ECKey.import_key(_root_jwk(client))).payload)
    entries = {entry["kid"]: entry for entry in payload["keys"]}
    assert entries[old.kid]["compromised"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert entries[old.kid]["retired"] is not None and entries[old.kid]["current"] is False
    new = keystore.current_key(mosul)
    assert entries[new.kid]["compromised"] is None and entries[new.kid]["retired"] is None
    assert payload["published"] >= entries[old.kid]["retired"]

    jwks = {entry["kid"].rsplit("/", 1)[1]: entry for entry in credential.jwks()["keys"]}
    assert jwks[old.kid]["compromised"] == int(since.replace(tzinfo=UTC).timestamp())
    assert jwks[old.kid]["retired"] >= jwks[old.kid]["compromised"]
    assert "compromised" not in jwks[new.kid] and "retired" not in jwks[new.kid]


# --- the command line under faketime: the process's own clock in 2060 ---------------------------------------

def _check_in_2060(database_url, token):
    """``certificates check --token`` in a process whose clock says 2060-01-01 (libfaketime)."""
    import os
    import shutil
    import subprocess
    import sys

    from diploma.config import PROJECT_ROOT, TestConfig

    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.fail("faketime is not installed: scripts/system-packages.sh test installs it")
    # Only the wall clock is moved: with a faked monotonic clock too, the interpreter's exit waits for ever.
    env = dict(os.environ, DATABASE_URL=database_url, SIGNING_PASSPHRASE=TestConfig.SIGNING_PASSPHRASE,
               SECRET_KEY=TestConfig.SECRET_KEY, FAKETIME_DONT_FAKE_MONOTONIC="1")
    return subprocess.run([faketime, "2060-01-01 12:00:00", sys.executable, "-m", "flask", "--app", "wsgi",
                           "certificates", "check", "--token", token, "--language", "en"],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT, env=env)


def _one_certificate_at_mosul():
    """A certificate issued at Mosul, with the programme's root and Mosul's key: (cohort, it, the signer)."""
    cohort = graduating_cohort(1, code="MSL")
    keystore.create_root()
    keystore.issue_key(cohort.university)
    db.session.commit()
    [certificate] = cohort.issue()
    return cohort, certificate, keystore.signer_for(cohort.university)


@pytest.mark.commits
def test_the_command_line_under_faketime_still_verifies_in_2060_what_was_signed_today(database_url):
    cohort, certificate, signer = _one_certificate_at_mosul()
    dated = qr_url(certificate.snapshot, signer, certificate.id)
    undated = make_token(token_claims(certificate.snapshot, certificate.id), signer)

    in_2060 = _check_in_2060(database_url, dated)
    assert in_2060.returncode == 0, in_2060.stdout + in_2060.stderr
    assert "The signature is valid" in in_2060.stdout
    # The same process clock refuses a token without its signing time: the key's period is over in 2060.
    old_rule = _check_in_2060(database_url, undated)
    assert old_rule.returncode == 1 and "outside its validity period" in old_rule.stdout


def test_the_command_line_warns_of_a_disowned_key_and_lets_the_register_decide(runner):
    cohort, certificate, signer = _one_certificate_at_mosul()
    earlier = qr_url(certificate.snapshot, signer, certificate.id, _now() - timedelta(minutes=2))
    later = qr_url(certificate.snapshot, signer, certificate.id, _now())
    keystore.compromise_key(keystore.current_key(cohort.university), _now() - timedelta(minutes=1))
    db.session.commit()

    checked = runner.invoke(args=["certificates", "check", "--token", earlier, "--language", "en"])
    assert checked.exit_code == 0, checked.output
    assert "disowned this key on" in checked.output and certificate.serial in checked.output
    refused = runner.invoke(args=["certificates", "check", "--token", later, "--language", "en"])
    assert refused.exit_code == 1 and "disowned because it leaked" in refused.output
