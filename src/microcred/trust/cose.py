"""COSE_Sign1 (RFC 9052) as VC-JOSE-COSE's `application/vc+cose` uses it: the credential's JSON as the payload,
the algorithm, kid, content type and typ in the protected header.

Read as strictly as a JWT (trust.jose): the bytes are bounded before decoding, CBOR is decoded by trust.cbor
without indefinite lengths, duplicate keys or floats and at most MAX_DEPTH deep; the message must be a
COSE_Sign1 (tag 18, or untagged) with an attached payload; only ES256, ES384, EdDSA, RS256 and PS256 are
accepted, each for its key type (an HMAC or unknown algorithm is refused), and so is any `crit`. Signing makes
ES256, ES384 and EdDSA messages with microcred's own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microcred.trust import TrustError, cbor, jose
from microcred.trust.multikey import Key

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 16  # of the CBOR structure (the payload's JSON is bounded apart, by trust.jose)
SIGN1_TAG = 18
ALG, CRIT, CONTENT_TYPE, KID, TYP = 1, 2, 3, 4, 16
ALGORITHMS = {-7: "ES256", -35: "ES384", -8: "EdDSA", -19: "Ed25519", -257: "RS256", -37: "PS256"}
IDS = {"ES256": -7, "ES384": -35, "EdDSA": -8}
HMAC = {4, 5, 6, 7}  # HMAC 256/64, 256/256, 384/384, 512/512


@dataclass(frozen=True)
class Sign1:
    """A COSE_Sign1 as read: its protected header (decoded and as signed), its payload and its signature."""

    protected: dict[Any, Any]
    protected_raw: bytes
    payload: bytes
    signature: bytes

    @property
    def algorithm(self) -> str:
        return ALGORITHMS[self.protected[ALG]]

    @property
    def kid(self) -> str | None:
        kid = self.protected.get(KID)
        if isinstance(kid, bytes):
            try:
                return kid.decode("utf-8")
            except UnicodeDecodeError:
                raise TrustError("The COSE message's kid is not text (a DID URL).") from None
        return kid if isinstance(kid, str) else None

    @property
    def typ(self) -> str | None:
        typ = self.protected.get(TYP)
        return typ if isinstance(typ, str) else None

    def to_be_signed(self) -> bytes:
        return cbor.encode(["Signature1", self.protected_raw, b"", self.payload])


def _cbor(raw: bytes, what: str, *, message: bool = False) -> Any:
    """The CBOR item in `raw`: the message may hold its tag 18 and a null (detached) payload; a header neither."""
    try:
        return cbor.decode(raw, tags=message, null=message, max_depth=MAX_DEPTH)
    except TrustError as error:
        reason = str(error).rstrip(".")
        raise TrustError(f"The {what} is not valid CBOR: {reason[:1].lower()}{reason[1:]}.") from None


def parse(raw: bytes) -> Sign1:
    """A COSE_Sign1 read and its protected header checked, its signature not yet verified."""
    if len(raw) > MAX_BYTES:
        raise TrustError(f"The COSE message is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    message = _cbor(bytes(raw), "COSE message", message=True)
    if isinstance(message, cbor.Tag):
        if message.number != SIGN1_TAG:
            raise TrustError(f"The COSE message is tagged {message.number}, not {SIGN1_TAG} (COSE_Sign1).")
        message = message.value
    if not isinstance(message, list | tuple) or len(message) != 4:
        raise TrustError("A COSE_Sign1 is an array of four: protected header, unprotected header, payload, signature.")
    protected_raw, unprotected, payload, signature = message
    if not isinstance(protected_raw, bytes) or not isinstance(unprotected, Mapping):
        raise TrustError("The COSE_Sign1's headers are malformed.")
    if payload is None:
        raise TrustError("The COSE_Sign1's payload is detached: the credential must be in it.")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes) or not signature:
        raise TrustError("The COSE_Sign1's payload or signature is not a byte string.")
    protected = _cbor(protected_raw, "COSE protected header") if protected_raw else {}
    if not isinstance(protected, Mapping):
        raise TrustError("The COSE protected header is not a map.")
    protected = dict(protected)
    alg = protected.get(ALG)
    if alg is None:
        raise TrustError("The COSE message's protected header names no algorithm.")
    if alg in HMAC:
        raise TrustError(
            "The COSE message uses a shared-secret (HMAC) algorithm: a credential must be signed with the issuer's "
            "private key."
        )
    if alg not in ALGORITHMS:
        raise TrustError(f"The COSE algorithm {str(alg)[:20]} is not accepted (ES256, ES384, EdDSA, RS256, PS256 are).")
    if CRIT in protected or CRIT in unprotected:
        raise TrustError("The COSE message marks header parameters as critical that are not understood here.")
    if ALG in unprotected or KID in unprotected:
        raise TrustError("The COSE message's algorithm and kid must be in its protected header.")
    return Sign1(protected, protected_raw, payload, signature)


def verify(message: Sign1, key: jose.VerifyingKey) -> None:
    """The signature holds for the message's algorithm with this key; TrustError saying what is wrong otherwise."""
    signed = jose.Jws({"alg": message.algorithm}, None, message.to_be_signed(), message.signature)
    try:
        jose.verify(signed, key)
    except TrustError as error:
        raise TrustError(str(error).replace("JWT", "COSE message")) from None


def sign(
    payload: bytes,
    key: Key,
    *,
    kid: str,
    typ: str = "application/vc+cose",
    content_type: str = "application/vc",
) -> bytes:
    """A tagged COSE_Sign1 of the payload, signed with our key (EdDSA, ES256 or ES384)."""
    alg = jose.ALGORITHM_OF[key.algorithm]
    protected_raw = cbor.encode({ALG: IDS[alg], KID: kid.encode(), CONTENT_TYPE: content_type, TYP: typ})
    unsigned = Sign1({}, protected_raw, payload, b"-")
    return cbor.encode(cbor.Tag(SIGN1_TAG, [protected_raw, {}, payload, key.sign(unsigned.to_be_signed())]))
