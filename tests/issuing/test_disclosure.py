"""Selective disclosure (ecdsa-sd-2023) at issue: the VC-API issues with mandatory pointers and derives a
disclosure that verifies; an edition issued with it lets a disclosure leave out the facts the wallet hides, and
keeps who awarded what, when, and its status."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.issuing import disclosure
from microcred.store import Database
from microcred.trust import ecdsa_sd
from microcred.wallet import service as wallet
from tests.conftest import World
from tests.issuing.test_api import credential
from tests.issuing.test_credentials import LEARNER, published
from tests.web.test_api import assert_error, bearer

SD = "ecdsa-sd-2023"


def verify(client: TestClient, document: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/credentials/verify", json={"verifiableCredential": document})
    body: dict[str, Any] = answer.json()
    body["status"] = answer.status_code
    return body


def test_the_vc_api_issues_with_mandatory_pointers_and_derives(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    subject = {"id": "did:example:learner", "name": "Ana", "description": "Top of the class"}
    body = {
        "credential": credential(id=None, credentialSubject=subject),
        "options": {"cryptosuite": SD, "mandatoryPointers": ["/issuer", "/validFrom", "/credentialSubject/id"]},
    }
    answer = client.post("/credentials/issue", json=body, headers=token)
    assert answer.status_code == 201, answer.text
    base = answer.json()["verifiableCredential"]
    assert base["proof"]["cryptosuite"] == SD and base["proof"]["proofValue"].startswith("u2V0A")  # 0xd9 0x5d 0x00
    assert (
        ecdsa_sd.parse_base_proof_value(base["proof"]["proofValue"]).mandatory_pointers
        == body["options"]["mandatoryPointers"]
    )
    refused = verify(client, base)  # a verifier is never shown the base proof: it holds the HMAC key
    assert refused["status"] == 400 and any("base proof" in c["detail"] for c in refused["checks"])

    derived = client.post(
        "/credentials/derive",
        json={"verifiableCredential": base, "options": {"selectivePointers": ["/credentialSubject/name"]}},
    )
    assert derived.status_code == 201, derived.text
    shown = derived.json()["verifiableCredential"]
    assert shown["credentialSubject"] == {"id": "did:example:learner", "name": "Ana"}
    assert shown["proof"]["proofValue"].startswith("u2V0B")  # 0xd9 0x5d 0x01
    assert verify(client, shown)["status"] == 200, verify(client, shown)["checks"]
    shown["credentialSubject"]["description"] = "Top of the class"  # put back unsigned
    assert verify(client, shown)["status"] == 400


def test_sd_refusals_are_sentences(client: TestClient, database: Database, world: World) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    eddsa = {"credential": credential(id=None), "options": {"mandatoryPointers": ["/issuer"]}}
    assert (
        "apply to ecdsa-sd-2023 only"
        in assert_error(client.post("/credentials/issue", json=eddsa, headers=token), 400, "invalid_credential")[
            "detail"
        ]
    )
    nowhere = {"credential": credential(id=None), "options": {"cryptosuite": SD, "mandatoryPointers": ["/nope"]}}
    assert (
        "does not match the document"
        in assert_error(client.post("/credentials/issue", json=nowhere, headers=token), 400, "invalid_credential")[
            "detail"
        ]
    )
    unsigned = client.post("/credentials/derive", json={"verifiableCredential": credential()})
    assert "no ecdsa-sd-2023 base proof" in assert_error(unsigned, 400, "invalid_credential")["detail"]
    deep: Any = "x"
    for _ in range(80):
        deep = {"a": deep}
    nested = client.post("/credentials/derive", json={"verifiableCredential": {"credentialSubject": deep}})
    assert "nested" in assert_error(nested, 400, "invalid_credential")["detail"]
    bad_pointer = client.post(
        "/credentials/derive", json={"verifiableCredential": credential(), "options": {"selectivePointers": ["x"]}}
    )
    assert bad_pointer.status_code == 400


def test_an_edition_issued_with_sd_discloses_without_the_hidden_facts(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Pass"}, "cryptosuite": SD}
    answer = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    assert answer.status_code == 201, answer.text
    award = answer.json()["credential"]
    [proof] = award["proof"]
    assert ecdsa_sd.parse_base_proof_value(proof["proofValue"]).mandatory_pointers == [
        "/id",
        "/type",
        "/name",
        "/issuer",
        "/validFrom",
        "/credentialStatus",
        "/credentialSubject/type",
        "/credentialSubject/achievement/id",
        "/credentialSubject/achievement/type",
        "/credentialSubject/achievement/name",
    ]
    assert set(disclosure.FACTS) | set(disclosure.KEPT) == set(wallet.HIDEABLE)
    assert not set(disclosure.FACTS) & set(disclosure.KEPT)

    page = client.get(f"/verify/{answer.json()['id']}")  # the award's public page checks a full disclosure
    assert page.status_code == 200 and 'data-verified="true"' in page.text, page.text

    everything = disclosure.full_disclosure(award)
    assert {k: v for k, v in everything.items() if k != "proof"} == {k: v for k, v in award.items() if k != "proof"}
    assert verify(client, everything)["status"] == 200

    hidden = disclosure.disclose(award, list(disclosure.FACTS))
    report = verify(client, hidden)
    assert report["status"] == 200, report
    subject = hidden["credentialSubject"]
    assert "result" not in subject and "identifier" not in subject and "activityEndDate" not in subject
    assert "awardedDate" not in hidden and "Ana Andromeda" not in str(hidden)
    kept = award["credentialSubject"]["achievement"]
    assert subject["achievement"]["name"] == kept["name"] and subject["achievement"]["description"]
    assert hidden["issuer"] == award["issuer"] and hidden["credentialStatus"] == award["credentialStatus"]
    assert hidden["validFrom"] == award["validFrom"]

    changed = disclosure.disclose(award, ["Grade"])
    changed["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    assert verify(client, changed)["status"] == 400
