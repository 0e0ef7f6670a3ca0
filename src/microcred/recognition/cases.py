"""Recognition cases: a credential recognised by an organisation, fully, partly (with credits) or not at all,
towards one of its pathways (the programme) or stand-alone.

Two ways in: the learner asks from a credential in their wallet, or a recognition officer opens a case from a
credential document they were given (a file, pasted JSON, or a share link of a wallet here). The credential
is verified at opening and the report kept with the case; the seven e-VALUATE criteria are suggested from it
(criteria.py) and the case is decided automatically when an agreement or the free electives cover it
(decisions.py). The officer judges each criterion with a comment and decides, never without reasons; the
learner sees the decision and may appeal once (appeals.py), which reopens the case for a final decision.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.design.documents import decimal_text
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.inputs import credits as checked_credits
from microcred.inputs import text
from microcred.pathways import service as pathways
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.recognition.criteria import read_credential, suggest
from microcred.recognition.decisions import allowance, decide_automatically, record_decision
from microcred.recognition.models import (
    CaseSource,
    Criterion,
    DecisionOutcome,
    DecisionRoute,
    Judgement,
    RecognitionCase,
    RecognitionCriterion,
    RecognitionDecision,
    RecognitionState,
)
from microcred.store.base import utcnow
from microcred.trust import TrustError
from microcred.verify import checks
from microcred.wallet import service as wallet

Verify = Callable[[Any], checks.Report]
MAX_TEXT = 4000
MIN_REASONS = 10
SHARE_PATH = re.compile(r"/share/([A-Za-z0-9_-]{16,100})/?")


# Opening a case ------------------------------------------------------------------------------------------------


def ask(
    db: Session,
    actor: Actor,
    learner: User,
    *,
    wallet_id: uuid.UUID,
    organisation: Organisation,
    pathway_id: uuid.UUID | None,
    verify: Verify,
    base_url: str,
    today: date | None = None,
) -> RecognitionCase:
    """The learner's request to recognise a credential of their wallet in an organisation (towards one of its
    pathways, or stand-alone)."""
    item = wallet.find(db, learner, wallet_id)  # someone else's item: "Your wallet holds no such credential."
    pathway = _programme(db, organisation, pathway_id)
    already = db.scalar(
        select(RecognitionCase).where(
            RecognitionCase.learner_id == learner.id,
            RecognitionCase.wallet_credential_id == item.id,
            RecognitionCase.organisation_id == organisation.id,
            RecognitionCase.pathway_id == pathway_id if pathway_id else RecognitionCase.pathway_id.is_(None),
        )
    )
    if already is not None:
        raise Conflict(
            f"You already asked {organisation.legal_name[:100]} to recognise this credential"
            f"{' towards ' + pathway.title[:100] if pathway else ''} (on {already.opened_at:%Y-%m-%d}).",
            code="already_asked",
        )
    return _open(
        db,
        actor,
        organisation,
        item.document,
        pathway=pathway,
        source=CaseSource.WALLET,
        learner_id=learner.id,
        wallet_credential_id=item.id,
        verify=verify,
        base_url=base_url,
        today=today,
    )


def open_from_document(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    raw: bytes | str | dict[str, Any],
    *,
    pathway_id: uuid.UUID | None,
    verify: Verify,
    base_url: str,
    today: date | None = None,
) -> RecognitionCase:
    """A case an officer opens from a credential document they were given (a file's bytes, pasted JSON or the
    parsed document)."""
    try:
        document = checks.bounded(raw) if isinstance(raw, dict) else checks.parse(raw)
    except TrustError as error:
        raise InvalidInput(str(error), code="invalid_credential") from None
    return _open(
        db,
        actor,
        organisation,
        document,
        pathway=_programme(db, organisation, pathway_id),
        source=CaseSource.UPLOAD,
        verify=verify,
        base_url=base_url,
        today=today,
    )


def open_from_share_link(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    link: str,
    *,
    pathway_id: uuid.UUID | None,
    verify: Verify,
    base_url: str,
    today: date | None = None,
) -> RecognitionCase:
    """A case an officer opens from a learner's share link of a wallet here. The opening shows on the learner's
    list of who opened the link; the facts the link hides stay hidden in the case, and the case is the
    learner's to see and appeal."""
    base = base_url.rstrip("/")
    link = link.strip()
    path = urlsplit(link).path if link.startswith(f"{base}/") else link if link.startswith("/share/") else ""
    found = SHARE_PATH.fullmatch(path.removeprefix(urlsplit(base).path.rstrip("/"))) if path else None
    if found is None:
        raise InvalidInput(
            f"This is not a share link of this site ({base}/share/…): for another site's credential, "
            "upload its file or paste its JSON.",
            code="invalid_share_link",
        )
    shared = wallet.share_link(db, found.group(1))  # NotFound: not valid, expired or withdrawn
    agent = f"Recognition case at {organisation.legal_name}"[:300]
    item = wallet.open_share(db, shared, address=None, agent=agent)
    return _open(
        db,
        actor,
        organisation,
        item.document,
        pathway=_programme(db, organisation, pathway_id),
        source=CaseSource.SHARE_LINK,
        learner_id=item.user_id,
        wallet_credential_id=item.id,
        hidden=list(shared.hidden),
        verify=verify,
        base_url=base_url,
        today=today,
    )


