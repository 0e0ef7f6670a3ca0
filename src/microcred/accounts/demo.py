"""The demo organisation `make run` creates: an admin, an educator and a learner to try microcred with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import members, service
from microcred.accounts.models import Organisation, OrganisationKind, Role, User
from microcred.accounts.principal import Actor

DEMO_SLUG = "demo"
DEMO_PEOPLE = (
    ("admin@demo.example", "Ada Admin", Role.ORG_ADMIN),
    ("educator@demo.example", "Eddie Educator", Role.EDUCATOR),
    ("learner@demo.example", "Lena Learner", Role.LEARNER),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    # None when the account existed before: its password is left alone and it is only invited.
    one_time_password: str | None


def create_demo_organisation(db: Session) -> list[DemoAccount] | None:
    """Create the demo organisation and its three people, or return None if it exists already.

    The one-time passwords come back only from the call that creates the accounts.
    """
    if db.scalar(select(Organisation.id).where(Organisation.slug == DEMO_SLUG)) is not None:
        return None
    operator = Actor.operator()
    organisation = service.create_organisation(
        db,
        operator,
        legal_name="Demo Academy of Applied Skills",
        country="BE",
        kind=OrganisationKind.AWARDING_BODY_AND_PROVIDER,
        homepage="https://demo.example",
        identifiers={"Erasmus code": "B DEMO01"},
        slug=DEMO_SLUG,
    )
    accounts = []
    for email, name, role in DEMO_PEOPLE:
        if db.scalar(select(User.id).where(User.email == email)) is not None:
            # An account someone already holds is only invited: its holder accepts, logged in themselves.
            members.add_member(db, operator, organisation, email=email, role=role, display_name=name)
            accounts.append(DemoAccount(email=email, role=role, one_time_password=None))
            continue
        _user, password = service.create_user(
            db, operator, email=email, display_name=name, organisation=organisation, role=role
        )
        accounts.append(DemoAccount(email=email, role=role, one_time_password=password))
    return accounts
