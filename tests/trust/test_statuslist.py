"""Bitstring Status List: bits, encoding, random positions, the list credential and reading an entry back."""

from __future__ import annotations

import base64
import gzip

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
