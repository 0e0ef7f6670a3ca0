"""API tokens: shown once, stored as a hash, never more than their owner or their maker, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import members, service, tokens
from microcred.accounts.models import AuditEvent, Role
from microcred.accounts.principal import Actor
from microcred.errors import Forbidden, Unauthenticated
from microcred.store.base import utcnow
from tests.conftest import World

operator = Actor.operator()


def test_api_token_is_stored_hashed_and_can_be_revoked(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    educator = world.users["a_educator"]
    token, secret = tokens.create_api_token(
        db, Actor.person(educator), organisation, owner=educator, role=Role.LEARNER, name="LMS sync"
    )
    db.commit()
    assert secret.startswith("mct_") and len(secret) > 40
    assert secret not in token.token_hash and token.prefix == secret[:12]
    assert tokens.authenticate_token(db, secret).id == token.id
    tokens.revoke_api_token(db, Actor.person(educator), organisation, token.id)
    db.commit()
    with pytest.raises(Unauthenticated, match="unknown, expired or revoked"):
        tokens.authenticate_token(db, secret)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(token.id))).all()
    assert actions == ["token.created", "token.revoked"]


def test_expired_tokens_are_refused(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    owner = world.users["a_learner"]
    token, secret = tokens.create_api_token(
        db, operator, organisation, owner=owner, role=Role.LEARNER, name="short", expires_in_days=1
    )
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    with pytest.raises(Unauthenticated):
        tokens.authenticate_token(db, secret)


def test_a_token_never_outranks_its_owner_or_its_maker(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin, learner = world.users["a_org_admin"], world.users["a_learner"]
    with pytest.raises(Forbidden, match="cannot hold"):
        tokens.create_api_token(db, operator, organisation, owner=learner, role=Role.ORG_ADMIN, name="x")
    narrow, _secret = tokens.create_api_token(
        db, Actor.person(admin), organisation, owner=admin, role=Role.LEARNER, name="narrow"
    )
    db.commit()
    as_narrow_token = Actor.machine(narrow)
    assert as_narrow_token.role_in(db, organisation) == Role.LEARNER
    with pytest.raises(Forbidden, match="learner"):
        tokens.create_api_token(db, as_narrow_token, organisation, owner=admin, role=Role.ORG_ADMIN, name="escalate")
    # Demoting the owner demotes their admin token with them.
    broad, _ = tokens.create_api_token(db, operator, organisation, owner=learner, role=Role.LEARNER, name="b")
    members.change_role(db, operator, organisation, learner.id, Role.EDUCATOR)
    educator_token, _ = tokens.create_api_token(db, operator, organisation, owner=learner, role=Role.EDUCATOR, name="e")
    members.change_role(db, operator, organisation, learner.id, Role.LEARNER)
    assert Actor.machine(educator_token).role_in(db, organisation) == Role.LEARNER
    assert Actor.machine(broad).role_in(db, service.organisation_for(db, operator, "b")) is None
