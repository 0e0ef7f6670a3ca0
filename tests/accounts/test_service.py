"""Organisations and people's accounts: creating, changing and finding them, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import service
from microcred.accounts.models import AuditEvent, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.store import Database
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


def test_non_members_see_no_organisation_at_all(db: Session, world: World) -> None:
    outsider = Actor.person(world.users["b_org_admin"])
    with pytest.raises(NotFound) as exists:
        service.organisation_for(db, outsider, "a")
    with pytest.raises(NotFound) as missing:
        service.organisation_for(db, outsider, "no-such-org")
    assert exists.value.code == missing.value.code == "organisation_not_found"


def test_platform_admin_is_granted_only_by_a_platform_admin_to_an_account_in_use(db: Session, world: World) -> None:
    _user, _password = service.create_user(db, operator, email="fresh@x.example", display_name="")
    fresh = service.user_by_email(db, "fresh@x.example")
    with pytest.raises(Forbidden):
        service.grant_platform_admin(db, Actor.person(db.merge(world.users["a_org_admin"])), fresh)
    with pytest.raises(Conflict, match="not logged in and chosen their own password"):
        service.grant_platform_admin(db, operator, fresh)
    used = db.merge(world.users["a_learner"])
    service.grant_platform_admin(db, operator, used)
    assert used.is_platform_admin and not fresh.is_platform_admin
    with pytest.raises(Forbidden, match="command line"):  # a one-time password is the operator's only
        service.create_user(db, Actor.person(used), email="other@x.example", display_name="")


def test_a_row_taken_meanwhile_leaves_the_transaction_usable(database: Database, world: World) -> None:
    """The savepoint itself: the insert fails on the unique key, the sentence is the sequential one, and what the
    transaction did before it still commits."""
    with database.session() as db:
        organisation = service.organisation_for(db, operator, "a")
        with database.session() as other:  # committed after this request looked (SQLite: before it wrote)
            other.add(User(email="taken@x.example", display_name="T", password_hash="x"))
        service.update_organisation(db, operator, organisation, homepage="https://alpha.example")
        with pytest.raises(Conflict, match="already exists"):
            service.insert_unique(
                db,
                User(email="taken@x.example", display_name="U", password_hash="y"),
                Conflict("A user with the email taken@x.example already exists.", code="user_exists"),
            )
    with database.session() as db:
        assert service.organisation_for(db, operator, "a").homepage == "https://alpha.example"
