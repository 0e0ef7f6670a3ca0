"""Who is acting: a person through a login session, a machine through an API token, or the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import ApiToken, Membership, Organisation, Role, User

# Educators and recognition officers are peers: neither may do the other's work.
ROLE_RANK = {Role.LEARNER: 1, Role.EDUCATOR: 2, Role.RECOGNITION_OFFICER: 2, Role.ORG_ADMIN: 3}


@dataclass(frozen=True)
class Actor:
    user: User | None
    label: str
    token: ApiToken | None = None
    ip: str | None = None
    # The command line is run by whoever operates the server, and may do anything.
    is_operator: bool = False

    @classmethod
    def operator(cls) -> Actor:
        return cls(user=None, label="cli", is_operator=True)

    @classmethod
    def person(cls, user: User, ip: str | None = None) -> Actor:
        return cls(user=user, label=user.email, ip=ip)

    @classmethod
    def machine(cls, token: ApiToken, ip: str | None = None) -> Actor:
        return cls(user=token.user, label=f"token {token.prefix}", token=token, ip=ip)

    @property
    def is_platform_admin(self) -> bool:
        """Platform admins act on every organisation, but only through a login, never through a token."""
        return self.is_operator or (self.user is not None and self.token is None and self.user.is_platform_admin)

    def role_in(self, db: Session, organisation: Organisation) -> Role | None:
        """The role this actor holds in the organisation, or None: a token narrows its owner's role."""
        if self.is_platform_admin:
            return Role.ORG_ADMIN
        if self.user is None:
            return None
        if self.token is not None and self.token.organisation_id != organisation.id:
            return None
        membership_role = membership_role_of(db, self.user, organisation)
        if membership_role is None:
            return None
        if self.token is not None:
            # A token never outranks its owner's current role: demoting the owner demotes the token.
            return narrowed(self.token.role, membership_role)
        return membership_role


def membership_role_of(db: Session, user: User, organisation: Organisation) -> Role | None:
    return db.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )


def narrowed(token_role: Role, membership_role: Role) -> Role:
    """What a token may do for its owner: its own role, never more than the owner's; a peer role that is not
    the owner's (an educator's token held by a recognition officer) is only a learner's."""
    if token_role == membership_role or ROLE_RANK[token_role] < ROLE_RANK[membership_role]:
        return token_role
    if ROLE_RANK[token_role] == ROLE_RANK[membership_role]:
        return Role.LEARNER
    return membership_role


def outranks_or_equals(role: Role, other: Role) -> bool:
    """Whether `role` covers `other`: itself, or any lower role (a peer's is not covered)."""
    return role == other or ROLE_RANK[role] > ROLE_RANK[other]
