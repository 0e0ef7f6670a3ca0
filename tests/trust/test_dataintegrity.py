"""Data Integrity proofs against the W3C test vectors: EdDSA step by step and byte for byte, ECDSA verified."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.trust import TrustError
from microcred.trust import dataintegrity as di
from microcred.trust.canon import CanonicalizationLimit, UnknownContext, rdfc
from microcred.trust.loader import document_loader
from microcred.trust.multikey import EcdsaKey, Ed25519Key, key_from_verification_method

W3C = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "w3c"
VECTORS = W3C / "vc-di-eddsa" / "TestVectors"
ECDSA = W3C / "vc-di-ecdsa" / "TestVectors"
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


UNKNOWN = "https://example.org/contexts/unknown/v1"


def load(*parts: str) -> Any:
    return json.loads(read(*parts))


@pytest.fixture(scope="module")
def key() -> Ed25519Key:
    pair = load("keyPair.json")
    return Ed25519Key.from_multibase(pair["publicKeyMultibase"], pair["privateKeyMultibase"])


@pytest.mark.parametrize(("suite", "folder", "tag"), CASES)
def test_each_step_equals_the_vectors(key: Ed25519Key, suite: str, folder: str, tag: str) -> None:
    unsigned = load("unsigned.json")
    transformed = di.transform(unsigned, suite, LOADER)
    assert transformed.decode().strip() == read(folder, f"canonDoc{tag}.txt")
    config = di.proof_config(load(folder, f"proofConfig{tag}.json"), unsigned, LOADER)
    assert config.decode().strip() == read(folder, f"proofCanon{tag}.txt")
    data = di.hash_data(transformed, config)
    assert data.hex() == read(folder, f"combinedHash{tag}.txt")
    assert data[32:].hex() == read(folder, f"docHash{tag}.txt")
    assert data[:32].hex() == read(folder, f"proofHash{tag}.txt")
    assert key.private is not None
    assert key.private.sign(data).hex() == read(folder, f"sigHex{tag}.txt")

    options = load(folder, f"proofConfig{tag}.json")
    signed = di.add_proof(
        unsigned,
        key,
        suite=suite,
        created=options["created"],
        verification_method=options["verificationMethod"],
        loader=LOADER,
    )
    assert signed == load(folder, f"signed{tag}.json")
    assert signed["proof"]["proofValue"] == read(folder, f"sigBTC58{tag}.txt")
    assert [r.verified for r in di.verify(signed, LOADER)] == [True]


@pytest.mark.parametrize(("suite", "folder", "tag"), CASES)
def test_the_vectors_signed_documents_verify_and_any_change_breaks_them(suite: str, folder: str, tag: str) -> None:
    signed = load(folder, f"signed{tag}.json")
    assert di.verify(signed, LOADER)[0].verified
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["alumniOf"] = "The School of Forgery"
    result = di.verify(changed, LOADER)[0]
    assert not result.verified and "does not match" in result.problem
    wrong_date = copy.deepcopy(signed)
    wrong_date["proof"]["created"] = "2024-02-24T23:36:38Z"
    assert not di.verify(wrong_date, LOADER)[0].verified


def test_proof_sets_and_chains_verify() -> None:
    for name, count in (("signedProofSet2.json", 2), ("signedProofChain2.json", 4)):
        results = di.verify(load("proof-set-chain", name), LOADER)
        assert len(results) == count and all(r.verified for r in results), (name, results)
    chain = load("proof-set-chain", "signedProofChain2.json")
    chain["proof"][0]["proofValue"] = chain["proof"][1]["proofValue"]
    assert [r.verified for r in di.verify(chain, LOADER)][0] is False
    chain["proof"][0]["proofValue"] = load("proof-set-chain", "signedProofChain2.json")["proof"][0]["proofValue"]
    chain["proof"] = chain["proof"][1:]  # a proof whose previous proof was taken away
    assert any("previous proof is missing" in r.problem for r in di.verify(chain, LOADER))


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
    document = load("unsigned.json") | {"@context": ["https://www.w3.org/ns/credentials/v2", UNKNOWN]}
    with pytest.raises(UnknownContext, match="example.org/contexts/unknown/v1 is not one microcred knows"):
        rdfc(document)
    signed = load("eddsa-rdfc-2022", "signedDataInt.json")
    result = di.verify(signed | {"@context": [*signed["@context"], UNKNOWN]})[0]
    assert not result.verified and "not one microcred knows" in result.problem
    assert di.verify(signed)[0].verified  # the W3C examples context is shipped: the suites use it


def test_canonicalization_stops_past_its_limits() -> None:
    """A clique of blank nodes makes RDFC's hash-n-degree step explode: it is cut off, not run for minutes."""
    nodes = 12
    graph = [
        {"@id": f"_:b{i}", "http://example.org/p": [{"@id": f"_:b{j}"} for j in range(nodes) if j != i]}
        for i in range(nodes)
    ]
    with pytest.raises(CanonicalizationLimit, match="too entangled"):
        rdfc({"@graph": graph}, max_steps=2_000, max_seconds=5)


