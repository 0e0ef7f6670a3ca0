"""Signing oneself up: a new learner account with its own password; an email that has an account is left as it
was, with no sign that it has one; each try counted per client address in a bucket of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from microcred.accounts import login, signup
from microcred.accounts.models import AuditEvent, LoginAddressThrottle, Membership, User
from microcred.accounts.passwords import verify_password
from microcred.errors import InvalidInput, Throttled
from microcred.store import Database
from microcred.store.base import utcnow
from tests.conftest import World

PASSWORD = "a long new passphrase"


def test_a_new_email_makes_a_learner_account_with_its_own_password(database: Database) -> None:
    with database.session() as db:
        user = signup.sign_up(
            db, email=" Nina@Example.org ", display_name="Nina Nova", password=PASSWORD, ip="192.0.2.7"
        )
        assert user is not None and user.email == "nina@example.org" and user.display_name == "Nina Nova"
        assert verify_password(user.password_hash, PASSWORD) and not user.must_change_password
        assert not user.is_platform_admin
        assert db.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user.id)) == 0
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.registered"))
        assert event is not None and event.object_id == str(user.id)
        nameless = signup.sign_up(db, email="omar@example.org", display_name="", password=PASSWORD, ip=None)
        assert nameless is not None and nameless.display_name == "omar"


def test_an_email_that_has_an_account_is_left_as_it_was(database: Database, world: World) -> None:
    email = "learner@b.example"
    with database.session() as db:
        before = db.scalar(select(User).where(User.email == email))
        assert before is not None
        kept = (before.id, before.password_hash, before.display_name)
        assert signup.sign_up(db, email="LEARNER@b.example", display_name="Mallory", password=PASSWORD, ip=None) is None
    with database.session() as db:
        after = db.scalar(select(User).where(User.email == email))
        assert after is not None and (after.id, after.password_hash, after.display_name) == kept
        assert not verify_password(after.password_hash, PASSWORD)
        assert db.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.sign_up_existing"))
        assert event is not None and event.object_id == str(after.id) and event.actor == email
    with database.session() as db:
        assert login.authenticate(db, email, world.passwords[email]).id == kept[0]  # its password still works


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not an email", PASSWORD, "is not an email address"),
        ("nina@example.org", "short", "too short"),
        ("nina@example.org", "nina@example.org", "too easy to guess"),
        ("nina@example.org", "a" * 201, "too long"),
    ],
)
def test_what_is_wrong_with_the_form_is_refused_first_and_costs_no_try(
    database: Database, email: str, password: str, message: str
) -> None:
    with database.session() as db:
        with pytest.raises(InvalidInput, match=message):
            signup.sign_up(db, email=email, display_name="Nina", password=password, ip="192.0.2.7")
        assert db.scalar(select(func.count()).select_from(LoginAddressThrottle)) == 0
        assert db.scalar(select(User.id).where(User.email == "nina@example.org")) is None


def test_tries_are_counted_per_address_apart_from_failed_logins(
    database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = login.ThrottlePolicy(free_failures=3, max_delay_seconds=60, address_free_failures=2)
    frozen = utcnow()  # the count's clock stands still: the 2 seconds' wait cannot run out under a slow test
    monkeypatch.setattr(login, "utcnow", lambda: frozen)
    with database.session() as db:
        for n, email in enumerate(("one@example.org", "learner@b.example")):  # new or not, each try counts
            signup.sign_up(db, email=email, display_name=f"N{n}", password=PASSWORD, ip="2001:db8::1", policy=policy)
        with pytest.raises(Throttled, match="Too many new accounts from your address: try again in") as refused:
            signup.sign_up(
                db, email="two@example.org", display_name="T", password=PASSWORD, ip="2001:db8::2", policy=policy
            )  # the same /64: the same client
        assert refused.value.retry_after and refused.value.retry_after >= 1
        assert db.scalar(select(User.id).where(User.email == "two@example.org")) is None
        other = signup.sign_up(db, email="three@example.org", display_name="T", password=PASSWORD, ip="192.0.2.9")
        assert other is not None  # another client is not slowed down
        buckets = set(db.scalars(select(LoginAddressThrottle.address)))
        assert buckets == {"sign-up 2001:db8::/64", "sign-up 192.0.2.9"}  # logins from there are not counted
    with database.session() as db:
        user = login.authenticate(db, "learner@b.example", world.passwords["learner@b.example"], ip="2001:db8::1")
        assert user.email == "learner@b.example"


@pytest.mark.parametrize(
    "email",
    [
        "learner\u200b@b.example",  # a zero-width space: looks exactly like learner@b.example
        "learner@b.example\u202e",  # a right-to-left override: turns the text after it around
        "\ufeffnina@example.org",  # a zero-width no-break space
        "ｌｅａｒｎｅｒ@b.example",  # full-width letters: a look-alike of learner@b.example
    ],
)
def test_an_email_disguised_with_invisible_or_look_alike_characters_is_refused(
    database: Database, world: World, email: str
) -> None:
    with database.session() as db:
        with pytest.raises(InvalidInput, match="invisible characters or look-alike forms") as refused:
            signup.sign_up(db, email=email, display_name="Mallory", password=PASSWORD, ip="192.0.2.7")
        assert refused.value.code == "invalid_email"
        assert db.scalar(select(func.count()).select_from(User).where(User.display_name == "Mallory")) == 0
        assert db.scalar(select(func.count()).select_from(LoginAddressThrottle)) == 0  # the form's fault: no try
    with database.session() as db:  # an address in another script is still an address
        made = signup.sign_up(db, email="José.Ñúñez@例え.jp", display_name="José", password=PASSWORD, ip=None)
        assert made is not None and made.email == "josé.ñúñez@例え.jp"


def test_a_name_that_turns_the_text_after_it_around_is_refused(database: Database) -> None:
    # Shown beside the email on staff pages ("Nina (nina@example.org)"), an override would make the email read
    # as another one.
    with database.session() as db:
        with pytest.raises(InvalidInput, match="direction") as refused:
            signup.sign_up(
                db, email="nina@example.org", display_name="Nina \u202e)gro.elpmaxe@ana(", password=PASSWORD, ip=None
            )
        assert refused.value.code == "invalid_name"
        assert db.scalar(select(User.id).where(User.email == "nina@example.org")) is None
        kept = signup.sign_up(db, email="nina@example.org", display_name="نینا\u200cنوا", password=PASSWORD, ip=None)
        assert kept is not None and kept.display_name == "نینا\u200cنوا"  # a zero-width non-joiner is spelling
