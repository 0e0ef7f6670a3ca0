"""Multibase, Multikey and did:key for Ed25519: `z6Mk…` is base58btc(0xed 0x01 ‖ public key)."""

from __future__ import annotations

from dataclasses import dataclass

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
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


@dataclass(frozen=True)
class Ed25519Key:
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
    def did(self) -> str:
        return f"did:key:{self.public_multibase}"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.public_multibase}"


def key_from_verification_method(method: str) -> Ed25519Key:
    """The Ed25519 key a did:key verification method names (other DID methods are resolved elsewhere)."""
    if not method.startswith("did:key:"):
        raise TrustError(f"Only did:key verification methods resolve offline, not {method[:80]!r}.")
    did, _, fragment = method.partition("#")
    public = did.removeprefix("did:key:")
    if fragment and fragment != public:
        raise TrustError("The did:key fragment names another key than the DID.")
    return Ed25519Key.from_multibase(public)
