"""The wallet for programs: a held credential as a verifiable presentation signed by the learner's holder key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.config import Settings
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.wallet.fixtures import ASKED, claimed
from tests.web.test_api import assert_error, bearer


def test_the_api_makes_the_same_presentation_for_the_learner_only(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    item = claimed(database, world, settings)
    learner = bearer(database, world, "a", Role.LEARNER)
    made = client.post(f"/api/wallet/{item}/presentation", json=ASKED, headers=learner)
    assert made.status_code == 200, made.text
    presentation = made.json()
    assert presentation["proof"]["challenge"] == ASKED["challenge"]
    verified = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": ASKED})
    assert verified.status_code == 200 and verified.json()["verified"] is True, verified.text

    assert_error(
        client.post(f"/api/wallet/{item}/presentation", json={**ASKED, "challenge": ""}, headers=learner),
        422,
        "invalid_challenge",
    )
    others = bearer(database, world, "b", Role.LEARNER)
    assert_error(
        client.post(f"/api/wallet/{item}/presentation", json=ASKED, headers=others), 404, "wallet_credential_not_found"
    )
    assert_error(client.post(f"/api/wallet/{item}/presentation", json=ASKED), 401, "unauthenticated")
    session = TestClient(client.app)  # a browser's session cookie needs the CSRF header for JSON
    log_in(session, "learner@a.example", world.passwords["learner@a.example"])
    assert session.post(f"/api/wallet/{item}/presentation", json=ASKED).status_code == 403
    token = csrf_from(session.get(f"/wallet/{item}").text)
    answered = session.post(f"/api/wallet/{item}/presentation", json=ASKED, headers={"x-csrf-token": token})
    assert answered.status_code == 200 and answered.json()["holder"] == presentation["holder"]
