"""The demo organisation `make run` creates, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microcred.accounts import demo, invitations, login, members, service
from microcred.accounts.models import Invitation, Role
from microcred.accounts.principal import Actor


def test_the_demo_organisation_is_made_once_with_three_people_who_replace_their_passwords(db: Session) -> None:
    accounts = demo.create_demo_organisation(db)
    db.commit()
    assert accounts is not None
    assert [(a.email, a.role) for a in accounts] == [(email, role) for email, _name, role in demo.DEMO_PEOPLE]
    organisation = service.organisation_by_slug(db, demo.DEMO_SLUG)
    assert organisation.country == "BE" and {i.scheme for i in organisation.identifiers} == {"Erasmus code"}
    roles = {m.user.email: m.role for m in members.members(db, organisation)}
    assert roles == {a.email: a.role for a in accounts}
    for account in accounts:
        assert account.one_time_password
        user = login.authenticate(db, account.email, account.one_time_password)
        assert user.must_change_password  # a one-time password is typed once, then replaced
    db.commit()
    assert demo.create_demo_organisation(db) is None  # a second run changes nothing
    assert len(members.members(db, organisation)) == 3


def test_an_account_someone_holds_already_is_only_invited(db: Session) -> None:
    _user, password = service.create_user(db, Actor.operator(), email="learner@demo.example", display_name="Mine")
    accounts = demo.create_demo_organisation(db)
    db.commit()
    assert accounts is not None
    held = next(a for a in accounts if a.email == "learner@demo.example")
    assert held.one_time_password is None and held.role == Role.LEARNER
    organisation = service.organisation_by_slug(db, demo.DEMO_SLUG)
    waiting = invitations.invitations_of(db, organisation)
    assert [(i.user.email, i.role) for i in waiting] == [("learner@demo.example", Role.LEARNER)]
    assert all(isinstance(i, Invitation) for i in waiting)
    assert {m.user.email for m in members.members(db, organisation)} == {"admin@demo.example", "educator@demo.example"}
    assert login.authenticate(db, "learner@demo.example", password).display_name == "Mine"  # left alone
