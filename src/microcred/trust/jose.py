"""JOSE: compact JWS (RFC 7515) as VC-JOSE-COSE's `application/vc+jwt` and the VC-JWT of VC 1.1 and Open Badges 3.0
use it, JWK (RFC 7517) and did:jwk.

Reading is strict, because a JWT's header chooses how it is checked: the token's size is bounded before anything
is decoded; base64url must be unpadded and canonical; header and payload must be JSON objects without duplicate
members, nested at most MAX_DEPTH levels. Only asymmetric algorithms are accepted, each for its own key type
(ES256 with P-256, ES384 with P-384, EdDSA or Ed25519 with Ed25519, RS256 and PS256 with RSA of 2048 bits or
more): `alg: none` is refused, and so is every HMAC algorithm, so a header saying HS256 can never make a public
key serve as a shared secret (algorithm confusion). A `crit` header is refused (no extension is understood
here), and so is `b64: false` (RFC 7797: the payload must be what is signed, encoded). A JWK given to verify
with must be public: one with private members (`d`, RSA's primes) is refused, not stripped, since whoever sent
it has leaked their key.

Signing makes ES256, ES384 and EdDSA compact JWS with microcred's own keys (trust.multikey).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from microcred.trust import TrustError, depth
from microcred.trust.multikey import CURVES, EcdsaKey, Ed25519Key, Key

MAX_TOKEN = 2 * 1024 * 1024  # characters of a compact JWS, bounded before anything is decoded
MAX_HEADER = 16 * 1024  # characters of its header
MAX_DEPTH = 64
MIN_RSA_BITS = 2048
# alg → (kty, crv): the only algorithms accepted, each for one key type
ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "EdDSA": ("OKP", "Ed25519"),
    "Ed25519": ("OKP", "Ed25519"),  # the fully specified name (RFC 9864)
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
B64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class RsaKey:
    """An RSA public key (RS256, PS256): read from a JWK, never made here."""

    public: rsa.RSAPublicKey

    @property
    def algorithm(self) -> str:
        return "RSA"


VerifyingKey = Ed25519Key | EcdsaKey | RsaKey


@dataclass(frozen=True)
class Jws:
    """A compact JWS as read: its header, its payload (parsed JSON), what was signed and the signature."""

    header: dict[str, Any]
    payload: Any
    signing_input: bytes
    signature: bytes

    @property
    def algorithm(self) -> str:
        return str(self.header["alg"])


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def b64url_decode(text: str, what: str) -> bytes:
    """Unpadded base64url (RFC 7515 §2), refusing padding, other alphabets and non-canonical trailing bits."""
    if not B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise TrustError(f"The {what} is not base64url.")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(raw) != text:
        raise TrustError(f"The {what} is not canonical base64url.")
    return raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        names = [name for name, _ in pairs]
        twice = next(name for name in names if names.count(name) > 1)
        raise TrustError(f"A member is given twice ({twice[:40]!r}), so what it says is ambiguous.")
    return found


def json_of(raw: bytes, what: str) -> Any:
    """JSON from untrusted bytes: UTF-8, no duplicate members, nested at most MAX_DEPTH levels."""
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except TrustError as error:
        raise TrustError(f"The {what} is not usable JSON: {error}") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TrustError(f"The {what} is not JSON.") from None
    shallow = raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH  # no deeper than its brackets: no walk needed
    if not shallow and depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise TrustError(f"The {what} is nested more than {MAX_DEPTH} levels deep.")
    return value


def parse(token: str | bytes) -> Jws:
    """A compact JWS read and its header checked (algorithm, crit, b64), its signature not yet verified."""
    if len(token) > MAX_TOKEN:
        raise TrustError(f"The JWT is larger than {MAX_TOKEN // (1024 * 1024)} MiB.")
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise TrustError("A JWT is base64url text: this has other characters.") from None
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3:
        hint = " (five would be an encrypted JWE, which is not read here)" if len(parts) == 5 else ""
        raise TrustError(f"A signed JWT has three parts separated by dots; this has {len(parts)}{hint}.")
    header_text, payload_text, signature_text = parts
    if len(header_text) > MAX_HEADER:
        raise TrustError(f"The JWT's header is longer than {MAX_HEADER // 1024} KiB.")
    header = json_of(b64url_decode(header_text, "JWT's header"), "JWT's header")
    if not isinstance(header, dict):
        raise TrustError("The JWT's header is not a JSON object.")
    check_header(header)
    payload = json_of(b64url_decode(payload_text, "JWT's payload"), "JWT's payload")
    if not isinstance(payload, dict):
        raise TrustError("The JWT's payload is not a JSON object.")
    signature = b64url_decode(signature_text, "JWT's signature")
    if not signature:
        raise TrustError("The JWT is not signed (its signature is empty).")
    return Jws(header, payload, f"{header_text}.{payload_text}".encode("ascii"), signature)


def check_header(header: dict[str, Any]) -> None:
    """The header's algorithm is one accepted here, and it asks nothing that is not understood."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise TrustError("The JWT's header names no algorithm (alg).")
    if alg.lower() == "none":
        raise TrustError("The JWT is unsecured (alg: none): anyone could have written it.")
    if alg.upper().startswith("HS"):
        raise TrustError(
            f"The JWT uses {alg[:20]}, a shared-secret (HMAC) algorithm: a credential must be signed with the "
            "issuer's private key, and a public key is never used as a secret."
        )
    if alg not in ALGORITHMS:
        raise TrustError(
            f"The JWT's algorithm {alg[:20]!r} is not accepted (accepted: {', '.join(sorted(ALGORITHMS))})."
        )
    if "crit" in header:
        raise TrustError(
            "The JWT marks header parameters as critical (crit) that are not understood here: "
            f"{str(header['crit'])[:100]}."
        )
    if "b64" in header:
        raise TrustError("The JWT has an unencoded payload (b64), which is not accepted for credentials.")
    for name in ("kid", "typ", "cty"):
        if name in header and not isinstance(header[name], str):
            raise TrustError(f"The JWT's header parameter {name} is not a string.")


