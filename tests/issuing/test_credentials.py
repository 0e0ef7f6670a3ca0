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
from microcred.config import Settings
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import credentials
from microcred.store import Database
from microcred.trust import TrustError, dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key, key_from_multibase
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


# The VC data model's rules at issue (trust.vcmodel, which the verifier keeps too) -------------------------------

OB3_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


def to_issue(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner", "name": "Ana"},
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def issued_by_api(client: TestClient, token: dict[str, str], credential: dict[str, Any]) -> Any:
    return client.post("/credentials/issue", json={"credential": credential}, headers=token)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"id": "https ://not-a-url/vcs/1"}, "id must be a URL ('https ://not-a-url/vcs/1' is not one)"),
        ({"id": ["urn:uuid:1", "urn:uuid:2"]}, "id must be a single URL"),
        ({"credentialSubject": {"id": ["did:example:a", "did:example:b"]}}, "credentialSubject.id must be a single"),
        ({"@context": ["https://www.w3.org/ns/credentials/v2", 12]}, "only URLs and context objects"),
        ({"credentialStatus": {"id": "https://status.example/1"}}, "credentialStatus must state its type"),
        ({"termsOfUse": {"id": "https://terms.example/1"}}, "termsOfUse must state its type"),
        ({"evidence": {}}, "evidence must state its type"),
        ({"refreshService": {"id": "https://refresh.example"}}, "refreshService must state its type"),
        ({"credentialSchema": {"id": "https://schema.example"}}, "credentialSchema must state its type"),
        ({"credentialSchema": {"type": "JsonSchema"}}, "credentialSchema.id must be a URL"),
        ({"name": {"@value": "Dog", "@language": "en", "url": "x"}}, "a property it may not have ('url')"),
        ({"validFrom": "2026-01-01T00:00:00"}, "validFrom must be an XML Schema dateTimeStamp"),
        ({"relatedResource": ["https://www.w3.org/ns/credentials/v2"]}, "must be an object with an id and a digest"),
        ({"relatedResource": {"id": "https://www.w3.org/ns/credentials/v2"}}, "must carry a digestSRI or a digestM"),
        (
            {"relatedResource": {"id": "https://r.example", "digestSRI": "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8"}},
            "digestSRI must be an SRI digest",
        ),
        (
            {"relatedResource": [{"id": "https://r.example", "digestMultibase": "u" + "A" * 43}] * 2},
            "is listed twice",
        ),
        (
            {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential", "InvalidType"]},
            "The type 'InvalidType' is not defined by the credential's contexts",
        ),
        (
            {"credentialStatus": {"type": "BitstringStatusListEntry", "statusListCredential": "ours"}},
            "entries in this server's status lists are ours to give",
        ),
    ],
)
def test_the_vc_api_refuses_what_breaks_the_model_with_a_sentence(
    client: TestClient, database: Database, world: World, settings: Settings, changes: dict[str, Any], why: str
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    if "credentialStatus" in changes and "statusListCredential" in changes["credentialStatus"]:
        changes = {
            "credentialStatus": {**changes["credentialStatus"], "statusListCredential": f"{settings.base_url}/x"}
        }
    answer = issued_by_api(client, token, to_issue(**changes))
    assert answer.status_code == 400 and why in answer.json()["detail"], answer.text
    assert answer.json()["error"] == "invalid_credential"


def test_typed_objects_language_values_and_the_examples_context_are_issued_and_verify(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    given_status = {"id": "did:example:status", "type": "CredentialStatusList2017"}
    credential = to_issue(
        name=[{"@value": "Dog", "@language": "en"}, {"@value": "Chien", "@language": "fr"}],
        description={"@value": "A dog", "@language": "en", "@direction": "ltr"},
        credentialStatus=given_status,
        termsOfUse={"type": "OdrlPolicy2017", "id": "did:example:terms/1"},
        evidence=[{"type": "DocumentVerification2018"}],
        refreshService={"type": "ExampleRefreshService", "id": "did:example:refresh/1"},
        credentialSchema={"type": "ExampleTestSuiteSchema", "id": "did:example:schemas/1"},
        relatedResource={"id": "https://www.w3.org/ns/credentials/v2", "digestSRI": "sha384-" + "A" * 64},
    )
    answer = issued_by_api(client, token, credential)
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    assert signed["@context"] == credential["@context"]  # VC 2.0 defines the status entry and the proof
    assert signed["credentialStatus"][0] == given_status  # another status service's entry, kept beside ours
    assert [entry["statusPurpose"] for entry in signed["credentialStatus"][1:]] == ["revocation", "suspension"]
    report = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    outcomes = {check["check"]: check["outcome"] for check in report["checks"]}
    assert outcomes["PROOF"] == "OK", report
    # The related resource cannot be read here (fetching is off in tests): said, not taken for a mismatch.
    assert outcomes["FORMAT"] == "WARNING" and "could not be read" in report["checks"][0]["sentence"]


def test_a_vc_1_1_credential_gets_the_contexts_of_what_is_added_and_verifies_with_digital_bazaars_vc(
    client: TestClient, database: Database, world: World
) -> None:
    from tests.issuing.test_identities import make_identity, node_verify  # test_identities imports this module

    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = make_identity(client, admin, "Ed25519")["did"]
    token = bearer(database, world, "a", Role.EDUCATOR)
    v1 = "https://www.w3.org/2018/credentials/v1"
    credential = {
        "@context": [v1, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "issuanceDate": "2026-11-23T10:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ana"},
    }
    answer = issued_by_api(client, token, credential)
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    assert signed["@context"] == [
        *credential["@context"],
        credentials.STATUS_CONTEXT,
        credentials.DATA_INTEGRITY_CONTEXT,
    ]
    assert signed["credentialStatus"][0]["type"] == "BitstringStatusListEntry"
    assert signed["proof"]["type"] == "DataIntegrityProof"
    report = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    outcomes = {check["check"]: check["outcome"] for check in report["checks"]}
    assert outcomes["FORMAT"] == outcomes["PROOF"] == "OK", report["checks"]
    independent = node_verify(signed)
    assert independent["verified"] is True, independent
    forged = {**signed, "credentialSubject": {"id": "did:example:learner", "name": "Eve"}}
    assert node_verify(forged)["verified"] is False
    # Without the contexts, VC 1.1 does not define what is added: what failed before this was done.
    bare = {k: v for k, v in signed.items() if k != "proof"}
    bare |= {"@context": [v1], "credentialSubject": {"id": "did:example:learner"}}
    with pytest.raises(TrustError, match="a term its contexts do not define .'status"):
        dataintegrity.add_proof(bare, Ed25519Key.generate(), loader=document_loader())


def open_badge(did: str, **achievement: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT, OB3_EXTENSIONS],  # 1EdTech's validator
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "id": "urn:uuid:1f0b7c6e-5b7a-4c1e-9d8e-2a3b4c5d6e7f",
        "issuer": {"id": did, "type": ["Profile"], "name": "Uni A"},
        "validFrom": "2026-11-23T10:00:00Z",
        "name": "Welding basics",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:6a1f2e3d-4c5b-4a69-8877-665544332211",
                "type": ["Achievement"],
                "name": "Welding basics",
                "description": "Joins two plates.",
                **achievement,
            },
        },
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def test_an_open_badge_naming_1edtechs_schema_is_validated_against_it_at_issue(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    did = client.get("/orgs/a/did.json").json()["id"]
    refused = issued_by_api(client, token, open_badge(did))  # no criteria: 1EdTech's schema requires them
    assert refused.status_code == 400, refused.text
    assert "breaks its schema" in refused.json()["detail"] and "'criteria' is a required property" in refused.text
    answer = issued_by_api(client, token, open_badge(did, criteria={"narrative": "Weld two plates."}))
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator(schema).validate(signed)  # as issued: one status entry, proofs as a list
    assert isinstance(signed["credentialStatus"], dict) and isinstance(signed["proof"], list)
    report = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    assert {c["check"]: c["outcome"] for c in report["checks"]}["FORMAT"] == "OK", report
