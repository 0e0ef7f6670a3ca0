"""Accounts only their holders control: an existing account is invited, never handed over, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from microcred.accounts import invitations, login, members, service
from microcred.accounts.models import Invitation, Role, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, NotFound, Unauthenticated
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.web.test_api import bearer

operator = Actor.operator()


def _unused(database: Database, email: str, *, org: str | None, platform_admin: bool = False) -> str:
    """An account made by the operator that nobody has logged into yet: its one-time password."""
    with database.session() as db:
        organisation = service.organisation_for(db, operator, org) if org else None
        _user, password = service.create_user(
            db,
            operator,
            email=email,
            display_name="",
            organisation=organisation,
            role=Role.ORG_ADMIN if organisation else None,
            platform_admin=platform_admin,
        )
    return password


@pytest.mark.parametrize("platform_admin", [False, True], ids=["b_admin", "platform_admin"])
def test_admin_of_a_adding_an_unused_account_gets_no_password_and_no_access(
    client: TestClient, database: Database, world: World, platform_admin: bool
) -> None:
    email = "root.two@x.example" if platform_admin else "new.admin@b.example"
    password = _unused(database, email, org=None if platform_admin else "b", platform_admin=platform_admin)
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    added = client.post("/api/orgs/a/members", json={"email": email, "role": "learner"}, headers=admin_a)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["status"] == "invited" and body["setup_link"] is None and "one_time_password" not in body
    # The page answers alike: an invitation, no password and no link.
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get("/orgs/a/members")
    again = client.post(
        "/orgs/a/members", data={"csrf_token": csrf_from(page.text), "email": email, "role": "educator"}
    )
    assert again.status_code == 409 and "invited already" in again.text and "/account/setup/" not in again.text
    with database.session() as db:
        user = service.user_by_email(db, email)
        # The holder's own one-time password still works and nothing else does; their standing is unchanged.
        assert login.authenticate(db, email, password).id == user.id
        db.commit()
        assert user.is_platform_admin is platform_admin
        assert Actor.person(user).role_in(db, service.organisation_for(db, operator, "a")) in (
            (Role.ORG_ADMIN,) if platform_admin else (None,)
        )
        if not platform_admin:
            assert Actor.person(user).role_in(db, service.organisation_for(db, operator, "b")) == Role.ORG_ADMIN
        pending = invitations.invitations_of(db, service.organisation_for(db, operator, "a"))
        assert [(i.user.email, i.role) for i in pending] == [(email, Role.LEARNER)]  # waits for its holder


def test_an_existing_account_is_a_member_only_once_its_holder_accepts_and_is_seen_from_then(
    client: TestClient, database: Database, world: World
) -> None:
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    invited = client.post(
        "/api/orgs/a/members", json={"email": "learner@b.example", "role": "educator"}, headers=admin_a
    )
    assert invited.json()["status"] == "invited"
    assert [i["email"] for i in client.get("/api/orgs/a/invitations", headers=admin_a).json()] == ["learner@b.example"]
    members = {m["email"] for m in client.get("/api/orgs/a/members", headers=admin_a).json()}
    assert "learner@b.example" not in members

    log_in(client, "learner@b.example", world.passwords["learner@b.example"])  # a login before accepting
    assert client.get("/api/orgs/a").status_code == 404  # the invitation grants nothing
    audit_before = client.get("/api/orgs/a/audit", headers=admin_a).json()
    assert not any("learner@b.example logged in" in e["summary"] for e in audit_before)

    mine = client.get("/api/me/invitations").json()
    assert [(i["organisation"], i["role"]) for i in mine] == [("a", "educator")]
    # Someone else cannot answer it, nor can a token (it acts in one organisation only).
    other = bearer(database, world, "b", Role.ORG_ADMIN)
    assert client.post(f"/api/me/invitations/{mine[0]['id']}/accept", headers=other).status_code == 404
    csrf = csrf_from(client.get("/account/invitations").text)
    accepted = client.post(f"/api/me/invitations/{mine[0]['id']}/accept", headers={"x-csrf-token": csrf})
    assert accepted.status_code == 200 and accepted.json()["role"] == "educator"
    assert client.get("/api/orgs/a").status_code == 200
    assert client.get("/api/me/invitations").json() == []

    with database.session() as db:
        login.authenticate(db, "learner@b.example", world.passwords["learner@b.example"])
        db.commit()
    summaries = [e["summary"] for e in client.get("/api/orgs/a/audit", headers=admin_a).json()]
    assert summaries.count("learner@b.example logged in") == 1  # only the one after accepting
    assert any("accepted the invitation" in s for s in summaries)


def test_an_invitation_can_be_declined_or_withdrawn(client: TestClient, database: Database, world: World) -> None:
    admin_a = bearer(database, world, "a", Role.ORG_ADMIN)
    client.post("/api/orgs/a/members", json={"email": "educator@b.example", "role": "learner"}, headers=admin_a)
    log_in(client, "educator@b.example", world.passwords["educator@b.example"])
    page = client.get("/account/invitations")
    assert "Alpha Academy" in page.text
    invitation = client.get("/api/me/invitations").json()[0]["id"]
    declined = client.post(
        f"/account/invitations/{invitation}", data={"csrf_token": csrf_from(page.text), "answer": "decline"}
    )
    assert declined.status_code == 200 and "You declined" in declined.text
    assert client.get("/api/orgs/a").status_code == 404
    client.post("/api/orgs/a/members", json={"email": "educator@b.example", "role": "learner"}, headers=admin_a)
    second = client.get("/api/orgs/a/invitations", headers=admin_a).json()[0]["id"]
    assert client.delete(f"/api/orgs/a/invitations/{second}", headers=admin_a).status_code == 204
    assert client.get("/api/me/invitations").json() == []


def test_a_holder_who_has_not_chosen_a_password_cannot_accept(db: Session, world: World) -> None:
    service.create_user(db, operator, email="otp@x.example", display_name="")
    user = service.user_by_email(db, "otp@x.example")
    invitation, _ = members.add_member(
        db, operator, service.organisation_for(db, operator, "a"), email="otp@x.example", role=Role.LEARNER
    )
    with pytest.raises(Forbidden, match="Choose your own password first"):
        invitations.accept_invitation(db, Actor.person(user), invitation.id)
    with pytest.raises(Unauthenticated):
        login.authenticate(db, "otp@x.example", "not the password")


def _meanwhile(session: Session, kind: type, act: Callable[[], None]) -> None:
    """Just before `session` writes its first `kind` row, another request's session does `act` and commits: the
    interleaving two requests at once can have, made certain."""
    done: list[bool] = []

    def rival(flushing: Session, _context: object, _instances: object) -> None:
        if not done and any(isinstance(row, kind) for row in flushing.new):
            done.append(True)
            act()

    event.listen(session, "before_flush", rival)


def test_two_adds_of_one_email_at_once_answer_as_one_after_the_other(database: Database, world: World) -> None:
    def b_adds_it() -> None:
        with database.session() as other:
            members.add_member(
                other,
                operator,
                service.organisation_for(other, operator, "b"),
                email="fresh@x.example",
                role=Role.LEARNER,
            )

    with database.session() as db:
        _meanwhile(db, User, b_adds_it)
        added, token = members.add_member(
            db, operator, service.organisation_for(db, operator, "a"), email="fresh@x.example", role=Role.LEARNER
        )
        assert isinstance(added, Invitation) and token is None  # B made it first: A invites, as it would after
    with database.session() as db:
        user = service.user_by_email(db, "fresh@x.example")
        assert [m.organisation.slug for m in user.memberships] == ["b"]


def test_two_invitations_or_two_accepts_at_once_are_conflicts_not_errors(database: Database, world: World) -> None:
    def a_invites() -> None:
        with database.session() as other:
            members.add_member(
                other,
                operator,
                service.organisation_for(other, operator, "a"),
                email="learner@b.example",
                role=Role.LEARNER,
            )

    with database.session() as db:
        _meanwhile(db, Invitation, a_invites)
        with pytest.raises(Conflict, match="invited already"):
            members.add_member(
                db, operator, service.organisation_for(db, operator, "a"), email="learner@b.example", role=Role.EDUCATOR
            )

    holder = Actor.person(world.users["b_learner"])
    with database.session() as db:
        invitation_id = invitations.my_invitations(db, holder)[0].id

    def accept_elsewhere() -> None:
        with database.session() as other:
            invitations.accept_invitation(other, Actor.person(other.merge(world.users["b_learner"])), invitation_id)

    with database.session() as db:
        me = Actor.person(db.merge(world.users["b_learner"]))
        invitations.my_invitations(db, me)  # this request has read the invitation
        accept_elsewhere()  # and the other answers first
        with pytest.raises(NotFound, match="no such invitation"):
            invitations.accept_invitation(db, me, invitation_id)
    with database.session() as db:
        user = service.user_by_email(db, "learner@b.example")
        assert sorted(m.organisation.slug for m in user.memberships) == ["a", "b"]