def _programme(db: Session, organisation: Organisation, pathway_id: uuid.UUID | None) -> Pathway | None:
    if pathway_id is None:
        return None
    try:
        return pathways.of(db, organisation, pathway_id)
    except NotFound:  # a choice in the request, not the address: the request is what is wrong
        raise InvalidInput(
            f"That programme is not one of {organisation.legal_name[:100]}'s pathways.", code="unknown_programme"
        ) from None


def _open(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    document: Any,
    *,
    pathway: Pathway | None,
    source: CaseSource,
    verify: Verify,
    base_url: str,
    learner_id: uuid.UUID | None = None,
    wallet_credential_id: uuid.UUID | None = None,
    hidden: list[str] | None = None,
    today: date | None = None,
) -> RecognitionCase:
    report = verify(document)
    if report.checks and report.checks[0].name == "FORMAT" and report.checks[0].outcome == checks.Outcome.ERROR:
        raise InvalidInput(f"This is not a credential: {report.checks[0].sentence}", code="invalid_credential")
    hidden = hidden or []
    reading = read_credential(document, report, hidden)
    rules = Rules.model_validate(pathway.rules) if pathway else None
    case = RecognitionCase(
        organisation_id=organisation.id,
        pathway_id=pathway.id if pathway else None,
        learner_id=learner_id,
        wallet_credential_id=wallet_credential_id,
        source=source,
        document=None if hidden else document,  # keep only what the learner let the officer see
        hidden=hidden,
        facts=[[label, value] for label, value in reading.facts],
        report=report.as_dict(),
        verified=report.valid,
        title=reading.title,
        issuer_name=reading.issuer_name,
        specification_id=pathways.specification_of(db, reading.claimed_specification, report.issuer, base_url)
        or _awarded_here(db, wallet_credential_id, report),
        credits=reading.credits,
        grade=reading.grade,
        awarded=reading.awarded,
        state=RecognitionState.OPEN,
        opened_by=actor.user.id if actor.user else None,
    )
    db.add(case)
    try:
        db.flush()
    except IntegrityError:  # the learner's same request sent twice in the same instant; the caller rolls back
        raise Conflict(
            "You asked for this a moment ago: the request is among your recognition requests.", code="already_asked"
        ) from None
    for suggestion in suggest(reading, report, rules, hidden):
        db.add(
            RecognitionCriterion(
                case_id=case.id,
                criterion=suggestion.criterion,
                suggestion=suggestion.judgement,
                evidence=suggestion.evidence,
                judgement=suggestion.judgement,
            )
        )
    db.flush()
    audit.record(
        db,
        actor,
        "recognition.opened",
        object_type="recognition_case",
        object_id=case.id,
        organisation=organisation,
        summary=f"Recognition case for {reading.title[:100]}"
        + (f" towards {pathway.title[:100]}" if pathway else " (stand-alone)")
        + (
            ""
            if report.valid
            else ": the credential does not verify"
            if not report.intact
            else f": {report.verdict.label.lower()}"
        ),
    )
    decide_automatically(db, actor, case, organisation, pathway, report, today or date.today())
    return case


def _awarded_here(db: Session, wallet_credential_id: uuid.UUID | None, report: checks.Report) -> uuid.UUID | None:
    """The specification of an award issued here and claimed into the wallet, when it verifies: a sealed ELM
    credential names no catalogue address, but its award row says what it is of."""
    issued = pathways.issued_here(db, wallet_credential_id) if report.valid else None
    return issued.specification_id if issued else None


