"""The append-only audit log: what happened, who did it, to what, and when."""

from __future__ import annotations

import re
import uuid
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
ACCOUNT_ACTIONS = ("login.succeeded", "login.failed", "logout", "password.changed", "user.set_up")


def events_for_organisation(
    db: Session, organisation: Organisation, *, limit: int = 50, before_id: int | None = None
) -> list[AuditEvent]:
    """The organisation's events, and its members' own account events since they became members, newest first:
    a membership exists only from when its holder accepted the invitation (or, for an account the organisation
    created, from its creation), so nothing of what the person did before shows."""
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

# Where an email or a name stands on its own: not inside a longer address (x.ana@a.example, ana@a.example.org).
_BEFORE, _AFTER = r"(?<![\w.+@-])", r"(?![\w@-]|\.[\w-])"


@dataclass
class Forgotten:
    """What an erasure blanked elsewhere, for `redact`: the objects whose events may name the learner (awards as
    urn:uuid:…, cases by id), and the names and emails those records gave them."""

    objects: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def add(self, other: Forgotten) -> None:
        self.objects |= other.objects
        self.names |= other.names
        self.emails |= other.emails


def redact(db: Session, *, user_id: uuid.UUID, email: str, forgotten: Forgotten) -> int:
    """An erasure's part in the log. The person's emails (their account's and their awards') become ERASED
    wherever they stand in an event; the names their awards and cases gave them, in the events about those
    objects (not in the actor: a colleague's email may begin with the same name); their own actions lose the
    account id and IP address. Each event keeps its id, time, organisation, action and object, and is marked
    (`redacted_at`): the database lets an event change only so. How many events."""
    emails = sorted({e.strip().lower() for e in {email, *forgotten.emails} if e and e.strip()}, key=len, reverse=True)
    names = sorted({n.strip() for n in forgotten.names if len(n.strip()) > 1}, key=len, reverse=True)
    objects = sorted(forgotten.objects)
    found = [AuditEvent.actor_user_id == user_id, AuditEvent.object_id == str(user_id)]
    for address in emails:
        found += [
            func.lower(AuditEvent.actor).contains(address, autoescape=True),
            func.lower(AuditEvent.summary).contains(address, autoescape=True),
            func.lower(cast(AuditEvent.detail, Text)).contains(address, autoescape=True),
        ]
    if objects:
        found.append(AuditEvent.object_id.in_(objects))
    by_email = re.compile(_BEFORE + "(?:" + "|".join(map(re.escape, emails)) + ")" + _AFTER, re.IGNORECASE)
    by_name = re.compile(_BEFORE + "(?:" + "|".join(map(re.escape, names)) + ")" + _AFTER) if names else None
    now = utcnow()
    redacted = 0
    for event in db.scalars(select(AuditEvent).where(or_(*found)).order_by(AuditEvent.id)):
        actor, summary, detail = (
            by_email.sub(ERASED, event.actor)[:320],
            by_email.sub(ERASED, event.summary),
            _scrubbed(event.detail, by_email),
        )
        if by_name is not None and event.object_id in forgotten.objects:
            summary, detail = by_name.sub(ERASED, summary), _scrubbed(detail, by_name)
        own = event.actor_user_id == user_id
        if not own and (actor, summary, detail) == (event.actor, event.summary, event.detail):
            continue  # a longer address that contains theirs, say: nothing of the person here
        event.actor, event.summary, event.detail = actor, summary, detail
        if own:
            event.actor_user_id, event.ip = None, None
        event.redacted_at = now
        redacted += 1
    db.flush()
    return redacted


def _scrubbed(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    return value