# Keys ---------------------------------------------------------------------------------------------------------


def key_from_jwk(jwk: Any) -> VerifyingKey:
    """The public key a JWK describes: OKP Ed25519, EC P-256 or P-384, RSA of MIN_RSA_BITS or more. A JWK with
    private members, or a symmetric one (oct), is refused."""
    if not isinstance(jwk, dict):
        raise TrustError("The JWK is not a JSON object.")
    leaked = [name for name in PRIVATE_MEMBERS if name in jwk]
    if leaked:
        raise TrustError(
            f"The JWK holds a private key (it has {leaked[0]!r}): a key given to verify with must be public only."
        )
    kty = jwk.get("kty")
    try:
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            raw = b64url_decode(_text(jwk, "x"), "JWK's x")
            if len(raw) != 32:
                raise TrustError("The JWK's Ed25519 key is not 32 bytes.")
            return Ed25519Key(Ed25519PublicKey.from_public_bytes(raw))
        if kty == "EC" and jwk.get("crv") in CURVES:
            curve = CURVES[str(jwk["crv"])]
            x, y = (b64url_decode(_text(jwk, n), f"JWK's {n}") for n in ("x", "y"))
            if len(x) != curve.size or len(y) != curve.size:
                raise TrustError(f"The JWK's coordinates are not {curve.size} bytes each, as {curve.name} has.")
            point = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve.curve)
            return EcdsaKey(curve, point.public_key())
        if kty == "RSA":
            n, e = (int.from_bytes(b64url_decode(_text(jwk, m), f"JWK's {m}"), "big") for m in ("n", "e"))
            if n.bit_length() < MIN_RSA_BITS:
                raise TrustError(f"The JWK's RSA key has {n.bit_length()} bits: at least {MIN_RSA_BITS} are needed.")
            return RsaKey(rsa.RSAPublicNumbers(e, n).public_key())
    except TrustError:
        raise
    except (ValueError, UnsupportedAlgorithm):
        raise TrustError("The JWK does not describe a valid public key.") from None
    if kty == "oct":
        raise TrustError("The JWK is a shared secret (oct): credentials are verified with public keys only.")
    raise TrustError(
        f"The JWK's key type is not accepted (kty {str(kty)[:20]!r}, crv {str(jwk.get('crv'))[:20]!r}): "
        "Ed25519, P-256, P-384 and RSA are."
    )


