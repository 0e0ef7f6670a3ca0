"""Set-up links: how the holder of a new account chooses its password, so nobody else ever knows it.

A link carries 256 random bits; only their SHA-256 is kept, so it is shown once, when it is made. It works
once, until it expires; a new link for the same account ends the earlier ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from microcred.accounts import audit
from microcred.accounts.models import LoginSession, Organisation, SetupLink, User
from microcred.accounts.passwords import check_new_password, hash_password
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, NotFound
from microcred.store.base import utcnow

DEFAULT_HOURS = 72.0
PATH = "/account/setup/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def setup_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}{token}"


def issue_link(
    db: Session, actor: Actor, user: User, *, organisation: Organisation | None = None, hours: float = DEFAULT_HOURS
) -> str:
    """A fresh set-up link's token for an account nobody has taken up (earlier links stop working)."""
    if not user.must_change_password:
        raise Conflict(f"{user.email} has chosen their password already: they log in.", code="account_set_up")
    now = utcnow()
    db.execute(update(SetupLink).where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.add(SetupLink(token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=now + timedelta(hours=hours)))
    db.flush()
    audit.record(
        db,
        actor,
        "user.setup_link",
        object_type="user",
        object_id=user.id,
        organisation=organisation,
        summary=f"Made a set-up link for {user.email}, valid {hours:g} hours",
    )
    return token


def open_link(db: Session, token: str) -> SetupLink:
    """The unused, unexpired link for this token, or a sentence saying why not."""
    row = None
    if 20 <= len(token) <= 100:
        row = db.scalar(
            select(SetupLink).options(selectinload(SetupLink.user)).where(SetupLink.token_hash == _hash(token))
        )
    if row is None:
        raise NotFound(
            "This set-up link is not valid: ask your organisation's admin for a new one.", code="setup_invalid"
        )
    if row.used_at is not None:
        raise Conflict(
            "This set-up link was used already: log in with the password you chose, "
            "or ask your organisation's admin for a new link.",
            code="setup_used",
        )
    if row.expires_at <= utcnow() or not row.user.is_active:
        raise Conflict(
            "This set-up link has expired: ask your organisation's admin for a new one.", code="setup_expired"
        )
    return row


def set_up(db: Session, token: str, *, password: str, ip: str | None = None) -> User:
    """The holder chooses the account's password; the link is used up, whatever else was open ends."""
    row = open_link(db, token)
    user = row.user
    check_new_password(password, email=user.email)
    now = utcnow()
    # Used up in one statement that only an unused link passes, so two tries at once cannot both set a password.
    used = db.execute(update(SetupLink).where(SetupLink.id == row.id, SetupLink.used_at.is_(None)).values(used_at=now))
    if getattr(used, "rowcount", 0) != 1:
        raise Conflict("This set-up link was used already: log in with the password you chose.", code="setup_used")
    db.execute(update(SetupLink).where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None)).values(used_at=now))
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.password_changed_at = now
    audit.record(
        db,
        Actor.person(user, ip),
        "user.set_up",
        object_type="user",
        object_id=user.id,
        summary=f"{user.email} chose their password from a set-up link",
    )
    db.flush()
    return user
