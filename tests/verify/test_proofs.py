"""Data Integrity's rules for a proof, and the issuer bound to its key: a proof without its purpose, made for
another purpose, created in the future or expired fails; a key its controller does not list for assertions
is no key; a signature nobody ties to the issuer is never plain "valid" (issue 16, points 2, 3 and 9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from microcred.issuing import sources as issuing_sources
from microcred.trust import dataintegrity
from microcred.trust.multikey import Ed25519Key, Key, multibase_encode
from microcred.verify import checks, proofs
from tests.verify.test_fetch import Site, fetcher, site  # noqa: F401 (the fixture serving did:web documents)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SUITE = "eddsa-jcs-2022"  # no JSON-LD expansion: fast enough for a property test
OURS = "did:web:mc.example:orgs:alpha"  # "our" organisation's did:web in these tests
ALPHA = Ed25519Key.generate()


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def unsigned(issuer: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6a9f5e0c-2a7e-4c1b-9a0f-3a1d2b4c5d6e",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"name": "Ada"},
    }


def sign(document: dict[str, Any], key: Key, method: str, **options: Any) -> dict[str, Any]:
    """A proof with exactly the options given (proofPurpose left out when None): what an attacker can write."""
    proof = {"type": "DataIntegrityProof", "cryptosuite": SUITE, "verificationMethod": method}
    proof |= {name: value for name, value in options.items() if value is not None}
    proof["@context"] = document["@context"]
    data = dataintegrity.hash_data(
        dataintegrity.transform(document, SUITE), dataintegrity.proof_config(proof, document), key.algorithm
    )
    return {**document, "proof": {**proof, "proofValue": multibase_encode(key.sign(data))}}


def did_key(key: Key) -> str:
    return f"did:key:{key.public_multibase}"


def own_method(key: Key) -> str:
    return f"{did_key(key)}#{key.public_multibase}"


def sources(**options: Any) -> checks.Sources:
    """Our organisation's did:web key, listed under assertionMethod only (as keys.did_document lists it)."""

    def key_for(method: str, relationship: str) -> Key | None:
        return ALPHA if method == f"{OURS}#{ALPHA.public_multibase}" and relationship == "assertionMethod" else None

    def trust(issuer: str, _credential: dict[str, Any]) -> checks.Trust | None:
        return checks.Trust("Alpha Academy", accredited=False) if issuer == OURS else None

    return checks.Sources(key_for=key_for, trust=trust, now=lambda: NOW, **options)


def by_name(report: checks.Report) -> dict[str, checks.Check]:
    return {check.name: check for check in report.checks}


def test_a_proof_signed_by_the_issuers_own_did_key_is_valid() -> None:
    key = Ed25519Key.generate()
    report = checks.verify(sign(unsigned(did_key(key)), key, own_method(key), proofPurpose="assertionMethod"))
    assert report.verdict == checks.Verdict.VALID and report.valid, report.as_dict()


