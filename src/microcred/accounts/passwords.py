"""Password hashing (argon2id), one-time passwords, and the rules a chosen password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from microcred.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

_hasher = PasswordHasher()
# Checked when the email is unknown, so a wrong email costs as long as a wrong password.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; always does the full argon2 work, even for unknown accounts."""
    try:
        return _hasher.verify(password_hash or _UNKNOWN_ACCOUNT_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def unusable_password_hash() -> str:
    """A new account's hash before its holder chooses a password: of a secret nobody kept, so no password
    matches it, at the full cost of a real check."""
    return _UNKNOWN_ACCOUNT_HASH


def one_time_password() -> str:
    """A random password a person types once, then replaces: 16 URL-safe characters, 96 bits."""
    return secrets.token_urlsafe(12)


def check_new_password(password: str, *, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The new password is too short: use at least {MIN_PASSWORD_LENGTH} characters.",
            code="weak_password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The new password is too long: use at most {MAX_PASSWORD_LENGTH} characters.",
            code="weak_password",
        )
    if password.strip().lower() == email.strip().lower() or len(set(password)) < 4:
        raise InvalidInput(
            "The new password is too easy to guess: do not use your email or a repeated character.",
            code="weak_password",
        )