# Erasure -------------------------------------------------------------------------------------------------------


def forget_learner(db: Session, user: User) -> audit.Forgotten:
    """A learner's erasure: the cases they asked for keep their decisions, but no copy of the credential and no
    name."""
    forgotten = audit.Forgotten()
    cases = list(db.scalars(select(RecognitionCase).where(RecognitionCase.learner_id == user.id)))
    for case in cases:
        forgotten.objects.add(str(case.id))
        forgotten.names |= {str(value) for label, value in case.facts if label == "Learner" and value}
        case.document = None
        case.facts = [[label, audit.ERASED if label == "Learner" else value] for label, value in case.facts]
    db.flush()
    return forgotten


# Officers: the cases, the criteria judged and the decision taken -------------------------------------------------


def cases_of(db: Session, organisation: Organisation, state: RecognitionState | None = None) -> list[RecognitionCase]:
    """The organisation's cases, newest first, optionally in one state."""
    query = select(RecognitionCase).where(RecognitionCase.organisation_id == organisation.id)
    if state is not None:
        query = query.where(RecognitionCase.state == state)
    return list(db.scalars(query.order_by(RecognitionCase.opened_at.desc())))


def case_of(db: Session, organisation: Organisation, case_id: uuid.UUID) -> RecognitionCase:
    """One of the organisation's cases; another organisation's is NotFound, as if it did not exist."""
    case = db.get(RecognitionCase, case_id)
    if case is None or case.organisation_id != organisation.id:
        raise NotFound("There is no such recognition case.", code="recognition_case_not_found")
    return case


def criteria(db: Session, case: RecognitionCase) -> list[RecognitionCriterion]:
    """The case's seven criteria, in e-VALUATE's order."""
    order = {criterion: n for n, criterion in enumerate(Criterion)}
    rows = db.scalars(select(RecognitionCriterion).where(RecognitionCriterion.case_id == case.id))
    return sorted(rows, key=lambda row: order[row.criterion])


def decisions(db: Session, case: RecognitionCase) -> list[RecognitionDecision]:
    """The case's decisions: the first, and the final one after an appeal."""
    return list(
        db.scalars(
            select(RecognitionDecision)
            .where(RecognitionDecision.case_id == case.id)
            .order_by(RecognitionDecision.after_appeal)
        )
    )


def assess(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    case_id: uuid.UUID,
    changes: dict[Criterion, tuple[Judgement, str]],
) -> list[RecognitionCriterion]:
    """The officer's judgement and comment on criteria of a case waiting for a decision."""
    case = _undecided(case_of(db, organisation, case_id))
    rows = {row.criterion: row for row in criteria(db, case)}
    now = utcnow()
    for criterion, (judgement, comment) in changes.items():
        row = rows[criterion]
        row.judgement = judgement
        row.comment = text(comment, field=f"comment on {criterion.label.lower()}", max_length=MAX_TEXT)
        row.edited_by, row.edited_at = (actor.user.id if actor.user else None), now
    case.updated_at = now
    db.flush()
    audit.record(
        db,
        actor,
        "recognition.assessed",
        object_type="recognition_case",
        object_id=case.id,
        organisation=organisation,
        summary=f"Assessed {', '.join(c.label.lower() for c in changes)} for {case.title[:100]}",
    )
    return [rows[criterion] for criterion in Criterion]