@pytest.mark.parametrize(
    ("purpose", "why"),
    [(None, "proofPurpose is missing"), ("authentication", "'authentication'"), ("capabilityDelegation", "capab")],
)
def test_a_proof_without_its_purpose_or_for_another_purpose_fails(purpose: str | None, why: str) -> None:
    key = Ed25519Key.generate()
    report = checks.verify(sign(unsigned(did_key(key)), key, own_method(key), proofPurpose=purpose), sources())
    proof = by_name(report)["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "assertionMethod" in proof.sentence and why in proof.detail
    assert report.verdict == checks.Verdict.INVALID


def test_a_proof_created_in_the_future_fails_beyond_the_stated_clock_skew() -> None:
    key = Ed25519Key.generate()
    document = unsigned(did_key(key))
    ahead = sign(
        document, key, own_method(key), proofPurpose="assertionMethod", created=stamp(NOW + timedelta(hours=1))
    )
    proof = by_name(checks.verify(ahead, sources()))["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "in the future" in proof.sentence
    assert "5 minutes" in proof.detail  # the skew allowed, stated
    skewed = stamp(NOW + proofs.CLOCK_SKEW - timedelta(seconds=30))
    assert checks.verify(
        sign(document, key, own_method(key), proofPurpose="assertionMethod", created=skewed), sources()
    ).valid


def test_an_expired_proof_fails_and_one_not_yet_expired_holds() -> None:
    key = Ed25519Key.generate()
    document = unsigned(did_key(key))
    expired = sign(
        document, key, own_method(key), proofPurpose="assertionMethod", expires=stamp(NOW - timedelta(days=1))
    )
    proof = by_name(checks.verify(expired, sources()))["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "expired on 2026-05-31" in proof.sentence
    later = sign(document, key, own_method(key), proofPurpose="assertionMethod", expires=stamp(NOW + timedelta(days=1)))
    assert checks.verify(later, sources()).valid


def test_a_did_key_fragment_that_is_not_the_key_is_not_in_its_did_document() -> None:
    key = Ed25519Key.generate()
    method = f"{did_key(key)}#other"
    proof = by_name(checks.verify(sign(unsigned(did_key(key)), key, method, proofPurpose="assertionMethod")))["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "cannot be found" in proof.sentence


def test_our_did_web_key_counts_for_assertions_only() -> None:
    """Our DID documents list keys under assertionMethod: a holder's presentation proof cannot use them."""
    method = f"{OURS}#{ALPHA.public_multibase}"
    report = checks.verify(sign(unsigned(OURS), ALPHA, method, proofPurpose="assertionMethod"), sources())
    assert report.valid and by_name(report)["ACCREDITATION"].sentence.startswith("Issued by Alpha Academy")
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": OURS,
    }
    owner, _ = checks.verify_presentation(sign(presentation, ALPHA, method, proofPurpose="authentication"), sources())
    assert by_name(owner)["OWNER"].outcome == checks.Outcome.ERROR
    assert "authentication keys" in by_name(owner)["OWNER"].sentence


def test_a_presentation_proof_created_in_the_future_or_expired_fails() -> None:
    key = Ed25519Key.generate()
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did_key(key),
    }
    future = stamp(NOW + timedelta(days=2))
    owner, _ = checks.verify_presentation(
        sign(presentation, key, own_method(key), proofPurpose="authentication", created=future), sources()
    )
    assert by_name(owner)["OWNER"].outcome == checks.Outcome.ERROR and "future" in by_name(owner)["OWNER"].sentence
    past = stamp(NOW - timedelta(days=2))
    owner, _ = checks.verify_presentation(
        sign(presentation, key, own_method(key), proofPurpose="authentication", expires=past), sources()
    )
    assert "expired" in by_name(owner)["OWNER"].sentence
    owner, _ = checks.verify_presentation(
        sign(presentation, key, own_method(key), proofPurpose="authentication"), sources()
    )
    assert by_name(owner)["OWNER"].outcome == checks.Outcome.OK


@pytest.mark.parametrize(
    "issuer",
    [
        "urn:uuid:0b8c3b5e-4f7a-4f1e-9c7e-2b1d9a6c8e4f",
        OURS.upper().replace("MC.EXAMPLE", "mc.example").replace("ORGS:ALPHA", "orgs:alpha"),  # DID:WEB:…
        "DID:web:mc.example:orgs:alpha",
        "https://alpha.example/issuer",
    ],
)
def test_an_issuer_nobody_ties_to_the_signing_key_is_unconfirmed_and_its_name_not_shown(issuer: str) -> None:
    """The attack: anyone's did:key signs a credential naming an organisation (its id and its name)."""
    attacker = Ed25519Key.generate()
    document = unsigned({"id": issuer, "name": "Alpha Academy"})
    report = checks.verify(sign(document, attacker, own_method(attacker), proofPurpose="assertionMethod"), sources())
    found = by_name(report)
    assert found["PROOF"].outcome == checks.Outcome.WARNING and found["PROOF"].verdict == checks.Verdict.UNCONFIRMED
    assert report.verdict == checks.Verdict.UNCONFIRMED and not report.valid and report.intact
    assert report.as_dict()["verdictLabel"] == "Signature intact, issuer not confirmed"
    assert "Alpha Academy" not in found["ACCREDITATION"].sentence
    facts = dict(checks.summary(report))
    assert "Awarded by" not in facts and facts["Issuer"] == "Names itself Alpha Academy (not confirmed)"


def test_a_did_issuer_signed_by_someone_elses_key_fails() -> None:
    attacker = Ed25519Key.generate()
    for issuer in (OURS, did_key(Ed25519Key.generate())):
        report = checks.verify(sign(unsigned(issuer), attacker, own_method(attacker), proofPurpose="assertionMethod"))
        assert by_name(report)["PROOF"].outcome == checks.Outcome.ERROR, issuer
        assert "does not belong to its issuer" in by_name(report)["PROOF"].sentence


def test_an_unreachable_status_list_is_status_unknown_not_valid() -> None:
    key = Ed25519Key.generate()
    document = unsigned(did_key(key)) | {
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "3",
            "statusListCredential": "https://lists.example/1",
        }
    }

    def unreachable(_url: str) -> dict[str, Any] | None:
        raise checks.Unreachable("The site could not be reached.")

    report = checks.verify(
        sign(document, key, own_method(key), proofPurpose="assertionMethod"), sources(status_list=unreachable)
    )
    revocation = by_name(report)["REVOCATION"]
    assert revocation.outcome == checks.Outcome.WARNING and revocation.verdict == checks.Verdict.STATUS_UNKNOWN
    assert "STATUS_RETRIEVAL_ERROR" in revocation.detail
    assert report.verdict == checks.Verdict.STATUS_UNKNOWN and not report.valid
    assert report.as_dict()["verified"] is False and report.as_dict()["verdict"] == "status-unknown"
    # A bare status URL is no credentialStatus of the VC data model (an object with a type): FORMAT says so.
    service_url = unsigned(did_key(key)) | {"credentialStatus": "https://status.example/awards/1"}
    answer = checks.verify(sign(service_url, key, own_method(key), proofPurpose="assertionMethod"), sources())
    assert answer.verdict == checks.Verdict.INVALID
    assert "credentialStatus must be an object, not str" in by_name(answer)["FORMAT"].detail


def test_a_did_web_key_not_listed_under_assertion_method_is_refused(db: Session, site: Site) -> None:  # noqa: F811
    """The site lists the key in verificationMethod, but not under assertionMethod (only authentication)."""
    key = Ed25519Key.generate()
    did = f"did:web:localhost%3A{site.port}:relation-{key.public_multibase[-8:]}"
    method = f"{did}#{key.public_multibase}"
    listed = {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": key.public_multibase}
    path = f"/relation-{key.public_multibase[-8:]}"
    site.serve(
        f"{path}/did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "verificationMethod": [listed],
            "authentication": [method],
        },
    )
    here = issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))
    signed = sign(unsigned(did), key, method, proofPurpose="assertionMethod", created=dataintegrity.now())
    proof = by_name(checks.verify(signed, here))["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "assertion keys" in proof.sentence
    site.serve(
        f"{path}/did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "verificationMethod": [listed],
            "assertionMethod": [method],
        },
    )
    again = issuing_sources.sources(db, base_url="https://mc.example", master=b"\0" * 32, fetcher=fetcher(site))
    assert by_name(checks.verify(signed, again))["PROOF"].outcome == checks.Outcome.OK


