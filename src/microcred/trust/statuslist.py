"""Bitstring Status List v1.0: the bitstring, its encoding, and the status list credential.

A list holds at least 131,072 entries (16 KiB) so that a credential's position tells little about the
others; positions are drawn at random among the free ones, so they do not reveal the order of issuance.
`encodedList` is the GZIP-compressed bitstring, base64url without padding, multibase prefix `u`. Bit 0 is
the most significant bit of the first byte.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
from typing import Any

from microcred.trust import TrustError

MIN_ENTRIES = 131_072
PURPOSES = ("revocation", "suspension")
MAX_DECOMPRESSED = 16 * 1024 * 1024  # a hostile list cannot inflate past this


def new_bitstring(entries: int = MIN_ENTRIES) -> bytearray:
    if entries < MIN_ENTRIES or entries % 8:
        raise TrustError(f"A status list holds at least {MIN_ENTRIES:,} entries, a multiple of 8.")
    return bytearray(entries // 8)


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    _check_index(bits, index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    _check_index(bits, index)
    if value:
        bits[index // 8] |= 0x80 >> (index % 8)
    else:
        bits[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF


def _check_index(bits: bytes | bytearray, index: int) -> None:
    if not 0 <= index < len(bits) * 8:
        raise TrustError(f"Status list index {index} is outside the list (0 to {len(bits) * 8 - 1}).")


def encode(bits: bytes | bytearray) -> str:
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring of an `encodedList`, refusing anything that is not one (or that inflates without end)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise TrustError("encodedList must be multibase base64url (it starts with u).")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            bits = stream.read(MAX_DECOMPRESSED + 1)
    except (binascii.Error, OSError, EOFError, ValueError):
        raise TrustError("encodedList is not GZIP-compressed base64url.") from None
    if len(bits) > MAX_DECOMPRESSED:
        raise TrustError("encodedList inflates past 16 MiB: refused.")
    return bits


def list_credential(
    *, list_url: str, issuer: str, purpose: str, bits: bytes | bytearray, valid_from: str
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential publishing the list."""
    if purpose not in PURPOSES:
        raise TrustError(f"Unknown status purpose {purpose!r}: use revocation or suspension.")
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bits),
        },
    }


def entry(*, list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """The `credentialStatus` entry a credential carries for one purpose."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_of(status_entry: dict[str, Any], list_credential_document: dict[str, Any]) -> bool:
    """Whether the entry's bit is set in the list credential (True: revoked or suspended)."""
    subject = list_credential_document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise TrustError("The status list credential has no BitstringStatusList subject.")
    if subject.get("statusPurpose") != status_entry.get("statusPurpose"):
        raise TrustError("The status list is for another purpose than the entry.")
    if list_credential_document.get("id") != status_entry.get("statusListCredential"):
        raise TrustError("The status list credential is not the one the entry names.")
    try:
        index = int(str(status_entry.get("statusListIndex")))
    except ValueError:
        raise TrustError("statusListIndex is not a number.") from None
    bits = decode(str(subject.get("encodedList")))
    if len(bits) * 8 < MIN_ENTRIES:
        raise TrustError(f"The status list is shorter than {MIN_ENTRIES:,} entries.")
    return get_bit(bits, index)
