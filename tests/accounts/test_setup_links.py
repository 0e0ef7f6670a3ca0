"""A new account's set-up link: single-use, expiring, kept as a hash, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from microcred.accounts import service
from microcred.accounts.models import Role, SetupLink
from microcred.accounts.principal import Actor
from microcred.store import Database
from microcred.store.base import utcnow
from tests.conftest import World, csrf_from, log_in
from tests.web.test_api import bearer


def _set_up(client: TestClient, link: str, password: str = "a password of my own"):  # type: ignore[no-untyped-def]
    path = link.removeprefix("http://testserver").removeprefix(str(client.base_url))
    path = path[path.index("/account/setup/") :]
    page = client.get(path)
    csrf = csrf_from(page.text if page.status_code == 200 else client.get("/login").text)
    return page, client.post(
        path,
        data={"csrf_token": csrf, "new_password": password, "confirm_password": password},
        follow_redirects=False,
    )


def test_a_new_member_chooses_their_password_once_through_the_link(
    client: TestClient, database: Database, world: World
) -> None:
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    added = client.post("/api/orgs/a/members", json={"email": "nia@example.org", "role": "learner"}, headers=admin_a)
    body = added.json()
    assert added.status_code == 201 and body["status"] == "member" and body["setup_link_expires_at"]
    link = body["setup_link"]
    token = link.rsplit("/", 1)[1]
    assert link.endswith(f"/account/setup/{token}") and len(token) >= 40
    with database.session() as db:  # only the hash is kept
        row = db.scalar(select(SetupLink))
        assert row is not None and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in {row.token_hash, service.user_by_email(db, "nia@example.org").password_hash}

    visitor = TestClient(client.app)
    page, done = _set_up(visitor, link)
    assert page.status_code == 200 and "nia@example.org" in page.text
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    assert visitor.get("/api/me").json()["email"] == "nia@example.org"  # signed in by choosing the password

    replay = TestClient(client.app)
    refused = replay.get(link.removeprefix(str(client.base_url)))
    assert refused.status_code == 409 and "was used already" in refused.text
    page, again = _set_up(replay, link, "someone else's choice")
    assert again.status_code == 409 and "was used already" in again.text
    log_in(replay, "nia@example.org", "a password of my own")  # the holder's password stands
    unknown = replay.get("/account/setup/" + "x" * 43)
    assert unknown.status_code == 404 and "not valid" in unknown.text


def test_an_expired_link_is_refused(client: TestClient, database: Database, world: World) -> None:
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    link = client.post(
        "/api/orgs/a/members", json={"email": "late@example.org", "role": "learner"}, headers=admin_a
    ).json()["setup_link"]
    with database.session() as db:
        db.execute(update(SetupLink).values(expires_at=utcnow()))
    page, done = _set_up(TestClient(client.app), link)
    assert page.status_code == 409 and "has expired" in page.text
    with database.session() as db:
        assert service.user_by_email(db, "late@example.org").must_change_password


def test_an_account_another_organisation_made_and_nobody_set_up_is_only_invited(
    client: TestClient, database: Database, world: World
) -> None:
    admin_b = bearer(database, world, "b", Role.ORG_ADMIN)
    first = client.post(
        "/api/orgs/b/members", json={"email": "boss@b.example", "role": "org_admin"}, headers=admin_b
    ).json()
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    second = client.post("/api/orgs/a/members", json={"email": "boss@b.example", "role": "learner"}, headers=admin_a)
    assert second.status_code == 201 and second.json()["status"] == "invited" and second.json()["setup_link"] is None
    page, done = _set_up(TestClient(client.app), first["setup_link"])  # B's link still works, and only it
    assert done.status_code == 303
    with database.session() as db:
        user = service.user_by_email(db, "boss@b.example")
        assert Actor.person(user).role_in(db, service.organisation_for(db, Actor.operator(), "a")) is None
        assert db.scalar(select(SetupLink.id).where(SetupLink.used_at.is_(None))) is None
