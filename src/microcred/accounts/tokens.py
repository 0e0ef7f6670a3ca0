"""API tokens for machine clients: shown once, stored as a hash, one organisation and role, revocable."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from microcred.accounts import audit
from microcred.accounts.login import token_digest
from microcred.accounts.models import ApiToken, Organisation, Role, User
from microcred.accounts.principal import Actor, membership_role_of, outranks_or_equals
from microcred.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from microcred.inputs import single_line
from microcred.store.base import utcnow

TOKEN_PREFIX = "mct_"  # noqa: S105  (a marker, not a secret)
MAX_LIFETIME_DAYS = 3650


def create_api_token(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    owner: User,
    role: Role,
    name: str,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Mint a token acting as `owner` with `role` in `organisation`; the secret is returned only here."""
    owner_role = membership_role_of(db, owner, organisation)
    if owner_role is None:
        raise InvalidInput(f"{owner.email} is not a member of {organisation.legal_name}.", code="not_a_member")
    if not outranks_or_equals(owner_role, role):
        raise Forbidden(
            f"{owner.email} is {owner_role.label.lower()} here "
            f"and cannot hold a token with the role {role.label.lower()}."
        )
    actor_role = actor.role_in(db, organisation)
    if actor_role is None or not outranks_or_equals(actor_role, role):
        # A learner-scoped token of an admin must not mint an admin token.
        raise Forbidden(
            f"You act as {actor_role.label.lower() if actor_role else 'nobody'} here "
            f"and cannot create a token with the role {role.label.lower()}."
        )
    if actor.user is not None and actor.user.id != owner.id and actor_role != Role.ORG_ADMIN:
        raise Forbidden("Only an organisation admin can create tokens for someone else.")
    name = single_line(name, field="token name", max_length=100, code="invalid_name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        raise InvalidInput(f"A token lives 1 to {MAX_LIFETIME_DAYS} days.", code="invalid_expiry")
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    # A short-lived token must not outlive itself through the tokens it makes.
    if actor.token is not None and actor.token.expires_at is not None:  # noqa: SIM102
        if expires_at is None or expires_at > actor.token.expires_at:
            raise InvalidInput(
                f"A token can only create tokens that expire by its own expiry ({actor.token.expires_at:%Y-%m-%d}).",
                code="invalid_expiry",
            )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation_id=organisation.id,
        user_id=owner.id,
        role=role,
        name=name,
        prefix=secret[:12],
        token_hash=token_digest(secret),
        expires_at=expires_at,
    )
    db.add(token)
    db.flush()
    audit.record(
        db,
        actor,
        "token.created",
        object_type="api_token",
        object_id=token.id,
        organisation=organisation,
        summary=f"Created {role.label.lower()} token '{name}' ({token.prefix}) for {owner.email}",
        role=role.value,
        owner=owner.email,
    )
    return token, secret


def authenticate_token(db: Session, secret: str) -> ApiToken:
    token = db.scalar(
        select(ApiToken).options(selectinload(ApiToken.user)).where(ApiToken.token_hash == token_digest(secret))
    )
    now = utcnow()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        raise Unauthenticated("This API token is not valid: it is unknown, expired or revoked.", code="invalid_token")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
    return token


def tokens_visible_to(db: Session, actor: Actor, organisation: Organisation) -> list[ApiToken]:
    """Admins see every token of the organisation; others see their own."""
    query = (
        select(ApiToken)
        .options(selectinload(ApiToken.user))
        .where(ApiToken.organisation_id == organisation.id)
        .order_by(ApiToken.created_at.desc())
    )
    if actor.role_in(db, organisation) != Role.ORG_ADMIN:
        query = query.where(ApiToken.user_id == (actor.user.id if actor.user else None))
    return list(db.scalars(query))


def revoke_api_token(db: Session, actor: Actor, organisation: Organisation, token_id: uuid.UUID) -> ApiToken:
    token = next((t for t in tokens_visible_to(db, actor, organisation) if t.id == token_id), None)
    if token is None:
        raise NotFound("There is no such API token in this organisation.", code="token_not_found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
        audit.record(
            db,
            actor,
            "token.revoked",
            object_type="api_token",
            object_id=token.id,
            organisation=organisation,
            summary=f"Revoked token '{token.name}' ({token.prefix})",
        )
    return token


def find_token(db: Session, token_id: uuid.UUID) -> ApiToken:
    token = db.scalar(select(ApiToken).options(selectinload(ApiToken.organisation)).where(ApiToken.id == token_id))
    if token is None:
        raise NotFound(f"There is no API token with the id {token_id}.", code="token_not_found")
    return token
