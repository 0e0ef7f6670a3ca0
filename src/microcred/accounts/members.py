"""Members of an organisation: an admin adds a person (a new account with its set-up link, or an invitation to an
existing one), changes their role, makes a new set-up link, removes them; the last admin stays.

Functions here add to the caller's transaction and never commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from microcred.accounts import audit, setup
from microcred.accounts.models import ApiToken, AuditEvent, Invitation, Membership, Organisation, Role, User
from microcred.accounts.passwords import unusable_password_hash
from microcred.accounts.principal import Actor
from microcred.accounts.service import check_email, insert_unique, join, membership_of, new_user, require_role
from microcred.errors import Conflict, NotFound
from microcred.store.base import utcnow


def add_member(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    email: str,
    role: Role,
    display_name: str = "",
    setup_hours: float = setup.DEFAULT_HOURS,
) -> tuple[Membership | Invitation, str | None]:
    """Offer a person a role in the organisation. A new email gets an account, a member at once, and the token of
    its set-up link (returned once: the person chooses their password there); so does an account this
    organisation made and removed before anyone set it up. Any other existing account is only invited: nothing is
    granted until its holder, logged in themselves, accepts; no token then."""
    require_role(db, actor, organisation, [Role.ORG_ADMIN])
    email = check_email(email)
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        try:
            user = new_user(
                db,
                actor,
                email=email,
                display_name=display_name,
                password_hash=unusable_password_hash(),
                organisation=organisation,
            )
        except Conflict:  # another request made it a moment ago: from here on, an existing account
            user = db.scalar(select(User).where(User.email == email))
            if user is None:
                raise
        else:
            membership = join(
                db, actor, organisation, user, role, "member.added", f"Added {email} as {role.label.lower()}"
            )
            return membership, setup.issue_link(db, actor, user, organisation=organisation, hours=setup_hours)
    member_exists = Conflict(f"{email} is already a member of {organisation.legal_name}.", code="member_exists")
    if membership_of(db, organisation, user.id) is not None:
        raise member_exists
    invited = Conflict(f"{email} is invited already and has not answered yet.", code="member_invited")
    if _invitation(db, organisation, user.id) is not None:
        raise invited
    if _setup_refusal(db, organisation, user) is None:  # made here, removed before anyone set it up: taken back
        membership = join(db, actor, organisation, user, role, "member.added", f"Added {email} as {role.label.lower()}")
        return membership, setup.issue_link(db, actor, user, organisation=organisation, hours=setup_hours)
    invitation = Invitation(user_id=user.id, organisation_id=organisation.id, role=role, invited_by=actor.label)
    insert_unique(db, invitation, invited)
    audit.record(
        db,
        actor,
        "member.invited",
        object_type="user",
        object_id=user.id,
        organisation=organisation,
        summary=f"Invited {email} as {role.label.lower()}",
        role=role.value,
    )
    return invitation, None


def new_setup_link(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    user_id: uuid.UUID,
    *,
    hours: float = setup.DEFAULT_HOURS,
) -> tuple[User, str]:
    """A fresh set-up link (earlier ones stop working) for a member whose account this organisation still holds in
    trust (see _setup_refusal). Any other account is its holder's alone: refused with a sentence, never a link."""
    require_role(db, actor, organisation, [Role.ORG_ADMIN])
    user = member(db, organisation, user_id).user
    refusal = _setup_refusal(db, organisation, user)
    if refusal is not None:
        raise refusal
    return user, setup.issue_link(db, actor, user, organisation=organisation, hours=hours)


def _setup_refusal(db: Session, organisation: Organisation, user: User) -> Conflict | None:
    """Why this organisation may not hand out a set-up link for the account, or None when it may: the account was
    created for this organisation (its `user.created` event names it), nobody has set it up (no password chosen,
    no login ever), it belongs to and is invited by no other organisation, and it is no platform admin."""
    account_events = select(AuditEvent.id).where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
    if not user.must_change_password or db.scalar(account_events.where(AuditEvent.action == "login.succeeded")):
        return Conflict(
            f"{user.email} has set up their account already: they log in with the password they chose.",
            code="account_set_up",
        )
    made_here = db.scalar(
        account_events.where(AuditEvent.action == "user.created", AuditEvent.organisation_id == organisation.id)
    )
    elsewhere = db.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.organisation_id != organisation.id)
    ) or db.scalar(
        select(Invitation.id).where(Invitation.user_id == user.id, Invitation.organisation_id != organisation.id)
    )
    if made_here is None or elsewhere is not None or user.is_platform_admin:
        return Conflict(
            f"Only the organisation that created {user.email}, and only while the account belongs to and is invited "
            "by no other organisation, can make a new set-up link for it.",
            code="setup_link_not_yours",
        )
    return None


def _invitation(db: Session, organisation: Organisation, user_id: uuid.UUID) -> Invitation | None:
    return db.scalar(
        select(Invitation).where(Invitation.organisation_id == organisation.id, Invitation.user_id == user_id)
    )


def members(db: Session, organisation: Organisation) -> list[Membership]:
    return list(
        db.scalars(
            select(Membership)
            .options(selectinload(Membership.user))
            .join(User)
            .where(Membership.organisation_id == organisation.id)
            .order_by(User.email)
        )
    )


def member(db: Session, organisation: Organisation, user_id: uuid.UUID) -> Membership:
    membership = membership_of(db, organisation, user_id)
    if membership is None:
        raise NotFound("There is no such member in this organisation.", code="member_not_found")
    return membership


def change_role(db: Session, actor: Actor, organisation: Organisation, user_id: uuid.UUID, role: Role) -> Membership:
    require_role(db, actor, organisation, [Role.ORG_ADMIN])
    membership = member(db, organisation, user_id)
    previous = membership.role
    if previous == role:
        return membership
    if previous == Role.ORG_ADMIN:
        _keep_one_admin(db, organisation)
    membership.role = role
    db.flush()
    audit.record(
        db,
        actor,
        "member.role_changed",
        object_type="user",
        object_id=user_id,
        organisation=organisation,
        summary=f"Changed {membership.user.email} from {previous.label.lower()} to {role.label.lower()}",
        previous=previous.value,
        role=role.value,
    )
    return membership


def remove_member(db: Session, actor: Actor, organisation: Organisation, user_id: uuid.UUID) -> None:
    require_role(db, actor, organisation, [Role.ORG_ADMIN])
    membership = member(db, organisation, user_id)
    if membership.role == Role.ORG_ADMIN:
        _keep_one_admin(db, organisation)
    email = membership.user.email
    db.delete(membership)
    db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.organisation_id == organisation.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.flush()
    audit.record(
        db,
        actor,
        "member.removed",
        object_type="user",
        object_id=user_id,
        organisation=organisation,
        summary=f"Removed {email}",
    )


def _keep_one_admin(db: Session, organisation: Organisation) -> None:
    admins = db.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organisation_id == organisation.id, Membership.role == Role.ORG_ADMIN)
    )
    if (admins or 0) <= 1:
        raise Conflict("This is the organisation's last admin: make someone else admin first.", code="last_admin")
