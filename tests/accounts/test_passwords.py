"""Password hashing with argon2id, one-time passwords, and the rules a chosen password must meet."""

from __future__ import annotations

import pytest

from microcred.accounts.passwords import check_new_password, hash_password, verify_password
from microcred.errors import InvalidInput


def test_production_argon2_parameters_meet_owasp_minimums() -> None:
    from microcred.accounts import passwords

    # Made with the production hasher at import, before the tests swapped in a cheaper one.
    assert passwords._UNKNOWN_ACCOUNT_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_argon2_hashes_verify_and_differ_each_time() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "correct hors")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


@pytest.mark.parametrize(
    ("password", "problem"), [("short", "too short"), ("a" * 12, "too easy"), ("x" * 201, "too long")]
)
def test_weak_passwords_are_named(password: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        check_new_password(password, email="someone@example.org")


def test_one_time_passwords_are_random_and_long_enough() -> None:
    from microcred.accounts.passwords import one_time_password

    made = {one_time_password() for _ in range(50)}
    assert len(made) == 50 and all(len(password) == 16 for password in made)


def test_a_new_accounts_hash_matches_no_password() -> None:
    from microcred.accounts.passwords import unusable_password_hash

    unusable = unusable_password_hash()
    assert unusable.startswith("$argon2id$")
    for guess in ("", "password", unusable):
        assert not verify_password(unusable, guess)


def test_a_hash_made_with_other_parameters_is_due_for_a_rehash() -> None:
    from microcred.accounts import passwords

    assert not passwords.needs_rehash(hash_password("correct horse"))  # the hasher in use (tests: cheaper)
    assert passwords.needs_rehash(passwords._UNKNOWN_ACCOUNT_HASH)  # made with the production parameters
