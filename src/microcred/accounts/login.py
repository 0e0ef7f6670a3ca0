"""Logging in and out: password checks with a slow-down per account and per client address, server-side
sessions, new passwords."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from microcred.accounts import audit
from microcred.accounts.models import LoginAddressThrottle, LoginSession, LoginThrottle, User
from microcred.accounts.passwords import check_new_password, hash_password, needs_rehash, verify_password
from microcred.accounts.principal import Actor
from microcred.accounts.service import normalize_email
from microcred.errors import InvalidInput, Throttled, Unauthenticated
from microcred.inputs import without_control_characters
from microcred.store.base import utcnow

WRONG_LOGIN = "The email or password is not right."
# Sliding sessions are extended at most this often, so a busy page does not write on every request.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    max_delay_seconds: int = 900
    # Failures from one client address, across every email tried from it (an office behind one address types
    # wrong passwords too, so more are free); forgotten after an hour without one, never cleared by a success.
    address_free_failures: int = 20
    address_memory_seconds: int = 3600

    def delay_after(self, failures: int, free_failures: int | None = None) -> int:
        """Seconds to wait before the next try: none for the first few, then doubling up to a cap."""
        free = self.free_failures if free_failures is None else free_failures
        if failures < free:
            return 0
        return int(min(self.max_delay_seconds, 2 ** (failures - free + 1)))


def token_digest(token: str) -> str:
    """Session and API tokens carry 256 random bits, so a plain SHA-256 is a safe way to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def client_key(address: str) -> str:
    """Whose bucket an address fills: an IPv6 client's /64 (one subscriber's network, its 2^64 addresses one
    client), an IPv4-mapped IPv6 address's IPv4, an IPv4 address itself (or what is not an address, as given)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def authenticate(
    db: Session, email: str, password: str, *, ip: str | None = None, policy: ThrottlePolicy | None = None
) -> User:
    """The user with this email and password, or an error that does not say which of the two was wrong.

    Failures are counted per email, whether or not an account has it, and per client address across emails;
    past the free failures of either each try must wait, doubling. Each try is counted as a failure and
    committed *before* the password is checked, so that parallel guesses cannot slip past the count; a success
    then clears the email's count and takes its own try back from the address's. The caller commits the
    outcome (the audit event) even when this raises.
    """
    policy = policy or ThrottlePolicy()
    key = without_control_characters(normalize_email(email))[:320]
    if ip:
        _reserve_address(db, client_key(ip)[:64], policy)
    failures = _reserve_attempt(db, key, policy)
    user = db.scalar(select(User).where(User.email == key))
    matched = verify_password(user.password_hash if user else None, password)
    if user is None or not matched or not user.is_active:
        audit.record(
            db,
            Actor(user=None, label=key, ip=ip),
            "login.failed",
            object_type="user",
            object_id=user.id if user else None,
            actor_user_id=user.id if user else None,
            summary=f"Failed login for {key}",
            failures=failures,
        )
        raise Unauthenticated(WRONG_LOGIN, code="invalid_credentials")
    db.execute(delete(LoginThrottle).where(LoginThrottle.email == key))
    if ip:
        _uncount_address(db, client_key(ip)[:64], policy)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(
        db,
        Actor.person(user, ip),
        "login.succeeded",
        object_type="user",
        object_id=user.id,
        summary=f"{user.email} logged in",
    )
    return user


def _reserve_attempt(db: Session, key: str, policy: ThrottlePolicy) -> int:
    """Count one more try for the email `key` in its own short transaction, or raise Throttled while it must
    wait; the failures counted so far."""
    return _reserve(db, LoginThrottle, LoginThrottle.email, key, policy.free_failures, policy, "for this account")


def _reserve_address(db: Session, address: str, policy: ThrottlePolicy) -> None:
    """Count one more try from the client address (across emails, forgotten after a quiet while) likewise."""
    free = policy.address_free_failures
    _reserve(db, LoginAddressThrottle, LoginAddressThrottle.address, address, free, policy, "from your address")


_Throttle = TypeVar("_Throttle", LoginThrottle, LoginAddressThrottle)


def _reserve(
    db: Session,
    table: type[_Throttle],
    column: InstrumentedAttribute[str],
    key: str,
    free: int,
    policy: ThrottlePolicy,
    whose: str,
) -> int:
    """The row is created if missing and then updated in place, so the database serialises concurrent tries
    for the same key (a row lock on PostgreSQL, the write lock on SQLite) and none reads a stale count."""
    now = utcnow()
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(
        insert(table)
        .values({column.key: key, "failures": 0, "last_failure_at": now, "locked_until": None})
        .on_conflict_do_nothing(index_elements=[column.key])
    )
    throttle = db.scalar(select(table).where(column == key).with_for_update())
    assert throttle is not None
    if throttle.locked_until is not None and throttle.locked_until > now:
        db.commit()
        wait = max(1, int((throttle.locked_until - now).total_seconds() + 0.999))
        raise Throttled(f"Too many failed logins {whose}: try again in {wait} seconds.", retry_after=wait)
    if table is LoginAddressThrottle and now - throttle.last_failure_at > timedelta(
        seconds=policy.address_memory_seconds
    ):
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    delay = policy.delay_after(throttle.failures, free)
    throttle.locked_until = now + timedelta(seconds=delay) if delay else None
    failures = throttle.failures
    db.commit()
    return failures


def _uncount_address(db: Session, address: str, policy: ThrottlePolicy) -> None:
    """A success takes back its own try from the address's count, and only that: earlier failures stay."""
    throttle = db.scalar(select(LoginAddressThrottle).where(LoginAddressThrottle.address == address).with_for_update())
    if throttle is not None and throttle.failures > 0:
        throttle.failures -= 1
        if policy.delay_after(throttle.failures, policy.address_free_failures) == 0:
            throttle.locked_until = None


