"""The VC-API issuer service as VCALM specifies it: status updates in the specification's shape and in the Bitstring
Status List suite's, credentials read back by id or credentialId, each organisation seeing only its own."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.errors import InvalidInput
from microcred.issuing import vcapi
from microcred.store import Database
from microcred.trust import statuslist
from tests.conftest import World
from tests.issuing.test_api import credential
from tests.web.test_api import bearer


def issue(client: TestClient, token: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = client.post("/credentials/issue", json={"credential": credential(id=None), **body}, headers=token)
    assert answer.status_code == 201, answer.text
    signed: dict[str, Any] = answer.json()["verifiableCredential"]
    return signed


def read_status(client: TestClient, signed: dict[str, Any], purpose: str) -> bool:
    entry = next(e for e in signed["credentialStatus"] if e["statusPurpose"] == purpose)
    url = entry["statusListCredential"]
    return statuslist.status_of(entry, client.get(url[url.index("/status/") :]).json())


def test_status_updates_in_vcalms_shape_and_the_bitstring_suites(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    signed = issue(client, token)
    # VCALM's UpdateCredentialStatusRequest: one credentialStatus object, the new status beside it
    spec = {
        "credentialId": signed["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
        "status": True,
    }
    answer = client.post("/credentials/status", json=spec, headers=token)
    assert answer.status_code == 200 and answer.json()["suspended"] is True, answer.text
    assert read_status(client, signed, "suspension") and not read_status(client, signed, "revocation")
    assert (
        client.post("/credentials/status", json={**spec, "status": False}, headers=token).json()["suspended"] is False
    )
    # The vc-bitstring-status-list-test-suite's body: no status (it means set), no reason
    suite = {
        "credentialId": signed["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    }
    assert client.post("/credentials/status", json=suite, headers=token).json()["revoked"] is True
    assert read_status(client, signed, "revocation")
    again = client.post("/credentials/status", json=suite, headers=token)
    assert again.status_code == 400 and "final" in again.json()["detail"]


def test_a_status_entry_that_is_not_the_credentials_is_refused(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    signed = issue(client, token)
    entry = next(e for e in signed["credentialStatus"] if e["statusPurpose"] == "revocation")
    wrong_index = str((int(entry["statusListIndex"]) + 1) % 1000)
    body = {"credentialId": signed["id"], "credentialStatus": {**entry, "statusListIndex": wrong_index}, "status": True}
    refused = client.post("/credentials/status", json=body, headers=token)
    assert refused.status_code == 400 and "statusListIndex" in refused.json()["detail"]
    other_list = {**entry, "statusListCredential": "https://elsewhere.example/status/1"}
    refused = client.post("/credentials/status", json={**body, "credentialStatus": other_list}, headers=token)
    assert refused.status_code == 400 and "statusListCredential" in refused.json()["detail"]
    assert not read_status(client, signed, "revocation")
    exact = client.post("/credentials/status", json={**body, "credentialStatus": entry}, headers=token)
    assert exact.json()["revoked"] is True
    wrong_type = {**body, "credentialStatus": {"type": "StatusList2021Entry", "statusPurpose": "suspension"}}
    assert client.post("/credentials/status", json=wrong_type, headers=token).status_code == 400
    unknown = {**body, "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    assert client.post("/credentials/status", json=unknown, headers=token).status_code == 404


def test_credentials_are_read_back_by_id_or_credential_id_by_their_organisation_only(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    signed = issue(client, token, options={"credentialId": "example.com/ad5d541f-db7a-4bff-97e1-d403ce403767"})
    by_id = client.get(f"/credentials/{signed['id']}", headers=token)
    assert by_id.status_code == 200 and by_id.json() == {"verifiableCredential": signed}
    by_alias = client.get("/credentials/example.com/ad5d541f-db7a-4bff-97e1-d403ce403767", headers=token)
    assert by_alias.json()["verifiableCredential"] == signed
    suspend = {
        "credentialId": "example.com/ad5d541f-db7a-4bff-97e1-d403ce403767",
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
        "status": True,
    }
    assert client.post("/credentials/status", json=suspend, headers=token).json()["suspended"] is True
    other = bearer(database, world, "b", Role.EDUCATOR)
    assert client.get(f"/credentials/{signed['id']}", headers=other).status_code == 404
    assert client.post("/credentials/status", json=suspend, headers=other).status_code == 404
    assert client.get(f"/credentials/{signed['id']}").status_code == 401
    clash = client.post(
        "/credentials/issue",
        json={"credential": credential(), "options": {"credentialId": "urn:uuid:another"}},
        headers=token,
    )
    assert clash.status_code == 400 and "credentialId" in clash.json()["detail"]


def test_an_award_is_read_back_by_its_urn(client: TestClient, database: Database, world: World) -> None:
    from tests.issuing.test_claims import issued

    educator = bearer(database, world, "a", Role.EDUCATOR)
    award_id = issued(client, educator)
    found = client.get(f"/credentials/urn:uuid:{award_id}", headers=educator)
    assert found.status_code == 200 and found.json()["verifiableCredential"]["id"] == f"urn:uuid:{award_id}"
    assert (
        client.get(
            f"/credentials/urn:uuid:{award_id}", headers=bearer(database, world, "b", Role.ORG_ADMIN)
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("given", "status", "why"),
    [
        ([], None, "one entry"),
        ({"statusPurpose": 3}, None, "statusPurpose"),
        ({"statusPurpose": "revocation", "status": "yes"}, None, "true or false"),
        ("revocation", None, "must be an object"),
    ],
)
def test_status_requests_that_cannot_be_read_say_why(given: Any, status: bool | None, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        vcapi.status_changes(given, status)


def test_a_status_request_reads_each_shape() -> None:
    assert vcapi.status_changes({"statusPurpose": "revocation"}, None) == [vcapi.StatusChange("revocation", True)]
    assert vcapi.status_changes({"statusPurpose": "suspension"}, False)[0].value is False
    listed = vcapi.status_changes([{"statusPurpose": "suspension", "status": False}], True)
    assert listed == [vcapi.StatusChange("suspension", False)]
