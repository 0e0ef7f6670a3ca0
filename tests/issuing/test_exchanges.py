"""VCALM exchanges end to end, the wallet played by a holder with its own did:key signing with our Data Integrity
code: a credential claimed into the wallet bound to its DID, a verifier's query answered and its verdict read by
the organisation; and the attacks (a replayed answer, another exchange's challenge, another site's domain, an
unsigned answer, an expired or used exchange, another organisation's id) refused with a sentence."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.issuing.exchanges import Exchange
from microcred.store import Database
from microcred.store.base import utcnow
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key, Key, key_from_verification_method
from tests.conftest import World
from tests.issuing.test_api import credential
from tests.web.test_api import bearer

V2 = "https://www.w3.org/ns/credentials/v2"


class Wallet:
    """A holder: a did:key of its own, answering a request with a presentation it signs for authentication."""

    def __init__(self, key: Key | None = None) -> None:
        self.key = key or Ed25519Key.generate()
        self.did = self.key.did

    def present(
        self, request: dict[str, Any], credentials: list[dict[str, Any]] | None = None, **changes: Any
    ) -> dict[str, Any]:
        presentation: dict[str, Any] = {"@context": [V2], "type": ["VerifiablePresentation"], "holder": self.did}
        if credentials:
            presentation["verifiableCredential"] = credentials
        extra = {"challenge": request["challenge"], "domain": request["domain"], **changes}
        return dataintegrity.add_proof(
            presentation,
            self.key,
            created=dataintegrity.now(),
            proof_purpose="authentication",
            loader=document_loader(),
            extra=extra,
        )


def path_of(url: str) -> str:
    return urlparse(url).path


def start(client: TestClient, url: str) -> dict[str, Any]:
    answer = client.post(path_of(url), json={})
    assert answer.status_code == 200, answer.text
    request: dict[str, Any] = answer.json()["verifiablePresentationRequest"]
    return request


def new_exchange(client: TestClient, token: dict[str, str], workflow: str, **variables: Any) -> dict[str, Any]:
    made = client.post(f"/workflows/{workflow}/exchanges", json={"variables": variables}, headers=token)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    assert made.headers["location"] == body["exchangeUrl"]
    return body


def test_a_wallet_proves_its_did_and_gets_the_credential_issued_to_it(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    exchange = new_exchange(client, token, "issue", credential=credential(id=None))
    wallet = Wallet()
    request = start(client, exchange["exchangeUrl"])
    assert [q["type"] for q in request["query"]] == ["DIDAuthentication"]
    assert len(request["challenge"]) >= 32 and request["domain"].startswith("http")
    answer = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request)})
    assert answer.status_code == 200, answer.text
    [issued] = answer.json()["verifiablePresentation"]["verifiableCredential"]
    assert issued["credentialSubject"]["id"] == wallet.did and issued["issuer"].endswith(":orgs:a")
    report = client.post("/credentials/verify", json={"verifiableCredential": issued}).json()
    assert next(c for c in report["checks"] if c["check"] == "PROOF")["outcome"] == "OK", report
    state = client.get(path_of(exchange["exchangeUrl"]), headers=token).json()
    assert state["state"] == "complete" and state["variables"]["results"]["issue"]["did"] == wallet.did
    assert state["variables"]["results"]["issue"]["credentialId"] == issued["id"]
    # Used once: the same answer again, or a fresh start, is refused with a sentence
    replayed = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request)})
    assert replayed.status_code == 400 and "used once" in replayed.json()["detail"]
    assert client.post(path_of(exchange["exchangeUrl"]), json={}).status_code == 400


def test_a_did_key_instance_issues_through_an_exchange(client: TestClient, database: Database, world: World) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    did = client.post("/api/orgs/a/did-keys", json={"algorithm": "P-256", "label": "Wallet badges"}, headers=admin)
    instance = client.post("/api/orgs/a/issuers", json={"label": "LCW", "identity": did.json()["did"]}, headers=admin)
    exchange = new_exchange(client, admin, "issue", credential=credential(id=None), issuer=instance.json()["id"])
    wallet = Wallet()
    request = start(client, exchange["exchangeUrl"])
    answer = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request)})
    [issued] = answer.json()["verifiablePresentation"]["verifiableCredential"]
    assert issued["issuer"] == did.json()["did"] and issued["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    unsecured = {k: v for k, v in issued.items() if k != "proof"}
    key = key_from_verification_method(issued["proof"]["verificationMethod"])
    assert dataintegrity.verify_proof(unsecured, issued["proof"], key, document_loader()).verified


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ({"challenge": "another-exchanges-challenge"}, "its challenge differs"),
        ({"domain": "https://evil.example"}, "its domain differs"),
        ({"proofPurpose": "assertionMethod"}, "authentication"),
    ],
)
def test_an_answer_to_another_request_is_refused_and_the_exchange_stays_open(
    client: TestClient, database: Database, world: World, tamper: dict[str, str], why: str
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    exchange = new_exchange(client, token, "issue", credential=credential(id=None))
    wallet = Wallet()
    request = start(client, exchange["exchangeUrl"])
    if "proofPurpose" in tamper:
        presentation = {"@context": [V2], "type": ["VerifiablePresentation"], "holder": wallet.did}
        extra = {"challenge": request["challenge"], "domain": request["domain"]}
        forged = dataintegrity.add_proof(
            presentation, wallet.key, proof_purpose="assertionMethod", loader=document_loader(), extra=extra
        )
    else:
        forged = wallet.present(request, **tamper)
    refused = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": forged})
    assert refused.status_code == 400 and why in refused.json()["detail"], refused.text
    assert refused.json()["detail"].startswith("The presentation was refused:")
    state = client.get(path_of(exchange["exchangeUrl"]), headers=token).json()
    assert state["state"] == "active" and why in state["lastError"]["title"]
    honest = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request)})
    assert honest.status_code == 200


def test_a_presentation_made_for_one_exchange_is_refused_by_another(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    first = new_exchange(client, token, "issue", credential=credential(id=None))
    second = new_exchange(client, token, "issue", credential=credential(id=None))
    wallet = Wallet()
    answer = wallet.present(start(client, first["exchangeUrl"]))
    start(client, second["exchangeUrl"])
    replayed = client.post(path_of(second["exchangeUrl"]), json={"verifiablePresentation": answer})
    assert replayed.status_code == 400 and "challenge differs" in replayed.json()["detail"]
    unsigned = {"@context": [V2], "type": ["VerifiablePresentation"], "holder": wallet.did}
    bare = client.post(path_of(second["exchangeUrl"]), json={"verifiablePresentation": unsigned})
    assert bare.status_code == 400 and "not signed by its holder" in bare.json()["detail"]
    changed = {**answer, "holder": Wallet().did}
    assert client.post(path_of(first["exchangeUrl"]), json={"verifiablePresentation": changed}).status_code == 400
    deep: dict[str, Any] = {}
    for _ in range(80):
        deep = {"a": deep}
    nested = client.post(path_of(first["exchangeUrl"]), json={"verifiablePresentation": {**answer, "x": deep}})
    assert nested.status_code == 400 and "nested more than" in nested.json()["detail"]


def test_expired_unknown_and_other_tenants_exchanges_are_refused(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    exchange = new_exchange(client, token, "issue", credential=credential(id=None))
    request = start(client, exchange["exchangeUrl"])
    other = bearer(database, world, "b", Role.EDUCATOR)
    assert client.get(path_of(exchange["exchangeUrl"]), headers=other).status_code == 404
    assert client.get(path_of(exchange["exchangeUrl"]).replace("/issue/", "/verify/"), headers=token).status_code == 404
    guessed = client.post("/workflows/issue/exchanges/" + "A" * 43, json={})
    assert guessed.status_code == 404 and "no such exchange" in guessed.json()["detail"]
    with database.session() as db:
        row = db.query(Exchange).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    expired = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": Wallet().present(request)})
    assert expired.status_code == 400 and "expired" in expired.json()["detail"]
    assert client.get(path_of(exchange["exchangeUrl"]), headers=token).json()["state"] == "invalid"
    too_long = client.post(
        "/workflows/issue/exchanges",
        json={"expires": "2999-01-01T00:00:00Z", "variables": {"credential": credential()}},
        headers=token,
    )
    assert too_long.status_code == 400 and "at most a day" in too_long.json()["detail"]
    not_issuable = client.post(
        "/workflows/issue/exchanges",
        json={"variables": {"credential": credential(issuer="did:example:x")}},
        headers=token,
    )
    assert not_issuable.status_code == 400 and "issuer must be" in not_issuable.json()["detail"]
    learner = bearer(database, world, "a", Role.LEARNER)
    assert client.post("/workflows/issue/exchanges", json={"variables": {}}, headers=learner).status_code == 403


def test_a_verifier_asks_for_a_credential_type_and_reads_the_verdict(
    client: TestClient, database: Database, world: World
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    wallet = Wallet()
    held = client.post(
        "/credentials/issue",
        json={"credential": credential(id=None, credentialSubject={"id": wallet.did, "name": "Ana"})},
        headers=token,
    ).json()["verifiableCredential"]
    exchange = new_exchange(client, token, "verify", type="VerifiableCredential", reason="Show us your credential.")
    request = start(client, exchange["exchangeUrl"])
    query = {q["type"]: q for q in request["query"]}
    assert query["QueryByExample"]["credentialQuery"]["example"]["type"] == "VerifiableCredential"
    assert query["QueryByExample"]["credentialQuery"]["reason"] == "Show us your credential."
    answer = client.post(
        path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request, [held])}
    )
    assert answer.status_code == 200 and answer.json() == {}, answer.text
    result = client.get(path_of(exchange["exchangeUrl"]), headers=token).json()["variables"]["results"]["verify"]
    assert result["verified"] is True and result["did"] == wallet.did, result
    assert result["credentialResults"][0]["verified"] is True
    # Asking for a type the wallet does not hold: the exchange completes, and says so
    wanted = new_exchange(client, token, "verify", type="OpenBadgeCredential")
    request = start(client, wanted["exchangeUrl"])
    client.post(path_of(wanted["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request, [held])})
    result = client.get(path_of(wanted["exchangeUrl"]), headers=token).json()["variables"]["results"]["verify"]
    assert result["verified"] is False and result["problems"] == ["No OpenBadgeCredential was presented."]
    # A credential changed after it was issued: the verdict says it is not valid
    forged = {**held, "credentialSubject": {"id": wallet.did, "name": "Eve"}}
    third = new_exchange(client, token, "verify", type="VerifiableCredential")
    request = start(client, third["exchangeUrl"])
    client.post(path_of(third["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request, [forged])})
    result = client.get(path_of(third["exchangeUrl"]), headers=token).json()["variables"]["results"]["verify"]
    assert result["verified"] is False and result["credentialResults"][0]["verified"] is False


def test_a_learner_claims_an_award_into_a_wallet_through_its_claim_link(
    client: TestClient, database: Database, world: World
) -> None:
    from tests.issuing.test_claims import api_link, issued

    educator = bearer(database, world, "a", Role.EDUCATOR)
    award_id = issued(client, educator)
    link = api_link(client, educator, award_id)
    token = link.rsplit("/", 1)[1]
    made = client.post(f"/api/claim/{token}/exchange")
    assert made.status_code == 201, made.text
    exchange = made.json()
    deep = urlparse(exchange["walletLink"])
    assert f"{deep.scheme}://{deep.netloc}{deep.path}" == "https://lcw.app/request"
    offered = json.loads(parse_qs(deep.query)["request"][0])
    assert offered["protocols"]["vcapi"] == exchange["exchangeUrl"]
    protocols = client.get(path_of(exchange["interactionUrl"]))
    assert protocols.json() == {"protocols": {"vcapi": exchange["exchangeUrl"]}}
    wallet = Wallet()
    request = start(client, exchange["exchangeUrl"])
    answer = client.post(path_of(exchange["exchangeUrl"]), json={"verifiablePresentation": wallet.present(request)})
    assert answer.status_code == 200, answer.text
    [bound] = answer.json()["verifiablePresentation"]["verifiableCredential"]
    assert bound["id"] == f"urn:uuid:{award_id}" and bound["credentialSubject"]["id"] == wallet.did
    report = client.post("/credentials/verify", json={"verifiableCredential": bound}).json()
    assert report["verified"] is True, report
    # The link is used up: neither the page's link nor a new exchange from it works
    again = client.post(f"/api/claim/{token}/exchange")
    assert again.status_code == 404 and "expired" in again.json()["detail"]
    # Revoking the award revokes the copy in the wallet: it carries the award's status entries
    revoke = {
        "credentialId": f"urn:uuid:{award_id}",
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
        "reason": "Issued in error",
    }
    assert client.post("/credentials/status", json=revoke, headers=educator).json()["revoked"] is True
    assert client.post("/credentials/verify", json={"verifiableCredential": bound}).json()["verified"] is False
