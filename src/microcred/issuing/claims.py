"""Claim links: how a learner receives the credential issued to them.

A claim link carries 256 random bits; only their SHA-256 is kept, so the link is shown once, when it is
made. It expires (30 days by default, at most a year), and making a new one replaces the old one. Opening
it shows the learner their credential and lets them download it (JSON, PDF); the first opening is recorded.
Whoever holds a link can take the credential, so one certified by a recognition-of-prior-learning case is
linked only for its learner (recognition.rpl_certification.learner_claim_link): staff see that it exists, never
its link.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import Forbidden, InvalidInput, NotFound
from microcred.issuing import credentials
from microcred.issuing.models import IssuedCredential
from microcred.recognition.models import RplCase
from microcred.store.base import utcnow

DEFAULT_DAYS = 30
MAX_DAYS = 365


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def claim_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/claim/{token}"


def new_link(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential_id: uuid.UUID,
    *,
    base_url: str,
    days: int = DEFAULT_DAYS,
) -> tuple[str, datetime]:
    """A fresh claim link for the credential (the previous one stops working) and when it expires."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days: a claim link lasts 1 to {MAX_DAYS} days.", code="invalid_claim")
    row = credentials.find_issued(db, organisation, credential_id)
    learner = rpl_learner(db, row)
    if learner is not None and (actor.user is None or actor.user.id != learner):
        raise Forbidden(LEARNER_CLAIMS, code="rpl_learner_only")
    token = secrets.token_urlsafe(32)
    row.claim_hash, row.claim_expires_at = _hash(token), utcnow() + timedelta(days=days)
    db.flush()
    audit.record(
        db,
        actor,
        "credential.claim_link",
        object_type="credential",
        object_id=f"urn:uuid:{row.id}",
        organisation=organisation,
        summary=f"New claim link for {row.learner_name[:100]}, valid {days} days",
    )
    return claim_url(base_url, token), row.claim_expires_at


LEARNER_CLAIMS = (
    "This credential was certified by a recognition of prior learning case: only the learner makes its claim "
    "link, from their case page."
)


def rpl_learner(db: Session, row: IssuedCredential) -> uuid.UUID | None:
    """The learner whose RPL case certified the credential, who alone may link it; None for any other award.
    An award issued for a case (its idempotency key names it) whose case is gone belongs to nobody here."""
    case_id = None
    if row.idempotency_key and row.idempotency_key.startswith("rpl:"):
        try:
            case_id = uuid.UUID(row.idempotency_key[4:])
        except ValueError:
            case_id = None
    found = db.execute(
        select(RplCase.learner_id).where(
            RplCase.organisation_id == row.organisation_id,
            or_(RplCase.credential_id == row.id, RplCase.id == case_id) if case_id else RplCase.credential_id == row.id,
        )
    ).first()
    if found is not None:
        return found[0]
    return _NOBODY if case_id else None


_NOBODY = uuid.UUID(int=0)


def open_link(db: Session, token: str) -> IssuedCredential:
    """The credential a claim link is for; the same 404 for an unknown link as for an expired one."""
    if not 20 <= len(token) <= 100:
        raise NotFound("This claim link is not valid.", code="claim_not_found")
    row = db.scalar(select(IssuedCredential).where(IssuedCredential.claim_hash == _hash(token)))
    if row is None or row.claim_expires_at is None or row.claim_expires_at < utcnow():
        raise NotFound(
            "This claim link is not valid or has expired: ask the awarding body for a new one.", code="claim_not_found"
        )
    if row.claimed_at is None:
        row.claimed_at = utcnow()
        db.flush()
    return row
