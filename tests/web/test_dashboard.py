"""The dashboard's next steps follow the role and what is already done, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from microcred.web.dashboard import next_steps
from tests.conftest import World, log_in
from tests.e2e.conftest import published_minimum


def _titles(database: Database, world: World, user: str, org: str | None, role: Role | None) -> list[tuple[str, bool]]:
    with database.session() as db:
        person = db.merge(world.users[user])
        organisation = db.merge(world.orgs[org]) if org else None
        return [(step.title, step.open) for step in next_steps(db, person, organisation, role)]


def test_an_educator_with_nothing_published_is_shown_how_to_make_one(database: Database, world: World) -> None:
    before = _titles(database, world, "a_educator", "a", Role.EDUCATOR)
    assert before[0] == ("Make your first micro-credential", True)
    published_minimum(database, "a", world)
    after = _titles(database, world, "a_educator", "a", Role.EDUCATOR)
    assert ("Issue credentials", False) in after
    assert all(title != "Make your first micro-credential" for title, _ in after)


def test_a_learner_with_an_empty_profile_is_shown_how_to_start(database: Database, world: World) -> None:
    steps = _titles(database, world, "a_learner", "a", Role.LEARNER)
    assert ("Start your skills profile", True) in steps
    assert ("Keep your credentials", True) in steps
    assert all(title not in {"Make your first micro-credential", "Bring in your team"} for title, _ in steps)


def test_an_admin_sees_team_and_signing_and_officer_work(database: Database, world: World) -> None:
    titles = [title for title, _ in _titles(database, world, "a_org_admin", "a", Role.ORG_ADMIN)]
    assert {
        "Seal credentials with your certificate",
        "Decide recognition requests",
        "Make your first micro-credential",
    } <= set(titles)
    officer = [title for title, _ in _titles(database, world, "a_recognition_officer", "a", Role.RECOGNITION_OFFICER)]
    assert "Decide recognition requests" in officer and "Make your first micro-credential" not in officer


def test_open_steps_come_before_the_ones_done(database: Database, world: World) -> None:
    published_minimum(database, "a", world)
    flags = [is_open for _, is_open in _titles(database, world, "a_org_admin", "a", Role.ORG_ADMIN)]
    assert flags == sorted(flags, reverse=True)


def test_the_dashboard_page_leads_with_the_next_step(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    html = client.get("/dashboard").text
    steps = html[html.index('id="next-steps"') :]
    assert 'href="/orgs/a/specifications/new" class="button">Make a micro-credential</a>' in steps