# The property: "valid" only when the key is the issuer's, listed for assertions, and every rule holds -------------

SIGNER, OTHER = Ed25519Key.generate(), Ed25519Key.generate()
ISSUERS = {
    "the signer's did:key": did_key(SIGNER),
    "someone else's did:key": did_key(OTHER),
    "a urn:uuid": "urn:uuid:0b8c3b5e-4f7a-4f1e-9c7e-2b1d9a6c8e4f",
    "our did:web": OURS,
    "an upper-case DID": "DID:web:mc.example:orgs:alpha",
    "an https URL": "https://alpha.example/issuer",
}
KEYS = {
    "the signer's did:key": (SIGNER, own_method(SIGNER)),
    "the signer's bare did:key": (SIGNER, did_key(SIGNER)),
    "our did:web key": (ALPHA, f"{OURS}#{ALPHA.public_multibase}"),
    "our did:web key, another's name": (SIGNER, f"{OURS}#{ALPHA.public_multibase}"),
}
CREATED = {
    "none": None,
    "an hour ago": -timedelta(hours=1),
    "within the skew": timedelta(minutes=4),
    "tomorrow": timedelta(days=1),
}
EXPIRES = {"none": None, "yesterday": -timedelta(days=1), "next year": timedelta(days=365)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(ISSUERS)),
    st.sampled_from(sorted(KEYS)),
    st.sampled_from([None, "assertionMethod", "authentication", "capabilityInvocation"]),
    st.sampled_from(sorted(CREATED)),
    st.sampled_from(sorted(EXPIRES)),
)
def test_valid_is_said_only_when_the_key_is_the_issuers_and_every_rule_holds(
    issuer: str, signer: str, purpose: str | None, created: str, expires: str
) -> None:
    key, method = KEYS[signer]
    offset, ends = CREATED[created], EXPIRES[expires]
    document = unsigned({"id": ISSUERS[issuer], "name": "Alpha Academy"})
    signed = sign(
        document,
        key,
        method,
        proofPurpose=purpose,
        created=None if offset is None else stamp(NOW + offset),
        expires=None if ends is None else stamp(NOW + ends),
    )
    report = checks.verify(signed, sources())
    issuers_key = (issuer, signer) in {
        ("the signer's did:key", "the signer's did:key"),
        ("the signer's did:key", "the signer's bare did:key"),
        ("our did:web", "our did:web key"),
    }
    rules_hold = purpose == "assertionMethod" and created != "tomorrow" and expires != "yesterday"
    assert report.valid == (issuers_key and rules_hold), (issuer, signer, purpose, created, expires, report.as_dict())
    facts = dict(checks.summary(report))
    if report.valid and issuer == "our did:web":  # the name as fact only where the registry vouches for it
        assert facts.get("Awarded by") == "Alpha Academy"
    else:
        assert "Awarded by" not in facts and facts["Issuer"].startswith("Names itself Alpha Academy (not ")


