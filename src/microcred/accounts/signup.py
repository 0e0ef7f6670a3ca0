"""Signing oneself up where an account is needed (a learner on a live claim link), then signed in at once.

Whether an email already has an account is never told: an existing one gets the same answer as a new one (the
page says "if it was new, you are signed in; if it had an account, log in instead"), with the same work done
(a password hashed), and nothing is changed for it. What cannot be hidden without an email confirmation is the
outcome itself (a new account is signed in, an existing one is not), so each sign-up, new or not, is counted
per client address like a failed login, and an attempt on an existing account is audited. Issue 21 adds the
confirmation: its step goes here, in `sign_up`, before the account can be used.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit, login, service
from microcred.accounts.models import LoginAddressThrottle, User
from microcred.accounts.passwords import check_new_password, hash_password
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Throttled

# Sign-ups share the table of failed logins per address, in buckets of their own.
_BUCKET = "sign-up "


def sign_up(
    db: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    ip: str | None,
    policy: login.ThrottlePolicy | None = None,
) -> User | None:
    """A new learner account with its holder's own password (no organisation: a wallet needs none), or None when
    the email already has an account, which is left as it was. The caller answers both the same way.

    What is wrong with the form itself (email, name, password rules) is refused first and costs no try; then
    the try is counted for the client address (and committed, so parallel tries cannot slip past the count)."""
    email = service.check_email(email)
    display_name = service.check_display_name(display_name, email)
    check_new_password(password, email=email)
    if ip:
        _count_try(db, ip, policy or login.ThrottlePolicy())
    existing = db.scalar(select(User.id).where(User.email == email))
    if existing is None:
        try:
            with db.begin_nested():  # an account made a moment ago by another request leaves nothing of this one
                return service.register(db, email=email, display_name=display_name, password=password)
        except Conflict as error:
            if error.code != "user_exists":
                raise
            existing = db.scalar(select(User.id).where(User.email == email))
    else:
        hash_password(password)  # as long as making the account takes
    audit.record(
        db,
        Actor(user=None, label=email, ip=ip),
        "user.sign_up_existing",
        object_type="user",
        object_id=existing,
        actor_user_id=existing,
        summary=f"Sign-up with the email of an existing account, {email}: nothing changed",
    )
    return None


def _count_try(db: Session, ip: str, policy: login.ThrottlePolicy) -> None:
    key = (_BUCKET + login.client_key(ip))[:64]
    try:
        login._reserve(  # the login's own counter, in a bucket of its own
            db,
            LoginAddressThrottle,
            LoginAddressThrottle.address,
            key,
            policy.address_free_failures,
            policy,
            "from your address",
        )
    except Throttled as error:
        raise Throttled(
            f"Too many new accounts from your address: try again in {error.retry_after} seconds.",
            retry_after=error.retry_after,
        ) from None
