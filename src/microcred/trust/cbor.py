"""The little of CBOR (RFC 8949) that microcred reads and writes: `ecdsa-sd-2023` proof values and COSE_Sign1
messages (trust.cose). Integers (unsigned and negative), byte and text strings, arrays, maps with number or text
keys and booleans, in definite lengths; tags and null only where the caller asks for them (COSE), never floats
or other simple values. Anything else is refused with a sentence, and the decoder bounds nesting depth, item
counts and lengths (each checked against the bytes that remain before anything is allocated), refuses duplicate
map keys and bytes after the value, so that crafted input cannot make it allocate without end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microcred.trust import TrustError

MAX_DEPTH = 8
MAX_ITEMS = 100_000
MAX_ARGUMENT = (1 << 64) - 1
TYPED_BYTES_TAG = 64  # RFC 8746's "uint8 typed array": some encoders write byte strings so


@dataclass(frozen=True)
class Tag:
    """A tagged CBOR item (major type 6), such as COSE_Sign1's tag 18 around its array."""

    number: int
    value: Any


def _head(major: int, value: int) -> bytes:
    if value < 0 or value > MAX_ARGUMENT:
        raise TrustError("A number is too large for CBOR.")
    if value < 24:
        return bytes([major << 5 | value])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | extra]) + value.to_bytes(size, "big")
    raise AssertionError("unreachable: the value fits in eight bytes")


def encode(value: Any) -> bytes:
    """CBOR of `value` (int, bytes, str, list, dict, bool, None or Tag): shortest heads, maps in given order."""
    if value is None:
        return b"\xf6"
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        return _head(2, len(raw)) + raw
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, list | tuple):
        return _head(4, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, Tag):
        return _head(6, value.number) + encode(value.value)
    raise TrustError(f"CBOR here holds no {type(value).__name__}.")


@dataclass(frozen=True)
class _Rules:
    tags: bool
    null: bool
    max_depth: int


def decode(data: bytes, *, tags: bool = False, null: bool = False, max_depth: int = MAX_DEPTH) -> Any:
    """The one CBOR item `data` holds; TrustError when it is malformed, truncated or followed by more bytes.

    By default (ecdsa-sd-2023) no tags and no null are accepted, but a tag 64 around a byte string is read as the
    byte string, as the reference implementation reads it. `tags=True` returns every tag as a `Tag` (COSE);
    `null=True` reads null as None (a COSE detached payload)."""
    value, end = _item(bytes(data), 0, 0, _Rules(tags, null, max_depth))
    if end != len(data):
        raise TrustError("The CBOR value is followed by extra bytes.")
    return value


def _item(data: bytes, at: int, depth: int, rules: _Rules) -> tuple[Any, int]:
    if depth > rules.max_depth:
        raise TrustError("The CBOR value is nested too deeply.")
    if at >= len(data):
        raise TrustError("The CBOR value is truncated.")
    major, info = data[at] >> 5, data[at] & 0x1F
    at += 1
    if major == 7:
        if info in (20, 21):
            return info == 21, at
        if info == 22 and rules.null:
            return None, at
        if info == 31:
            raise TrustError("The CBOR value has a break code outside an indefinite length, which is not allowed.")
        raise TrustError("The CBOR value holds a float, null or other simple value that is not expected here.")
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        if size > len(data) - at:
            raise TrustError("The CBOR value is truncated.")
        argument, at = int.from_bytes(data[at : at + size], "big"), at + size
    elif info == 31:
        raise TrustError("The CBOR value uses an indefinite length, which is not accepted here.")
    else:
        raise TrustError("The CBOR value uses a reserved length code (28 to 30).")
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major in (2, 3):
        if argument > len(data) - at:
            raise TrustError("A CBOR string claims more bytes than the value holds.")
        raw = data[at : at + argument]
        if major == 2:
            return raw, at + argument
        try:
            return raw.decode("utf-8"), at + argument
        except UnicodeDecodeError:
            raise TrustError("A CBOR text string is not UTF-8.") from None
    if major == 4:
        if argument > MAX_ITEMS or argument > len(data) - at:
            raise TrustError("A CBOR array claims more items than the value holds.")
        items = []
        for _ in range(argument):
            item, at = _item(data, at, depth + 1, rules)
            items.append(item)
        return items, at
    if major == 5:
        if argument > MAX_ITEMS or 2 * argument > len(data) - at:
            raise TrustError("A CBOR map claims more entries than the value holds.")
        entries: dict[int | str, Any] = {}
        for _ in range(argument):
            key, at = _item(data, at, depth + 1, rules)
            if isinstance(key, bool) or not isinstance(key, int | str):
                raise TrustError("A CBOR map key is not a number or a string.")
            if key in entries:
                raise TrustError(f"A CBOR map holds the key {key if isinstance(key, int) else repr(key[:40])} twice.")
            entries[key], at = _item(data, at, depth + 1, rules)
        return entries, at
    # major == 6: a tag
    if not rules.tags and argument != TYPED_BYTES_TAG:
        raise TrustError(f"The CBOR value holds a tag ({str(argument)[:20]}), which is not expected here.")
    value, at = _item(data, at, depth + 1, rules)
    if rules.tags:
        return Tag(argument, value), at
    if not isinstance(value, bytes):
        raise TrustError("A CBOR tag 64 (a typed array of bytes) does not hold a byte string.")
    return value, at
