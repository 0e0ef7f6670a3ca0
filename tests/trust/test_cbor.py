"""trust.cbor, the one CBOR codec (ecdsa-sd-2023 proof values and COSE_Sign1): round trips, negative integers and
tags checked byte for byte against Node's cborg (tests/node, an independent implementation), and hostile input
(huge declared lengths, deep nesting, indefinite lengths, duplicate keys, trailing bytes) refused with a
sentence."""

from __future__ import annotations

import shutil
import time

import pytest

from microcred.trust import TrustError, cbor
from tests.trust.test_jose import node_jose

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
NEGATIVES = [-1, -24, -25, -256, -257, -65536, -65537, -(2**32), -(2**32) - 1, -(2**53) + 1]
HUGE = b"\xff" * 8  # a declared length of 2**64 - 1


def test_cbor_round_trips_and_refuses_what_it_does_not_hold() -> None:
    value = [b"\x01" * 64, [b"", b"x" * 300], {0: b"a", 70000: b"b"}, ["/issuer"], [0, 23, 24, 255, 65536], True]
    assert cbor.decode(cbor.encode(value)) == value
    for bad in (b"\x9f", b"\xfb" + b"\0" * 8, b"\x5a\xff\xff\xff\xff", b"\x81", b"\x00\x00"):
        with pytest.raises(TrustError):
            cbor.decode(bad)
    with pytest.raises(TrustError, match="too deeply"):
        cbor.decode(b"\x81" * 20 + b"\x00")


def test_negative_integers_use_major_type_1_with_the_shortest_head() -> None:
    assert cbor.encode(-1) == b"\x20" and cbor.encode(-24) == b"\x37" and cbor.encode(-25) == b"\x38\x18"
    assert cbor.encode(-257) == b"\x39\x01\x00" and cbor.encode(-(2**64)) == b"\x3b" + HUGE
    for number in [*NEGATIVES, -(2**64)]:
        assert cbor.decode(cbor.encode(number)) == number
    assert cbor.decode(b"\xa2\x01\x26\x20\x61x") == {1: -7, -1: "x"}  # a COSE header: int keys, negative values
    for too_large in (2**64, -(2**64) - 1):
        with pytest.raises(TrustError, match="too large for CBOR"):
            cbor.encode(too_large)


def test_tags_are_read_only_when_asked_for() -> None:
    tagged = cbor.encode(cbor.Tag(18, [b"\xa1\x01\x26", {}, b"{}", b"sig"]))
    assert tagged[:2] == b"\xd2\x84"
    assert cbor.decode(tagged, tags=True) == cbor.Tag(18, [b"\xa1\x01\x26", {}, b"{}", b"sig"])
    assert cbor.decode(cbor.encode(cbor.Tag(1_000_000, cbor.Tag(24, -3))), tags=True) == cbor.Tag(
        1_000_000, cbor.Tag(24, -3)
    )
    # ecdsa-sd-2023 components carry no tags: by default a tag is refused, save tag 64 around a byte string,
    # which the reference implementation (Digital Bazaar's) also reads as the byte string.
    with pytest.raises(TrustError, match=r"holds a tag \(18\), which is not expected here"):
        cbor.decode(tagged)
    assert cbor.decode(b"\x82\xd8\x40\x42ab\x01") == [b"ab", 1]
    with pytest.raises(TrustError, match="tag 64 .* does not hold a byte string"):
        cbor.decode(b"\xd8\x40\x01")
    with pytest.raises(TrustError, match="float, null or other simple value"):
        cbor.decode(b"\xf6")
    assert cbor.decode(b"\x82\xf6\xf5", null=True) == [None, True]


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (b"\x5b" + HUGE, "string claims more bytes than the value holds"),
        (b"\x7a\x7f\xff\xff\xff" + b"a", "string claims more bytes than the value holds"),
        (b"\x9b" + HUGE, "array claims more items than the value holds"),
        (b"\xbb" + HUGE, "map claims more entries than the value holds"),
        (b"\xa2\x01\x00", "map claims more entries than the value holds"),
        (b"\x9a\x00\x01\x86\xa1" + b"\x00" * 100_001, "array claims more items"),  # over MAX_ITEMS
        (b"\x81" * 9 + b"\x00", "nested too deeply"),
        (b"\xa1\x00" * 9 + b"\x00", "nested too deeply"),
        (b"\x9f\x00\xff", "indefinite length"),
        (b"\x5f\x41a\xff", "indefinite length"),
        (b"\x7f\x61a\xff", "indefinite length"),
        (b"\xbf\x00\x00\xff", "indefinite length"),
        (b"\xff", "break code outside an indefinite length"),
        (b"\x1c", "reserved length code"),
        (b"\xa2\x01\x00\x01\x01", "holds the key 1 twice"),
        (b"\xa2\x01\x00\x18\x01\x01", "holds the key 1 twice"),  # the same key in a longer head
        (b"\xa2\x61a\x00\x61a\x01", "holds the key 'a' twice"),
        (b"\xa2\x20\x00\x20\x01", "holds the key -1 twice"),
        (b"\xa1\xf5\x00", "map key is not a number or a string"),
        (b"\xa1\x41a\x00", "map key is not a number or a string"),
        (b"\x00\x00", "followed by extra bytes"),
        (b"\x80\x80", "followed by extra bytes"),
        (b"", "truncated"),
        (b"\x19\x01", "truncated"),
        (b"\x82\x00\x19\x01", "truncated"),
        (b"\x62\xff\xfe", "not UTF-8"),
        (b"\xf9\x3c\x00", "float, null or other simple value"),
        (b"\xfb" + b"\x00" * 8, "float, null or other simple value"),
        (b"\xf7", "float, null or other simple value"),
        (b"\xd2\x80", r"holds a tag \(18\)"),
    ],
)
def test_hostile_cbor_is_refused_with_a_sentence(given: bytes, why: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TrustError, match=why) as refused:
        cbor.decode(given)
    assert time.perf_counter() - started < 1  # a huge declared length is refused before anything is allocated
    sentence = str(refused.value)
    assert sentence[0].isupper() and sentence.endswith(".")


