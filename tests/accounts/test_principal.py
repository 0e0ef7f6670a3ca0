"""Who is acting and with which role: people, their tokens, the operator, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.errors import Forbidden
from tests.conftest import World


def test_recognition_officers_and_educators_are_peers_that_cannot_take_each_others_role(
    db: Session, world: World
) -> None:
    from microcred.accounts import tokens
    from microcred.accounts.principal import narrowed

    organisation = db.merge(world.orgs["a"])
    officer = db.merge(world.users["a_recognition_officer"])
    with pytest.raises(Forbidden, match="recognition officer here and cannot hold a token with the role educator"):
        tokens.create_api_token(db, Actor.person(officer), organisation, owner=officer, role=Role.EDUCATOR, name="peer")
    token, _secret = tokens.create_api_token(
        db, Actor.person(officer), organisation, owner=officer, role=Role.RECOGNITION_OFFICER, name="mine"
    )
    assert Actor.machine(token).role_in(db, organisation) == Role.RECOGNITION_OFFICER
    # A token kept from an earlier role: a peer's role is not the owner's, so it acts as a learner.
    assert narrowed(Role.EDUCATOR, Role.RECOGNITION_OFFICER) == Role.LEARNER
    assert narrowed(Role.ORG_ADMIN, Role.RECOGNITION_OFFICER) == Role.RECOGNITION_OFFICER
    assert narrowed(Role.LEARNER, Role.ORG_ADMIN) == Role.LEARNER


def test_the_operator_is_admin_everywhere_and_a_platform_admin_only_through_a_login(db: Session, world: World) -> None:
    from microcred.accounts import tokens

    organisation = db.merge(world.orgs["a"])
    assert Actor.operator().is_platform_admin and Actor.operator().role_in(db, organisation) == Role.ORG_ADMIN
    admin = db.merge(world.users["a_org_admin"])
    admin.is_platform_admin = True
    assert Actor.person(admin).is_platform_admin
    assert Actor.person(admin).role_in(db, db.merge(world.orgs["b"])) == Role.ORG_ADMIN
    token, _secret = tokens.create_api_token(
        db, Actor.person(admin), organisation, owner=admin, role=Role.EDUCATOR, name="narrow"
    )
    through_token = Actor.machine(token)
    assert not through_token.is_platform_admin and through_token.label == f"token {token.prefix}"
    assert through_token.role_in(db, organisation) == Role.EDUCATOR
    assert through_token.role_in(db, db.merge(world.orgs["b"])) is None  # a token acts in its organisation only


def test_people_hold_their_membership_role_and_none_elsewhere(db: Session, world: World) -> None:
    learner = Actor.person(db.merge(world.users["a_learner"]))
    assert learner.role_in(db, db.merge(world.orgs["a"])) == Role.LEARNER
    assert learner.role_in(db, db.merge(world.orgs["b"])) is None
    assert Actor(user=None, label="anonymous").role_in(db, db.merge(world.orgs["a"])) is None


@pytest.mark.parametrize(
    ("role", "other", "covers"),
    [
        (Role.ORG_ADMIN, Role.EDUCATOR, True),
        (Role.ORG_ADMIN, Role.ORG_ADMIN, True),
        (Role.EDUCATOR, Role.LEARNER, True),
        (Role.EDUCATOR, Role.RECOGNITION_OFFICER, False),
        (Role.RECOGNITION_OFFICER, Role.EDUCATOR, False),
        (Role.LEARNER, Role.EDUCATOR, False),
    ],
)
def test_a_role_covers_itself_and_lower_roles_never_a_peer(role: Role, other: Role, covers: bool) -> None:
    from microcred.accounts.principal import outranks_or_equals

    assert outranks_or_equals(role, other) is covers
