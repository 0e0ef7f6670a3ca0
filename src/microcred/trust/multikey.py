"""Multibase, Multikey and did:key: Ed25519 (`z6Mk…` = base58btc(0xed 0x01 ‖ public key)), P-256 (`zDn…`)
and P-384 (`z82…`), the latter two as compressed points with ECDSA signatures in IEEE P1363 form (r ‖ s)."""

from __future__ import annotations

from dataclasses import dataclass

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from microcred.trust import TrustError

ED25519_PUBLIC = b"\xed\x01"
ED25519_PRIVATE = b"\x80\x26"


def multibase_encode(raw: bytes) -> str:
    return "z" + base58.b58encode(raw).decode("ascii")


def multibase_decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise TrustError(f"{text[:20]!r} is not base58btc multibase (it must start with z)")
    try:
        return base58.b58decode(text[1:])
    except ValueError:
        raise TrustError(f"{text[:20]!r} is not valid base58") from None


class _DidKey:
    """What every key type shares: its did:key and the verification method that names it."""

    @property
    def public_multibase(self) -> str:
        raise NotImplementedError

    @property
    def did(self) -> str:
        return f"did:key:{self.public_multibase}"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.public_multibase}"


@dataclass(frozen=True)
class Ed25519Key(_DidKey):
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None = None

    @classmethod
    def generate(cls) -> Ed25519Key:
        private = Ed25519PrivateKey.generate()
        return cls(private.public_key(), private)

    @classmethod
    def from_multibase(cls, public: str, private: str | None = None) -> Ed25519Key:
        raw = multibase_decode(public)
        if raw[:2] != ED25519_PUBLIC or len(raw) != 34:
            raise TrustError("The public key is not an Ed25519 Multikey (z6Mk…).")
        secret = None
        if private is not None:
            seed = multibase_decode(private)
            if seed[:2] != ED25519_PRIVATE or len(seed) != 34:
                raise TrustError("The private key is not an Ed25519 Multikey secret.")
            secret = Ed25519PrivateKey.from_private_bytes(seed[2:])
            if secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) != raw[2:]:
                raise TrustError("The private key does not belong to the public key.")
        return cls(Ed25519PublicKey.from_public_bytes(raw[2:]), secret)

    @property
    def public_multibase(self) -> str:
        return multibase_encode(ED25519_PUBLIC + self.public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def private_multibase(self) -> str:
        if self.private is None:
            raise TrustError("This key has no private part.")
        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return multibase_encode(ED25519_PRIVATE + seed)

    @property
    def algorithm(self) -> str:
        return "Ed25519"

    def sign(self, data: bytes) -> bytes:
        if self.private is None:
            raise TrustError("Signing needs the private key.")
        return self.private.sign(data)

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raises cryptography's InvalidSignature when it does not match."""
        self.public.verify(signature, data)


@dataclass(frozen=True)
class Curve:
    name: str
    curve: ec.EllipticCurve
    size: int  # bytes of a coordinate or a secret
    public_prefix: bytes
    private_prefix: bytes
    hash: type[hashes.SHA256] | type[hashes.SHA384]


CURVES = {
    "P-256": Curve("P-256", ec.SECP256R1(), 32, b"\x80\x24", b"\x86\x26", hashes.SHA256),
    "P-384": Curve("P-384", ec.SECP384R1(), 48, b"\x81\x24", b"\x87\x26", hashes.SHA384),
}


@dataclass(frozen=True)
class EcdsaKey(_DidKey):
    curve: Curve
    public: ec.EllipticCurvePublicKey
    private: ec.EllipticCurvePrivateKey | None = None

    @classmethod
    def generate(cls, curve: str = "P-256") -> EcdsaKey:
        chosen = CURVES[curve]
        private = ec.generate_private_key(chosen.curve)
        return cls(chosen, private.public_key(), private)

    @classmethod
    def from_multibase(cls, public: str, private: str | None = None) -> EcdsaKey:
        raw = multibase_decode(public)
        chosen = next((c for c in CURVES.values() if raw[:2] == c.public_prefix), None)
        if chosen is None or len(raw) != 2 + 1 + chosen.size:
            raise TrustError("The public key is not a P-256 or P-384 Multikey.")
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(chosen.curve, raw[2:])
        except ValueError:
            raise TrustError("The public key is not a point of its curve.") from None
        secret = None
        if private is not None:
            seed = multibase_decode(private)
            if seed[:2] != chosen.private_prefix or len(seed) != 2 + chosen.size:
                raise TrustError(f"The private key is not a {chosen.name} Multikey secret.")
            secret = ec.derive_private_key(int.from_bytes(seed[2:], "big"), chosen.curve)
            if secret.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint) != raw[2:]:
                raise TrustError("The private key does not belong to the public key.")
        return cls(chosen, point, secret)

    @property
    def algorithm(self) -> str:
        return self.curve.name

    @property
    def public_multibase(self) -> str:
        return multibase_encode(
            self.curve.public_prefix + self.public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        )

    @property
    def private_multibase(self) -> str:
        if self.private is None:
            raise TrustError("This key has no private part.")
        secret = self.private.private_numbers().private_value.to_bytes(self.curve.size, "big")
        return multibase_encode(self.curve.private_prefix + secret)

    def sign(self, data: bytes) -> bytes:
        """ECDSA over `data` with the curve's hash, as r ‖ s (IEEE P1363)."""
        if self.private is None:
            raise TrustError("Signing needs the private key.")
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(self.curve.hash())))
        return r.to_bytes(self.curve.size, "big") + s.to_bytes(self.curve.size, "big")

    def verify(self, signature: bytes, data: bytes) -> None:
        if len(signature) != 2 * self.curve.size:
            raise InvalidSignature()
        r = int.from_bytes(signature[: self.curve.size], "big")
        s = int.from_bytes(signature[self.curve.size :], "big")
        self.public.verify(encode_dss_signature(r, s), data, ec.ECDSA(self.curve.hash()))


Key = Ed25519Key | EcdsaKey


def key_from_multibase(public: str, private: str | None = None) -> Key:
    if multibase_decode(public)[:2] == ED25519_PUBLIC:
        return Ed25519Key.from_multibase(public, private)
    return EcdsaKey.from_multibase(public, private)


def key_from_verification_method(method: str) -> Key:
    """The key a did:key verification method names (other DID methods are resolved elsewhere)."""
    if not method.startswith("did:key:"):
        raise TrustError(f"Only did:key verification methods resolve offline, not {method[:80]!r}.")
    did, _, fragment = method.partition("#")
    public = did.removeprefix("did:key:")
    if fragment and fragment != public:
        raise TrustError("The did:key fragment names another key than the DID.")
    return key_from_multibase(public)
