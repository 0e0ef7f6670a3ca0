"""The provider's quality page of a micro-credential: every figure, and the form that records enrolments
(refused with what was typed kept, and nothing written)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.config import Settings
from microcred.quality.models import Enrolment
from microcred.store import Database
from microcred.wallet import service as wallet
from tests.conftest import TEST_SECRET, World, csrf_from, log_in
from tests.quality.test_service import MINIMUM
from tests.recognition.test_cases import in_wallet, published, settings_of


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, quality_min_responses=MINIMUM)


def test_the_provider_sees_every_figure_and_records_enrolments(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings, db, world, spec_id)
        wallet.share(db, db.merge(world.users["a_learner"]), item.id, days=7, hidden=[])
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get(f"/orgs/a/specifications/{spec_id}/quality")
    assert page.status_code == 200
    csrf = csrf_from(page.text)
    for enrolled, why in (
        ("-3", "whole number"),
        ("", "whole number"),
        ("many", "whole number"),
        ("²", "whole number"),
    ):
        refused = client.post(
            f"/orgs/a/specifications/{spec_id}/enrolments",
            data={"edition": "1", "period": "Spring 2027", "enrolled": enrolled, "csrf_token": csrf},
        )
        assert refused.status_code == 422 and why in refused.text
        assert 'value="Spring 2027"' in refused.text  # the input is kept
    no_edition = client.post(
        f"/orgs/a/specifications/{spec_id}/enrolments",
        data={"edition": "9", "period": "Spring 2027", "enrolled": "4", "csrf_token": csrf},
    )
    assert no_edition.status_code == 422 and "There is no edition 9." in no_edition.text
    for enrolled in ("5", "4"):  # the second corrects the first
        done = client.post(
            f"/orgs/a/specifications/{spec_id}/enrolments",
            data={"edition": "1", "period": "Spring 2027", "enrolled": enrolled, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
    figures = client.get(f"/api/orgs/a/specifications/{spec_id}/quality").json()
    assert (figures["enrolled"], figures["completed"], figures["completion_rate"]) == (4, 1, 0.25)
    assert (figures["shares"], figures["recognition"]) == (
        1,
        {"recognised_fully": 0, "recognised_partly": 0, "refused": 0},
    )
    assert [e["enrolled"] for e in figures["enrolments"]] == [4]
    text = client.get(f"/orgs/a/specifications/{spec_id}/quality").text
    assert "1 (25% of those enrolled)" in text
    # the public sees none of it: one learner completed, fewer than the minimum
    client.cookies.clear()
    assert client.get(f"/api/catalogue/{spec_id}/quality").json()["completed"] is None
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert client.get(f"/orgs/a/specifications/{spec_id}/quality").status_code == 403


def test_someone_else_s_micro_credential_is_not_found_whatever_the_form_says(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        ours, theirs = published(db, world), published(db, world, org="b")
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    csrf = csrf_from(client.get(f"/orgs/a/specifications/{ours}/quality").text)
    for enrolled in ("4", "many"):
        answer = client.post(
            f"/orgs/a/specifications/{theirs}/enrolments",
            data={"edition": "1", "period": "Spring 2027", "enrolled": enrolled, "csrf_token": csrf},
        )
        assert answer.status_code == 404
    assert client.get(f"/orgs/a/specifications/{uuid.uuid4()}/quality").status_code == 404
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(Enrolment)) == 0
