"""Private keys at rest: encrypted PKCS#8 (``ENCRYPTED PRIVATE KEY``) under PBES2 with PBKDF2-HMAC-SHA256 at
today's strength (OWASP 2023: 600,000 iterations) and AES-256-CBC, readable by any PKCS#8 reader (OpenSSL,
``cryptography.load_pem_private_key``).

cryptography's ``BestAvailableEncryption`` writes PKCS#8 with 2,048 iterations only, and its
``encryption_builder`` (which takes explicit rounds) does not write PKCS#8: the structure is written here with
asn1crypto. ``iterations_of`` reads the count of a stored key, so that weaker keys can be re-wrapped
(``keystore.rewrap_keys``). Plain values in, bytes out.

A passphrase is checked at setup (``passphrase_problem``): at least 16 characters of which at least 8
different, not one of a few well-known words — the Makefile's is 43 random characters.
"""
import base64
import os
import textwrap

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

STRONG_ITERATIONS = 600_000
MIN_PASSPHRASE_LENGTH = 16
MIN_DISTINCT_CHARACTERS = 8
WELL_KNOWN = ("password", "passphrase", "123456", "qwerty", "diploma", "letmein", "secret", "changeme")
PEM_LABEL = "ENCRYPTED PRIVATE KEY"


def wrap(private_key, passphrase: bytes, iterations: int) -> str:
    """The private key as PEM encrypted PKCS#8 under ``passphrase`` with ``iterations`` PBKDF2 rounds."""
    plain = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    salt, iv = os.urandom(16), os.urandom(16)
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    key = kdf.derive(passphrase)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": {"algorithm": "pbes2", "parameters": {
            "key_derivation_func": {"algorithm": "pbkdf2", "parameters": {
                "salt": algos.Pbkdf2Salt(name="specified", value=salt), "iteration_count": iterations,
                "prf": {"algorithm": "sha256"}}},
            "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv}}},
        "encrypted_data": encrypted,
    })
    body = "\n".join(textwrap.wrap(base64.b64encode(info.dump()).decode("ascii"), 64))
    return f"-----BEGIN {PEM_LABEL}-----\n{body}\n-----END {PEM_LABEL}-----\n"


def unwrap(pem: str, passphrase: bytes):
    """The private key; ValueError when the passphrase is wrong."""
    return serialization.load_pem_private_key(pem.encode("ascii"), passphrase)


def iterations_of(pem: str) -> int:
    """The PBKDF2 iteration count a stored key was wrapped with (0 when it is not PBES2/PBKDF2)."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    info = asn1_keys.EncryptedPrivateKeyInfo.load(base64.b64decode(body))
    algorithm = info["encryption_algorithm"]
    if algorithm["algorithm"].native != "pbes2":
        return 0
    kdf = algorithm["parameters"]["key_derivation_func"]
    if kdf["algorithm"].native != "pbkdf2":
        return 0
    return int(kdf["parameters"]["iteration_count"].native)


def passphrase_problem(passphrase: str):
    """Why the passphrase is too weak to protect the signing keys (a short English reason, for the
    caller to translate by its kind), or None: ``"short"``, ``"repetitive"`` or ``"well_known"``."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return "short"
    if len(set(passphrase)) < MIN_DISTINCT_CHARACTERS:
        return "repetitive"
    folded = passphrase.casefold()
    if any(word in folded and len(folded) - len(word) <= MIN_PASSPHRASE_LENGTH // 2 for word in WELL_KNOWN):
        return "well_known"
    return None