def test_a_holder_presenting_someone_elses_credential_is_told_what_the_proof_does_and_does_not_show() -> None:
    """VC 2.0 lets a holder present a credential about another subject (a parent for a child): not refused, but
    OWNER says the holder's proof shows who presents it, not that they are its subject."""
    issuer, holder = Ed25519Key.generate(), Ed25519Key.generate()
    credential = sign(
        {**unsigned(did_key(issuer)), "credentialSubject": {"id": "did:example:child", "name": "Ada"}},
        issuer,
        own_method(issuer),
        proofPurpose="assertionMethod",
    )
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did_key(holder),
        "verifiableCredential": [credential],
    }
    report, carried = checks.verify_presentation(
        sign(presentation, holder, own_method(holder), proofPurpose="authentication"), sources()
    )
    owner = by_name(report)["OWNER"]
    assert owner.outcome == checks.Outcome.WARNING and report.intact, report.as_dict()
    assert "The holder signed this presentation" in owner.sentence
    assert "not that they are the person it was issued to" in owner.sentence
    assert "did:example:child" in owner.detail and did_key(holder) in owner.detail
    assert by_name(carried[0])["PROOF"].outcome == checks.Outcome.OK
    mine = {**presentation, "verifiableCredential": [credential | {"credentialSubject": {"id": did_key(holder)}}]}
    mine["verifiableCredential"] = [
        sign(
            {**unsigned(did_key(issuer)), "credentialSubject": {"id": did_key(holder), "name": "Ada"}},
            issuer,
            own_method(issuer),
            proofPurpose="assertionMethod",
        )
    ]
    report, _ = checks.verify_presentation(
        sign(mine, holder, own_method(holder), proofPurpose="authentication"), sources()
    )
    assert by_name(report)["OWNER"].outcome == checks.Outcome.OK  # the holder is the subject: nothing to say


def test_proof_chains_verify_with_their_previous_proofs_and_a_missing_one_fails() -> None:
    """Data Integrity's previousProof: the W3C chain vector verifies; a proof naming a proof the credential does
    not carry fails; a second proof made over the bare document (as jsonld-signatures signs a chain) holds."""
    vectors = FIXTURES / "w3c" / "vc-di-eddsa" / "TestVectors" / "proof-set-chain"
    chain = json.loads((vectors / "signedProofChain2.json").read_text())
    assert any("previousProof" in proof for proof in chain["proof"])
    assert by_name(checks.verify(chain))["PROOF"].outcome == checks.Outcome.WARNING  # intact; issuer not tied
    broken = json.loads((vectors / "signedProofChain2.json").read_text())
    broken["proof"] = [p for p in broken["proof"] if p.get("id") != "urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544"]
    proof = by_name(checks.verify(broken))["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "previous proof the credential does not carry" in proof.sentence

    key = Ed25519Key.generate()
    document = unsigned(did_key(key))
    first = sign(document, key, own_method(key), proofPurpose="assertionMethod", id="urn:uuid:first")["proof"]
    as_set = sign(document, key, own_method(key), proofPurpose="assertionMethod", previousProof="urn:uuid:first")
    chained = sign(
        {**document, "proof": [first]},
        key,
        own_method(key),
        proofPurpose="assertionMethod",
        previousProof=["urn:uuid:first"],
    )
    for second in (as_set["proof"], chained["proof"]):
        report = checks.verify({**document, "proof": [first, second]}, sources())
        assert by_name(report)["PROOF"].outcome == checks.Outcome.OK, report.as_dict()
    missing = {**document, "proof": [first | {"id": "urn:uuid:other"}, as_set["proof"]]}
    assert "urn:uuid:first" in by_name(checks.verify(missing, sources()))["PROOF"].detail


def test_a_co_signers_proof_beside_the_issuers_is_said_and_alone_it_is_refused() -> None:
    issuer, witness = Ed25519Key.generate(), Ed25519Key.generate()
    document = unsigned(did_key(issuer))
    own = sign(document, issuer, own_method(issuer), proofPurpose="assertionMethod")["proof"]
    other = sign(document, witness, own_method(witness), proofPurpose="assertionMethod")["proof"]
    both = by_name(checks.verify({**document, "proof": [own, other]}, sources()))["PROOF"]
    assert both.outcome == checks.Outcome.OK and "co-signer" in both.detail and did_key(witness) in both.detail
    alone = by_name(checks.verify({**document, "proof": [other]}, sources()))["PROOF"]
    assert alone.outcome == checks.Outcome.ERROR and "does not belong to its issuer" in alone.sentence
    forged = by_name(checks.verify({**document, "proof": [own, other | {"proofValue": own["proofValue"]}]}))
    assert forged["PROOF"].outcome == checks.Outcome.ERROR  # every proof is checked, the co-signer's too
