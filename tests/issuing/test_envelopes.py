"""Issuing VC-JOSE-COSE vc+jwt through the VC-API: `jose` (Node) verifies what we sign with the key the
organisation's DID document publishes (read into a JWK by Digital Bazaar's ecdsa-multikey, not by us), our own
verifier reads it back with its status, and what cannot be made is refused with 400 and a sentence."""

from __future__ import annotations

import base64
import json
import shutil
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from microcred.trust import cose, jose
from tests.conftest import World
from tests.issuing.test_api import credential
from tests.trust.test_jose import node_jose
from tests.web.test_api import assert_error, bearer

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
PREFIX = "data:application/vc+jwt,"
VERIFY_WITH_DID_DOCUMENT = """
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as base58 from 'base58-universal';
const method = given.document.verificationMethod.find((m) => m.id === given.kid);
let jwk;
if (method.publicKeyMultibase.startsWith('zDn')) {
  jwk = await EcdsaMultikey.toJwk({keyPair: await EcdsaMultikey.from({publicKeyMultibase: method.publicKeyMultibase})});
} else {
  const raw = base58.decode(method.publicKeyMultibase.slice(1)).slice(2);
  jwk = {kty: 'OKP', crv: 'Ed25519', x: jose.base64url.encode(raw)};
}
const key = await jose.importJWK(jwk, given.alg);
try {
  const {payload, protectedHeader} = await jose.jwtVerify(given.jwt, key, {typ: 'vc+jwt', algorithms: [given.alg]});
  out({ok: true, header: protectedHeader, payload});
} catch (error) { out({ok: false, code: error.code}); }
"""


def issue_jwt(client: TestClient, token: dict[str, str], **options: Any) -> Any:
    return client.post("/credentials/issue", json={"credential": credential(), "options": options}, headers=token)


@needs_node
@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_jose_verifies_our_vc_jwt_with_the_key_our_did_document_lists(
    client: TestClient, database: Database, world: World, alg: str
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    answer = issue_jwt(client, token, format="vc+jwt", algorithm=alg)
    assert answer.status_code == 201, answer.text
    enveloped = answer.json()["verifiableCredential"]
    assert enveloped["type"] == "EnvelopedVerifiableCredential" and enveloped["@context"] == [
        "https://www.w3.org/ns/credentials/v2"
    ]
    jwt = enveloped["id"].removeprefix(PREFIX)
    header = jose.parse(jwt).header
    did = client.get("/orgs/a/did.json").json()
    assert header["alg"] == alg and header["typ"] == "vc+jwt" and header["cty"] == "vc"
    assert header["kid"].startswith(did["id"] + "#") and header["kid"] in did["assertionMethod"]
    checked = node_jose(VERIFY_WITH_DID_DOCUMENT, {"document": did, "kid": header["kid"], "alg": alg, "jwt": jwt})
    assert checked["ok"] is True and checked["header"] == header, checked
    payload = checked["payload"]
    assert payload["issuer"] == did["id"] and payload["credentialSubject"] == credential()["credentialSubject"]
    assert [entry["statusPurpose"] for entry in payload["credentialStatus"]] == ["revocation", "suspension"]
    head, _, signature = jwt.split(".")
    forged = head + "." + jose.b64url(json.dumps({**payload, "issuer": "did:example:eve"}).encode()) + "." + signature
    refused = node_jose(VERIFY_WITH_DID_DOCUMENT, {"document": did, "kid": header["kid"], "alg": alg, "jwt": forged})
    assert refused == {"ok": False, "code": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"}


def test_we_verify_our_vc_jwt_and_see_it_revoked(client: TestClient, database: Database, world: World) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    answer = client.post(
        "/credentials/issue",
        json={"credential": credential(id="urn:uuid:5e0d2f7a-5d1c-4b61-8f0e-0c2d7f1b9a33")},
        headers={**token, "Accept": "application/vc+jwt"},
    )
    assert answer.status_code == 201, answer.text
    enveloped = answer.json()["verifiableCredential"]
    for given in (enveloped, enveloped["id"].removeprefix(PREFIX)):
        verified = client.post("/credentials/verify", json={"verifiableCredential": given})
        body = verified.json()
        assert verified.status_code == 200 and body["verified"] is True, body
        outcomes = {check["check"]: check["outcome"] for check in body["checks"]}
        assert outcomes["PROOF"] == "OK" and outcomes["REVOCATION"] == "OK" and body["issuer"].endswith(":orgs:a")
    changed = client.post(
        "/credentials/status",
        json={
            "credentialId": "urn:uuid:5e0d2f7a-5d1c-4b61-8f0e-0c2d7f1b9a33",
            "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": True}],
        },
        headers=token,
    )
    assert changed.status_code == 200, changed.text
    revoked = client.post("/credentials/verify", json={"verifiableCredential": enveloped})
    assert revoked.status_code == 400 and "The issuer has revoked this credential." in revoked.json()["errors"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"format": "cbor"}, "options.format must be vc+jwt or vc+cose"),
        ({"format": "vc+jwt", "algorithm": "HS256"}, "signed with ES256 or EdDSA, not 'HS256'"),
    ],
)
def test_what_cannot_be_made_is_refused_with_400(
    client: TestClient, database: Database, world: World, body: dict[str, Any], why: str
) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    refused = assert_error(issue_jwt(client, token, **body), 400, "invalid_credential")
    assert why in refused["detail"]


def test_a_vc_1_1_credential_is_not_made_a_vc_jwt(client: TestClient, database: Database, world: World) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    old = credential(**{"@context": ["https://www.w3.org/2018/credentials/v1"], "validFrom": None})
    answer = client.post("/credentials/issue", json={"credential": old, "options": {"format": "vc+jwt"}}, headers=token)
    assert "A vc+jwt secures VC 2.0 credentials" in assert_error(answer, 400, "invalid_credential")["detail"]
    plain = client.post(
        "/credentials/issue", json={"credential": credential(), "options": {"format": "ldp_vc"}}, headers=token
    )
    assert plain.status_code == 201 and "proof" in plain.json()["verifiableCredential"]


def test_a_vc_cose_is_issued_and_verifies(client: TestClient, database: Database, world: World) -> None:
    token = bearer(database, world, "a", Role.EDUCATOR)
    answer = client.post(
        "/credentials/issue",
        json={"credential": credential(), "options": {"format": "vc+cose", "algorithm": "EdDSA"}},
        headers=token,
    )
    assert answer.status_code == 201, answer.text
    enveloped = answer.json()["verifiableCredential"]
    head, _, data = enveloped["id"].partition(",")
    assert head == "data:application/vc+cose;base64"
    message = cose.parse(base64.b64decode(data))
    did = client.get("/orgs/a/did.json").json()
    assert message.algorithm == "EdDSA" and message.kid in did["assertionMethod"]
    assert json.loads(message.payload)["issuer"] == did["id"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": enveloped})
    assert verified.status_code == 200 and verified.json()["verified"] is True, verified.json()
