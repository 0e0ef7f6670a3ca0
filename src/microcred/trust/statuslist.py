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
import re
from typing import Any

from microcred.trust import TrustError

MIN_ENTRIES = 131_072
PURPOSES = ("revocation", "suspension")
MAX_DECOMPRESSED = 16 * 1024 * 1024  # a hostile list cannot inflate past this
MAX_STATUS_SIZE = 8  # bits per entry read (statusSize); 2**8 status messages at most
_INDEX = re.compile(r"[0-9]{1,12}")  # a position in a list of at most 16 MiB × 8 bits
_HEX = re.compile(r"0x[0-9a-fA-F]{1,4}")


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
    """Whether the entry's status is set in the list credential (True: revoked or suspended)."""
    return value_of(status_entry, list_credential_document) != 0


def value_of(status_entry: dict[str, Any], list_credential_document: dict[str, Any]) -> int:
    """The entry's status value in the list credential: `statusSize` bits (1 unless given) at
    statusListIndex × statusSize, most significant bit first (the spec's validation algorithm)."""
    size = check_entry(status_entry)
    if list_credential_document.get("id") != status_entry.get("statusListCredential"):
        raise TrustError("The status list credential is not the one the entry names.")
    if "BitstringStatusListCredential" not in _strings(list_credential_document.get("type")):
        raise TrustError("The status list credential's type is not BitstringStatusListCredential.")
    subject = list_credential_document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise TrustError("The status list credential has no BitstringStatusList subject.")
    if status_entry.get("statusPurpose") not in _strings(subject.get("statusPurpose")):
        raise TrustError("The status list is for another purpose than the entry.")
    bits = decode(str(subject.get("encodedList")))
    if len(bits) * 8 < MIN_ENTRIES:
        raise TrustError(f"The status list is shorter than {MIN_ENTRIES:,} entries.")
    start = int(status_entry["statusListIndex"]) * size
    if start + size > len(bits) * 8:
        raise TrustError(
            f"Status list index {status_entry['statusListIndex']} is outside the list "
            f"(0 to {len(bits) * 8 // size - 1})."
        )
    value = 0
    for position in range(start, start + size):
        value = value << 1 | get_bit(bits, position)
    return value


def check_entry(status_entry: dict[str, Any]) -> int:
    """The entry's statusSize (1 when absent), once its fields are as the spec says; TrustError naming the first
    that is not."""
    purpose = status_entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise TrustError("The status entry's statusPurpose is not a string.")
    index = status_entry.get("statusListIndex")
    if not isinstance(index, str) or not _INDEX.fullmatch(index):
        raise TrustError("statusListIndex is not a non-negative integer written in base 10 as a string.")
    if not isinstance(status_entry.get("statusListCredential"), str):
        raise TrustError("The status entry's statusListCredential is not a URL.")
    size = status_entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise TrustError("statusSize is not an integer greater than zero.")
    if size > MAX_STATUS_SIZE:
        raise TrustError(f"statusSize {size} is more than the {MAX_STATUS_SIZE} bits microcred reads.")
    messages = status_entry.get("statusMessage")
    if messages is None:
        if size > 1:
            raise TrustError("The status entry has a statusSize above 1 but no statusMessage.")
        return size
    if not isinstance(messages, list) or len(messages) != 2**size:
        raise TrustError(f"statusMessage is not a list of {2**size} messages, one for each value of statusSize bits.")
    for message in messages:
        if not (
            isinstance(message, dict)
            and isinstance(message.get("status"), str)
            and _HEX.fullmatch(message["status"])
            and isinstance(message.get("message"), str)
        ):
            raise TrustError('Each statusMessage needs a "status" (hexadecimal, 0x…) and a "message" string.')
    return size


def message_of(status_entry: dict[str, Any], value: int) -> str | None:
    """The entry's statusMessage for a status value (its `status` is the value in hexadecimal), if it has one;
    the entry is one check_entry accepted."""
    for message in status_entry.get("statusMessage") or []:
        if int(message["status"], 16) == value:
            return str(message["message"])
    return None


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]
