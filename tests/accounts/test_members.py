"""Members of an organisation: added with a set-up link or invited, roles changed and audited, the last admin kept,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit, login, members, service, setup
from microcred.accounts.models import Invitation, Membership, Role, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from tests.conftest import World

operator = Actor.operator()


def test_new_member_gets_a_set_up_link_where_they_choose_the_password(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin = Actor.person(world.users["a_org_admin"])
    membership, token = members.add_member(db, admin, organisation, email="New.Person@Example.org", role=Role.EDUCATOR)
    db.commit()
    assert isinstance(membership, Membership) and token is not None and len(token) >= 40
    assert membership.user.email == "new.person@example.org"
    assert membership.user.must_change_password
    assert token not in membership.user.password_hash
    with pytest.raises(Unauthenticated):  # the link is no password
        login.authenticate(db, "new.person@example.org", token)
    db.commit()
    setup.set_up(db, token, password="chosen by the person")
    db.commit()
    assert login.authenticate(db, "new.person@example.org", "chosen by the person").id == membership.user_id


def test_an_existing_user_is_only_invited_and_their_password_is_left_alone(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "b")
    invitation, token = members.add_member(db, operator, organisation, email="learner@a.example", role=Role.LEARNER)
    assert token is None and isinstance(invitation, Invitation)
    assert invitation.user_id == world.users["a_learner"].id
    assert Actor.person(db.merge(world.users["a_learner"])).role_in(db, organisation) is None
    with pytest.raises(Conflict, match="invited already"):
        members.add_member(db, operator, organisation, email="learner@a.example", role=Role.EDUCATOR)
    with pytest.raises(Conflict, match="already a member"):
        members.add_member(db, operator, organisation, email="learner@b.example", role=Role.EDUCATOR)


def test_role_change_is_audited_with_before_and_after(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin = Actor.person(world.users["a_org_admin"], ip="203.0.113.9")
    learner = world.users["a_learner"]
    members.change_role(db, admin, organisation, learner.id, Role.EDUCATOR)
    db.commit()
    events = audit.events_for_organisation(db, organisation)
    change = next(event for event in events if event.action == "member.role_changed")
    assert change.actor == "org_admin@a.example"
    assert change.object_id == str(learner.id)
    assert change.detail == {"previous": "learner", "role": "educator"}
    assert change.ip == "203.0.113.9"
    assert change.occurred_at.tzinfo is not None


def test_the_last_admin_cannot_be_demoted_or_removed(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin = world.users["a_org_admin"]
    with pytest.raises(Conflict, match="last admin"):
        members.change_role(db, operator, organisation, admin.id, Role.LEARNER)
    with pytest.raises(Conflict, match="last admin"):
        members.remove_member(db, operator, organisation, admin.id)


def test_educators_cannot_manage_members(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    educator = Actor.person(world.users["a_educator"])
    with pytest.raises(Forbidden, match="organisation admin"):
        members.change_role(db, educator, organisation, world.users["a_learner"].id, Role.ORG_ADMIN)


def test_member_of_another_organisation_is_not_found_here(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    with pytest.raises(NotFound):
        members.member(db, organisation, world.users["b_learner"].id)


def test_invalid_email_is_refused(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    with pytest.raises(InvalidInput, match="not an email address"):
        members.add_member(db, operator, organisation, email="not-an-email", role=Role.LEARNER)
    assert db.scalar(select(User).where(User.email == "not-an-email")) is None
