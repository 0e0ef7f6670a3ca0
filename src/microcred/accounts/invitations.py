"""Invitations waiting for an answer: an existing account counts as a member only once its holder, logged in
themselves, accepts; they may decline, and an admin may withdraw one nobody has answered yet.

Functions here add to the caller's transaction and never commit.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from microcred.accounts import audit
from microcred.accounts.models import Invitation, Membership, Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.accounts.service import join, membership_of, require_role
from microcred.errors import Conflict, Forbidden, NotFound


def invitations_of(db: Session, organisation: Organisation) -> list[Invitation]:
    """The organisation's invitations nobody has answered yet, by email."""
    return list(
        db.scalars(
            select(Invitation)
            .options(selectinload(Invitation.user))
            .join(User, User.id == Invitation.user_id)
            .where(Invitation.organisation_id == organisation.id)
            .order_by(User.email)
        )
    )


def my_invitations(db: Session, actor: Actor) -> list[Invitation]:
    """The invitations waiting for the person acting (none for a token: it acts in one organisation only)."""
    if actor.user is None or actor.token is not None:
        return []
    return list(
        db.scalars(
            select(Invitation)
            .options(selectinload(Invitation.organisation))
            .where(Invitation.user_id == actor.user.id)
            .order_by(Invitation.created_at)
        )
    )


def _my_invitation(db: Session, actor: Actor, invitation_id: uuid.UUID) -> Invitation:
    found = next((i for i in my_invitations(db, actor) if i.id == invitation_id), None)
    if found is None:
        raise NotFound("There is no such invitation for you.", code="invitation_not_found")
    if actor.user is not None and actor.user.must_change_password:
        raise Forbidden("Choose your own password first, then answer the invitation.", code="password_change_required")
    return found


def accept_invitation(db: Session, actor: Actor, invitation_id: uuid.UUID) -> Membership:
    """The invited person, logged in themselves, takes the role: from now on the organisation counts them in."""
    invitation = _my_invitation(db, actor, invitation_id)
    organisation, user, role = invitation.organisation, actor.user, invitation.role
    assert user is not None
    _take_invitation(db, invitation)
    if membership_of(db, organisation, user.id) is not None:
        raise Conflict(f"You are a member of {organisation.legal_name} already.", code="member_exists")
    return join(
        db,
        actor,
        organisation,
        user,
        role,
        "member.joined",
        f"{user.email} accepted the invitation and is now {role.label.lower()}",
    )


def _take_invitation(db: Session, invitation: Invitation) -> None:
    """Delete the invitation in one statement only one answer passes: a second answer at the same moment is told it
    is gone, as it would be a moment later."""
    gone = db.execute(delete(Invitation).where(Invitation.id == invitation.id))
    if getattr(gone, "rowcount", 0) != 1:
        raise NotFound("There is no such invitation for you.", code="invitation_not_found")


def decline_invitation(db: Session, actor: Actor, invitation_id: uuid.UUID) -> None:
    invitation = _my_invitation(db, actor, invitation_id)
    assert actor.user is not None
    _take_invitation(db, invitation)
    audit.record(
        db,
        actor,
        "member.declined",
        object_type="user",
        object_id=actor.user.id,
        organisation=invitation.organisation,
        summary=f"{actor.user.email} declined the invitation",
    )


def cancel_invitation(db: Session, actor: Actor, organisation: Organisation, invitation_id: uuid.UUID) -> None:
    """An admin withdraws an invitation nobody has answered yet."""
    require_role(db, actor, organisation, [Role.ORG_ADMIN])
    invitation = next((i for i in invitations_of(db, organisation) if i.id == invitation_id), None)
    if invitation is None:
        raise NotFound("There is no such invitation in this organisation.", code="invitation_not_found")
    email = invitation.user.email
    db.delete(invitation)
    db.flush()
    audit.record(
        db,
        actor,
        "member.invitation_cancelled",
        object_type="user",
        object_id=invitation.user_id,
        organisation=organisation,
        summary=f"Withdrew the invitation of {email}",
    )
