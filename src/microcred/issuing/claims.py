"""Claim links: how a learner receives the credential issued to them.

A claim link carries 256 random bits; only their SHA-256 is kept, so the link is shown once, when it is
made. It expires (30 days by default, at most a year). Opening it shows the learner their credential and lets
them download it (JSON, PDF); the first opening is recorded (`claimed_at`, which says *opened*). Adding it to a
wallet uses the link up: the hash stays, so the link can still say where the credential went (claimed on that
date, into the wallet of whoever claimed it), and it has expired by then, so taking the credential out of the
wallet does not bring the link back.

A live link (unexpired, its credential in no wallet) is replaced only on request: the staff's page sends the
`version` of the link it showed, so a form sent again by a reload makes nothing, and replacing a live link
needs a ticked confirmation. Whoever holds a link can take the credential, so one certified by a
recognition-of-prior-learning case is linked only for its learner
(recognition.rpl_certification.learner_claim_link): staff see that it exists, never its link.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import AuditEvent, Organisation
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.issuing import credentials
from microcred.issuing.models import IssuedCredential
from microcred.recognition.models import RplCase
from microcred.store.base import utcnow
from microcred.wallet.models import WalletCredential

DEFAULT_DAYS = 30
MAX_DAYS = 365
MADE = "credential.claim_link"  # the audit event of each link made: when it was made is read from there

NOT_VALID = "This is not a valid claim link: check that you copied all of it."
UNCONFIRMED = "Tick the box to confirm: the link already sent stops working when a new one is made."
STALE = (
    "Nothing was changed: the claim link changed after this page was loaded (reloading a page sends its form "
    "again). The link made then still works; to replace it, tick the box under “Make a new link”."
)
LEARNER_CLAIMS = (
    "This credential was certified by a recognition of prior learning case: only the learner makes its claim "
    "link, from their case page."
)


class Link(StrEnum):
    NONE = "none"  # never made (or erased with the learner)
    LIVE = "live"  # works: unexpired, and the credential is in no wallet
    EXPIRED = "expired"
    CLAIMED = "claimed"  # the credential is in a wallet


@dataclass(frozen=True)
class Claimed:
    """Where a credential went: into whose wallet (the account, never shown to anyone else), and when."""

    on: datetime
    user_id: uuid.UUID
    wallet_id: uuid.UUID


@dataclass(frozen=True)
class LinkState:
    """What a credential's claim link is now."""

    kind: Link
    expires_at: datetime | None
    opened_at: datetime | None
    claimed: Claimed | None
    version: str  # what a form that acts on this link sends back, so that a stale one is caught

    @property
    def live(self) -> bool:
        return self.kind == Link.LIVE


def long_date(moment: datetime) -> str:
    """3 May 2026: the date as people write it."""
    return f"{moment.day} {moment:%B %Y}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _version(claim_hash: str | None) -> str:
    """A name for the current link that reveals nothing of it (not even its hash, which finds the credential)."""
    if claim_hash is None:
        return "none"
    return hashlib.sha256(b"claim-link-version\0" + claim_hash.encode()).hexdigest()[:20]


def claim_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/claim/{token}"


def state_of(db: Session, row: IssuedCredential) -> LinkState:
    found = db.execute(
        select(WalletCredential.added_at, WalletCredential.user_id, WalletCredential.id).where(
            WalletCredential.issued_credential_id == row.id
        )
    ).first()
    claimed = Claimed(on=found[0], user_id=found[1], wallet_id=found[2]) if found is not None else None
    if claimed is not None:
        kind = Link.CLAIMED
    elif row.claim_hash is None or row.claim_expires_at is None:
        kind = Link.NONE
    elif row.claim_expires_at <= utcnow():
        kind = Link.EXPIRED
    else:
        kind = Link.LIVE
    return LinkState(kind, row.claim_expires_at, row.claimed_at, claimed, _version(row.claim_hash))


