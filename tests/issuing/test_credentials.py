"""A published edition issued to a learner: an Open Badges 3.0 credential with every Annex I element, signed; a
credential sent to be signed keeps the VC data model and names its issuer; an award found by its public address."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.accounts.models import Role
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import credentials
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import key_from_multibase
from tests.conftest import World
from tests.design.fixtures import full
from tests.web.test_api import assert_error, bearer

SCHEMA = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "fixtures"
    / "ob3"
    / "ob_v3p0_achievementcredential_schema.json"
)
LEARNER = {"name": "Ana Andromeda", "email": "Ana@Example.org"}


def published(client: TestClient, headers: dict[str, str]) -> str:
    content = full().model_dump(mode="json")
    created = client.post("/api/orgs/a/specifications", json=content, headers=headers)
    spec_id: str = created.json()["id"]
    assert client.post(f"/api/orgs/a/specifications/{spec_id}/publish", json={}, headers=headers).status_code == 201
    return spec_id


def test_an_edition_is_issued_with_every_annex_i_element(client: TestClient, database: Database, world: World) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials"
    body: dict[str, Any] = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Pass"}}
    response = client.post(url, json=body, headers=educator)
    assert response.status_code == 201, response.text
    vc = response.json()["credential"]

    jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text())).validate(vc)
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"] and vc["awardedDate"].startswith("2026-11-20")
    subject = vc["credentialSubject"]
    names = [i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"]
    assert names == ["Ana Andromeda"]
    email = next(i for i in subject["identifier"] if i["identityType"] == "emailAddress")
    assert email["hashed"] is True and "ana@example.org" not in json.dumps(vc).lower()
    assert subject["result"] == [{"type": ["Result"], "value": "Pass"}]
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "MicroCredential" and achievement["name"] == "Data analysis with Python"
    assert achievement["id"].endswith(f"/catalogue/{spec_id}/editions/1")
    targets = {a["targetType"] for a in achievement["alignment"]}
    assert {"ext:EQF", "ext:QualityAssurance", "ceasn:Competency"} <= targets
    for element in ("awardingBodies", "learningOutcomes", "studyLoad", "assessmentType", "participationType"):
        assert achievement[element], element
    assert vc["issuer"]["name"] == "Alpha Academy" and vc["issuer"]["id"].endswith(":orgs:a")
    assert vc["credentialStatus"]["statusPurpose"] == "revocation"  # OB3's schema allows one status object

    did = client.get("/orgs/a/did.json").json()
    [proof] = vc["proof"]
    method = next(m for m in did["verificationMethod"] if m["id"] == proof["verificationMethod"])
    unsecured = {k: v for k, v in vc.items() if k != "proof"}
    key = key_from_multibase(method["publicKeyMultibase"])
    assert dataintegrity.verify_proof(unsecured, proof, key, document_loader()).verified
    unsecured["credentialSubject"]["result"][0]["value"] = "Distinction"
    assert not dataintegrity.verify_proof(unsecured, proof, key, document_loader()).verified


def test_bad_learners_results_and_withdrawn_editions_are_refused(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials"
    result = {"awarded": "2026-11-20"}
    assert_error(
        client.post(url, json={"learner": {"name": "Ana"}, "result": result}, headers=educator), 422, "invalid_learner"
    )
    no_name = {"learner": {"name": " ", "email": "a@b.example"}, "result": result}
    assert_error(client.post(url, json=no_name, headers=educator), 422, "invalid_learner")
    future = {"learner": LEARNER, "result": {"awarded": "2999-01-01"}}
    assert_error(client.post(url, json=future, headers=educator), 422, "invalid_result")
    missing = f"/api/orgs/a/specifications/{spec_id}/editions/7/credentials"
    assert_error(
        client.post(missing, json={"learner": LEARNER, "result": result}, headers=educator), 404, "edition_not_found"
    )
    learner = bearer(database, world, "a", Role.LEARNER)
    assert client.post(url, json={"learner": LEARNER, "result": result}, headers=learner).status_code == 403
    client.post(f"/api/orgs/a/specifications/{spec_id}/withdraw", headers=educator)
    assert_error(client.post(url, json={"learner": LEARNER, "result": result}, headers=educator), 422, "withdrawn")


def test_a_credential_to_sign_keeps_the_data_model_and_is_this_organisations() -> None:
    issuer = "did:web:mc.example:orgs:a"
    v2 = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ana", "name": "Ana"},
    }
    assert credentials.check_credential(v2, issuer) == {**v2, "issuer": issuer}
    v1 = {**v2, "@context": ["https://www.w3.org/2018/credentials/v1"]}
    assert "issuanceDate" in credentials.check_credential(v1, issuer)  # VC 1.1 requires it: given when absent
    for credential, why in (
        ([], "a JSON object"),
        ({**v2, "proof": {}}, "already has a proof"),
        ({**v2, "@context": ["https://example.org"]}, "@context must be a list"),
        ({**v2, "type": "VerifiableCredential"}, "type must be a list"),
        ({**v2, "id": "nothing"}, "id must be a URL"),
        ({**v2, "issuer": {"id": "did:web:mc.example:orgs:b"}}, "issuer must be this organisation"),
        ({**v2, "credentialSubject": {}}, "credentialSubject must be an object"),
        ({**v2, "validFrom": "tomorrow"}, "validFrom must be an XML Schema dateTime"),
        ({**v2, "validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z"}, "before validFrom"),
    ):
        with pytest.raises(InvalidInput, match=why) as refused:
            credentials.check_credential(credential, issuer)
        assert refused.value.code == "invalid_credential"


def test_an_award_is_found_by_its_public_address_and_only_by_its_organisation_in_the_organisations_pages(
    db: Session,
) -> None:
    import uuid

    from microcred.accounts import service as accounts
    from microcred.accounts.principal import Actor
    from tests.issuing.test_status import awarded  # imported here: test_status builds on this module

    org, row = awarded(db)
    assert credentials.find_public(db, row.id) is row
    assert credentials.find_issued(db, org, row.id) is row and credentials.issued(db, org) == [row]
    with pytest.raises(NotFound, match="No credential with this address was issued here"):
        credentials.find_public(db, uuid.uuid4())
    other = accounts.create_organisation(db, Actor.operator(), legal_name="Uni Yow", country="IE", slug="yow")
    with pytest.raises(NotFound):
        credentials.find_issued(db, other, row.id)
    assert credentials.issued(db, other) == []
