"""JAdES seals as the European Digital Credentials infrastructure makes them: JWS JSON general serialization,
unencoded payload (`b64: false`, RFC 7797), the signer's certificate chain in `x5c`, RS256/PS256/ES256.

The signing input is the protected header (base64url) + "." + the payload bytes as they are. Verifying
checks the header's critical parameters, that `x5t#S256` is the hash of the first certificate, and the
signature with that certificate's key. Trust in the certificate (qualified seal, trusted list) and the
timestamps (`adoTst`) are judged by verification, not here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from microcred.trust import TrustError

ALGORITHMS = ("RS256", "PS256", "ES256")
UNDERSTOOD = {"b64", "sigT", "adoTst", "sigD", "x5t#S256"}


@dataclass(frozen=True)
class Seal:
    algorithm: str
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    signing_time: str | None
    timestamped: bool
    payload: dict[str, Any]


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TrustError("The seal is not valid base64url.") from None


def verify(document: Any) -> Seal:
    """The seal's facts if its signature holds over the payload; TrustError saying what is wrong otherwise."""
    if not isinstance(document, dict) or not isinstance(document.get("payload"), str):
        raise TrustError("Not a JWS in JSON serialization with an unencoded payload.")
    signatures = document.get("signatures")
    if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
        raise TrustError("A seal has exactly one signature.")
    signature = signatures[0]
    protected_text = signature.get("protected")
    if not isinstance(protected_text, str):
        raise TrustError("The seal has no protected header.")
    try:
        header = json.loads(_b64url(protected_text))
    except ValueError:
        raise TrustError("The seal's protected header is not JSON.") from None
    if not isinstance(header, dict):
        raise TrustError("The seal's protected header is not an object.")
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise TrustError(f"Unsupported seal algorithm {str(algorithm)[:20]!r}: {', '.join(ALGORITHMS)} are.")
    if header.get("b64") is not False or "b64" not in header.get("crit", []):
        raise TrustError("The seal's payload must be unencoded (b64: false, marked critical).")
    unknown = [name for name in header.get("crit", []) if name not in UNDERSTOOD]
    if unknown:
        raise TrustError(f"The seal needs {unknown[0]!r}, which microcred does not understand.")
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain:
        raise TrustError("The seal carries no certificate (x5c).")
    try:
        der = base64.b64decode(chain[0], validate=True)
        certificate = x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise TrustError("The seal's certificate cannot be read.") from None
    thumbprint = header.get("x5t#S256")
    if thumbprint is not None and _b64url(thumbprint) != hashlib.sha256(der).digest():
        raise TrustError("x5t#S256 is not the hash of the seal's certificate.")
    signing_input = protected_text.encode("ascii") + b"." + document["payload"].encode("utf-8")
    value = _b64url(str(signature.get("signature", "")))
    key = certificate.public_key()
    try:
        if algorithm == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "PS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signing_input, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        elif algorithm == "ES256" and isinstance(key, ec.EllipticCurvePublicKey) and len(value) == 64:
            der_signature = encode_dss_signature(int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big"))
            key.verify(der_signature, signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            raise TrustError(f"The certificate's key does not fit {algorithm}.")
    except InvalidSignature:
        raise TrustError("The seal does not match the credential: it was changed after sealing.") from None
    try:
        payload = json.loads(document["payload"])
    except ValueError:
        raise TrustError("The sealed payload is not JSON.") from None
    return Seal(
        algorithm=str(algorithm),
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        signing_time=header.get("sigT"),
        timestamped="adoTst" in header,
        payload=payload if isinstance(payload, dict) else {"value": payload},
    )
