"""Signing: the programme's root certificate authority, one signing key per university (encrypted at rest),
PAdES signatures on the PDFs, the Open Badges 3.0 credential of each certificate (a VC-JWT) and the
revocation status lists, and the public pages that publish the keys.

    models.py      SigningKey: a key pair's X.509 certificate and its encrypted private key
    keystore.py    create the root, issue and rotate a university's key, load a signer (passphrase)
    pades.py       sign PDF bytes (PAdES B-B, or B-T with a time-stamp server)
    credential.py  the OpenBadgeCredential of a snapshot, JWKS, issuer profiles, status lists
    token.py       the QR code's compact JWS of given claims, and its strict checker
    pdf_check.py   whether a PDF's signature is intact and by a published key (an isolated process)

Infrastructure: it takes plain values (a snapshot dict, claims, indexes, a signer) and imports no domain;
the certificates build their signed documents from it (their ``documents`` module).
    views.py cli.py
"""
from flask import Blueprint

bp = Blueprint("signing", __name__)