def start_session(
    db: Session, user: User, *, hours: float, ip: str | None = None, user_agent: str | None = None
) -> str:
    """Open a login session and return its token, which only the cookie will hold."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        LoginSession(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=hours),
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.flush()
    return token


def session_user(db: Session, token: str, *, hours: float, max_days: float = 7.0) -> User | None:
    """The active user behind a session token; the session slides forward while used, up to `max_days`."""
    login = db.scalar(
        select(LoginSession)
        .options(selectinload(LoginSession.user))
        .where(LoginSession.token_hash == token_digest(token))
    )
    now = utcnow()
    if (
        login is None
        or login.expires_at <= now
        or login.created_at + timedelta(days=max_days) <= now
        or not login.user.is_active
    ):
        return None
    if now - login.last_seen_at >= min(SESSION_TOUCH_INTERVAL, timedelta(hours=hours / 4)):
        login.last_seen_at = now
        login.expires_at = min(now + timedelta(hours=hours), login.created_at + timedelta(days=max_days))
        db.flush()
    return login.user


def end_session(db: Session, token: str, actor: Actor) -> None:
    login = db.scalar(select(LoginSession).where(LoginSession.token_hash == token_digest(token)))
    if login is None:
        return
    db.delete(login)
    audit.record(db, actor, "logout", object_type="user", object_id=login.user_id, summary="Logged out")


def change_password(
    db: Session, actor: Actor, user: User, *, current_password: str, new_password: str, keep_session: str | None
) -> None:
    """Set a new password and end every other session of the user."""
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput("The current password is not right.", code="wrong_current_password")
    if current_password == new_password:
        raise InvalidInput("The new password must differ from the current one.", code="weak_password")
    check_new_password(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    keep = token_digest(keep_session) if keep_session else ""
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.token_hash != keep))
    audit.record(
        db,
        actor,
        "password.changed",
        object_type="user",
        object_id=user.id,
        summary=f"{user.email} changed their password",
    )


def purge_expired_sessions(db: Session, now: datetime | None = None) -> int:
    result = db.execute(delete(LoginSession).where(LoginSession.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)
