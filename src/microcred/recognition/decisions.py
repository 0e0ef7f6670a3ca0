"""Decisions on recognition cases: what they may give, how they are recorded, and the automatic ones.

Credits recognised for one learner in one programme are capped: at the pathway's cap on prior learning when it
sets one, otherwise at half its total credits (e-VALUATE caps exemptions at 50% of a programme). An officer's
decision (cases.decide) stays within that cap; so do the automatic ones.

Automatic decisions, at opening, only for a credential that verifies and a case towards a programme:
1. a credit-exchange agreement in force covers it (agreements.py): recognised, citing the agreement;
2. the programme has a free-elective allowance and the issuer is trusted and accredited (ACCREDITATION OK):
   recognised partly, with the credits up to what remains of the allowance for that learner.
Everything else waits for the officer, and the case says why it was not decided automatically.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.design.documents import decimal_text
from microcred.errors import Conflict
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.recognition import agreements
from microcred.recognition.models import (
    CreditAgreement,
    DecisionOutcome,
    DecisionRoute,
    RecognitionCase,
    RecognitionDecision,
    RecognitionState,
)
from microcred.store.base import utcnow
from microcred.verify import checks


@dataclass(frozen=True)
class Allowance:
    """What recognition may still give this case's learner in its programme."""

    cap: Decimal
    used: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.cap - self.used, Decimal(0))


def allowance(db: Session, case: RecognitionCase, others: list[RecognitionDecision] | None = None) -> Allowance | None:
    """The programme's cap on recognised credits and what the learner's other cases there already use (`others`,
    their standing decisions, when the caller has them); None for a stand-alone case. A case with no learner
    account (a document an officer was given) is counted alone."""
    if case.pathway_id is None:
        return None
    pathway = db.get(Pathway, case.pathway_id)
    assert pathway is not None
    cap = agreements.recognition_cap(Rules.model_validate(pathway.rules))
    others = _standing_others(db, case) if others is None else others
    return Allowance(cap, sum((d.credits or Decimal(0) for d in others), Decimal(0)))


def _standing_others(db: Session, case: RecognitionCase) -> list[RecognitionDecision]:
    """The standing decision (the final one after an appeal) of each of the learner's other cases that recognised
    something in the same programme."""
    if case.learner_id is None or case.pathway_id is None:
        return []
    rows = db.scalars(
        select(RecognitionDecision)
        .join(RecognitionCase, RecognitionCase.id == RecognitionDecision.case_id)
        .where(
            RecognitionCase.learner_id == case.learner_id,
            RecognitionCase.pathway_id == case.pathway_id,
            RecognitionCase.id != case.id,
        )
        .order_by(RecognitionDecision.after_appeal)
    )
    standing = {decision.case_id: decision for decision in rows}  # the final one overwrites the first
    return [d for d in standing.values() if d.outcome != DecisionOutcome.REFUSED]


def decide_automatically(
    db: Session,
    actor: Actor,
    case: RecognitionCase,
    organisation: Organisation,
    pathway: Pathway | None,
    report: checks.Report,
    today: date,
) -> None:
    """Decide the case automatically when an agreement or the free electives cover it; otherwise say why not."""
    if not report.valid:  # not valid, or valid with its issuer unconfirmed or its status unknown
        failed = next(c for c in report.checks if c.outcome == checks.Outcome.ERROR or c.verdict is not None)
        said = "does not verify" if failed.outcome == checks.Outcome.ERROR else f"is held back: {report.verdict.label}"
        case.route_note = (
            f"The credential {said} ({failed.name}: {failed.sentence}) It is never decided automatically: "
            "an officer decides."
        )
        return
    if pathway is None:
        case.route_note = (
            "A stand-alone request: no programme, so no agreement or free-elective allowance applies. An officer "
            "decides."
        )
        return
    others = _standing_others(db, case)
    limit = allowance(db, case, others)
    assert limit is not None
    misses: list[str] = []
    if case.specification_id is not None:
        for agreement in agreements.covering(db, organisation, pathway.id, case.specification_id):
            why = agreements.unmet(agreement, grade=case.grade, awarded=case.awarded, today=today)
            if why is None:
                decided = _by_agreement(db, case, pathway, agreement, limit)
                if decided is not None:
                    _audit_automatic(db, actor, organisation, case, decided)
                    return
                why = f"the programme's cap of {decimal_text(limit.cap)} credits on recognition is used up"
            misses.append(f"the agreement “{agreement.title}” covers it, but {why}")
    elective = agreements.free_electives(db, pathway.id)
    if elective is not None:
        elected = _as_free_elective(db, case, pathway, report, elective, limit, others)
        if isinstance(elected, RecognitionDecision):
            _audit_automatic(db, actor, organisation, case, elected)
            return
        misses.append(elected)
    if not misses:
        misses.append("no agreement in force covers it and the programme has no free electives")
    case.route_note = f"Not decided automatically: {'; '.join(misses)}. An officer decides."


