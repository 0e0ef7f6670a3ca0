"""The Commission's sealed ELM samples verify with our JAdES code, and any change to their payload is caught."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from microcred.trust import TrustError, jades

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
