"""Organisations, members and roles, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit, login, service, setup
from microcred.accounts.models import AuditEvent, Invitation, Membership, Role, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from tests.conftest import World

operator = Actor.operator()


def test_organisation_carries_its_details(db: Session) -> None:
    organisation = service.create_organisation(
        db,
        operator,
        legal_name="  Hochschule   für Technik  ",
        country="de",
        homepage="https://hft.example",
        identifiers={"Erasmus code": "D STUTTGA06", "VAT": "DE123456789"},
    )
    db.commit()
    assert organisation.legal_name == "Hochschule für Technik"
    assert organisation.slug == "hochschule-fur-technik"
    assert organisation.country == "DE"
    assert {i.scheme: i.value for i in organisation.identifiers} == {
        "Erasmus code": "D STUTTGA06",
        "VAT": "DE123456789",
    }
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created"))
    assert event is not None and event.actor == "cli" and event.organisation_id == organisation.id


def test_same_name_in_other_case_and_spacing_is_refused(db: Session) -> None:
    service.create_organisation(db, operator, legal_name="Acme College", country="IE")
    db.commit()
    with pytest.raises(Conflict, match="An organisation named 'Acme College' already exists"):
        service.create_organisation(db, operator, legal_name="  acme   COLLEGE", country="IE")


def test_slugs_stay_unique_for_different_names(db: Session) -> None:
    first = service.create_organisation(db, operator, legal_name="Acme College!", country="IE")
    second = service.create_organisation(db, operator, legal_name="Acme College?", country="IE")
    assert (first.slug, second.slug) == ("acme-college", "acme-college-2")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "Belgium", "not a country code"),
        ("homepage", "javascript:alert(1)", "not a web address"),
        ("legal_name", "X", "2 to 300 characters"),
        ("legal_name", "Null\x00Byte College", "control characters"),
        ("homepage", "https://a.example/\x00", "not a web address"),
        ("slug", "Not A Slug", "A slug is"),
    ],
)
def test_bad_organisation_details_are_named(db: Session, field: str, value: str, message: str) -> None:
    details = {"legal_name": "Valid Name", "country": "BE", field: value}
    with pytest.raises(InvalidInput, match=message):
        service.create_organisation(db, operator, **details)  # type: ignore[arg-type]


def test_only_platform_admins_create_organisations(db: Session, world: World) -> None:
    admin = Actor.person(world.users["a_org_admin"])
    with pytest.raises(Forbidden):
        service.create_organisation(db, admin, legal_name="Rogue Org", country="BE")


def test_new_member_gets_a_set_up_link_where_they_choose_the_password(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin = Actor.person(world.users["a_org_admin"])
    membership, token = service.add_member(db, admin, organisation, email="New.Person@Example.org", role=Role.EDUCATOR)
    db.commit()
    assert isinstance(membership, Membership) and token is not None and len(token) >= 40
    assert membership.user.email == "new.person@example.org"
    assert membership.user.must_change_password
    assert token not in membership.user.password_hash
    with pytest.raises(Unauthenticated):  # the link is no password
        login.authenticate(db, "new.person@example.org", token)
    db.commit()
    setup.set_up(db, token, password="chosen by the person")
    db.commit()
    assert login.authenticate(db, "new.person@example.org", "chosen by the person").id == membership.user_id


def test_an_existing_user_is_only_invited_and_their_password_is_left_alone(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "b")
    invitation, token = service.add_member(db, operator, organisation, email="learner@a.example", role=Role.LEARNER)
    assert token is None and isinstance(invitation, Invitation)
    assert invitation.user_id == world.users["a_learner"].id
    assert Actor.person(db.merge(world.users["a_learner"])).role_in(db, organisation) is None
    with pytest.raises(Conflict, match="invited already"):
        service.add_member(db, operator, organisation, email="learner@a.example", role=Role.EDUCATOR)
    with pytest.raises(Conflict, match="already a member"):
        service.add_member(db, operator, organisation, email="learner@b.example", role=Role.EDUCATOR)


def test_role_change_is_audited_with_before_and_after(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin = Actor.person(world.users["a_org_admin"], ip="203.0.113.9")
    learner = world.users["a_learner"]
    service.change_role(db, admin, organisation, learner.id, Role.EDUCATOR)
    db.commit()
    events = audit.events_for_organisation(db, organisation)
    change = next(event for event in events if event.action == "member.role_changed")
    assert change.actor == "org_admin@a.example"
    assert change.object_id == str(learner.id)
    assert change.detail == {"previous": "learner", "role": "educator"}
    assert change.ip == "203.0.113.9"
    assert change.occurred_at.tzinfo is not None


def test_the_last_admin_cannot_be_demoted_or_removed(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    admin = world.users["a_org_admin"]
    with pytest.raises(Conflict, match="last admin"):
        service.change_role(db, operator, organisation, admin.id, Role.LEARNER)
    with pytest.raises(Conflict, match="last admin"):
        service.remove_member(db, operator, organisation, admin.id)


def test_educators_cannot_manage_members(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    educator = Actor.person(world.users["a_educator"])
    with pytest.raises(Forbidden, match="organisation admin"):
        service.change_role(db, educator, organisation, world.users["a_learner"].id, Role.ORG_ADMIN)


def test_non_members_see_no_organisation_at_all(db: Session, world: World) -> None:
    outsider = Actor.person(world.users["b_org_admin"])
    with pytest.raises(NotFound) as exists:
        service.organisation_for(db, outsider, "a")
    with pytest.raises(NotFound) as missing:
        service.organisation_for(db, outsider, "no-such-org")
    assert exists.value.code == missing.value.code == "organisation_not_found"


def test_member_of_another_organisation_is_not_found_here(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    with pytest.raises(NotFound):
        service.member(db, organisation, world.users["b_learner"].id)


def test_invalid_email_is_refused(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    with pytest.raises(InvalidInput, match="not an email address"):
        service.add_member(db, operator, organisation, email="not-an-email", role=Role.LEARNER)
    assert db.scalar(select(User).where(User.email == "not-an-email")) is None


def test_an_organisations_audit_log_shows_only_its_own_and_its_members_logins_since_joining(
    db: Session, world: World
) -> None:
    a, b = service.organisation_for(db, operator, "a"), service.organisation_for(db, operator, "b")
    service.add_member(db, operator, b, email="secret.hire@b.example", role=Role.LEARNER)
    login.authenticate(db, "org_admin@b.example", world.passwords["org_admin@b.example"])
    db.commit()
    # B's admin joins A afterwards; A must not see B's history or B's admin's earlier logins.
    invitation, _token = service.add_member(db, operator, a, email="org_admin@b.example", role=Role.LEARNER)
    db.commit()
    holder = Actor.person(db.merge(world.users["b_org_admin"]))
    service.accept_invitation(db, holder, invitation.id)
    db.commit()
    login.authenticate(db, "org_admin@b.example", world.passwords["org_admin@b.example"])
    db.commit()
    events = audit.events_for_organisation(db, a)
    summaries = [event.summary for event in events]
    assert not any("secret.hire" in summary for summary in summaries)
    assert summaries.count("org_admin@b.example logged in") == 1
    assert all(event.organisation_id in (a.id, None) for event in events)
    assert any("secret.hire" in event.summary for event in audit.events_for_organisation(db, b))


def test_recognition_officers_and_educators_are_peers_that_cannot_take_each_others_role(
    db: Session, world: World
) -> None:
    from microcred.accounts import tokens
    from microcred.accounts.principal import narrowed

    organisation = db.merge(world.orgs["a"])
    officer = db.merge(world.users["a_recognition_officer"])
    with pytest.raises(Forbidden, match="recognition officer here and cannot hold a token with the role educator"):
        tokens.create_api_token(db, Actor.person(officer), organisation, owner=officer, role=Role.EDUCATOR, name="peer")
    token, _secret = tokens.create_api_token(
        db, Actor.person(officer), organisation, owner=officer, role=Role.RECOGNITION_OFFICER, name="mine"
    )
    assert Actor.machine(token).role_in(db, organisation) == Role.RECOGNITION_OFFICER
    # A token kept from an earlier role: a peer's role is not the owner's, so it acts as a learner.
    assert narrowed(Role.EDUCATOR, Role.RECOGNITION_OFFICER) == Role.LEARNER
    assert narrowed(Role.ORG_ADMIN, Role.RECOGNITION_OFFICER) == Role.RECOGNITION_OFFICER
    assert narrowed(Role.LEARNER, Role.ORG_ADMIN) == Role.LEARNER
