"""W3C Data Integrity proofs of the ``eddsa-rdfc-2022`` cryptosuite (vc-di-eddsa §3.3), the proof the DCC
verifier and the Learner Credential Wallet check on an Open Badges 3.0 credential.

To prove a document: the proof's options (``proofConfig``, with the document's ``@context``) and the
document without its proof are each canonicalised as RDF (RDF Dataset Canonicalization, RDFC-1.0 —
pyld's URDNA2015, the same algorithm) and hashed with SHA-256; the Ed25519 signature over the two hashes
(the options' first) is the ``proofValue``, multibase base58btc ('z…').

Canonicalisation expands the JSON-LD, so it needs the contexts: they are bundled in ``contexts/``
(Verifiable Credentials 2.0, Open Badges 3.0.3) and the document loader here never touches the network: a
context it does not bundle is refused (a proof over terms it cannot read would be a proof of nothing).

Keys are named as ``did:key`` (Ed25519 multikey): a verifier resolves one from the identifier itself,
offline, with no server to reach in 2060. See ``credential`` for why the issuer is that did:key.
"""
import copy
import hashlib
import json
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
# The multicodec prefix of an Ed25519 public key (0xed, as a varint), before the key's 32 bytes.
ED25519_MULTICODEC = b"\xed\x01"
_CONTEXTS = Path(__file__).parent / "contexts"
BUNDLED_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class UnknownContext(jsonld.JsonLdError):
    """A document names a context that is not bundled: nothing is fetched."""


class UndefinedTerm(ValueError):
    """A property or type the contexts do not define: it would vanish from the canonical form (unproved)
    or stay a relative IRI, and the DCC verifier's JSON-LD safe mode refuses the document for it."""


# --- multibase, multikey and did:key -------------------------------------------------------------------

def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = _BASE58[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def from_base58btc(text: str) -> bytes:
    number = 0
    for character in text:
        number = number * 58 + _BASE58.index(character)
    leading_ones = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_ones + body


def public_multikey(public_key: Ed25519PublicKey) -> str:
    """The public key as a Multikey ``publicKeyMultibase``: 'z' + base58btc(0xed01 + key), 'z6Mk…'."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58btc(ED25519_MULTICODEC + raw)


def public_key_of_multikey(multikey: str) -> Ed25519PublicKey:
    decoded = from_base58btc(multikey[1:]) if multikey.startswith("z") else b""
    if not decoded.startswith(ED25519_MULTICODEC) or len(decoded) != 34:
        raise ValueError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def did_key(multikey: str) -> str:
    return f"did:key:{multikey}"


def verification_method(multikey: str) -> str:
    """The key's verification method: ``did:key:z6Mk…#z6Mk…`` (the did:key method's own key id)."""
    return f"{did_key(multikey)}#{multikey}"


def multikey_of_verification_method(method: str) -> str:
    did, _, fragment = method.partition("#")
    if not did.startswith("did:key:") or did[len("did:key:"):] != fragment:
        raise ValueError("not a did:key verification method")
    return fragment


# --- canonicalisation, offline ---------------------------------------------------------------------------

@cache
def _bundled(url):
    return json.loads((_CONTEXTS / BUNDLED_CONTEXTS[url]).read_text(encoding="utf-8"))


def document_loader(url, options=None):
    """pyld's document loader: the bundled contexts only; anything else is refused, never fetched."""
    if url not in BUNDLED_CONTEXTS:
        raise UnknownContext(f"Context not bundled (nothing is fetched): {url}", "jsonld.LoadDocumentError",
                             code="loading document failed")
    # "static": pyld keeps the processed context across operations (the contexts are fixed files), and a
    # copy, since pyld may rewrite the document it is given.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_bundled(url)), "tag": "static"}


def _refuse_dropped(term):
    raise UndefinedTerm(f"a property the contexts do not define: {term}")


def _refuse_relative_iris(node):
    """Types and ids left relative by the expansion (no base: they stay as written)."""
    if isinstance(node, list):
        for item in node:
            _refuse_relative_iris(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("@type", "@id"):
                relative = [v for v in (value if isinstance(value, list) else [value]) if ":" not in v]
                if relative:
                    raise UndefinedTerm(f"a type or id the contexts do not define: {relative[0]}")
            elif key != "@value":
                _refuse_relative_iris(value)


def canonical_nquads(document) -> str:
    """The document as canonical N-Quads (RDFC-1.0), in "safe mode" like the DCC verifier's: a property
    or a type its contexts do not define is refused (UndefinedTerm), not silently left out."""
    expanded = jsonld.expand(document, {"documentLoader": document_loader, "base": None},
                             on_property_dropped=_refuse_dropped)
    _refuse_relative_iris(expanded)
    return jsonld.normalize(expanded, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": document_loader})


def _hash_data(unsecured, proof_options):
    config = {"@context": unsecured["@context"], **proof_options}
    return (hashlib.sha256(canonical_nquads(config).encode("utf-8")).digest()
            + hashlib.sha256(canonical_nquads(unsecured).encode("utf-8")).digest())


# --- proving and verifying -----------------------------------------------------------------------------

def add_proof(unsecured, private_key: Ed25519PrivateKey, created: str):
    """A copy of the document with its ``eddsa-rdfc-2022`` proof, made with the Ed25519 ``private_key``
    (named by its did:key) at ``created`` (an XML Schema dateTime, 'YYYY-MM-DDThh:mm:ssZ'). The proof is
    given as a set of one (an array), the form the Open Badges 3.0 schema requires."""
    multikey = public_multikey(private_key.public_key())
    options = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
               "verificationMethod": verification_method(multikey), "proofPurpose": PROOF_PURPOSE}
    signature = private_key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": [{**options, "proofValue": "z" + base58btc(signature)}]}


def verify(secured) -> bool:
    """Whether the document's one ``eddsa-rdfc-2022`` proof holds for the did:key it names (no network)."""
    proofs = secured.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        return False
    proof = dict(proofs[0])
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    proof_value = proof.pop("proofValue", "")
    try:
        method = proof.get("verificationMethod", "")
        public_key = public_key_of_multikey(multikey_of_verification_method(method))
        signature = from_base58btc(proof_value[1:]) if proof_value.startswith("z") else b""
        unsecured = {key: value for key, value in secured.items() if key != "proof"}
        public_key.verify(signature, _hash_data(unsecured, proof))
    except (InvalidSignature, ValueError, jsonld.JsonLdError):  # UndefinedTerm is a ValueError
        return False
    return True