def decide(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    case_id: uuid.UUID,
    *,
    outcome: DecisionOutcome,
    reasons: str,
    credits: Decimal | str | None = None,
) -> RecognitionDecision:
    """An officer's decision, with its reasons: recognised fully (the credential's credits), partly (with the
    credits recognised, as given or typed) or refused. Credits stay within the credential's and the programme's
    cap."""
    case = _undecided(case_of(db, organisation, case_id))
    reasons = text(reasons, field="reasons", max_length=MAX_TEXT)
    if len(reasons) < MIN_REASONS:
        raise InvalidInput(
            "A decision is never recorded without its reasons: give them in a sentence, the learner reads them.",
            code="reasons_required",
        )
    recognised = checked_credits(credits)
    limit = allowance(db, case)
    if outcome == DecisionOutcome.REFUSED:
        if recognised:
            raise InvalidInput("A refusal recognises no credits.", code="invalid_credits")
        recognised = None
    elif outcome == DecisionOutcome.RECOGNISED_FULLY:
        if recognised is not None and recognised != (case.credits or 0):
            own = decimal_text(case.credits) if case.credits is not None else "none"
            raise InvalidInput(
                f"Recognised fully means the credential's own credits ({own}); to recognise "
                f"{decimal_text(recognised)}, recognise it partly.",
                code="invalid_credits",
            )
        recognised = case.credits
        if recognised is not None and limit is not None and recognised > limit.remaining:
            raise InvalidInput(
                f"Recognising it fully would give {decimal_text(recognised)} credits, above the "
                f"{decimal_text(limit.remaining)} left under the programme's cap of {decimal_text(limit.cap)} credits "
                f"for this learner: recognise it partly with at most {decimal_text(limit.remaining)}.",
                code="credits_above_allowance",
            )
    else:
        if not recognised:
            raise InvalidInput("Say how many credits are recognised (more than 0).", code="invalid_credits")
        if case.credits is not None and recognised > case.credits:
            raise InvalidInput(
                f"{decimal_text(recognised)} credits are more than the credential's own {decimal_text(case.credits)}.",
                code="credits_above_credential",
            )
        if limit is not None and recognised > limit.remaining:
            raise InvalidInput(
                f"{decimal_text(recognised)} credits are above the {decimal_text(limit.remaining)} left under the "
                f"programme's cap of {decimal_text(limit.cap)} credits for this learner.",
                code="credits_above_allowance",
            )
    decision = record_decision(db, actor, case, outcome, recognised, reasons, DecisionRoute.OFFICER, None)
    audit.record(
        db,
        actor,
        "recognition.decided",
        object_type="recognition_case",
        object_id=case.id,
        organisation=organisation,
        summary=f"{outcome.label} {case.title[:100]}"
        + (f" ({decimal_text(recognised)} credits)" if recognised is not None else "")
        + (" after the appeal" if decision.after_appeal else ""),
    )
    return decision


def _undecided(case: RecognitionCase) -> RecognitionCase:
    if case.state == RecognitionState.DECIDED:
        raise Conflict("This case is decided; only the learner's appeal reopens it.", code="recognition_case_decided")
    if case.state == RecognitionState.FINAL:
        raise Conflict("This case has its final decision, after an appeal.", code="recognition_case_final")
    return case


# Learners --------------------------------------------------------------------------------------------------------


def cases_of_learner(db: Session, learner: User) -> list[RecognitionCase]:
    """The learner's cases in every organisation, newest first."""
    return list(
        db.scalars(
            select(RecognitionCase)
            .where(RecognitionCase.learner_id == learner.id)
            .order_by(RecognitionCase.opened_at.desc())
        )
    )


def recognising_bodies(db: Session) -> list[tuple[Organisation, list[Pathway]]]:
    """Every organisation a learner may ask for recognition, with its pathways, by name."""
    programmes: dict[uuid.UUID, list[Pathway]] = {}
    for pathway, organisation in pathways.listed(db):
        programmes.setdefault(organisation.id, []).append(pathway)
    return [(o, programmes.get(o.id, [])) for o in db.scalars(select(Organisation).order_by(Organisation.legal_name))]


def case_of_learner(db: Session, learner: User, case_id: uuid.UUID) -> RecognitionCase:
    """One of the learner's own cases; anyone else's is NotFound."""
    case = db.get(RecognitionCase, case_id)
    if case is None or case.learner_id != learner.id:
        raise NotFound("You have no such recognition request.", code="recognition_case_not_found")
    return case


# Quality data ------------------------------------------------------------------------------------------------------


def outcomes_for_specification(db: Session, specification_id: uuid.UUID) -> dict[str, int]:
    """How the cases whose credential is of the specification were decided, by the decision that stands (the
    final one after an appeal): {"recognised_fully": n, "recognised_partly": n, "refused": n}."""
    rows = db.execute(
        select(RecognitionDecision.case_id, RecognitionDecision.outcome)
        .join(RecognitionCase, RecognitionCase.id == RecognitionDecision.case_id)
        .where(RecognitionCase.specification_id == specification_id)
        .order_by(RecognitionDecision.after_appeal)
    )
    standing = {case_id: outcome for case_id, outcome in rows}  # the final decision overwrites the first
    counts = {outcome.value: 0 for outcome in DecisionOutcome}
    for outcome in standing.values():
        counts[outcome.value] += 1
    return counts
