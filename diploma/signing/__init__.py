"""Signing: the programme's root certificate authority, one signing key per university (encrypted at rest),
PAdES signatures on the PDFs, the Open Badges 3.0 credential of each certificate (a VC-JWT) and the
revocation status lists, and the public pages that publish the keys.

    models.py      SigningKey: a key pair's X.509 certificate and its encrypted private key
    keystore.py    create the root, issue and rotate a university's key, load a signer (passphrase)
    pades.py       sign PDF bytes (PAdES B-B, or B-T with a time-stamp server)
    credential.py  the OpenBadgeCredential of a certificate, JWKS, issuer profiles, status lists
    documents.py   the signed PDFs of a certificate, a transcript and a batch (what views and CLI call)
    views.py cli.py
"""
from flask import Blueprint

bp = Blueprint("signing", __name__)