V2 = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": "did:example:i"}
TOO_BIG = {
    "one property with 2,000 values": {**V2, "credentialSubject": {"id": "did:example:s", "name": list(range(2_000))}},
    "lists nested in a list, flattened into one property": {
        **V2,
        "credentialSchema": [[{"id": f"urn:x:{j}:{i}", "type": "JsonSchema"} for i in range(40)] for j in range(40)],
    },
    "objects sharing an id, merged into one node": {
        **V2,
        "credentialSubject": [[{"id": "did:example:same", "name": f"n{j}:{i}"} for i in range(30)] for j in range(30)],
    },
    "6,000 objects": {**V2, "credentialSubject": [{"id": f"urn:s:{j}", "name": "x"} for j in range(6_000)]},
}


@pytest.mark.parametrize("name", TOO_BIG)
def test_documents_too_big_for_json_ld_are_refused_at_once(name: str) -> None:
    """pyld's work grows with the square of a property's values; past the bounds a document is refused in
    milliseconds instead of holding a worker for minutes (the first case took 2 s, 20,000 values 80 s)."""
    started = time.perf_counter()
    with pytest.raises(TrustError, match="too large to canonicalize"):
        rdfc(TOO_BIG[name])
    assert time.perf_counter() - started < 0.5


def test_the_largest_documents_within_the_bounds_are_canonicalized() -> None:
    """Just inside the bounds (they take 0.1–0.3 s here): refused would mean the bounds are too tight."""
    largest = {
        "700 values of one property": {**V2, "credentialSubject": {"id": "did:example:s", "name": list(range(700))}},
        "70 subjects of 70 values each": {
            **V2,
            "credentialSubject": [
                {"id": f"urn:s:{j}", "description": [{"@value": f"{j}:{i}", "@language": "en"} for i in range(70)]}
                for j in range(70)
            ],
        },
    }
    for name, document in largest.items():
        assert rdfc(document).count("\n") > 700, name


@settings(max_examples=25, deadline=None)
@given(position=st.integers(min_value=0, max_value=10_000), byte=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_of_a_signed_credential_fails(key: Ed25519Key, position: int, byte: int) -> None:
    signed = di.add_proof(load("unsigned.json"), key, suite="eddsa-jcs-2022", created="2026-11-23T00:00:00Z")
    raw = bytearray(json.dumps(signed).encode())
    index = position % len(raw)
    raw[index] = (raw[index] + byte) % 256
    try:
        tampered = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return  # no longer JSON: refused before any proof is checked
    if tampered == signed:
        return  # the change did not alter the data (e.g. whitespace)
    results = di.verify(tampered, LOADER) if isinstance(tampered, dict) else []
    assert not results or not all(r.verified for r in results)


ECDSA_CASES = [
    ("ecdsa-rdfc-2019", "ecdsa-rdfc-2019-p256", "ECDSAP256", "p256KeyPair.json"),
    ("ecdsa-rdfc-2019", "ecdsa-rdfc-2019-p384", "ECDSAP384", "p384KeyPair.json"),
    ("ecdsa-jcs-2019", "ecdsa-jcs-2019-p256", "JCSECDSAP256", "p256KeyPair.json"),
    ("ecdsa-jcs-2019", "ecdsa-jcs-2019-p384", "JCSECDSAP384", "p384KeyPair.json"),
]


@pytest.mark.parametrize(("suite", "folder", "tag", "pair"), ECDSA_CASES)
def test_ecdsa_vectors_verify_and_our_signatures_too(suite: str, folder: str, tag: str, pair: str) -> None:
    def text(name: str) -> str:
        return (ECDSA / folder / name).read_text(encoding="utf-8").strip()

    unsigned = json.loads((ECDSA / "unsigned.json").read_text())
    transformed = di.transform(unsigned, suite, LOADER)
    assert transformed.decode().strip() == text(f"canonDoc{tag}.txt")
    options = json.loads(text(f"proofConfig{tag}.json"))
    config = di.proof_config(options, unsigned, LOADER)
    assert config.decode().strip() == text(f"proofCanon{tag}.txt")
    keys = json.loads((ECDSA / pair).read_text())
    key = EcdsaKey.from_multibase(keys["publicKeyMultibase"], keys["secretKeyMultibase"])
    assert di.hash_data(transformed, config, key.algorithm).hex() == text(f"combinedHash{tag}.txt")
    assert key.public_multibase == keys["publicKeyMultibase"] and key.private_multibase == keys["secretKeyMultibase"]

    signed = json.loads(text(f"signed{tag}.json"))
    assert [r.verified for r in di.verify(signed, LOADER)] == [True]
    signed["name"] = "Changed"
    assert [r.verified for r in di.verify(signed, LOADER)] == [False]
    ours = di.add_proof(unsigned, key, suite=suite, created=options["created"], loader=LOADER)
    assert [r.verified for r in di.verify(ours, LOADER)] == [True]
    with pytest.raises(TrustError, match="needs an Ed25519 key"):
        di.add_proof(unsigned, key, suite="eddsa-rdfc-2022", loader=LOADER)