def _text(jwk: dict[str, Any], name: str) -> str:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise TrustError(f"The JWK has no {name}.")
    return value


def jwk_of(key: VerifyingKey) -> dict[str, str]:
    """The public JWK of a key."""
    if isinstance(key, Ed25519Key):
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(key.public.public_bytes(Encoding.Raw, PublicFormat.Raw))}
    if isinstance(key, EcdsaKey):
        numbers = key.public.public_numbers()
        size = key.curve.size
        return {
            "kty": "EC",
            "crv": key.curve.name,
            "x": b64url(numbers.x.to_bytes(size, "big")),
            "y": b64url(numbers.y.to_bytes(size, "big")),
        }
    rsa_numbers = key.public.public_numbers()
    return {
        "kty": "RSA",
        "n": b64url(rsa_numbers.n.to_bytes((rsa_numbers.n.bit_length() + 7) // 8, "big")),
        "e": b64url(rsa_numbers.e.to_bytes((rsa_numbers.e.bit_length() + 7) // 8, "big")),
    }


def did_jwk(key: VerifyingKey) -> str:
    """The key's did:jwk: did:jwk:<base64url of its JWK as JSON>."""
    return "did:jwk:" + b64url(json.dumps(jwk_of(key), separators=(",", ":")).encode())


def key_from_did_jwk(did_url: str) -> VerifyingKey:
    """The key a did:jwk names (its DID document has one verification method, #0)."""
    did, _, fragment = did_url.partition("#")
    if not did.startswith("did:jwk:") or fragment not in ("", "0"):
        raise TrustError(f"{did_url[:80]!r} is not a did:jwk key (did:jwk:…, or did:jwk:…#0).")
    encoded = did.removeprefix("did:jwk:")
    if len(encoded) > MAX_HEADER:
        raise TrustError("The did:jwk is too long to be a key.")
    return key_from_jwk(json_of(b64url_decode(encoded, "did:jwk"), "did:jwk's key"))


# Signatures ---------------------------------------------------------------------------------------------------


def check_algorithm(alg: str, key: VerifyingKey) -> None:
    """The algorithm is the one for this key's type and curve."""
    kty, crv = ALGORITHMS.get(alg, ("", None))
    fits = (
        (kty == "OKP" and isinstance(key, Ed25519Key))
        or (kty == "EC" and isinstance(key, EcdsaKey) and key.curve.name == crv)
        or (kty == "RSA" and isinstance(key, RsaKey))
    )
    if not fits:
        raise TrustError(f"The JWT says {alg[:20]}, but the key that should verify it is {key.algorithm}.")


def verify(jws: Jws, key: VerifyingKey) -> None:
    """The signature holds for the header's algorithm with this key; TrustError saying what is wrong otherwise."""
    check_algorithm(jws.algorithm, key)
    try:
        if isinstance(key, RsaKey):
            if key.public.key_size < MIN_RSA_BITS:
                raise TrustError(f"The RSA key has {key.public.key_size} bits: at least {MIN_RSA_BITS} are needed.")
            scheme = (
                padding.PKCS1v15()
                if jws.algorithm == "RS256"
                else padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            )
            key.public.verify(jws.signature, jws.signing_input, scheme, hashes.SHA256())
        else:
            key.verify(jws.signature, jws.signing_input)
    except InvalidSignature:
        raise TrustError("The JWT's signature does not match: it was changed after it was signed.") from None


ALGORITHM_OF = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}


def sign(payload: dict[str, Any], key: Key, header: dict[str, Any] | None = None) -> str:
    """A compact JWS of the payload, signed with our key: EdDSA (Ed25519), ES256 (P-256) or ES384 (P-384)."""
    protected = {"alg": ALGORITHM_OF[key.algorithm], **(header or {})}
    if protected["alg"] != ALGORITHM_OF[key.algorithm]:
        raise TrustError(f"A {key.algorithm} key signs with {ALGORITHM_OF[key.algorithm]}, not {protected['alg']}.")
    encoded = (
        b64url(json.dumps(protected, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return f"{encoded}.{b64url(key.sign(encoded.encode('ascii')))}"
