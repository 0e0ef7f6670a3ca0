"""Organisations' signing keys: sealed at rest, rotated without breaking what they signed, published as did:web."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.errors import Unavailable
from microcred.issuing import keys
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.keystore import new_master_key, parse_master_key
from microcred.trust.multikey import key_from_multibase
from tests.conftest import World
from tests.web.test_api import assert_error, bearer

MASTER = parse_master_key(new_master_key())
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:example.org",
    "validFrom": "2026-11-23T00:00:00Z",
    "credentialSubject": {"id": "did:example:learner"},
}


def test_keys_are_sealed_rotated_and_still_verify(db: Session) -> None:
    actor = Actor.operator()
    org = accounts.create_organisation(db, actor, legal_name="Uni Zed", country="IE", slug="zed")
    first = keys.active(db, actor, org, "Ed25519", MASTER)
    assert keys.active(db, actor, org, "Ed25519", MASTER).id == first.id  # made once
    signer = keys.private_key(first, MASTER)
    # At rest the private key is neither in clear nor in its multibase form.
    assert signer.private_multibase.encode() not in first.private_sealed
    assert signer.private_multibase[1:].encode() not in first.private_sealed
    with pytest.raises(Unavailable, match="not the one it was sealed with"):
        keys.private_key(first, parse_master_key(new_master_key()))

    method = keys.verification_method(org, first, "https://mc.example:8443/base")
    assert method == f"did:web:mc.example%3A8443:base:orgs:zed#{first.public_multibase}"
    signed = dataintegrity.add_proof(CREDENTIAL, signer, verification_method=method, created="2026-11-23T00:00:00Z")

    second = keys.rotate(db, actor, org, "Ed25519", MASTER)
    assert first.retired_at is not None and second.retired_at is None and second.id != first.id
    assert keys.active(db, actor, org, "Ed25519", MASTER).id == second.id
    document = keys.did_document(db, org, "https://mc.example:8443/base")
    listed = {m["publicKeyMultibase"] for m in document["verificationMethod"]}  # type: ignore[index,union-attr]
    assert {first.public_multibase, second.public_multibase} <= listed
    assert method in document["assertionMethod"]  # type: ignore[operator]
    # What the retired key signed still verifies with the key the DID document lists.
    old = key_from_multibase(first.public_multibase)
    assert dataintegrity.verify_proof({k: v for k, v in signed.items() if k != "proof"}, signed["proof"], old).verified

    p256 = keys.active(db, actor, org, "P-256", MASTER)
    assert p256.public_multibase.startswith("zDn") and keys.private_key(p256, MASTER).algorithm == "P-256"
    with pytest.raises(Exception, match="Unknown key algorithm"):
        keys.rotate(db, actor, org, "RSA", MASTER)
    with pytest.raises(Unavailable, match="MICROCRED_MASTER_KEY is not usable"):
        keys.master_key("too-short")


def test_admins_list_and_rotate_keys_and_anyone_reads_the_did_document(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    educator = bearer(database, world, "a", Role.EDUCATOR)
    assert client.get("/api/orgs/a/keys", headers=educator).status_code == 403
    listed = client.get("/api/orgs/a/keys", headers=admin)
    assert listed.status_code == 200
    body = listed.json()
    assert sorted(k["algorithm"] for k in body) == ["Ed25519", "P-256"]
    assert "private" not in listed.text.lower() and "sealed" not in listed.text
    rotated = client.post("/api/orgs/a/keys/rotate", json={"algorithm": "P-256"}, headers=admin)
    assert rotated.status_code == 201 and rotated.json()["algorithm"] == "P-256"
    assert_error(
        client.post("/api/orgs/a/keys/rotate", json={"algorithm": "RSA"}, headers=admin), 422, "unknown_algorithm"
    )

    did = client.get("/orgs/a/did.json")
    assert did.status_code == 200 and did.headers["content-type"].startswith("application/did+ld+json")
    document = json.loads(did.text)
    host = settings.base_url.split("://", 1)[1].rstrip("/").replace(":", "%3A")
    assert document["id"] == f"did:web:{host}:orgs:a"
    assert len(document["verificationMethod"]) == 3  # two P-256 (one retired) and one Ed25519
    assert all(
        m["type"] == "Multikey" and "private" not in json.dumps(m).lower() for m in document["verificationMethod"]
    )
    assert client.get("/orgs/nobody/did.json").status_code == 404
