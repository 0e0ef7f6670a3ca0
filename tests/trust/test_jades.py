"""The Commission's sealed ELM samples verify with our JAdES code, and any change to their payload is caught."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import pytest
from cryptography import x509

from microcred.trust import TrustError, jades
from tests import pki

ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"
SAMPLES = [
    ELM / "Sample-MC-Annex1-signed.jsonld",
    ELM / "Sample-CertOfPart-signed.jsonld",
    ELM / "jades" / "json_sealed_advanced.json",
    ELM / "jades" / "json_to_seal-signed-jades-baseline-lta.json",
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_commissions_seals_verify_and_a_changed_payload_does_not(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    seal = jades.verify(document)
    assert seal.algorithm == "RS256" and seal.signing_time and "CN=" in seal.subject
    if "Annex1" in path.name:
        assert seal.payload["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
        assert seal.timestamped
    changed = copy.deepcopy(document)
    changed["payload"] = changed["payload"].replace("a", "b", 1)
    with pytest.raises(TrustError, match="changed after sealing"):
        jades.verify(changed)
    spaced = copy.deepcopy(document)
    spaced["payload"] = " " + spaced["payload"]  # even a byte JSON would ignore
    with pytest.raises(TrustError, match="changed after sealing"):
        jades.verify(spaced)


def test_malformed_seals_are_named() -> None:
    document = json.loads(SAMPLES[2].read_text(encoding="utf-8"))
    for change, why in (
        (lambda d: d.pop("signatures"), "exactly one signature"),
        (lambda d: d["signatures"][0].update(protected="!!!"), "not JSON|base64url"),
        (lambda d: d["signatures"][0].update(signature="AAAA"), "changed after sealing"),
    ):
        broken = copy.deepcopy(document)
        change(broken)
        with pytest.raises(TrustError, match=why):
            jades.verify(broken)
    with pytest.raises(TrustError, match="unencoded payload"):
        jades.verify({"payload": {"not": "a string"}, "signatures": []})


def _protected(document: dict) -> dict:
    text = document["signatures"][0]["protected"]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def test_the_kid_names_the_certificate_as_the_commission_does() -> None:
    document = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8"))
    header = _protected(document)
    certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    assert jades.kid(certificate) == header["kid"]


@pytest.mark.parametrize(("kind", "algorithm"), [("rsa", "RS256"), ("rsa", "PS256"), ("p256", "ES256")])
def test_our_seals_have_the_commissions_structure_and_verify(kind: str, algorithm: str) -> None:
    ca = pki.CA()
    key = pki.new_key(kind)
    certificate = ca.issue(key, "Seal", organisation_id="VATBE-0123456789")
    credential = {"id": "urn:credential:1", "type": ["VerifiableCredential", "EuropeanDigitalCredential"], "n": "é"}
    sealed = jades.seal(
        credential, key, [certificate, ca.certificate], algorithm=algorithm, signing_time="2026-11-23T10:00:00Z"
    )
    commission = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8"))
    ours, theirs = _protected(sealed), _protected(commission)
    assert set(sealed) == set(commission) == {"payload", "signatures"}
    assert set(ours) == set(theirs) - {"adoTst"}  # the content timestamp is the LTA sample's extra
    assert ours["b64"] is False and ours["crit"] == ["b64", "sigT"] and ours["alg"] == algorithm
    assert ours["typ"] == theirs["typ"] and ours["cty"] == theirs["cty"]
    seal = jades.verify(sealed)
    assert seal.payload == credential and seal.algorithm == algorithm and not seal.timestamped
    assert seal.subject == certificate.subject.rfc4514_string()
    changed = copy.deepcopy(sealed)
    changed["payload"] = changed["payload"].replace("é", "e")
    with pytest.raises(TrustError, match="changed after sealing"):
        jades.verify(changed)


def test_a_key_that_does_not_fit_the_algorithm_is_refused() -> None:
    ca = pki.CA()
    key = pki.new_key("p256")
    certificate = ca.issue(key, "Seal")
    with pytest.raises(TrustError, match="RS256 does not fit"):
        jades.seal({}, key, [certificate], algorithm="RS256", signing_time="2026-11-23T10:00:00Z")
    with pytest.raises(TrustError, match="RSA or EC P-256"):
        jades.algorithm_for(pki.new_key("p384"))  # type: ignore[arg-type]


def test_any_damaged_seal_is_a_trust_error_never_another_exception() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    document = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text(encoding="utf-8"))
    protected = document["signatures"][0]["protected"]
    header = base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4))

    @settings(max_examples=400, deadline=None)
    @given(st.integers(0, len(header) - 1), st.integers(1, 255))
    def damaged(position: int, change: int) -> None:
        broken = bytearray(header)
        broken[position] = (broken[position] + change) % 256
        copy_ = copy.deepcopy(document)
        copy_["signatures"][0]["protected"] = base64.urlsafe_b64encode(bytes(broken)).rstrip(b"=").decode()
        with pytest.raises(TrustError):
            jades.verify(copy_)

    damaged()