def test_hostile_cbor_with_tags_allowed_is_still_bounded() -> None:
    with pytest.raises(TrustError, match="nested too deeply"):
        cbor.decode(b"\xc1" * 9 + b"\x00", tags=True)
    assert cbor.decode(b"\xc1" * 8 + b"\x00", tags=True) is not None
    with pytest.raises(TrustError, match="nested too deeply"):
        cbor.decode(b"\x81" * 17 + b"\x00", max_depth=16)
    assert cbor.decode(b"\x81" * 16 + b"\x00", max_depth=16) is not None
    with pytest.raises(TrustError, match="holds the key 4 twice"):
        cbor.decode(b"\xd2\xa2\x04\x00\x04\x00", tags=True)


def test_only_cbor_kinds_are_encoded() -> None:
    for value in (1.5, {1, 2}, object()):
        with pytest.raises(TrustError, match="CBOR here holds no"):
            cbor.encode(value)


@needs_node
def test_cborg_writes_and_reads_the_same_bytes_as_ours() -> None:
    ours = cbor.encode([NEGATIVES, {1: -7, 4: b"kid", "x": [True, False]}, "\u00e9t\u00e9", 2**32])
    tagged = cbor.encode(cbor.Tag(18, [b"\xa1\x01\x26", {}, b"{}", b"s"]))
    answer = node_jose(
        """
        import * as cborg from 'cborg';
        const value = [[-1, -24, -25, -256, -257, -65536, -65537, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53) + 1],
          new Map([[1, -7], [4, new TextEncoder().encode('kid')], ['x', [true, false]]]), '\u00e9t\u00e9', 2 ** 32];
        const hex = (bytes) => Buffer.from(bytes).toString('hex');
        const tags = [];
        tags[18] = (inner) => ({tag: 18, inner});
        const read = cborg.decode(Buffer.from(given.tagged, 'hex'), {useMaps: true, tags});
        out({
          written: hex(cborg.encode(value)),
          reread: hex(cborg.encode(cborg.decode(Buffer.from(given.ours, 'hex'), {useMaps: true}))),
          tag: read.tag, arity: read.inner.length, alg: cborg.decode(read.inner[0], {useMaps: true}).get(1),
        });
        """,
        {"ours": ours.hex(), "tagged": tagged.hex()},
    )
    assert answer["written"] == ours.hex()
    assert answer["reread"] == ours.hex()
    assert answer == {"written": ours.hex(), "reread": ours.hex(), "tag": 18, "arity": 4, "alg": -7}
    assert cbor.decode(bytes.fromhex(answer["written"])) == cbor.decode(ours)
