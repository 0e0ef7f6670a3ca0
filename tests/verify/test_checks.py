"""One verification pipeline for the API, the page and the command line: ours, 1EdTech's and the Commission's
credentials get the right verdict per check, and a changed byte never passes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.issuing import keys, seals
from microcred.store import Database
from microcred.trust import jades, pkix
from microcred.trust.multikey import key_from_multibase
from microcred.verify import checks
from tests import pki
from tests.conftest import World
from tests.issuing.test_credentials import LEARNER, published
from tests.web.test_api import bearer

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
ELM = FIXTURES / "elm"
ONE_EDTECH = FIXTURES / "ob3" / "1edtech"
EDUBADGES = FIXTURES / "ob3" / "edubadges"


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {check["check"]: check["outcome"] for check in report["checks"]}


def issue(client: TestClient, database: Database, world: World) -> tuple[dict[str, Any], str]:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Pass"}}
    issued = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    return issued.json()["credential"], issued.json()["id"]


def revoke(
    client: TestClient,
    database: Database,
    world: World,
    credential_id: str,
    purpose: str = "revocation",
    reason: str = "Awarded in error",
) -> None:
    """The awarding body revokes (or suspends) the award through the VC-API, with a reason."""
    answer = client.post(
        "/credentials/status",
        json={
            "credentialId": f"urn:uuid:{credential_id}",
            "credentialStatus": [{"statusPurpose": purpose, "status": True}],
            "reason": reason,
        },
        headers=bearer(database, world, "a", Role.ORG_ADMIN),
    )
    assert answer.status_code == 200, answer.text


def test_our_credential_verifies_and_a_change_or_a_revocation_is_caught(
    client: TestClient, database: Database, world: World
) -> None:
    credential, credential_id = issue(client, database, world)
    valid = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert valid.status_code == 200, valid.text
    assert outcomes(valid.json()) == {
        "FORMAT": "OK",
        "PROOF": "OK",
        "REVOCATION": "OK",
        "VALIDITY": "OK",
        "ACCREDITATION": "OK",
    }
    assert valid.json()["verified"] is True and valid.json()["kind"] == "open-badge"

    changed = json.loads(json.dumps(credential))
    changed["credentialSubject"]["result"][0]["value"] = "Distinction"
    refused = client.post("/credentials/verify", json={"verifiableCredential": changed})
    assert refused.status_code == 400 and outcomes(refused.json())["PROOF"] == "ERROR"
    assert "changed after it was signed" in " ".join(refused.json()["errors"])

    added = {**credential, "credentialSubject": {**credential["credentialSubject"], "honours": "summa cum laude"}}
    unsigned_claim = client.post("/credentials/verify", json={"verifiableCredential": added})
    assert unsigned_claim.status_code == 400 and outcomes(unsigned_claim.json())["PROOF"] == "ERROR"

    revoke(client, database, world, credential_id)
    revoked = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert revoked.status_code == 400 and outcomes(revoked.json())["REVOCATION"] == "ERROR"
    assert "revoked" in " ".join(revoked.json()["errors"])


def test_any_single_changed_byte_of_a_signed_credential_fails(
    client: TestClient, database: Database, world: World
) -> None:
    credential, _id = issue(client, database, world)
    text = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    key = checks.Sources().key_for  # no network, no database: our did:web resolved from the DID document below
    did = client.get("/orgs/a/did.json").json()
    keys = {m["id"]: key_from_multibase(m["publicKeyMultibase"]) for m in did["verificationMethod"]}
    sources = checks.Sources(key_for=lambda method, relationship: keys.get(method) or key(method, relationship))
    assert checks.verify(json.loads(text), sources).checks[1].outcome == checks.Outcome.OK

    @settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, len(text) - 1), st.integers(1, 255))
    def one_byte(position: int, change: int) -> None:
        broken = bytearray(text)
        broken[position] = (broken[position] + change) % 256
        try:
            report = checks.verify(checks.parse(bytes(broken)), sources)
        except Exception as error:  # only a clear refusal of the JSON itself is acceptable
            assert isinstance(error, checks.TrustError), error
            return
        verdict = {c.name: c.outcome for c in report.checks}
        assert not report.valid, (position, change, bytes(broken[max(0, position - 40) : position + 40]))
        assert verdict.get("PROOF") == checks.Outcome.ERROR or verdict.get("FORMAT") == checks.Outcome.ERROR

    one_byte()


@pytest.mark.parametrize(
    "path",
    [ELM / "Sample-MC-Annex1-signed.jsonld", ELM / "Sample-CertOfPart-signed.jsonld"],
    ids=lambda p: p.name,
)
def test_the_commissions_sealed_credentials_get_the_right_verdicts(path: Path) -> None:
    document = checks.parse(path.read_bytes())
    seal = jades.verify(document)  # the signature holds
    # With no anchors, nothing vouches for the 2023 timestamp, and the certificate has expired since (2025): ERROR.
    report = checks.verify(document)
    verdict = {c.name: c.outcome.value for c in report.checks}
    assert verdict["FORMAT"] == "OK" and verdict["SEAL"] == "ERROR" and report.kind == "elm"
    sentence = next(c for c in report.checks if c.name == "SEAL")
    assert "signature holds" in sentence.sentence and "not valid on" in sentence.sentence
    assert "authority this server does not trust" in sentence.detail
    # Its timestamp authority trusted: sealed in 2023, when the certificate was valid; its chain is not anchored.
    assert seal.stamp is not None
    tsa_root = seal.stamp.certificates[-1]
    stamps = pkix.Anchors(timestamps=(pkix.Anchor(tsa_root, "Nowina's test TSA root"),))
    report = checks.verify(document, checks.Sources(anchors=lambda: stamps))
    verdict = {c.name: c.outcome.value for c in report.checks}
    assert verdict["SEAL"] == "WARNING" and report.verdict == checks.Verdict.UNCONFIRMED
    assert "chains to no trust anchor" in next(c for c in report.checks if c.name == "SEAL").sentence
    assert verdict["ACCREDITATION"] == "WARNING" and verdict["VALIDITY"] == "OK"
    assert str(report.issuer).startswith("sha256:") and "CN=" not in str(report.issuer)
    # Its anchor loaded (the sample carries only its seal certificate, which is then the anchor): OK.
    anchored = replace(stamps, seals=(pkix.Anchor(seal.chain[0], "ANF's eSeal certificate"),))
    report = checks.verify(document, checks.Sources(anchors=lambda: anchored))
    assert {c.name: c.outcome.value for c in report.checks}["SEAL"] == "OK"
    assert dict(checks.summary(report))["Learner"]
    document["payload"] = document["payload"].replace("Pass", "Fail", 1).replace("a", "e", 1)
    changed = {c.name: c.outcome.value for c in checks.verify(document).checks}
    assert changed["SEAL"] == "ERROR"


def test_one_edtechs_signed_examples_verify_with_their_keys_mapped() -> None:
    def example_keys(method: str, relationship: str) -> Any:
        host, _, fragment = method.partition("#")
        if host in ("https://example.com/issuers/876543", "https://1edtech.edu/issuers/565049"):
            return key_from_multibase(fragment)
        return None

    sources = checks.Sources(key_for=example_keys)
    # simple-did-key-method's issuer is a urn:uuid, which names no keys: the signature holds, its author is unknown
    for name, proof, verdict_wanted in (
        ("simple.json", "OK", checks.Verdict.VALID),
        ("simple-did-key-method.json", "WARNING", checks.Verdict.UNCONFIRMED),
    ):
        report = checks.verify(checks.parse((ONE_EDTECH / name).read_bytes()), sources)
        verdict = {c.name: c.outcome.value for c in report.checks}
        assert verdict["PROOF"] == proof and verdict["REVOCATION"] == "SKIPPED", (name, report.as_dict())
        assert verdict["FORMAT"] == "OK" and report.kind == "open-badge" and report.verdict == verdict_wanted
    complete = checks.verify(checks.parse((ONE_EDTECH / "complete.json").read_bytes()), sources)
    verdict = {c.name: c.outcome.value for c in complete.checks}
    assert verdict["PROOF"] == "OK" and verdict["REVOCATION"] == "WARNING"  # 1EdTechRevocationList: not read
    assert complete.verdict == checks.Verdict.STATUS_UNKNOWN  # so whether it was revoked is unknown
    assert checks.verify(checks.parse((ONE_EDTECH / "simple.json").read_bytes())).checks[1].outcome == "ERROR"


def test_a_term_no_context_defines_is_refused_not_left_unsigned() -> None:
    """Under VC 2.0 alone an undefined key expands to nothing, so a proof would not cover it: JSON-LD safe
    mode (as Data Integrity asks, and as @digitalbazaar/vc does) makes such a credential fail PROOF."""
    from microcred.trust import dataintegrity
    from microcred.trust.loader import document_loader
    from microcred.trust.multikey import Ed25519Key

    key = Ed25519Key.generate()
    did = f"did:key:{key.public_multibase}"
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ada", "name": "Ada"},
    }
    signed = dataintegrity.add_proof(
        unsigned, key, verification_method=f"{did}#{key.public_multibase}", loader=document_loader()
    )
    assert {c.name: c.outcome.value for c in checks.verify(signed).checks}["PROOF"] == "OK"
    padded = {**signed, "credentialSubject": {**signed["credentialSubject"], "honours": "summa cum laude"}}
    proof = {c.name: c for c in checks.verify(padded).checks}["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "'honours'" in proof.detail


def test_validity_dates_and_bad_documents() -> None:
    later = checks.Sources(now=lambda: datetime(2040, 1, 1, tzinfo=UTC))
    document = checks.parse((ONE_EDTECH / "simple-did-key-method.json").read_bytes())
    expired = {**document, "validUntil": "2030-01-01T00:00:00Z"}
    assert checks.validity_check(expired, later).sentence == "The credential expired on 2030-01-01."
    early = {**document, "validFrom": "2045-01-01T00:00:00Z"}
    assert checks.validity_check(early, later).outcome == checks.Outcome.ERROR
    for bad, why in (
        (b"{", "not JSON"),
        (b"[" * 100 + b"]" * 100, "nested more than"),
        (b" " * (checks.MAX_BYTES + 1), "larger than"),
    ):
        with pytest.raises(checks.TrustError, match=why):
            checks.parse(bad)
    not_one = checks.verify({"hello": "world"})
    assert not not_one.valid and not_one.checks[0].name == "FORMAT" and not_one.checks[0].outcome == "ERROR"
    assert checks.verify([1, 2]).checks[0].sentence.startswith("This is not a credential")
    foreign = {**document, "proof": [{**document["proof"][0], "verificationMethod": "did:ion:EiD3#key-1"}]}
    proof = {c.name: c for c in checks.verify(foreign).checks}["PROOF"]
    assert proof.outcome == checks.Outcome.ERROR and "did:ion is not a DID method microcred resolves" in proof.detail


def test_unsigned_edubadges_are_well_formed_but_not_valid() -> None:
    for path in sorted(EDUBADGES.glob("*_microcredential_*.json")):
        report = checks.verify(checks.parse(path.read_bytes()))
        verdict = {c.name: c.outcome.value for c in report.checks}
        # Their second credentialSchema (edubadges' own, on GitHub) is not fetched here: said, not failed.
        assert "could not be read" in report.checks[0].sentence and "raw.githubusercontent" in report.checks[0].detail
        assert verdict == {
            "FORMAT": "WARNING",
            "PROOF": "ERROR",
            "REVOCATION": "SKIPPED",
            "VALIDITY": "OK",
            "ACCREDITATION": "WARNING",
        }, path.name
        assert "no proof" in report.checks[1].sentence


def test_a_presentation_proves_its_holder_for_this_challenge_and_carries_valid_credentials(
    client: TestClient, database: Database, world: World
) -> None:
    from microcred.trust import dataintegrity
    from microcred.trust.loader import document_loader
    from microcred.trust.multikey import Ed25519Key

    credential, _id = issue(client, database, world)
    holder = Ed25519Key.generate()
    did = f"did:key:{holder.public_multibase}"

    def presented(credentials: list[Any], challenge: str = "c-123") -> dict[str, Any]:
        unsigned = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did,
            "verifiableCredential": credentials,
        }
        return dataintegrity.add_proof(
            unsigned,
            holder,
            proof_purpose="authentication",
            verification_method=f"{did}#{holder.public_multibase}",
            created=dataintegrity.now(),
            loader=document_loader(),
            extra={"challenge": challenge, "domain": "employer.example"},
        )

    options = {"challenge": "c-123", "domain": "employer.example"}

    def check(presentation: dict[str, Any]) -> Any:
        return client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": options})

    good = check(presented([credential]))
    assert good.status_code == 200, good.text
    assert outcomes(good.json()["presentationResult"]) == {"FORMAT": "OK", "OWNER": "OK"}
    assert good.json()["credentialResults"][0]["verified"] is True

    replayed = check(presented([credential], challenge="old"))
    assert replayed.status_code == 400 and outcomes(replayed.json()["presentationResult"])["OWNER"] == "ERROR"
    changed = {**credential, "name": "Something else"}
    tampered = client.post(
        "/presentations/verify", json={"verifiablePresentation": presented([changed]), "options": options}
    )
    assert tampered.status_code == 400 and outcomes(tampered.json()["credentialResults"][0])["PROOF"] == "ERROR"
    swapped = presented([credential])
    swapped["verifiableCredential"] = [changed]  # changed after the holder signed
    after = check(swapped)
    assert outcomes(after.json()["presentationResult"])["OWNER"] == "ERROR"
    unsigned = {k: v for k, v in presented([credential]).items() if k != "proof"}
    asked = check(unsigned)
    assert asked.status_code == 400 and "not signed by its holder" in " ".join(asked.json()["errors"])


def test_a_sealed_credential_inside_a_presentation_is_not_passed_off_as_covered_by_the_holders_proof() -> None:
    """A JAdES document's keys are no JSON-LD terms: safe mode refuses to sign a presentation carrying one,
    and one put into a signed presentation afterwards fails OWNER."""
    from microcred.trust import TrustError, dataintegrity
    from microcred.trust.loader import document_loader
    from microcred.trust.multikey import Ed25519Key

    key = Ed25519Key.generate()
    did = f"did:key:{key.public_multibase}"
    sealed = json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text())
    empty = {"@context": [checks.V2], "type": ["VerifiablePresentation"], "holder": did}

    def signed(presentation: dict[str, Any]) -> dict[str, Any]:
        return dataintegrity.add_proof(
            presentation,
            key,
            proof_purpose="authentication",
            verification_method=f"{did}#{key.public_multibase}",
            loader=document_loader(),
            extra={"challenge": "c-1", "domain": "employer.example"},
        )

    with pytest.raises(TrustError, match="'payload'"):
        signed({**empty, "verifiableCredential": [sealed]})
    slipped_in = {**signed(empty), "verifiableCredential": [sealed]}
    report, _credentials = checks.verify_presentation(slipped_in, challenge="c-1", domain="employer.example")
    assert {c.name: c.outcome for c in report.checks}["OWNER"] == checks.Outcome.ERROR


def test_the_verdict_shows_the_annex_i_content_of_both_forms(
    client: TestClient, database: Database, world: World
) -> None:
    """Learner, title, awarding body, outcomes, level, workload, assessment and quality assurance, read from the
    Open Badge and from the sealed ELM credential alike."""
    from microcred.verify import checks

    issued_with_a_seal(client, database, world)
    from sqlalchemy import select

    from microcred.issuing.models import IssuedCredential

    with database.session() as db:
        row = db.scalars(select(IssuedCredential)).one()
        forms = {"Open Badge": row.document, "ELM": row.elm_document}
    from microcred.issuing import keys
    from microcred.issuing.sources import verify_here

    settings = client.app.state.settings  # type: ignore[attr-defined]
    master = keys.master_key(settings.resolved_master_key())
    wanted = {"Learner", "Title", "Level", "Workload", "Assessment", "Learning outcome"}
    for name, document in forms.items():
        with database.session() as db:
            report = verify_here(db, document, base_url=settings.base_url, master=master)
        facts = checks.summary(report)
        labels = {label for label, _value in facts}
        assert wanted <= labels, (name, wanted - labels)
        # the awarding body by name, as fact only when the signer is confirmed to be it
        assert ("Awarded by" if checks.signer_confirmed(report) else checks.ISSUER_UNCONFIRMED) in labels, name
        assert name == "ELM" or "Awarded by" in labels  # our own did:web key, read from our database
        if name == "Open Badge":  # with no sources, nothing ties its did:web key to the issuer
            unconfirmed = checks.summary(checks.verify(document))
            assert "Awarded by" not in dict(unconfirmed) and "(not confirmed)" in dict(unconfirmed)["Issuer"]
        assert any(label.startswith("Quality assurance") for label in labels), (name, labels)
        assert dict(facts)["Learner"] == "Ana Andromeda", name


def issued_with_a_seal(client: TestClient, database: Database, world: World) -> Any:
    """Organisation A, with a seal certificate, awards a published edition: the API's answer."""
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with database.session() as db:
        master = keys.master_key(settings.resolved_master_key())
        seals.import_pkcs12(db, Actor.operator(), db.merge(world.orgs["a"]), pki.seal_p12(pki.CA()), "secret", master)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Pass"}}
    return client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)


def test_the_reason_names_the_issuer_that_revoked_or_suspended_it() -> None:
    revoked = checks.Check("REVOCATION", checks.Outcome.ERROR, "The issuer has revoked this credential.", "bit set")
    intact = checks.Check("PROOF", checks.Outcome.OK, "The signature holds.", "")
    named = checks.Report(kind="open-badge", checks=[intact, revoked], issuer_name="Demo Academy")
    assert named.reason == "Revoked by Demo Academy."
    unnamed = checks.Report(kind="open-badge", checks=[intact, revoked])
    assert unnamed.reason == "The issuer has revoked this credential."
    suspended = replace(revoked, sentence="The issuer has suspended this credential for now.")
    assert replace(named, checks=[suspended]).reason == "Suspended by Demo Academy for now."