def _audit_automatic(
    db: Session, actor: Actor, organisation: Organisation, case: RecognitionCase, decision: RecognitionDecision
) -> None:
    route = "an agreement" if decision.route == DecisionRoute.AGREEMENT else "the free electives"
    audit.record(
        db,
        actor,
        "recognition.decided",
        object_type="recognition_case",
        object_id=case.id,
        organisation=organisation,
        summary=f"{decision.outcome.label} {case.title[:100]} automatically, under {route}"
        + (f" ({decimal_text(decision.credits)} credits)" if decision.credits is not None else ""),
        automatic=True,
    )


def _by_agreement(
    db: Session, case: RecognitionCase, pathway: Pathway, agreement: CreditAgreement, limit: Allowance
) -> RecognitionDecision | None:
    """Recognise the case under the agreement, cut down to what remains under the programme's cap; None when
    nothing remains."""
    described = agreements.describe(db, agreement)
    parties = ", ".join(party.organisation.legal_name for party in described.parties)
    conditions = [
        "the credential verifies",
        f"its grade {case.grade!r} reaches the minimum {agreement.min_grade!r}" if agreement.min_grade else "",
        f"it was awarded on {case.awarded}, within the agreement's {agreement.validity_years} years",
    ]
    reasons = (
        f"Recognised under the credit-exchange agreement “{agreement.title}” between {parties}, in force since "
        f"{agreement.in_force_at:%Y-%m-%d}: {case.title} counts for {pathway.title}; "
        + ", ".join(c for c in conditions if c)
        + "."
    )
    outcome, credits = DecisionOutcome.RECOGNISED_FULLY, case.credits
    if case.credits is not None and case.credits > limit.remaining:
        if limit.remaining <= 0:
            return None
        outcome, credits = DecisionOutcome.RECOGNISED_PARTLY, limit.remaining
        reasons += (
            f" {decimal_text(limit.remaining)} of its {decimal_text(case.credits)} credits are recognised: the "
            f"programme recognises at most {decimal_text(limit.cap)} credits per learner and "
            f"{decimal_text(limit.used)} are already recognised."
        )
    decision = record_decision(db, None, case, outcome, credits, reasons, DecisionRoute.AGREEMENT, agreement.id)
    case.route_note = f"Decided automatically under the agreement “{agreement.title}”."
    return decision


def _as_free_elective(
    db: Session,
    case: RecognitionCase,
    pathway: Pathway,
    report: checks.Report,
    elective: Decimal,
    limit: Allowance,
    others: list[RecognitionDecision],
) -> RecognitionDecision | str:
    """Recognise the case partly under the free electives (`others`: the learner's other standing decisions in
    the programme), or say why not."""
    trust = next((c for c in report.checks if c.name == "ACCREDITATION"), None)
    if trust is None or trust.outcome != checks.Outcome.OK:
        said = trust.sentence if trust else "it was not checked"
        return f"free electives take credentials of trusted, accredited issuers only ({said})"
    if not case.credits:
        return "free electives count credits, and the credential gives none"
    used = sum(
        (d.credits or Decimal(0) for d in others if d.route == DecisionRoute.FREE_ELECTIVE),
        Decimal(0),
    )
    room = min(elective - used, limit.remaining)
    if room <= 0:
        return (
            f"the free-elective allowance of {decimal_text(elective)} credits is used up"
            if elective - used <= 0
            else f"the programme's cap of {decimal_text(limit.cap)} credits on recognition is used up"
        )
    credits = min(case.credits, room)
    reasons = (
        f"Recognised as a free elective of {pathway.title}: {trust.sentence} {decimal_text(credits)} of its "
        f"{decimal_text(case.credits)} credits count, from the programme's free-elective allowance of "
        f"{decimal_text(elective)} credits per learner ({decimal_text(elective - used)} were left"
        + (
            f", and {decimal_text(limit.remaining)} under the programme's cap of {decimal_text(limit.cap)} credits"
            if room < elective - used
            else ""
        )
        + ")."
    )
    decision = record_decision(
        db, None, case, DecisionOutcome.RECOGNISED_PARTLY, credits, reasons, DecisionRoute.FREE_ELECTIVE, None
    )
    case.route_note = "Decided automatically under the programme's free electives."
    return decision


def record_decision(
    db: Session,
    actor: Actor | None,
    case: RecognitionCase,
    outcome: DecisionOutcome,
    credits: Decimal | None,
    reasons: str,
    route: DecisionRoute,
    agreement_id: uuid.UUID | None,
) -> RecognitionDecision:
    """A decision on the case, which it leaves decided (final, when it follows the appeal); `actor` None for an
    automatic one. Two decisions at once: the second is a Conflict."""
    after_appeal = case.state == RecognitionState.APPEALED
    decision = RecognitionDecision(
        case_id=case.id,
        outcome=outcome,
        credits=credits,
        reasons=reasons,
        route=route,
        agreement_id=agreement_id,
        after_appeal=after_appeal,
        decided_by=actor.user.id if actor and actor.user else None,
    )
    case.state = RecognitionState.FINAL if after_appeal else RecognitionState.DECIDED
    case.updated_at = utcnow()
    try:
        with db.begin_nested():
            db.add(decision)
    except IntegrityError:  # another officer decided in the same instant
        raise Conflict("This case was decided a moment ago: reload it.", code="recognition_case_decided") from None
    return decision
