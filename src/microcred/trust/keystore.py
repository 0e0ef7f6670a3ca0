"""Private keys sealed for storage: AES-256-GCM under a master key, bound to the key's id.

The master key comes from configuration (32 bytes, base64url). A sealed key opens only with the master
key it was sealed with and only under its own id: a row copied to another key's id does not open.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from microcred.trust import TrustError

VERSION = b"\x01"


class WrongMasterKey(TrustError):
    pass


def parse_master_key(text: str) -> bytes:
    """32 bytes from their base64url form, or an error that says what a master key looks like."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise TrustError("The master key must be 32 random bytes in base64url (e.g. from `microcred keys master`).")
    return raw


def new_master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def seal(secret: bytes, master: bytes, key_id: str) -> bytes:
    nonce = os.urandom(12)
    return VERSION + nonce + AESGCM(master).encrypt(nonce, secret, key_id.encode())


def unseal(sealed: bytes, master: bytes, key_id: str) -> bytes:
    if not sealed.startswith(VERSION) or len(sealed) < 1 + 12 + 16:
        raise TrustError("The sealed key is damaged.")
    try:
        return AESGCM(master).decrypt(sealed[1:13], sealed[13:], key_id.encode())
    except InvalidTag:
        raise WrongMasterKey(
            "The master key does not open this signing key: MICROCRED_MASTER_KEY is not the one it was sealed with."
        ) from None
