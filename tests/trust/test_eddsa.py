"""eddsa-rdfc-2022 and eddsa-jcs-2022 against the W3C test vectors, step by step, byte for byte."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.trust import TrustError, eddsa
from microcred.trust.canon import CanonicalizationLimit, UnknownContext, rdfc
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key, key_from_verification_method

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "w3c" / "vc-di-eddsa" / "TestVectors"
# The W3C examples context the vectors use (https://www.w3.org/ns/credentials/examples/v2, as published).
EXAMPLES = {
    "https://www.w3.org/ns/credentials/examples/v2": {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    }
}
LOADER = document_loader(EXAMPLES)
CASES = [("eddsa-rdfc-2022", "eddsa-rdfc-2022", "DataInt"), ("eddsa-jcs-2022", "eddsa-jcs-2022", "JCS")]


def read(*parts: str) -> str:
    return (VECTORS.joinpath(*parts)).read_text(encoding="utf-8").strip()


def load(*parts: str) -> Any:
    return json.loads(read(*parts))


@pytest.fixture(scope="module")
def key() -> Ed25519Key:
    pair = load("keyPair.json")
    return Ed25519Key.from_multibase(pair["publicKeyMultibase"], pair["privateKeyMultibase"])


@pytest.mark.parametrize(("suite", "folder", "tag"), CASES)
def test_each_step_equals_the_vectors(key: Ed25519Key, suite: str, folder: str, tag: str) -> None:
    unsigned = load("unsigned.json")
    transformed = eddsa.transform(unsigned, suite, LOADER)
    assert transformed.decode().strip() == read(folder, f"canonDoc{tag}.txt")
    config = eddsa.proof_config(load(folder, f"proofConfig{tag}.json"), unsigned, LOADER)
    assert config.decode().strip() == read(folder, f"proofCanon{tag}.txt")
    data = eddsa.hash_data(transformed, config)
    assert data.hex() == read(folder, f"combinedHash{tag}.txt")
    assert data[32:].hex() == read(folder, f"docHash{tag}.txt")
    assert data[:32].hex() == read(folder, f"proofHash{tag}.txt")
    assert key.private is not None
    assert key.private.sign(data).hex() == read(folder, f"sigHex{tag}.txt")

    options = load(folder, f"proofConfig{tag}.json")
    signed = eddsa.add_proof(
        unsigned,
        key,
        suite=suite,
        created=options["created"],
        verification_method=options["verificationMethod"],
        loader=LOADER,
    )
    assert signed == load(folder, f"signed{tag}.json")
    assert signed["proof"]["proofValue"] == read(folder, f"sigBTC58{tag}.txt")
    assert [r.verified for r in eddsa.verify(signed, LOADER)] == [True]


@pytest.mark.parametrize(("suite", "folder", "tag"), CASES)
def test_the_vectors_signed_documents_verify_and_any_change_breaks_them(suite: str, folder: str, tag: str) -> None:
    signed = load(folder, f"signed{tag}.json")
    assert eddsa.verify(signed, LOADER)[0].verified
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["alumniOf"] = "The School of Forgery"
    result = eddsa.verify(changed, LOADER)[0]
    assert not result.verified and "does not match" in result.problem
    wrong_date = copy.deepcopy(signed)
    wrong_date["proof"]["created"] = "2024-02-24T23:36:38Z"
    assert not eddsa.verify(wrong_date, LOADER)[0].verified


def test_proof_sets_and_chains_verify() -> None:
    for name, count in (("signedProofSet2.json", 2), ("signedProofChain2.json", 4)):
        results = eddsa.verify(load("proof-set-chain", name), LOADER)
        assert len(results) == count and all(r.verified for r in results), (name, results)
    chain = load("proof-set-chain", "signedProofChain2.json")
    chain["proof"][0]["proofValue"] = chain["proof"][1]["proofValue"]
    assert [r.verified for r in eddsa.verify(chain, LOADER)][0] is False
    chain["proof"][0]["proofValue"] = load("proof-set-chain", "signedProofChain2.json")["proof"][0]["proofValue"]
    chain["proof"] = chain["proof"][1:]  # a proof whose previous proof was taken away
    assert any("previous proof is missing" in r.problem for r in eddsa.verify(chain, LOADER))


def test_did_key_round_trip_and_bad_keys(key: Ed25519Key) -> None:
    assert key.did == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert key_from_verification_method(key.verification_method).public_multibase == key.public_multibase
    fresh = Ed25519Key.generate()
    again = Ed25519Key.from_multibase(fresh.public_multibase, fresh.private_multibase)
    assert again.did == fresh.did
    with pytest.raises(TrustError, match="does not belong"):
        Ed25519Key.from_multibase(key.public_multibase, fresh.private_multibase)
    with pytest.raises(TrustError, match="base58btc"):
        Ed25519Key.from_multibase("u" + key.public_multibase[1:])
    with pytest.raises(TrustError, match="Only did:key"):
        key_from_verification_method("did:web:example.com#key-1")


def test_an_unknown_context_is_named_never_fetched() -> None:
    document = load("unsigned.json")  # its examples context is not bundled: only tests add it
    with pytest.raises(UnknownContext, match="examples/v2 is not one microcred knows"):
        rdfc(document)
    result = eddsa.verify(load("eddsa-rdfc-2022", "signedDataInt.json"))[0]
    assert not result.verified and "not one microcred knows" in result.problem


def test_canonicalization_stops_past_its_limits() -> None:
    """A clique of blank nodes makes RDFC's hash-n-degree step explode: it is cut off, not run for minutes."""
    nodes = 12
    graph = [
        {"@id": f"_:b{i}", "http://example.org/p": [{"@id": f"_:b{j}"} for j in range(nodes) if j != i]}
        for i in range(nodes)
    ]
    with pytest.raises(CanonicalizationLimit, match="too entangled"):
        rdfc({"@graph": graph}, max_steps=2_000, max_seconds=5)


@settings(max_examples=25, deadline=None)
@given(position=st.integers(min_value=0, max_value=10_000), byte=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_of_a_signed_credential_fails(key: Ed25519Key, position: int, byte: int) -> None:
    signed = eddsa.add_proof(load("unsigned.json"), key, suite="eddsa-jcs-2022", created="2026-11-23T00:00:00Z")
    raw = bytearray(json.dumps(signed).encode())
    index = position % len(raw)
    raw[index] = (raw[index] + byte) % 256
    try:
        tampered = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return  # no longer JSON: refused before any proof is checked
    if tampered == signed:
        return  # the change did not alter the data (e.g. whitespace)
    results = eddsa.verify(tampered, LOADER) if isinstance(tampered, dict) else []
    assert not results or not all(r.verified for r in results)
