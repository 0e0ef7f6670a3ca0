"""The append-only audit log: what happened, who did it, to what, and when."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from microcred.accounts.models import AuditEvent, Membership, Organisation
from microcred.accounts.principal import Actor
from microcred.store.base import utcnow

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


ERASED = "(erased at the learner's request)"


@dataclass
class Forgotten:
    """What an erasure blanked elsewhere, for `redact`: the objects whose events may name the learner (awards as
    urn:uuid:…, cases by id) and the names those records gave them."""

    objects: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def add(self, other: Forgotten) -> None:
        self.objects |= other.objects
        self.names |= other.names


def redact(
    db: Session, *, user_id: uuid.UUID, email: str, names: Iterable[str] = (), objects: Iterable[str] = ()
) -> int:
    """An erasure's part in the log: every event that names the person (their email anywhere in it, their own
    actions, events about their account or about `objects`, such as their awards) keeps its id, time, action and
    object, while the email and `names` in its text become ERASED and their own actions lose the account id and
    IP address. The database lets an event change only so, and marks it (`redacted_at`). How many events."""
    email = email.strip().lower()
    objects = list(objects)
    found = [
        AuditEvent.actor_user_id == user_id,
        AuditEvent.object_id == str(user_id),
        func.lower(AuditEvent.actor) == email,
        func.lower(AuditEvent.summary).contains(email, autoescape=True),
        func.lower(cast(AuditEvent.detail, Text)).contains(email, autoescape=True),
    ]
    if objects:
        found.append(AuditEvent.object_id.in_(objects))
    words = [re.escape(email)] + [re.escape(name.strip()) for name in names if len(name.strip()) > 1]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)
    now = utcnow()
    events = list(db.scalars(select(AuditEvent).where(or_(*found)).order_by(AuditEvent.id)))
    for event in events:
        event.actor = pattern.sub(ERASED, event.actor)[:320]
        event.summary = pattern.sub(ERASED, event.summary)
        event.detail = _scrubbed(event.detail, pattern)
        if event.actor_user_id == user_id:
            event.actor_user_id, event.ip = None, None
        event.redacted_at = now
    db.flush()
    return len(events)


def _scrubbed(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    return value
