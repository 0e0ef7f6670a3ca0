"""Selective disclosure speed: `ecdsa-sd-2023` base proofs made, disclosures derived and derived proofs verified
per second on one core, beside Digital Bazaar's `@digitalbazaar/ecdsa-sd-2023-cryptosuite` (with
`@digitalbazaar/vc`) doing the same work on the same credential in the same run, as ratios.

    .venv/bin/python -m bench.sd_speed [--seconds 5] [--no-node]

The credential is an Open Badge shaped like our awards (issuer, achievement with criteria, alignments and
outcomes, the learner's identifiers, a grade, a status entry), signed by a did:key P-256 issuer with our
awards' mandatory pointers; the disclosure leaves out the grade and the learner, as a wallet share does. Node
runs from tests/node (its locked node_modules: no download), warmed up before timing, its document loader
serving our bundled contexts and the did:key; before timing, each side must verify the other's derived proof.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tests.trust import sd_node

from bench.issuing_speed import rate
from microcred.issuing import disclosure
from microcred.trust import dataintegrity, ecdsa_sd
from microcred.trust.loader import document_loader
from microcred.trust.multikey import EcdsaKey

HIDDEN = ["Grade", "Learner"]


def award(issuer: str) -> dict[str, Any]:
    """An unsigned Open Badge like the ones editions issue (the shape, not the database)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2f2d3d51-9f0e-4a53-8d6c-0f5f0b7f2a11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Alpha Academy", "url": "https://alpha.example"},
        "validFrom": "2026-11-20T10:00:00Z",
        "awardedDate": "2026-11-20T00:00:00Z",
        "name": "Data analysis with Python",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Ana Andromeda"},
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": "sha256$6b3b2a4a3a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbcc",
                    "salt": "f3a1",
                },
            ],
            "achievement": {
                "id": "https://alpha.example/catalogue/42/editions/1",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Data analysis with Python",
                "description": "Clean, explore and model tabular data with pandas and scikit-learn.",
                "criteria": {"narrative": "- Clean a data set\n- Fit and evaluate a model\n- Report the findings"},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetType": "ceasn:Competency",
                        "targetFramework": "ESCO",
                        "targetName": f"skill {n}",
                        "targetUrl": f"http://data.europa.eu/esco/skill/{n:04d}",
                    }
                    for n in range(4)
                ],
                "creditsAvailable": 5.0,
            },
            "activityEndDate": "2026-11-20T00:00:00Z",
            "result": [{"type": ["Result"], "value": "Distinction"}],
            "creditsEarned": 5.0,
        },
        "credentialStatus": {
            "id": "https://alpha.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://alpha.example/status/1",
        },
    }


def ours(seconds: float, key: EcdsaKey, unsigned: dict[str, Any]) -> dict[str, float]:
    loader = document_loader()
    mandatory = disclosure.mandatory_pointers(unsigned)
    base = ecdsa_sd.add_base_proof(unsigned, key, mandatory_pointers=mandatory, loader=loader)
    selective = disclosure.selective_pointers(unsigned, HIDDEN)
    derived = ecdsa_sd.derive(base, selective, loader=loader)
    revealed = {k: v for k, v in derived.items() if k != "proof"}
    assert dataintegrity.verify_proof(revealed, derived["proof"], key, loader).verified
    return {
        "base": rate(
            lambda _n: ecdsa_sd.add_base_proof(unsigned, key, mandatory_pointers=mandatory, loader=loader), seconds
        ),
        "derive": rate(lambda _n: ecdsa_sd.derive(base, selective, loader=loader), seconds),
        "verify": rate(lambda _n: ecdsa_sd.verify_derived_proof(revealed, derived["proof"], key, loader), seconds),
    }


def cross_checked(key: EcdsaKey, unsigned: dict[str, Any]) -> str:
    """'' when each side verifies the other's derived proof (and refuses a tampered one), else what failed."""
    mandatory = disclosure.mandatory_pointers(unsigned)
    selective = disclosure.selective_pointers(unsigned, HIDDEN)
    base = ecdsa_sd.add_base_proof(unsigned, key, mandatory_pointers=mandatory)
    if not sd_node.run("verify", credential=ecdsa_sd.derive(base, selective))["verified"]:
        return "Node does not verify our derived proof"
    theirs = sd_node.run("derive", credential=base, pointers=selective)
    if not dataintegrity.verify(theirs)[0].verified:
        return "we do not verify Node's derived proof"
    theirs["credentialSubject"]["creditsEarned"] = 50.0
    if dataintegrity.verify(theirs)[0].verified:
        return "a tampered derived proof verified"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="How long each rate is measured.")
    parser.add_argument("--no-node", action="store_true", help="Without the Node baseline.")
    args = parser.parse_args(argv)
    key = EcdsaKey.generate("P-256")
    unsigned = award(key.did)
    print(f"ecdsa-sd-2023 on an Open Badge award, hiding {', '.join(HIDDEN)}; {args.seconds:g} s per rate, one core")
    mine = ours(args.seconds, key, unsigned)
    theirs: dict[str, float] = {}
    note = "Node baseline skipped (--no-node)"
    if not args.no_node:
        if not sd_node.node_available():
            note = "Node baseline skipped: node or tests/node/node_modules is missing (npm ci in tests/node)"
        else:
            problem = cross_checked(key, unsigned)
            if problem:
                print(f"cross-check FAILED: {problem}")
                return 1
            note = "cross-checked: each side verifies the other's derived proof and refuses a tampered one"
            theirs = sd_node.run(
                "bench",
                timeout=args.seconds * 9 + 300,
                credential=unsigned,
                key={"publicKeyMultibase": key.public_multibase, "secretKeyMultibase": key.private_multibase},
                mandatory=disclosure.mandatory_pointers(unsigned),
                selective=disclosure.selective_pointers(unsigned, HIDDEN),
                seconds=args.seconds,
            )
    print(f"{'':34} {'ours /s':>10} {'Node /s':>10} {'ratio':>8}")
    for name, label in (
        ("base", "base proof made (issuer)"),
        ("derive", "disclosure derived (holder)"),
        ("verify", "derived proof verified"),
    ):
        node_rate = theirs.get(name)
        ratio = f"{mine[name] / node_rate:7.2f}x" if node_rate else "      -"
        shown = f"{node_rate:10.1f}" if node_rate else f"{'-':>10}"
        print(f"{label:34} {mine[name]:10.1f} {shown} {ratio}")
    print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
