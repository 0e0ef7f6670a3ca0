"""Claim links: how a learner receives the credential issued to them.

A claim link carries 256 random bits; only their SHA-256 is kept, so the link is shown once, when it is
made. It expires (30 days by default, at most a year), and making a new one replaces the old one. Opening
it shows the learner their credential and lets them download it (JSON, PDF); the first opening is recorded.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.issuing import credentials
from microcred.issuing.models import IssuedCredential
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
