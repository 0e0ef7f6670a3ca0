"""RFC 3161 timestamps against OpenSSL's TSA on loopback, and the Commission's timestamped seal."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.request
from pathlib import Path

import pytest

from microcred.trust import TrustError, jades, tsp
from tests import pki

ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"


def _ask(url: str, data: bytes) -> tuple[bytes, int]:
    request, nonce = tsp.request(data)
    post = urllib.request.Request(  # noqa: S310 (loopback test TSA)
        url, data=request, headers={"Content-Type": "application/timestamp-query"}
    )
    with urllib.request.urlopen(post, timeout=10) as answer:  # noqa: S310 (loopback test TSA)
        return answer.read(), nonce


def test_a_local_tsa_stamps_what_we_ask_and_nothing_else() -> None:
    with pki.local_tsa() as url:
        answer, nonce = _ask(url, b"the signature")
    stamp = tsp.token_from_response(answer, b"the signature", nonce)
    assert "CN=microcred test TSA" in stamp.authority
    assert tsp.verify_token(stamp.token, b"the signature").time == stamp.time
    with pytest.raises(TrustError, match="other data"):
        tsp.verify_token(stamp.token, b"another signature")
    with pytest.raises(TrustError, match="nonce"):
        tsp.token_from_response(answer, b"the signature", nonce + 1)
    with pytest.raises(TrustError, match="not a TimeStampResp"):
        tsp.token_from_response(b"<html>", b"the signature", nonce)
    tampered = bytearray(stamp.token)
    tampered[-5] ^= 0x01  # inside the TSA's signature value
    with pytest.raises(TrustError, match="signature does not hold"):
        tsp.verify_token(bytes(tampered), b"the signature")


def test_a_baseline_t_seal_carries_a_timestamp_of_its_signature() -> None:
    ca = pki.CA()
    key = pki.new_key("rsa")
    certificate = ca.issue(key, "Seal", organisation_id="VATBE-0123456789")
    with pki.local_tsa() as url:

        def stamp(data: bytes) -> bytes:
            answer, nonce = _ask(url, data)
            return tsp.token_from_response(answer, data, nonce).token

        sealed = jades.seal(
            {"id": "urn:credential:1"}, key, [certificate], signing_time="2026-11-23T10:00:00Z", timestamp=stamp
        )
    seal = jades.verify(sealed)
    assert seal.timestamped and seal.timestamp is not None
    commission = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8"))
    ours = json.loads(base64.urlsafe_b64decode(sealed["signatures"][0]["header"]["etsiU"][0] + "=="))
    theirs_text = commission["signatures"][0]["header"]["etsiU"][0]
    theirs = json.loads(base64.urlsafe_b64decode(theirs_text + "=" * (-len(theirs_text) % 4)))
    assert set(ours) == set(theirs) == {"sigTst"}
    # A timestamp moved onto another signature does not fit it.
    other = jades.seal({"id": "urn:credential:2"}, key, [certificate], signing_time="2026-11-23T10:00:00Z")
    other["signatures"][0]["header"] = sealed["signatures"][0]["header"]
    with pytest.raises(TrustError, match="other data"):
        jades.verify(other)


def test_the_commissions_signature_timestamp_verifies() -> None:
    seal = jades.verify(json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8")))
    assert seal.timestamp is not None and seal.timestamp.isoformat() == "2023-09-27T11:54:20+00:00"


def test_any_damaged_token_or_answer_is_a_trust_error_never_another_exception() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    commission = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8"))
    header = commission["signatures"][0]["header"]["etsiU"][0]
    token = base64.b64decode(
        json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["sigTst"]["tstTokens"][0]["val"]
    )
    signature = commission["signatures"][0]["signature"].encode()

    @settings(max_examples=1500, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, len(token) - 1), st.integers(0, 255)), min_size=1, max_size=3))
    def damaged(changes: list[tuple[int, int]]) -> None:
        broken = bytearray(token)
        for index, value in changes:
            broken[index] = value
        with contextlib.suppress(TrustError):  # anything else fails the test
            tsp.verify_token(bytes(broken), signature)
        with contextlib.suppress(TrustError):
            tsp.token_from_response(bytes(broken), signature, 1)

    damaged()
