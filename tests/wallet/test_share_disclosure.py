"""A share link that hides facts of an ecdsa-sd-2023 award serves a derived credential without them, whose proof
verifies; for a credential signed whole, hiding stays a view and the page says so."""

from __future__ import annotations

import re
import uuid
from datetime import date

from fastapi.testclient import TestClient

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import claims, credentials, documents
from microcred.store import Database
from microcred.wallet import service as wallet
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum
from tests.wallet.fixtures import ASKED, claimed, learner_of, master


def claimed_sd(database: Database, world: World, settings: Settings) -> uuid.UUID:
    """An award issued with ecdsa-sd-2023, claimed into the learner's wallet: the wallet item's id."""
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(annex_i_minimum()))
        design.publish(db, Actor.operator(), organisation, spec.id)
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec.id,
            1,
            documents.Learner(name="Ana Andromeda", email="learner@a.example"),
            documents.Result(awarded=date(2026, 11, 20), grade="Distinction"),
            base_url=settings.base_url,
            master=master(settings),
            cryptosuite="ecdsa-sd-2023",
        )
        url, _expires = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=settings.base_url)
        return wallet.claim(db, learner_of(db), url.rsplit("/", 1)[1]).id


def shared_link(learner: TestClient, item: str, hide: list[str]) -> str:
    shown = learner.get(item)
    made = learner.post(f"{item}/share", data={"csrf_token": csrf_from(shown.text), "days": "7", "hide": hide})
    found = re.search(r"/share/[A-Za-z0-9_-]{43}", made.text)
    assert found is not None, made.text
    return found.group(0)


def learner_client(client: TestClient, world: World) -> TestClient:
    learner = TestClient(client.app)
    log_in(learner, "learner@a.example", world.passwords["learner@a.example"])
    return learner


def test_hidden_facts_of_an_sd_award_are_left_out_of_what_is_shared(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    wallet_id = claimed_sd(database, world, settings)
    item = f"/wallet/{wallet_id}"
    with database.session() as db:  # a presentation carries a full disclosure, never the holder's base proof
        presented = wallet.present(db, learner_of(db), [wallet_id], master=master(settings), **ASKED)
    [carried] = presented["verifiableCredential"]
    assert carried["proof"][0]["proofValue"].startswith("u2V0B") and carried["credentialSubject"]["result"]
    assert client.post("/credentials/verify", json={"verifiableCredential": carried}).status_code == 200
    learner = learner_client(client, world)
    assert 'id="item-verdict" data-verified="true"' in learner.get(item).text  # the holder's copy checks out
    assert 'data-verified="true"' in learner.get("/wallet").text

    link = shared_link(learner, item, ["Grade", "Learner"])
    employer = TestClient(client.app)
    page = employer.get(link)
    assert page.status_code == 200 and 'data-verified="true"' in page.text, page.text
    assert "Distinction" not in page.text and "Ana Andromeda" not in page.text
    assert 'id="share-left-out"' in page.text and "Grade, Learner" in page.text and 'id="share-hidden"' not in page.text
    served = employer.get(f"{link}/credential.json")
    assert served.status_code == 200
    document = served.json()
    subject = document["credentialSubject"]
    assert (
        "result" not in subject
        and "identifier" not in subject
        and document["proof"][0]["cryptosuite"] == "ecdsa-sd-2023"
    )
    verdict = client.post("/credentials/verify", json={"verifiableCredential": document})
    assert verdict.status_code == 200, verdict.text
    subject["result"] = [{"type": ["Result"], "value": "Distinction"}]  # put back: not signed as shared
    assert client.post("/credentials/verify", json={"verifiableCredential": document}).status_code == 400

    view_only = shared_link(learner, item, ["Grade", "Description"])
    page = employer.get(view_only)
    assert 'data-verified="true"' in page.text and "Distinction" not in page.text
    assert 'id="share-left-out"' in page.text and 'id="share-hidden"' in page.text
    assert "An Open Badge must carry them" in page.text
    assert employer.get(f"{view_only}/credential.json").status_code == 404  # it would show the description


def test_hiding_facts_of_a_credential_signed_whole_is_a_view_and_says_so(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    item = f"/wallet/{claimed(database, world, settings)}"
    learner = learner_client(client, world)
    link = shared_link(learner, item, ["Grade"])
    page = TestClient(client.app).get(link)
    assert 'data-verified="true"' in page.text and "Distinction" not in page.text
    assert 'id="share-hidden"' in page.text and "the full signed credential is not shared" in page.text
    assert 'id="share-left-out"' not in page.text
    assert TestClient(client.app).get(f"{link}/credential.json").status_code == 404
