"""Every Open Badges 3.0 example we hold (1EdTech's own and edubadges') gets the verdict it deserves, for the
reason it deserves it: a verdict right for the wrong reason is a wrong verdict.

Two ways to look a key up, as a verifier may be placed:
- offline: nothing but what the document carries (did:key keys are in their DID). A key under an https
  address, or a did:web's, cannot be had, so the signature cannot be checked at all: the honest verdict is
  "not valid" *for that reason* (the W3C verification algorithm ends in verified=false when a verification
  method cannot be dereferenced), never "changed after signing".
- mapped: 1EdTech's examples name their key by its multibase under the issuer's address (…#z6Mk…), as the
  issuer's profile would list it; mapping that address to the key is what fetching the profile would give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from microcred.trust.multikey import Key, key_from_multibase
from microcred.verify import checks

OB3 = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "ob3"
EXAMPLE_ISSUERS = ("https://example.com/issuers/876543", "https://1edtech.edu/issuers/565049")
NO_KEY = "The key that signed the credential cannot be found among its controller's assertion keys"
NO_PROOF = "The credential carries no proof: anyone could have written it."
NOT_A_CREDENTIAL = "type must include VerifiableCredential."


def mapped_keys(method: str, _relationship: str) -> Key | None:
    host, _, fragment = method.partition("#")
    return key_from_multibase(fragment) if host in EXAMPLE_ISSUERS else None


SOURCES = {"offline": checks.Sources(), "mapped": checks.Sources(key_for=mapped_keys)}

# fixture: {sources: (verdict, the check that decides it, its outcome, words its sentence or detail must hold)}
EXPECTED: dict[str, dict[str, tuple[checks.Verdict, str, str, str]]] = {
    # Signed by its issuer's key (the issuer is https, the key under its address): valid once the key is had.
    "1edtech/simple.json": {
        "offline": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_KEY),
        "mapped": (checks.Verdict.VALID, "PROOF", "OK", "The issuer's signature is intact."),
    },
    # Signed and intact, but its status is a 1EdTechRevocationList (no standard way to read it): unknown.
    "1edtech/complete.json": {
        "offline": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_KEY),
        "mapped": (checks.Verdict.STATUS_UNKNOWN, "REVOCATION", "WARNING", "1EdTechRevocationList"),
    },
    # Signed by a did:key (resolved offline), its issuer a urn:uuid, which names no keys: the signature
    # holds, but nothing ties the signer to the issuer, so who issued it is not confirmed.
    "1edtech/simple-did-key-method.json": {
        "offline": (checks.Verdict.UNCONFIRMED, "PROOF", "WARNING", "cannot name its keys"),
        "mapped": (checks.Verdict.UNCONFIRMED, "PROOF", "WARNING", "cannot name its keys"),
    },
    # A draft-era example: VC 1.1, no achievement, no validFrom, and no proof: invalid twice over.
    "1edtech/simple-noproof.json": {
        "offline": (checks.Verdict.INVALID, "FORMAT", "ERROR", "requires credentialSubject.achievement"),
        "mapped": (checks.Verdict.INVALID, "FORMAT", "ERROR", "requires validFrom"),
    },
    # edubadges' credentials are examples without proofs: well formed, but anyone could have written them.
    "edubadges/theed_microcredential_full_ho.json": {
        "offline": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_PROOF),
        "mapped": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_PROOF),
    },
    "edubadges/theed_microcredential_minimal_ho.json": {
        "offline": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_PROOF),
        "mapped": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_PROOF),
    },
    "edubadges/uvh_at_microcredential_full_1.json": {
        "offline": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_PROOF),
        "mapped": (checks.Verdict.INVALID, "PROOF", "ERROR", NO_PROOF),
    },
    # Not credentials at all (a JSON-LD context, JSON Schemas): refused as such, their "proof" never checked.
    "edubadges/educredential-context.json": {
        "offline": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
        "mapped": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
    },
    "edubadges/schema-microcredential.json": {
        "offline": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
        "mapped": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
    },
    "edubadges/schema-microcredential_ects.json": {
        "offline": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
        "mapped": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
    },
    "edubadges/schema-ob_v3p0_achievementcredential_schema.json": {
        "offline": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
        "mapped": (checks.Verdict.INVALID, "FORMAT", "ERROR", NOT_A_CREDENTIAL),
    },
}


def test_every_fixture_has_an_expectation() -> None:
    held = {f"{path.parent.name}/{path.name}" for path in OB3.glob("*/*.json")}
    assert held == set(EXPECTED), held ^ set(EXPECTED)


@pytest.mark.parametrize("where", ["offline", "mapped"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_gets_its_verdict_for_its_reason(name: str, where: str) -> None:
    verdict, check, outcome, words = EXPECTED[name][where]
    report = checks.verify(checks.parse((OB3 / name).read_bytes()), SOURCES[where])
    found = {c.name: c for c in report.checks}
    assert report.verdict == verdict, (name, where, report.as_dict())
    assert found[check].outcome == outcome, (name, where, found[check])
    assert words in f"{found[check].sentence} {found[check].detail}", (name, where, found[check])
    if verdict not in (checks.Verdict.INVALID, checks.Verdict.VALID):  # what the page leads with
        assert report.reason == found[check].sentence
    if name.startswith("1edtech/") and name != "1edtech/simple-noproof.json":
        assert found["FORMAT"].outcome == "OK" and report.kind == "open-badge"


def test_an_unreachable_key_is_never_said_to_be_a_changed_credential() -> None:
    """Offline, a signed example's signature cannot be checked: the sentence says so, and does not accuse it."""
    for name in ("1edtech/simple.json", "1edtech/complete.json"):
        proof = {c.name: c for c in checks.verify(checks.parse((OB3 / name).read_bytes())).checks}["PROOF"]
        assert "cannot be checked" in proof.sentence and "changed" not in proof.sentence


def test_a_changed_byte_in_a_valid_example_is_caught() -> None:
    document: dict[str, Any] = checks.parse((OB3 / "1edtech" / "simple.json").read_bytes())
    document["credentialSubject"]["achievement"]["name"] += "!"
    proof = {c.name: c for c in checks.verify(document, SOURCES["mapped"]).checks}["PROOF"]
    assert proof.outcome == "ERROR" and "changed after it was signed" in proof.sentence
