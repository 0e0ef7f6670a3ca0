"""The quality API: the published figures (public), every figure for the provider, enrolments recorded, and
feedback from the learner and from an employer; each answer the shape its response model documents, and a
refusal writes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.accounts.models import Role
from microcred.config import Settings
from microcred.quality.models import Enrolment, Feedback
from microcred.store import Database
from microcred.wallet import service as wallet
from tests.conftest import TEST_SECRET, World
from tests.quality.test_service import MINIMUM
from tests.recognition.test_cases import in_wallet, published, settings_of
from tests.web.test_api import bearer

NOBODY = {"responses": 0, "mean": None, "spread": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, "comments": []}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, quality_min_responses=MINIMUM)


def is_utc_time(value: Any) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value).utcoffset() is not None


def test_each_answer_is_the_documented_shape_to_the_field(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings_of(client), db, world, spec_id)
        token, _link = wallet.share(db, db.merge(world.users["a_learner"]), item.id, days=7, hidden=[])
        item_id = item.id
    educator = bearer(database, world, "a", Role.EDUCATOR)

    public = client.get(f"/api/catalogue/{spec_id}/quality")
    assert public.status_code == 200 and public.json() == {
        "minimum": MINIMUM,
        "enrolled": None,
        "completed": None,
        "completion_rate": None,
        "verifications": None,
        "shares": None,
        "learners": None,
        "employers": None,
        "recognition": None,
        "withheld": [
            f"completions, verifications and shares (until {MINIMUM} learners have completed it)",
            f"learners' feedback (until {MINIMUM} learners have answered)",
            f"employers' feedback (until {MINIMUM} employers have answered)",
            f"recognition outcomes (until {MINIMUM} cases have been decided)",
        ],
    }

    body = {"edition": 1, "period": "Spring 2027", "enrolled": 4}
    recorded = client.post(f"/api/orgs/a/specifications/{spec_id}/enrolments", json=body, headers=educator)
    assert recorded.status_code == 201, recorded.text
    enrolment = recorded.json()
    assert list(enrolment) == ["edition", "period", "enrolled", "recorded_at"]
    assert {**enrolment, "recorded_at": None} == {**body, "recorded_at": None} and is_utc_time(enrolment["recorded_at"])

    mine = client.post(
        f"/api/wallet/{item_id}/feedback",
        json={"satisfaction": 4, "comment": "Useful at work."},
        headers=bearer(database, world, "a", Role.LEARNER),
    )
    assert mine.status_code == 200, mine.text
    assert list(mine.json()) == ["satisfaction", "comment", "given_at"] and is_utc_time(mine.json()["given_at"])
    assert (mine.json()["satisfaction"], mine.json()["comment"]) == (4, "Useful at work.")
    theirs = client.post(f"/api/share/{token}/feedback", json={"satisfaction": 5})
    assert theirs.status_code == 201, theirs.text
    assert {**theirs.json(), "given_at": None} == {"satisfaction": 5, "comment": None, "given_at": None}

    figures = client.get(f"/api/orgs/a/specifications/{spec_id}/quality", headers=educator)
    assert figures.status_code == 200, figures.text
    assert figures.json() == {
        "enrolled": 4,
        "completed": 1,
        "learners": {
            **NOBODY,
            "responses": 1,
            "mean": 4.0,
            "spread": {**NOBODY["spread"], "4": 1},
            "comments": ["Useful at work."],
        },
        "employers": {**NOBODY, "responses": 1, "mean": 5.0, "spread": {**NOBODY["spread"], "5": 1}},
        "verifications": 0,
        "shares": 1,
        "share_views": 0,
        "recognition": {"recognised_fully": 0, "recognised_partly": 0, "refused": 0},
        "minimum": MINIMUM,
        "completion_rate": 0.25,
        "enrolments": [enrolment],
    }
    assert list(figures.json()) == [
        "enrolled",
        "completed",
        "learners",
        "employers",
        "verifications",
        "shares",
        "share_views",
        "recognition",
        "minimum",
        "completion_rate",
        "enrolments",
    ]


def test_a_refused_enrolment_or_feedback_writes_nothing(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        token, _link = wallet.share(
            db,
            db.merge(world.users["a_learner"]),
            in_wallet(settings_of(client), db, world, spec_id).id,
            days=7,
            hidden=[],
        )
    educator = bearer(database, world, "a", Role.EDUCATOR)
    no_edition = client.post(
        f"/api/orgs/a/specifications/{spec_id}/enrolments",
        json={"edition": 9, "period": "Spring 2027", "enrolled": 4},
        headers=educator,
    )
    assert no_edition.status_code == 404 and no_edition.json() == {
        "error": "edition_not_found",
        "detail": "There is no edition 9.",
    }
    blank = client.post(
        f"/api/orgs/a/specifications/{spec_id}/enrolments",
        json={"edition": 1, "period": " ", "enrolled": 4},
        headers=educator,
    )
    assert blank.status_code == 422 and blank.json()["error"] == "invalid_enrolment"
    assert client.post(f"/api/share/{token}/feedback", json={"satisfaction": 4}).status_code == 201
    again = client.post(f"/api/share/{token}/feedback", json={"satisfaction": 1, "comment": "Changed my mind."})
    assert again.status_code == 409 and again.json()["error"] == "feedback_given"
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(Enrolment)) == 0
        assert db.execute(select(Feedback.satisfaction, Feedback.comment)).all() == [(4, None)]
    nobody = client.get(f"/api/orgs/a/specifications/{spec_id}/quality").status_code
    assert nobody == 401
