"""JAdES seals as the European Digital Credentials infrastructure makes them: JWS JSON general serialization,
unencoded payload (`b64: false`, RFC 7797), the signer's certificate chain in `x5c`, RS256/PS256/ES256.

The signing input is the protected header (base64url) + "." + the payload bytes as they are. Verifying
checks the header's critical parameters, that `x5t#S256` is the hash of the first certificate, and the
signature with that certificate's key, and a signature timestamp (`sigTst` in `etsiU`, baseline-T) when
there is one: its imprint must be of this signature. Trust in the certificate (qualified seal, trusted
list) and in the timestamp authority are judged by verification (trust/pkix.py), not here: the seal exposes
its x5c chain and its timestamp's certificates for that.

`seal` makes the same structure: the header the Commission's sealed samples carry (alg, cty, kid as the
certificate's issuer and serial, x5t#S256, x5c, typ, b64: false, sigT, crit), and with a timestamp
function (which posts to a TSA: network is the caller's), the baseline-T `sigTst`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from microcred.trust import TrustError, tsp

ALGORITHMS = ("RS256", "PS256", "ES256")
MAX_CHAIN = 10
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
    timestamp: datetime | None = None  # when a TSA vouched for the signature (baseline-T)
    chain: tuple[x509.Certificate, ...] = ()  # x5c: the seal certificate, then the intermediates it carries
    stamp: tsp.Timestamp | None = None  # the timestamp token's facts, its TSA's certificates among them


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TrustError("The seal is not valid base64url.") from None


def verify(document: Any) -> Seal:
    """The seal's facts if its signature holds over the payload; TrustError saying what is wrong otherwise."""
    try:
        return _verify(document)
    except TrustError:
        raise
    except Exception:  # noqa: BLE001 (certificates and keys in untrusted input parse lazily and fail late)
        raise TrustError("The seal is malformed: its certificate or signature cannot be read.") from None


def _verify(document: Any) -> Seal:
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
    if len(chain) > MAX_CHAIN:
        raise TrustError(f"The seal carries more than {MAX_CHAIN} certificates.")
    try:
        der = base64.b64decode(chain[0], validate=True)
        certificate = x509.load_der_x509_certificate(der)
        carried = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in chain[1:]]
    except (binascii.Error, ValueError, TypeError):
        raise TrustError("The seal's certificate chain (x5c) cannot be read.") from None
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
    stamp = _signature_timestamp(signature, str(signature.get("signature", "")))
    return Seal(
        algorithm=str(algorithm),
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        signing_time=header.get("sigT"),
        timestamped="adoTst" in header or stamp is not None,
        payload=payload if isinstance(payload, dict) else {"value": payload},
        timestamp=stamp.time if stamp else None,
        chain=(certificate, *carried),
        stamp=stamp,
    )


def _signature_timestamp(signature: dict[str, Any], value: str) -> tsp.Timestamp | None:
    """The verified `sigTst` among the unprotected `etsiU` parts (plain or base64url JSON)."""
    header = signature.get("header")
    parts = header.get("etsiU", []) if isinstance(header, dict) else []
    for part in parts if isinstance(parts, list) else []:
        try:
            item = json.loads(_b64url(part)) if isinstance(part, str) else part
            tokens = item["sigTst"]["tstTokens"] if isinstance(item, dict) and "sigTst" in item else None
        except (ValueError, TypeError, KeyError, TrustError):
            raise TrustError("The seal's unsigned properties (etsiU) cannot be read.") from None
        if tokens:
            try:
                token = base64.b64decode(tokens[0]["val"], validate=True)
            except (binascii.Error, ValueError, TypeError, KeyError):
                raise TrustError("The seal's timestamp is not base64.") from None
            return tsp.verify_token(token, value.encode("ascii"))
    return None


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def kid(certificate: x509.Certificate) -> str:
    """base64 of the DER IssuerSerial (RFC 5035) naming the certificate, as JAdES `kid` carries it."""
    serial = certificate.serial_number
    serial_bytes = serial.to_bytes(serial.bit_length() // 8 + 1, "big")  # a leading 0 keeps it positive
    general_names = _der(0x30, _der(0xA4, certificate.issuer.public_bytes()))
    return base64.b64encode(_der(0x30, general_names + _der(0x02, serial_bytes))).decode()


def _b64url_text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def algorithm_for(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    """RS256 for RSA, ES256 for P-256; other keys cannot seal."""
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise TrustError(f"A seal key must be RSA or EC P-256, not {key.curve.name}.")


def seal(
    document: dict[str, Any],
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    chain: list[x509.Certificate],
    *,
    signing_time: str,
    algorithm: str | None = None,
    timestamp: Callable[[bytes], bytes] | None = None,
) -> dict[str, Any]:
    """The document sealed as a JAdES baseline-B JWS (baseline-T when `timestamp` turns bytes into a token)."""
    algorithm = algorithm or algorithm_for(key)
    if algorithm not in ALGORITHMS or (algorithm == "ES256") != isinstance(key, ec.EllipticCurvePrivateKey):
        raise TrustError(f"{algorithm} does not fit this key.")
    der = chain[0].public_bytes(serialization.Encoding.DER)
    header = {
        "alg": algorithm,
        "cty": "octet-stream",
        "kid": kid(chain[0]),
        "x5t#S256": _b64url_text(hashlib.sha256(der).digest()),
        "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain],
        "typ": "jose+json",
        "b64": False,
        "sigT": signing_time,
        "crit": ["b64", "sigT"],
    }
    protected = _b64url_text(json.dumps(header, separators=(",", ":")).encode())
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    signing_input = protected.encode("ascii") + b"." + payload.encode("utf-8")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        value = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif algorithm == "PS256":
        value = key.sign(signing_input, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    else:
        value = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    signature: dict[str, Any] = {"protected": protected, "signature": _b64url_text(value)}
    if timestamp is not None:
        token = timestamp(signature["signature"].encode("ascii"))
        stamp = {"sigTst": {"tstTokens": [{"val": base64.b64encode(token).decode()}]}}
        signature["header"] = {"etsiU": [_b64url_text(json.dumps(stamp, separators=(",", ":")).encode())]}
    return {"payload": payload, "signatures": [signature]}
