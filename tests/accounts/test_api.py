"""The accounts API: who am I, organisations, members, API tokens and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microcred.accounts import members, service, tokens
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.store import Database
from tests.conftest import World
from tests.web.test_api import assert_error, bearer


def test_token_sees_itself_and_only_its_organisation(client: TestClient, database: Database, world: World) -> None:
    # The educator is also a learner in B; a token for A still sees only A.
    with database.session() as db:
        members.add_member(
            db,
            Actor.operator(),
            service.organisation_for(db, Actor.operator(), "b"),
            email="educator@a.example",
            role=Role.LEARNER,
        )
    headers = bearer(database, world, "a", Role.EDUCATOR)
    me = client.get("/api/me", headers=headers).json()
    assert me["email"] == "educator@a.example" and me["via"] == "token"
    assert [(o["slug"], o["your_role"]) for o in me["organisations"]] == [("a", "educator")]
    assert client.get("/api/orgs/a", headers=headers).json()["legal_name"] == "Alpha Academy"
    assert_error(client.get("/api/orgs/b", headers=headers), 404, "organisation_not_found")


def test_roles_are_enforced_inside_an_organisation(client: TestClient, database: Database, world: World) -> None:
    learner = bearer(database, world, "a", Role.LEARNER)
    body = assert_error(client.get("/api/orgs/a/members", headers=learner), 403, "forbidden")
    assert "organisation admin" in body["detail"]
    assert_error(client.get("/api/orgs/a/audit", headers=learner), 403, "forbidden")
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    assert {m["email"] for m in client.get("/api/orgs/a/members", headers=admin).json()} == {
        "org_admin@a.example",
        "educator@a.example",
        "learner@a.example",
        "recognition_officer@a.example",
    }


def test_admin_manages_members_and_the_audit_log_shows_it(client: TestClient, database: Database, world: World) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    created = client.post("/api/orgs/a/members", json={"email": "new@a.example", "role": "learner"}, headers=admin)
    assert created.status_code == 201
    assert created.json()["status"] == "member" and "/account/setup/" in created.json()["setup_link"]
    user_id = created.json()["user_id"]
    changed = client.patch(f"/api/orgs/a/members/{user_id}", json={"role": "educator"}, headers=admin)
    assert changed.json()["role"] == "educator"
    assert client.delete(f"/api/orgs/a/members/{user_id}", headers=admin).status_code == 204
    events = client.get("/api/orgs/a/audit", headers=admin).json()
    actions = [event["action"] for event in events]
    assert actions[:4] == ["member.removed", "member.role_changed", "user.setup_link", "member.added"]
    assert all(event["actor"].startswith("token mct_") for event in events[:3])
    older = client.get(f"/api/orgs/a/audit?before={events[0]['id']}&limit=1", headers=admin).json()
    assert [e["action"] for e in older] == ["member.role_changed"]


def test_token_lifecycle_over_the_api(client: TestClient, database: Database, world: World) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    created = client.post(
        "/api/orgs/a/tokens", json={"name": "grader", "role": "learner", "expires_in_days": 30}, headers=educator
    )
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["id"]
    listed = client.get("/api/orgs/a/tokens", headers=educator).json()
    assert all("token" not in item and "token_hash" not in item for item in listed)
    assert secret not in str(listed)
    new_headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/me", headers=new_headers).status_code == 200
    assert_error(
        client.post("/api/orgs/a/tokens", json={"name": "up", "role": "org_admin"}, headers=new_headers),
        403,
        "forbidden",
    )
    assert client.delete(f"/api/orgs/a/tokens/{token_id}", headers=educator).status_code == 204
    assert_error(client.get("/api/me", headers=new_headers), 401, "invalid_token")


def test_platform_admin_creates_organisations_but_not_through_a_token(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        user = service.user_by_email(db, "org_admin@a.example")
        user.is_platform_admin = True
    headers = bearer(database, world, "a", Role.ORG_ADMIN)
    assert_error(
        client.post("/api/orgs", json={"legal_name": "New Org", "country": "FR"}, headers=headers), 403, "forbidden"
    )


def test_a_token_cannot_outlive_itself_through_the_tokens_it_makes(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        organisation = service.organisation_for(db, Actor.operator(), "a")
        _token, secret = tokens.create_api_token(
            db,
            Actor.operator(),
            organisation,
            owner=world.users["a_educator"],
            role=Role.EDUCATOR,
            name="short",
            expires_in_days=2,
        )
    headers = {"Authorization": f"Bearer {secret}"}
    forever = client.post("/api/orgs/a/tokens", json={"name": "forever", "role": "learner"}, headers=headers)
    assert_error(forever, 422, "invalid_expiry")
    longer = client.post(
        "/api/orgs/a/tokens", json={"name": "longer", "role": "learner", "expires_in_days": 30}, headers=headers
    )
    assert_error(longer, 422, "invalid_expiry")
    same = client.post(
        "/api/orgs/a/tokens", json={"name": "ok", "role": "learner", "expires_in_days": 1}, headers=headers
    )
    assert same.status_code == 201


def test_identifiers_can_be_replaced_and_bad_values_are_named(
    client: TestClient, database: Database, world: World
) -> None:
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    for value in ("BE1", "BE2"):
        response = client.patch("/api/orgs/a", json={"identifiers": {"VAT": value}}, headers=admin)
        assert response.status_code == 200 and response.json()["identifiers"] == {"VAT": value}
    assert_error(
        client.patch("/api/orgs/a", json={"identifiers": {"VAT": "1", " vat ": "2"}}, headers=admin),
        422,
        "invalid_identifier",
    )
    assert_error(client.patch("/api/orgs/a", json={"legal_name": "ß" * 300}, headers=admin), 422, "invalid_name")
    clash = assert_error(
        client.patch("/api/orgs/a", json={"legal_name": "beta institute"}, headers=admin), 409, "organisation_exists"
    )
    assert "Beta" not in clash["detail"]  # nothing of the other organisation is echoed
    assert_error(client.get("/api/orgs/a/audit?before=99999999999999999999", headers=admin), 422, "invalid_request")


def test_removing_a_member_revokes_their_tokens_there(client: TestClient, database: Database, world: World) -> None:
    learner = bearer(database, world, "a", Role.LEARNER)
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    assert client.get("/api/orgs/a", headers=learner).status_code == 200
    assert client.delete(f"/api/orgs/a/members/{world.users['a_learner'].id}", headers=admin).status_code == 204
    with database.session() as db:
        members.add_member(
            db,
            Actor.operator(),
            service.organisation_for(db, Actor.operator(), "a"),
            email="learner@a.example",
            role=Role.LEARNER,
        )
    assert_error(client.get("/api/orgs/a", headers=learner), 401, "invalid_token")
