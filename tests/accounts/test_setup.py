"""A new account's set-up link: single-use, expiring, kept as a hash, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from microcred.accounts import service
from microcred.accounts.models import AuditEvent, Role, SetupLink
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


def test_an_admin_renews_the_link_of_an_account_it_made_and_nobody_set_up(
    client: TestClient, database: Database, world: World
) -> None:
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    first = client.post("/api/orgs/a/members", json={"email": "slow@example.org", "role": "learner"}, headers=admin_a)
    user_id, old_link = first.json()["user_id"], first.json()["setup_link"]
    with database.session() as db:
        db.execute(update(SetupLink).values(expires_at=utcnow()))  # the 72 hours went by
    renewed = client.post(f"/api/orgs/a/members/{user_id}/setup-link", headers=admin_a)
    body = renewed.json()
    assert renewed.status_code == 200 and body["setup_link"] != old_link and body["setup_link_expires_at"]
    newer = client.post(f"/api/orgs/a/members/{user_id}/setup-link", headers=admin_a).json()["setup_link"]
    assert _set_up(TestClient(client.app), body["setup_link"])[0].status_code == 409  # a newer link ends it
    page, done = _set_up(TestClient(client.app), newer)
    assert done.status_code == 303
    with database.session() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user_id))
        assert list(actions).count("user.setup_link") == 3
    # Set up now: its holder's alone.
    again = client.post(f"/api/orgs/a/members/{user_id}/setup-link", headers=admin_a)
    assert again.status_code == 409 and "set up their account already" in again.json()["detail"]

    # Removed before anyone set it up, the account the organisation made is added back with a fresh link.
    spare = client.post("/api/orgs/a/members", json={"email": "gone@example.org", "role": "learner"}, headers=admin_a)
    assert client.delete(f"/api/orgs/a/members/{spare.json()['user_id']}", headers=admin_a).status_code == 204
    back = client.post("/api/orgs/a/members", json={"email": "gone@example.org", "role": "learner"}, headers=admin_a)
    assert (
        back.json()["status"] == "member"
        and _set_up(TestClient(client.app), back.json()["setup_link"])[1].status_code == 303
    )


def test_no_link_for_an_account_this_organisation_did_not_make_or_that_belongs_elsewhere(
    client: TestClient, database: Database, world: World
) -> None:
    admin_a, admin_b = bearer(database, world, "a", Role.ORG_ADMIN), bearer(database, world, "b", Role.ORG_ADMIN)
    made_by_b = client.post(
        "/api/orgs/b/members", json={"email": "shared@example.org", "role": "learner"}, headers=admin_b
    ).json()
    made_by_a = client.post(
        "/api/orgs/a/members", json={"email": "mine@example.org", "role": "learner"}, headers=admin_a
    ).json()
    # B invites A's unused account: from then on, no organisation can hand out a link for it.
    assert (
        client.post(
            "/api/orgs/b/members", json={"email": "mine@example.org", "role": "learner"}, headers=admin_b
        ).json()["status"]
        == "invited"
    )
    with database.session() as db:  # an operator-made platform admin, put in A and never used
        user, _password = service.create_user(
            db,
            Actor.operator(),
            email="root@example.org",
            display_name="",
            platform_admin=True,
            organisation=service.organisation_for(db, Actor.operator(), "a"),
            role=Role.LEARNER,
        )
        root_id = str(user.id)
    for org, user_id, headers in [
        ("a", made_by_b["user_id"], admin_a),  # not a member of A at all
        ("a", made_by_a["user_id"], admin_a),  # invited elsewhere
        ("a", root_id, admin_a),  # a platform admin
        ("a", str(world.users["a_learner"].id), admin_a),  # set up long ago
    ]:
        refused = client.post(f"/api/orgs/{org}/members/{user_id}/setup-link", headers=headers)
        assert refused.status_code in (404, 409) and "setup_link" not in refused.json(), refused.text
    assert (
        client.post(f"/api/orgs/a/members/{root_id}/setup-link", headers=admin_a).json()["error"]
        == "setup_link_not_yours"
    )
    learner_a = bearer(database, world, "a", Role.EDUCATOR)
    assert client.post(f"/api/orgs/a/members/{made_by_a['user_id']}/setup-link", headers=learner_a).status_code == 403
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(SetupLink)) == 2  # the links of the two new accounts, no more


def test_the_members_page_offers_a_new_link_only_where_it_may(
    client: TestClient, database: Database, world: World
) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get("/orgs/a/members")
    added = client.post(
        "/orgs/a/members", data={"csrf_token": csrf_from(page.text), "email": "pat@example.org", "role": "learner"}
    )
    user_id = str(service_user_id(database, "pat@example.org"))
    assert f"/members/{user_id}/setup-link" in added.text
    assert f"/members/{world.users['a_learner'].id}/setup-link" not in added.text
    renewed = client.post(f"/orgs/a/members/{user_id}/setup-link", data={"csrf_token": csrf_from(added.text)})
    assert renewed.status_code == 200 and "New set-up link made" in renewed.text and "/account/setup/" in renewed.text
    refused = client.post(
        f"/orgs/a/members/{world.users['a_learner'].id}/setup-link", data={"csrf_token": csrf_from(added.text)}
    )
    assert (
        refused.status_code == 409 and "/account/setup/" not in refused.text and "set up their account" in refused.text
    )


def service_user_id(database: Database, email: str) -> object:
    with database.session() as db:
        return service.user_by_email(db, email).id
