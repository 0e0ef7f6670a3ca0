"""The append-only audit log: what happened, who did it, to what, and when."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from microcred.accounts.models import AuditEvent, Membership, Organisation
from microcred.accounts.principal import Actor

MAX_PAGE = 200


def record(
    db: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: object | None = None,
    organisation: Organisation | None = None,
    summary: str = "",
    actor_user_id: uuid.UUID | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an event to the caller's transaction, so it lands exactly when the change it describes does."""
    event = AuditEvent(
        organisation_id=organisation.id if organisation else None,
        actor_user_id=actor_user_id or (actor.user.id if actor.user else None),
        actor=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        detail=detail,
        ip=actor.ip,
        summary=summary,
    )
    db.add(event)
    return event


# Events about a person's own account, kept without an organisation, that their organisations may read.
ACCOUNT_ACTIONS = ("login.succeeded", "login.failed", "logout", "password.changed")


def events_for_organisation(
    db: Session, organisation: Organisation, *, limit: int = 50, before_id: int | None = None
) -> list[AuditEvent]:
    """The organisation's events, and its members' own account events since they joined, newest first."""
    member_since = (
        select(Membership.id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.user_id == AuditEvent.actor_user_id,
            Membership.created_at <= AuditEvent.occurred_at,
        )
        .exists()
    )
    query = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.organisation_id == organisation.id,
                AuditEvent.organisation_id.is_(None) & AuditEvent.action.in_(ACCOUNT_ACTIONS) & member_since,
            )
        )
        .order_by(AuditEvent.id.desc())
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.scalars(query))
