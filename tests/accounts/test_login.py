"""Logging in: the per-account and per-address slow-down, sessions, password changes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microcred.accounts import login
from microcred.accounts.models import AuditEvent, LoginThrottle, User
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, Throttled, Unauthenticated
from microcred.store.base import utcnow
from tests.conftest import World, csrf_from


def _id(user: object) -> object:
    return getattr(user, "id", None)


POLICY = login.ThrottlePolicy(free_failures=3, max_delay_seconds=60)


def test_wrong_password_and_unknown_email_fail_the_same_way(db: Session, world: World) -> None:
    with pytest.raises(Unauthenticated) as wrong_password:
        login.authenticate(db, "educator@a.example", "wrong password!")
    with pytest.raises(Unauthenticated) as unknown_email:
        login.authenticate(db, "nobody@a.example", "wrong password!")
    assert wrong_password.value.detail == unknown_email.value.detail == login.WRONG_LOGIN
    db.commit()
    failed = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert [(e.actor, e.actor_user_id) for e in failed] == [
        ("educator@a.example", world.users["a_educator"].id),
        ("nobody@a.example", None),
    ]


def test_repeated_failures_slow_the_account_down_then_success_resets(db: Session, world: World) -> None:
    email, password = "learner@a.example", world.passwords["learner@a.example"]
    for _ in range(POLICY.free_failures):
        with pytest.raises(Unauthenticated):
            login.authenticate(db, email, "not the password", policy=POLICY)
        db.commit()
    with pytest.raises(Throttled) as throttled:
        login.authenticate(db, email, password, policy=POLICY)
    assert throttled.value.retry_after == 2
    assert "try again in 2 seconds" in throttled.value.detail
    # The wait passes; one more failure doubles it.
    db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Unauthenticated):
        login.authenticate(db, email, "still not it", policy=POLICY)
    db.commit()
    assert db.get(LoginThrottle, email).locked_until - utcnow() > timedelta(seconds=3)  # type: ignore[union-attr,operator]
    db.execute(update(LoginThrottle).values(locked_until=None))
    assert login.authenticate(db, email, password, policy=POLICY).email == email
    db.commit()
    assert db.get(LoginThrottle, email) is None


def test_unknown_emails_are_throttled_too(db: Session) -> None:
    for _ in range(POLICY.free_failures):
        with pytest.raises(Unauthenticated):
            login.authenticate(db, "ghost@example.org", "guess", policy=POLICY)
    with pytest.raises(Throttled):
        login.authenticate(db, "GHOST@example.org ", "guess", policy=POLICY)


def test_hostile_emails_fail_like_any_wrong_login(db: Session) -> None:
    for email in ("nul\x00@example.org", "\x1b[31m@example.org", "x" * 5000):
        with pytest.raises(Unauthenticated):
            login.authenticate(db, email, "guess")
        db.commit()


def test_throttle_delay_doubles_up_to_the_cap() -> None:
    policy = login.ThrottlePolicy(free_failures=5, max_delay_seconds=900)
    assert [policy.delay_after(n) for n in (1, 4, 5, 6, 7, 14, 40)] == [0, 0, 2, 4, 8, 900, 900]


def test_sessions_expire_and_end(db: Session, world: World) -> None:
    user = world.users["a_educator"]
    token = login.start_session(db, user, hours=1)
    db.commit()
    assert _id(login.session_user(db, token, hours=1)) == user.id
    assert login.session_user(db, token + "x", hours=1) is None
    login.end_session(db, token, Actor.person(user))
    db.commit()
    assert login.session_user(db, token, hours=1) is None
    expired = login.start_session(db, user, hours=-1)
    assert login.session_user(db, expired, hours=1) is None


def test_password_change_ends_other_sessions(db: Session, world: World) -> None:
    user = db.get(User, world.users["a_learner"].id)
    assert user is not None
    kept, other = login.start_session(db, user, hours=1), login.start_session(db, user, hours=1)
    login.change_password(
        db,
        Actor.person(user),
        user,
        current_password=world.passwords[user.email],
        new_password="a much better passphrase",
        keep_session=kept,
    )
    db.commit()
    assert _id(login.session_user(db, kept, hours=1)) == user.id
    assert login.session_user(db, other, hours=1) is None
    assert login.authenticate(db, user.email, "a much better passphrase").id == user.id
    with pytest.raises(InvalidInput, match="current password is not right"):
        login.change_password(
            db, Actor.person(user), user, current_password="wrong", new_password="x" * 12, keep_session=None
        )


def test_parallel_guesses_cannot_slip_past_the_count(database, world: World) -> None:  # type: ignore[no-untyped-def]
    import threading

    policy = login.ThrottlePolicy(free_failures=2, max_delay_seconds=60)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def guess() -> None:
        with database.sessions() as session:
            barrier.wait()
            try:
                login.authenticate(session, "educator@a.example", "wrong guess", policy=policy)
            except Throttled:
                outcomes.append("throttled")
            except Unauthenticated:
                outcomes.append("checked")
            session.commit()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["checked"] * 2 + ["throttled"] * 6


def test_failures_from_one_address_across_emails_slow_that_address_down(db: Session, world: World) -> None:
    policy = login.ThrottlePolicy(free_failures=3, max_delay_seconds=60, address_free_failures=4)
    for n in range(4):  # each email fails once: no email's count is near its limit
        with pytest.raises(Unauthenticated):
            login.authenticate(db, f"guess{n}@a.example", "wrong", ip="198.51.100.7", policy=policy)
        db.commit()
    with pytest.raises(Throttled, match="from your address") as refused:
        login.authenticate(
            db, "learner@a.example", world.passwords["learner@a.example"], ip="198.51.100.7", policy=policy
        )
    assert refused.value.retry_after and refused.value.retry_after > 0
    db.commit()
    # Another address is not held back; a success from it does not clear the first address's count.
    assert login.authenticate(db, "learner@a.example", world.passwords["learner@a.example"], ip="192.0.2.1").id
    db.commit()
    with pytest.raises(Throttled):
        login.authenticate(db, "guess9@a.example", "wrong", ip="198.51.100.7", policy=policy)


def test_an_ipv6_guesser_cannot_rotate_addresses_inside_its_64(db: Session) -> None:
    policy = login.ThrottlePolicy(free_failures=3, max_delay_seconds=60, address_free_failures=4)
    for n in range(4):  # a new address of the same /64 for each try
        with pytest.raises(Unauthenticated):
            login.authenticate(db, f"guess{n}@a.example", "wrong", ip=f"2001:db8:7:7::{n + 1:x}", policy=policy)
        db.commit()
    with pytest.raises(Throttled, match="from your address"):
        login.authenticate(db, "guess9@a.example", "wrong", ip="2001:db8:7:7:abcd::99", policy=policy)
    db.commit()
    with pytest.raises(Unauthenticated):  # the next /64 is someone else
        login.authenticate(db, "guess9@a.example", "wrong", ip="2001:db8:7:8::1", policy=policy)


def test_the_login_page_answers_429_with_retry_after_for_a_guessing_address(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.app.state.settings.login_address_free_failures = 2
    statuses = []
    for n in range(4):
        page = client.get("/login")
        answer = client.post(
            "/login", data={"email": f"spray{n}@a.example", "password": "wrong", "csrf_token": csrf_from(page.text)}
        )
        statuses.append(answer.status_code)
    assert statuses[:2] == [401, 401] and statuses[-1] == 429
    assert int(answer.headers["retry-after"]) > 0 and "from your address" in answer.text


def test_sign_up_answers_alike_for_a_known_and_an_unknown_email(client, database, world: World) -> None:  # type: ignore[no-untyped-def]
    from microcred.skills import cohorts

    with database.session() as session:
        educator = Actor.person(session.merge(world.users["a_educator"]))
        code = cohorts.create_cohort(session, educator, session.merge(world.orgs["a"]), name="Open day").access_code
    answers = []
    for email in ("learner@b.example", "someone.new@example.org"):
        page = client.get(f"/join/{code}")
        form = {"csrf_token": csrf_from(page.text), "code": code, "email": email, "password": "a long passphrase"}
        answers.append(client.post("/join/sign-up", data=form, follow_redirects=False))
    assert [a.status_code for a in answers] == [200, 200] and answers[0].text == answers[1].text
    assert answers[0].headers.get("set-cookie") == answers[1].headers.get("set-cookie")
    with database.session() as session:  # the known account is untouched: its password still works
        assert login.authenticate(session, "learner@b.example", world.passwords["learner@b.example"]).id
        session.commit()
