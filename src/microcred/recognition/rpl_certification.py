"""Certification, the last stage of an RPL case, and the other ways a case ends: after a passed assessment the
owner certifies, and the credential is issued once through the issuing capability; the learner makes their
claim link. The learner may withdraw until then, and the owner closes a case whose assessment did not pass;
either closure needs a reason."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import inputs
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden
from microcred.issuing import claims, credentials, documents
from microcred.issuing.models import IssuedCredential
from microcred.recognition import rpl
from microcred.recognition.models import RplCase, RplClosure, RplResult, RplState
from microcred.store.base import utcnow
from microcred.wallet.models import WalletCredential

MAX_REASON = 2000


def certify(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    case: RplCase,
    *,
    base_url: str,
    master: bytes,
    tsa_url: str | None = None,
) -> IssuedCredential:
    """Issue the edition's credential to the learner through the issuing capability, once (the idempotency key
    is the case's), after a passed assessment; the case records the credential. No claim link is made here:
    whoever holds one can take the credential, so only the learner makes it, from their case page
    (learner_claim_link)."""
    rpl.require_open(case)
    rpl.require_owner(db, actor, case, "certify")
    if case.result != RplResult.PASSED:
        raise Conflict(rpl.passed_needed(case), code="rpl_not_passed")
    if case.state != RplState.CERTIFICATION:
        raise Conflict(
            f"The case is at {case.state.value}: move it to certification before certifying.",
            code="rpl_wrong_stage",
        )
    learner = db.get(User, case.learner_id)
    assert learner is not None
    key = f"rpl:{case.id}"
    issued = db.scalar(
        select(IssuedCredential).where(
            IssuedCredential.organisation_id == organisation.id, IssuedCredential.idempotency_key == key
        )
    ) or credentials.issue_edition(
        db,
        actor,
        organisation,
        case.specification_id,
        case.edition_number,
        documents.Learner(name=learner.display_name, email=learner.email),
        documents.Result(awarded=date.today(), grade=case.grade),
        base_url=base_url,
        master=master,
        tsa_url=tsa_url,
        idempotency_key=key,
    )
    now = utcnow()
    case.credential_id, case.state = issued.id, RplState.CERTIFIED
    case.certification_ended_at = case.updated_at = now
    db.flush()
    rpl.record(
        db,
        actor,
        case,
        "rpl.certified",
        f"Certified: the credential urn:uuid:{issued.id} was issued to {learner.email}",
        credential=f"urn:uuid:{issued.id}",
    )
    return issued


def in_wallet(db: Session, case: RplCase) -> bool:
    """Whether the case's credential was claimed into a wallet."""
    if case.credential_id is None:
        return False
    return (
        db.scalar(select(WalletCredential.id).where(WalletCredential.issued_credential_id == case.credential_id))
        is not None
    )


def learner_claim_link(db: Session, actor: Actor, case: RplCase, *, base_url: str) -> tuple[str, datetime]:
    """A fresh claim link for the learner's certified case (any earlier link stops working)."""
    if not rpl.is_learner(actor, case):
        raise Forbidden("Only the learner claims the credential of their case.", code="rpl_learner_only")
    if case.state != RplState.CERTIFIED or case.credential_id is None:
        raise Conflict(
            f"There is no credential to claim yet: the case is at {case.state.value}.", code="rpl_not_certified"
        )
    if in_wallet(db, case):
        raise Conflict("The credential of this case is already in a wallet.", code="already_claimed")
    organisation = db.get(Organisation, case.organisation_id)
    assert organisation is not None
    return claims.new_link(db, actor, organisation, case.credential_id, base_url=base_url)


def _close(db: Session, actor: Actor, case: RplCase, closure: RplClosure, reason: str) -> RplCase:
    reason = inputs.text(reason, field="reason", max_length=MAX_REASON, min_length=3)
    now = utcnow()
    if case.state in rpl.STAGES:
        setattr(case, f"{case.state.value}_ended_at", now)
    case.state, case.closure, case.closed_reason = RplState.CLOSED, closure, reason
    case.closed_by, case.closed_at, case.updated_at = rpl.person_of(actor).id, now, now
    db.flush()
    rpl.record(db, actor, case, "rpl.closed", f"Closed: {closure.label.lower()}: {reason[:200]}", closure=closure.value)
    return case


def withdraw(db: Session, actor: Actor, case: RplCase, reason: str) -> RplCase:
    """The learner withdraws the case, with a reason, at any stage before the credential is issued."""
    rpl.require_open(case)
    if not rpl.is_learner(actor, case):
        raise Forbidden(
            "Only the learner withdraws their case; the owner closes it as not passed.", code="rpl_learner_only"
        )
    return _close(db, actor, case, RplClosure.WITHDRAWN, reason)


def close_not_passed(db: Session, actor: Actor, case: RplCase, reason: str) -> RplCase:
    """The owner closes the case, with a reason, after recording an assessment that did not pass."""
    rpl.require_open(case)
    rpl.require_owner(db, actor, case, "close the case")
    if case.result != RplResult.NOT_PASSED:
        raise Conflict(
            "A case is closed as not passed after recording an assessment that did not pass"
            + ("; none is recorded yet." if case.result is None else "; this one passed: certify it."),
            code="rpl_not_assessed",
        )
    return _close(db, actor, case, RplClosure.NOT_PASSED, reason)