def made_at(db: Session, row: IssuedCredential) -> datetime | None:
    """When the current link was made (the latest claim-link event of the credential), if one was."""
    if row.claim_hash is None:
        return None
    return db.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.action == MADE, AuditEvent.object_id == f"urn:uuid:{row.id}")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def new_link(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    credential_id: uuid.UUID,
    *,
    base_url: str,
    days: int = DEFAULT_DAYS,
    replacing: str | None = None,
    confirmed: bool = False,
) -> tuple[str, datetime]:
    """A fresh claim link for the credential (the previous one stops working) and when it expires.

    `replacing` is the version of the link a page showed: if the link changed since (a form sent again by a
    reload), nothing is made; a live link is replaced only when `confirmed`. Without it (the API, the learner's
    route for an RPL award) the call is itself the request for a new link. A credential already in a wallet gets
    none: it could not be claimed twice."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A claim link lasts 1 to {MAX_DAYS} days.", code="invalid_claim")
    row = credentials.find_issued(db, organisation, credential_id)
    learner = rpl_learner(db, row)
    if learner is not None and (actor.user is None or actor.user.id != learner):
        raise Forbidden(LEARNER_CLAIMS, code="rpl_learner_only")
    state = state_of(db, row)
    if state.claimed is not None:
        raise Conflict(
            f"This credential is already in its learner's wallet (claimed on {long_date(state.claimed.on)}): "
            "a new link could not add it again.",
            code="already_claimed",
        )
    if replacing is not None:
        if replacing != state.version:
            raise Conflict(STALE, code="claim_link_changed")
        if state.live and not confirmed:
            raise InvalidInput(UNCONFIRMED, code="claim_link_unconfirmed")
    token = secrets.token_urlsafe(32)
    row.claim_hash, row.claim_expires_at = _hash(token), utcnow() + timedelta(days=days)
    row.claimed_at = None  # the new link has not been opened
    db.flush()
    audit.record(
        db,
        actor,
        MADE,
        object_type="credential",
        object_id=f"urn:uuid:{row.id}",
        organisation=organisation,
        summary=f"New claim link for {row.learner_name[:100]}, valid {days} days"
        + (" (the previous one stopped working)" if state.live else ""),
    )
    return claim_url(base_url, token), row.claim_expires_at


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


def look_up(db: Session, token: str) -> tuple[IssuedCredential, LinkState]:
    """The credential a claim link was made for and what the link is now (live, expired, claimed); NotFound for
    a link that was never made here, which says nothing of any credential."""
    row = None
    if 20 <= len(token) <= 100:
        row = db.scalar(select(IssuedCredential).where(IssuedCredential.claim_hash == _hash(token)))
    if row is None:
        raise NotFound(NOT_VALID, code="claim_not_found")
    return row, state_of(db, row)


def refusal(row: IssuedCredential, state: LinkState) -> str:
    """Why a link that is not live opens nothing, in one sentence for anyone who holds it: no name, no email."""
    if state.claimed is not None:
        return f"This credential was claimed on {long_date(state.claimed.on)}. Its claim link no longer works."
    issuer = row.document.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    who = name if isinstance(name, str) and name.strip() else "the issuer"
    when = f" on {long_date(state.expires_at)}" if state.expires_at else ""
    return f"This claim link expired{when}. Ask {who} for a new one."


def opened(db: Session, row: IssuedCredential) -> None:
    """Record the first opening of a live link."""
    if row.claimed_at is None:
        row.claimed_at = utcnow()
        db.flush()


def open_link(db: Session, token: str) -> IssuedCredential:
    """The credential a live claim link is for, its opening recorded; NotFound saying why otherwise (not a link of
    ours, expired, or claimed)."""
    row, state = look_up(db, token)
    if not state.live:
        code = "claim_used" if state.claimed is not None else "claim_expired"
        raise NotFound(refusal(row, state), code=code)
    opened(db, row)
    return row


def use_up(row: IssuedCredential) -> None:
    """The credential has gone into a wallet: its link stops working, for good (it has expired now, so taking the
    credential out of the wallet again does not revive it), and keeps saying where the credential went."""
    now = utcnow()
    if row.claim_expires_at is None or row.claim_expires_at > now:
        row.claim_expires_at = now
