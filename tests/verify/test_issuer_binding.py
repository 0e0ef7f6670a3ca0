"""The attack of issue 16: a credential naming an organisation (its name, an issuer id nothing ties to the key:
urn:uuid, or an upper-case `DID:web:…`), signed by anyone's did:key, read "Valid · Awarded by <organisation>".
Now every place that shows a verdict says "Signature intact, issuer not confirmed", names the issuer only as
what it calls itself, and recognition suggests no criterion as met — on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Ed25519Key
from microcred.web.app import create_app  # noqa: F401 (the app the client fixture makes)
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_cases import in_wallet, published, settings_of
from tests.web.test_api import bearer

UNCONFIRMED = "Signature intact, issuer not confirmed"


def forged(document: dict[str, Any], issuer_id: str) -> dict[str, Any]:
    """Org A's credential re-signed by a stranger's did:key under an issuer id that names A (or nothing)."""
    key = Ed25519Key.generate()
    did = f"did:key:{key.public_multibase}"
    unsigned = {k: v for k, v in copy.deepcopy(document).items() if k not in ("proof", "credentialStatus")}
    unsigned["issuer"] = {**unsigned["issuer"], "id": issuer_id}
    return dataintegrity.add_proof(
        unsigned, key, verification_method=f"{did}#{key.public_multibase}", loader=document_loader()
    )


def issued_to_the_learner(client: TestClient, database: Database, world: World) -> dict[str, Any]:
    with database.session() as db:
        item = in_wallet(settings_of(client), db, world, published(db, world))
        document = item.document
        db.commit()
    return document


@pytest.mark.parametrize("issuer", ["urn:uuid", "upper-case DID"])
def test_an_unattributable_credential_is_not_valid_on_the_api_or_the_verify_page(
    client: TestClient, database: Database, world: World, issuer: str
) -> None:
    genuine = issued_to_the_learner(client, database, world)
    assert genuine["issuer"]["name"] == "Alpha Academy"
    answer = client.post("/credentials/verify", json={"verifiableCredential": genuine})
    assert answer.json()["verdict"] == "valid" and answer.json()["verified"] is True, answer.text

    ours = genuine["issuer"]["id"]
    issuer_id = "urn:uuid:5f0e8a8e-1d5b-4d8e-9f0e-2c7a1b3c4d5e" if issuer == "urn:uuid" else "DID" + ours[3:]
    document = forged(genuine, issuer_id)
    report = client.post("/credentials/verify", json={"verifiableCredential": document}).json()
    assert report["verified"] is False and report["verdict"] == "issuer-unconfirmed", report
    assert report["verdictLabel"] == UNCONFIRMED
    found = {c["check"]: c for c in report["checks"]}
    assert found["PROOF"]["outcome"] == "WARNING" and "Alpha Academy" not in found["ACCREDITATION"]["sentence"]

    import json

    page = client.get("/verify")
    shown = client.post("/verify", data={"csrf_token": csrf_from(page.text), "document": json.dumps(document)})
    assert shown.status_code == 200
    assert UNCONFIRMED in shown.text and 'data-verdict="issuer-unconfirmed"' in shown.text
    assert "verdict-issuer-unconfirmed" in shown.text and ">Valid<" not in shown.text
    assert "<dt>Awarded by</dt>" not in shown.text and "Names itself Alpha Academy (not confirmed)" in shown.text


def test_the_wallet_the_share_page_and_a_recognition_case_show_the_distinct_verdict(
    client: TestClient, database: Database, world: World
) -> None:
    import json

    document = forged(issued_to_the_learner(client, database, world), "urn:uuid:5f0e8a8e-1d5b-4d8e-9f0e-2c7a1b3c4d5e")
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    added = learner.post(
        "/wallet/upload",
        data={"csrf_token": csrf_from(learner.get("/wallet").text)},
        files={"file": ("forged.json", json.dumps(document).encode())},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    listing = learner.get("/wallet").text
    row = next(r for r in listing.split("<tr>") if "issuer-unconfirmed" in r)
    assert UNCONFIRMED in row and "Names itself Alpha Academy (not confirmed)" in row
    item = re.findall(r'href="(/wallet/[0-9a-f-]{36})"', row)[0]
    shown = learner.get(item)
    assert 'id="item-verdict" data-verified="false" data-verdict="issuer-unconfirmed"' in shown.text
    assert UNCONFIRMED in shown.text
    made = learner.post(f"{item}/share", data={"csrf_token": csrf_from(shown.text), "days": "7"})
    link = re.search(r"/share/[A-Za-z0-9_-]+", made.text.split('id="share-link"', 1)[1]).group(0)  # type: ignore[union-attr]
    employer = TestClient(client.app).get(link).text
    assert 'data-verdict="issuer-unconfirmed"' in employer and UNCONFIRMED in employer
    assert "Valid</strong>" not in employer and "<dt>Awarded by</dt>" not in employer
    assert "Names itself Alpha Academy (not confirmed)" in employer

    officer = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    opened = client.post("/api/orgs/b/recognition/cases", json={"credential": document}, headers=officer)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["verified"] is False and "never decided automatically" in case["route_note"]
    assert "issuer not confirmed" in case["route_note"]
    assert all(c["suggestion"] != "met" for c in case["criteria"]), case["criteria"]  # a claim, not a fact
    log_in(client, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    page = client.get(f"/orgs/b/recognition/cases/{case['id']}").text
    assert 'class="verdict-issuer-unconfirmed"><strong>' in page and UNCONFIRMED in page
    assert 'id="unverified-flag" data-verdict="issuer-unconfirmed"' in page
    assert "Names itself Alpha Academy (not confirmed)" in page and "<dd>Alpha Academy</dd>" not in page
    assert "issuer not confirmed" in client.get("/orgs/b/recognition").text
