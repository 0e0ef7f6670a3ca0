"""Bitstring Status List: bits, encoding, random positions, the list credential and reading an entry back."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microcred.trust import TrustError, dataintegrity, statuslist
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key

URL = "https://mc.example/status/1"


@given(st.sets(st.integers(min_value=0, max_value=statuslist.MIN_ENTRIES - 1), max_size=50))
def test_bits_survive_encoding(indexes: set[int]) -> None:
    bits = statuslist.new_bitstring()
    for index in indexes:
        statuslist.set_bit(bits, index, True)
    decoded = statuslist.decode(statuslist.encode(bits))
    assert decoded == bytes(bits)
    assert {i for i in range(0, statuslist.MIN_ENTRIES) if i in indexes and statuslist.get_bit(decoded, i)} == indexes


def test_bit_zero_is_the_first_bytes_most_significant_bit_and_the_encoding_is_gzip_base64url() -> None:
    bits = statuslist.new_bitstring()
    statuslist.set_bit(bits, 0, True)
    statuslist.set_bit(bits, 9, True)
    assert bits[0] == 0x80 and bits[1] == 0x40
    encoded = statuslist.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(bits) and len(raw) == 16_384
    statuslist.set_bit(bits, 0, False)
    assert not statuslist.get_bit(bits, 0) and statuslist.get_bit(bits, 9)


def test_bad_lists_and_indexes_are_refused() -> None:
    with pytest.raises(TrustError, match="at least 131,072"):
        statuslist.new_bitstring(1024)
    with pytest.raises(TrustError, match="outside the list"):
        statuslist.get_bit(statuslist.new_bitstring(), statuslist.MIN_ENTRIES)
    with pytest.raises(TrustError, match="multibase base64url"):
        statuslist.decode("zabc")
    with pytest.raises(TrustError, match="not GZIP"):
        statuslist.decode("u" + base64.urlsafe_b64encode(b"not gzip").decode())
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(17 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(TrustError, match="inflates past 16 MiB"):
        statuslist.decode(bomb)


def test_a_signed_list_credential_tells_an_entrys_status() -> None:
    key = Ed25519Key.generate()
    bits = statuslist.new_bitstring()
    statuslist.set_bit(bits, 4242, True)
    document = statuslist.list_credential(
        list_url=URL, issuer=key.did, purpose="revocation", bits=bits, valid_from="2026-11-23T00:00:00Z"
    )
    signed = dataintegrity.add_proof(document, key, created="2026-11-23T00:00:00Z", loader=document_loader())
    assert [r.verified for r in dataintegrity.verify(signed, document_loader())] == [True]
    revoked = statuslist.entry(list_url=URL, index=4242, purpose="revocation")
    fine = statuslist.entry(list_url=URL, index=4243, purpose="revocation")
    assert statuslist.status_of(revoked, signed) and not statuslist.status_of(fine, signed)
    with pytest.raises(TrustError, match="another purpose"):
        statuslist.status_of(statuslist.entry(list_url=URL, index=1, purpose="suspension"), signed)
    with pytest.raises(TrustError, match="not the one the entry names"):
        statuslist.status_of(statuslist.entry(list_url=URL + "x", index=1, purpose="revocation"), signed)


def list_document(purpose: Any, raw: bytes, *, types: Any = None) -> dict[str, Any]:
    """A list credential made by hand (not by list_credential): GZIP, base64url without padding, prefix u."""
    return {
        "id": URL,
        "type": types or ["VerifiableCredential", "BitstringStatusListCredential"],
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": "u" + base64.urlsafe_b64encode(gzip.compress(raw)).decode().rstrip("="),
        },
    }


MESSAGES = [{"status": f"0x{n:x}", "message": text} for n, text in enumerate(["valid", "pending", "late", "void"])]


def test_a_status_of_several_bits_is_read_at_index_times_size_most_significant_bit_first() -> None:
    raw = bytearray(16_384)
    raw[0] = 0b0000_0010  # entries of 2 bits: index 3 holds the last two bits of the first byte, 0b10
    raw[1] = 0b1100_0000  # index 4 holds 0b11
    document = list_document("message", bytes(raw))
    entry = {**statuslist.entry(list_url=URL, index=3, purpose="message"), "statusSize": 2, "statusMessage": MESSAGES}
    assert statuslist.value_of(entry, document) == 2
    assert statuslist.message_of(entry, 2) == "late"
    assert statuslist.value_of({**entry, "statusListIndex": "4"}, document) == 3
    assert statuslist.value_of({**entry, "statusListIndex": "2"}, document) == 0
    assert statuslist.status_of({**entry, "statusListIndex": "4"}, document) is True
    with pytest.raises(TrustError, match="outside the list"):  # 131,072 bits hold 65,536 entries of 2 bits
        statuslist.value_of({**entry, "statusListIndex": "65536"}, document)
    assert statuslist.value_of({**entry, "statusListIndex": "65535"}, document) == 0
    one_bit = statuslist.entry(list_url=URL, index=6, purpose="message")  # statusSize 1 unless given
    assert statuslist.value_of(one_bit, document) == 1


def test_a_list_may_serve_several_purposes_but_must_be_a_bitstring_status_list_credential() -> None:
    raw = bytearray(16_384)
    raw[0] = 0b0100_0000
    both = list_document(["revocation", "suspension"], bytes(raw))
    assert statuslist.status_of(statuslist.entry(list_url=URL, index=1, purpose="suspension"), both)
    with pytest.raises(TrustError, match="another purpose"):
        statuslist.status_of(statuslist.entry(list_url=URL, index=1, purpose="message"), both)
    untyped = list_document("revocation", bytes(raw), types=["VerifiableCredential"])
    with pytest.raises(TrustError, match="not BitstringStatusListCredential"):
        statuslist.status_of(statuslist.entry(list_url=URL, index=1, purpose="revocation"), untyped)
    with pytest.raises(TrustError, match="shorter than 131,072"):
        statuslist.status_of(
            statuslist.entry(list_url=URL, index=1, purpose="revocation"), list_document("revocation", bytes(1024))
        )


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"statusListIndex": 5}, "statusListIndex is not a non-negative integer"),
        ({"statusListIndex": "-1"}, "statusListIndex is not a non-negative integer"),
        ({"statusListIndex": "1_000"}, "statusListIndex is not a non-negative integer"),
        ({"statusListIndex": " 5"}, "statusListIndex is not a non-negative integer"),
        ({"statusListIndex": "9" * 5000}, "statusListIndex is not a non-negative integer"),
        ({"statusPurpose": ["revocation"]}, "statusPurpose is not a string"),
        ({"statusListCredential": None}, "statusListCredential is not a URL"),
        ({"statusSize": 0}, "statusSize is not an integer greater than zero"),
        ({"statusSize": "2", "statusMessage": MESSAGES}, "statusSize is not an integer greater than zero"),
        ({"statusSize": True}, "statusSize is not an integer greater than zero"),
        ({"statusSize": 9}, "more than the 8 bits"),
        ({"statusSize": 2}, "statusSize above 1 but no statusMessage"),
        ({"statusSize": 2, "statusMessage": MESSAGES[:2]}, "not a list of 4 messages"),  # 2 bits: 4 values
        ({"statusSize": 1, "statusMessage": [{"status": "0x0", "message": "ok"}, {"status": "1"}]}, '"status"'),
        ({"statusSize": 1, "statusMessage": [{"status": "0x0", "message": "ok"}, "0x1"]}, '"message" string'),
    ],
)
def test_entries_that_break_the_spec_are_refused_saying_which_field(changes: dict[str, Any], why: str) -> None:
    entry = {**statuslist.entry(list_url=URL, index=5, purpose="message"), **changes}
    with pytest.raises(TrustError, match=why):
        statuslist.value_of(entry, list_document("message", bytes(16_384)))


NODE_READER = r"""
import {gunzipSync, gzipSync} from 'node:zlib';
const input = JSON.parse(process.argv.at(-1));
// The spec's algorithm, written apart from microcred: base64url after the multibase u, GUNZIP, then statusSize
// bits at index × statusSize, the first bit the most significant of the first byte.
const bits = gunzipSync(Buffer.from(input.encodedList.slice(1), 'base64url'));
const read = (index, size) => {
  let value = 0;
  for(let p = index * size; p < (index + 1) * size; p++) {
    value = value * 2 + ((bits[p >> 3] >> (7 - (p & 7))) & 1);
  }
  return value;
};
const out = new Uint8Array(16384);
for(const [index, value] of input.write) {  // 2-bit entries written by Node, for microcred to read
  for(let b = 0; b < 2; b++) {
    const p = index * 2 + b;
    if((value >> (1 - b)) & 1) { out[p >> 3] |= 0x80 >> (p & 7); }
  }
}
console.log(JSON.stringify({
  ones: input.read.map(i => read(i, 1)),
  twos: input.read.map(i => read(i, 2)),
  encoded: 'u' + gzipSync(out).toString('base64url')
}));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_reads_our_lists_and_we_read_nodes_multi_bit_lists() -> None:
    bits = statuslist.new_bitstring()
    for index in (0, 7, 8, 4242, 131_071):
        statuslist.set_bit(bits, index, True)
    ours = statuslist.encode(bits)
    read = [0, 1, 3, 4, 7, 8, 2121, 4242, 65_535]  # within both the 1-bit and the 2-bit reading of the list
    write = [[0, 3], [1, 1], [2, 2], [65_535, 3], [777, 2]]
    answer = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            NODE_READER,
            json.dumps({"encodedList": ours, "read": read, "write": write}),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    node = json.loads(answer.stdout)
    assert node["ones"] == [int(statuslist.get_bit(bits, i)) for i in read] and node["ones"][:2] == [1, 0]
    entry = {**statuslist.entry(list_url=URL, index=0, purpose="message"), "statusSize": 2, "statusMessage": MESSAGES}

    def value(index: int, encoded: str) -> int:
        document = list_document("message", b"")
        document["credentialSubject"]["encodedList"] = encoded
        return statuslist.value_of({**entry, "statusListIndex": str(index)}, document)

    for index, written in [*write, [3, 0], [65_534, 0]]:
        assert value(index, node["encoded"]) == written
    assert [value(index, ours) for index in read] == node["twos"]
