"""The registry of trusted issuers: unknown is a WARNING, registered or accredited is OK, outside an
accreditation's limits or dates is an ERROR; entries are imported (checked whole) and exported as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.accounts import service
from microcred.accounts.principal import Actor
from microcred.store import Database
from microcred.trust import jades, pkix
from microcred.verify import checks, registry, schemas
from tests.conftest import World, csrf_from, log_in
from tests.verify.test_checks import issue, outcomes

ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"


def accreditation(**limits: Any) -> dict[str, Any]:
    return {"accrediting_body": "Quality Agency", "decision": "https://qa.example/decisions/7", **limits}


def as_platform_admin(client: TestClient, world: World) -> dict[str, str]:
    with client.app.state.database.session() as db:  # type: ignore[attr-defined]
        service.user_by_email(db, "learner@b.example").is_platform_admin = True
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    return {"x-csrf-token": csrf_from(client.get("/dashboard").text)}


def test_our_issuer_accredited_within_limits_is_ok_and_outside_them_an_error(
    client: TestClient, database: Database, world: World
) -> None:
    credential, _id = issue(client, database, world)  # EQF 6, field 0613, issued now
    did = credential["issuer"]["id"]
    verdict = outcomes(client.post("/credentials/verify", json={"verifiableCredential": credential}).json())
    assert verdict["ACCREDITATION"] == "OK"  # one of our organisations: registered

    headers = as_platform_admin(client, world)
    for limits, expected, why in (
        ({"eqf_levels": [5, 6], "fields": ["06"]}, "OK", "an accredited issuer"),
        ({"eqf_levels": [7]}, "ERROR", "EQF level (6)"),
        ({"fields": ["09"]}, "ERROR", "its field (0613)"),
        ({"valid_until": "2020-12-31"}, "ERROR", "after the accreditation ended"),
        ({"credential_types": ["EuropeanDigitalCredential"]}, "ERROR", "not a type of credential"),
    ):
        entry = {"identifier": did, "name": "Alpha Academy", "accreditations": [accreditation(**limits)]}
        imported = client.post("/api/registry/import", json=[entry], headers=headers)
        assert imported.status_code == 200 and imported.json() == {"imported": 1}
        report = client.post("/credentials/verify", json={"verifiableCredential": credential}, headers=headers).json()
        check = next(c for c in report["checks"] if c["check"] == "ACCREDITATION")
        assert check["outcome"] == expected and why in check["sentence"], (limits, check)
        assert report["verified"] is (expected == "OK")
    exported = client.get("/api/registry").json()["issuers"]
    assert [e["identifier"] for e in exported] == [did] and exported[0]["accreditations"][0]["credential_types"]


def test_a_sealed_credential_is_known_by_its_seal_certificate_fingerprint(database: Database) -> None:
    document = checks.parse((ELM / "Sample-MC-Annex1-signed.jsonld").read_bytes())
    seal = jades.verify(document)
    assert seal.stamp is not None  # its TSA's root and its certificate as anchors: the seal is OK (sealed in 2023)
    trusted = pkix.Anchors(
        seals=(pkix.Anchor(seal.chain[0], "ANF eSeal"),), timestamps=(pkix.Anchor(seal.stamp.certificates[-1], "TSA"),)
    )
    subject = str(checks.verify(document).issuer)
    assert subject == f"sha256:{pkix.fingerprint(seal.chain[0])}"
    for jurisdictions, expected in ((["IE", "ES"], "OK"), (["FR"], "ERROR")):
        with database.session() as db:
            entry = {
                "identifier": subject,
                "name": "Research Alliance",
                "accreditations": [
                    accreditation(
                        jurisdictions=jurisdictions, eqf_levels=[6], credential_types=["EuropeanDigitalCredential"]
                    )
                ],
            }
            registry.import_entries(db, Actor.operator(), registry.parse_entries([entry]))
            sources = checks.Sources(
                trust=lambda issuer, credential: registry.trust_of(db, issuer, credential), anchors=lambda: trusted
            )
            verdict = {c.name: c.outcome.value for c in checks.verify(document, sources).checks}
        assert verdict["ACCREDITATION"] == expected, jurisdictions


def test_a_bad_registry_file_is_refused_whole_with_each_problem_named(
    client: TestClient, database: Database, world: World
) -> None:
    headers = as_platform_admin(client, world)
    entries = [
        {"identifier": "did:web:good.example", "name": "Good", "accreditations": [accreditation()]},
        {"identifier": "did:web:bad.example", "name": "Bad", "accreditations": [accreditation(eqf_levels=[9])]},
        {
            "identifier": "did:web:worse.example",
            "name": "Worse",
            "accreditations": [accreditation(valid_from="2026-01-01", valid_until="2025-01-01")],
        },
        {"identifier": "x", "name": ""},
    ]
    refused = client.post("/api/registry/import", json=entries, headers=headers)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "Issuer 2, accreditation 1: EQF levels go from 1 to 8." in detail
    assert "Issuer 3, accreditation 1: the end of the accreditation is before its start." in detail
    assert "Issuer 4, identifier must be at least 3 characters long." in detail
    assert len(refused.json()["problems"]) == 3
    assert client.get("/api/registry").json() == {"issuers": []}  # nothing written
    anonymous = TestClient(client.app)
    assert anonymous.post("/api/registry/import", json=entries[:1]).status_code == 401


@pytest.mark.parametrize(("level", "found"), [("6", 6), ("²", None), ("six", None)])
def test_an_elm_level_is_read_only_when_it_is_a_plain_number(level: str, found: int | None) -> None:
    credential = {
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSubject": {
            "hasClaim": {"specifiedBy": {"eqfLevel": {"id": f"http://data.europa.eu/snb/eqf/{level}"}}}
        },
    }
    assert registry.facts(credential).get("eqf") == found


def test_registry_identifiers_are_kept_in_the_form_credentials_carry() -> None:
    """DIDs are matched exactly, so an entry is stored as DID syntax writes one: did: and the method in lower case
    (the method-specific part as given); a web address with its scheme and host in lower case."""
    entry = schemas.RegistryEntry.model_validate
    assert entry({"identifier": "DID:WEB:Example.org:Alpha", "name": "A"}).identifier == "did:web:Example.org:Alpha"
    assert entry({"identifier": "HTTPS://Alpha.Example/Path", "name": "A"}).identifier == "https://alpha.example/Path"
    assert entry({"identifier": "CN=Alpha,C=BE", "name": "A"}).identifier == "CN=Alpha,C=BE"
