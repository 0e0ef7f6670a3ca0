"""The issuing API: POST /credentials/issue and /credentials/status as the W3C VC-API drives them (a token's
organisation signs, bad credentials get 400), public status, and issuing many from JSON in the background."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.config import Settings
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.multikey import key_from_multibase
from tests.conftest import World
from tests.issuing.test_batch import batch_items, issued_count
from tests.issuing.test_credentials import published
from tests.web.test_api import assert_error, bearer


def credential(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:8d8d9a58-3f43-4a5d-9b2b-0a5b1c3d4e5f",
        "type": ["VerifiableCredential"],
        "validFrom": "2026-11-23T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ana"},
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", None])
def test_a_token_signs_as_its_organisation(
    client: TestClient, database: Database, world: World, settings: Settings, suite: str | None
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    body: dict[str, Any] = {"credential": credential()}
    if suite:
        body["options"] = {"cryptosuite": suite}
    response = client.post("/credentials/issue", json=body, headers=token)
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    proof = signed["proof"]
    assert proof["cryptosuite"] == (suite or "eddsa-rdfc-2022")
    did = signed["issuer"]
    assert did.endswith(":orgs:a") and proof["verificationMethod"].startswith(did + "#")
    # The key the organisation's DID document lists verifies it.
    document = client.get("/orgs/a/did.json").json()
    method = next(m for m in document["verificationMethod"] if m["id"] == proof["verificationMethod"])
    key = key_from_multibase(method["publicKeyMultibase"])
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    assert dataintegrity.verify_proof(unsecured, proof, key).verified
    unsecured["credentialSubject"]["name"] = "Eve"
    assert not dataintegrity.verify_proof(unsecured, proof, key).verified


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"type": ["Diploma"]}, "VerifiableCredential"),
        ({"@context": ["https://example.org/ctx"]}, "@context must be a list"),
        ({"issuer": "did:example:someone-else"}, "issuer must be this organisation"),
        ({"credentialSubject": {}}, "credentialSubject"),
        ({"validFrom": "yesterday"}, "validFrom must be an XML Schema dateTime"),
        ({"validUntil": "2020-01-01T00:00:00Z"}, "validUntil is before validFrom"),
        ({"proof": {"type": "DataIntegrityProof"}}, "already has a proof"),
        (
            {"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/context.jsonld"]},
            "evil.example/context.jsonld is not one microcred knows",
        ),
        ({"favouriteColour": "green"}, "a term its contexts do not define ('favouriteColour')"),  # JSON-LD safe mode
    ],
)
def test_credentials_that_break_the_data_model_get_400_saying_why(
    client: TestClient, database: Database, world: World, changes: dict[str, Any], why: str
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    response = client.post("/credentials/issue", json={"credential": credential(**changes)}, headers=token)
    assert response.status_code == 400 and why in response.json()["detail"], response.text


def test_only_an_issuing_token_may_issue(client: TestClient, database: Database, world: World) -> None:
    body = {"credential": credential()}
    anonymous = client.post("/credentials/issue", json=body)
    assert anonymous.status_code == 401 and anonymous.headers["content-type"].startswith("application/json")
    learner = bearer(database, world, "a", Role.LEARNER)
    assert client.post("/credentials/issue", json=body, headers=learner).status_code == 403
    token = bearer(database, world, "a", Role.EDUCATOR)
    assert client.post("/credentials/issue", json={"nothing": 1}, headers=token).status_code == 400
    wrong_suite = client.post(
        "/credentials/issue", json={**body, "options": {"cryptosuite": "rsa-2020"}}, headers=token
    )
    assert wrong_suite.status_code == 400 and "options.cryptosuite" in wrong_suite.json()["detail"]


def test_issued_credentials_carry_status_and_can_be_revoked_suspended_and_reinstated(
    client: TestClient, database: Database, world: World
) -> None:
    from microcred.trust import statuslist
    from microcred.trust.loader import document_loader

    token = bearer(database, world, "a", Role.EDUCATOR)
    signed = client.post("/credentials/issue", json={"credential": credential(id=None)}, headers=token).json()
    vc = signed["verifiableCredential"]
    assert vc["id"].startswith("urn:uuid:")
    entries = {e["statusPurpose"]: e for e in vc["credentialStatus"]}
    assert set(entries) == {"revocation", "suspension"}

    def read(purpose: str) -> bool:
        url = entries[purpose]["statusListCredential"]
        response = client.get(url[url.index("/status/") :])
        assert response.status_code == 200 and response.headers["cache-control"].startswith("public")
        document = response.json()
        did = client.get("/orgs/a/did.json").json()
        method = next(m for m in did["verificationMethod"] if m["id"] == document["proof"]["verificationMethod"])
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        key = key_from_multibase(method["publicKeyMultibase"])
        assert dataintegrity.verify_proof(unsecured, document["proof"], key, document_loader()).verified
        return statuslist.status_of(entries[purpose], document)

    assert not read("revocation") and not read("suspension")
    url = entries["revocation"]["statusListCredential"]
    first = client.get(url[url.index("/status/") :])
    assert client.get(url[url.index("/status/") :], headers={"If-None-Match": first.headers["etag"]}).status_code == 304

    def update(purpose: str, value: bool, reason: str = "Assessment found to be plagiarised") -> Any:
        body = {
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": purpose, "status": value}],
            "reason": reason,
        }
        return client.post("/credentials/status", json=body, headers=token)

    assert update("suspension", True).json() == {"credentialId": vc["id"], "revoked": False, "suspended": True}
    assert read("suspension")
    assert update("suspension", True).status_code == 400  # already suspended
    assert update("suspension", False).json()["suspended"] is False and not read("suspension")
    both = {  # one request, two changes: the second is refused, so neither is made
        "credentialId": vc["id"],
        "credentialStatus": [
            {"statusPurpose": "suspension", "status": True},
            {"statusPurpose": "expiry", "status": True},
        ],
        "reason": "Both at once",
    }
    refused = client.post("/credentials/status", json=both, headers=token)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_status" and not read("suspension")
    assert "reason" in update("revocation", True, reason="").json()["detail"]
    assert update("revocation", True).json()["revoked"] is True and read("revocation")
    final = update("revocation", False)
    assert final.status_code == 400 and "final" in final.json()["detail"]
    # Another organisation's token cannot touch it.
    other = bearer(database, world, "b", Role.EDUCATOR)
    body = {
        "credentialId": vc["id"],
        "credentialStatus": [{"statusPurpose": "suspension", "status": True}],
        "reason": "spite",
    }
    assert client.post("/credentials/status", json=body, headers=other).status_code == 404
    assert client.get("/status/00000000-0000-0000-0000-000000000000").status_code == 404


def test_another_organisation_cannot_touch_an_awards_public_status_by_reusing_its_id(
    client: TestClient, database: Database, world: World
) -> None:

    from tests.issuing.test_credentials import LEARNER, published

    a_educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, a_educator)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20"}}
    award = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=a_educator)
    award_id = award.json()["id"]
    status_url = f"/status/credentials/{award_id}"
    before = client.get(status_url).json()

    b_admin = bearer(database, world, "b", Role.ORG_ADMIN)
    copied = client.post(
        "/credentials/issue", json={"credential": credential(id=f"urn:uuid:{award_id}")}, headers=b_admin
    )
    assert copied.status_code == 201  # B may name its own credential so; it is B's, in B's lists
    revoked = client.post(
        "/credentials/status",
        json={
            "credentialId": f"urn:uuid:{award_id}",
            "credentialStatus": [{"statusPurpose": "revocation", "status": True}],
            "reason": "Trying to revoke A's award",
        },
        headers=b_admin,
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    after = client.get(status_url).json()
    assert after == before and after["revoked"] is False
    assert {urlparse(e["statusListCredential"]).path for e in after["credentialStatus"]} == {
        urlparse(e["statusListCredential"]).path for e in before["credentialStatus"]
    }
    again = client.post(
        "/credentials/issue", json={"credential": credential(id=f"urn:uuid:{award_id}")}, headers=b_admin
    )
    assert again.status_code == 400 and "was issued before" in again.json()["detail"]


def test_a_json_batch_is_checked_whole_issued_in_the_background_and_never_twice(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials/batch"

    refused = assert_error(
        client.post(url, json={"items": batch_items(4, bad=2)}, headers=educator), 422, "invalid_batch"
    )
    assert "Item 3:" in refused["detail"] and refused["detail"].startswith("Nothing was issued.")
    assert [problem[:7] for problem in refused["problems"]] == ["Item 3:"]
    twice = batch_items(2) + batch_items(1)
    again = client.post(url, json={"items": twice}, headers=educator).json()
    assert "the same learner and award date" in again["detail"]
    assert issued_count(database) == 0

    started = client.post(url, json={"items": batch_items(5)}, headers=educator)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["total"] == 5 and run["state"] == "queued"
    finished = client.get(f"/api/orgs/a/runs/{run['id']}", headers=educator).json()
    assert finished["state"] == "finished" and finished["done"] == 5
    assert [o["status"] for o in finished["outcomes"]] == ["issued"] * 5
    assert issued_count(database) == 5
    result = client.get(f"/api/orgs/a/runs/{run['id']}/result.csv", headers=educator)
    lines = list(csv.DictReader(io.StringIO(result.text)))
    assert [line["status"] for line in lines] == ["issued"] * 5 and all(line["credential_id"] for line in lines)

    again = client.post(url, json={"items": batch_items(6)}, headers=educator).json()  # the same five and one more
    outcomes = client.get(f"/api/orgs/a/runs/{again['id']}", headers=educator).json()["outcomes"]
    assert [o["status"] for o in outcomes] == ["already issued"] * 5 + ["issued"]
    assert issued_count(database) == 6

    learner = bearer(database, world, "a", Role.LEARNER)
    assert client.post(url, json={"items": batch_items(1)}, headers=learner).status_code == 403
    assert client.get(f"/api/orgs/a/runs/{run['id']}", headers=learner).status_code == 403
