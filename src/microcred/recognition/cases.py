"""Recognition cases: a credential recognised by an organisation, fully, partly (with credits) or not at all,
towards one of its pathways (the programme) or stand-alone.

Two ways in: the learner asks from a credential in their wallet, or a recognition officer opens a case from a
credential document they were given (a file, pasted JSON, or a share link of a wallet here). The credential
is verified at opening and the report kept with the case. The seven e-VALUATE criteria are suggested from the
credential and its report, each with the evidence that led to the suggestion; the officer judges each one
with a comment. A decision is never recorded without its reasons; the learner sees it and may appeal once,
which reopens the case for a final decision.

Automatic decisions, at opening, only for a credential that verifies and a case towards a programme:
1. a credit-exchange agreement in force covers it (agreements.py): recognised, citing the agreement;
2. the programme has a free-elective allowance and the issuer is trusted and accredited (ACCREDITATION OK):
   recognised partly, with the credits up to what remains of the allowance for that learner.
Everything else waits for the officer, and the case says why it was not decided automatically.

Credits recognised for one learner in one programme are capped: at the pathway's cap on prior learning when it
sets one, otherwise at half its total credits (e-VALUATE caps exemptions at 50% of a programme).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
from microcred.recognition import agreements
from microcred.recognition.models import (
    CaseSource,
    CreditAgreement,
    Criterion,
    DecisionOutcome,
    DecisionRoute,
    Judgement,
    RecognitionAppeal,
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
_EQF = re.compile(r"\bEQF level ([1-8])\b|^Level ([1-8])$", re.IGNORECASE)
_ISO_HOURS = re.compile(r"^P(?:\d+D)?T[\d.]+H")


# Reading the credential -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What a case keeps of a credential: its content as a person reads it (hidden facts left out), and the
    values decisions rest on."""

    title: str
    issuer_name: str
    facts: list[tuple[str, str]]
    credits: Decimal | None
    level: int | None
    grade: str | None
    awarded: date | None
    skills: frozenset[str]
    claimed_specification: uuid.UUID | None  # the catalogue specification its achievement names, if any


def read_credential(document: Any, report: checks.Report, hidden: Iterable[str] = ()) -> Reading:
    """The credential (an Open Badge or an ELM credential) as recognition reads it, without the `hidden` facts."""
    hidden = set(hidden)
    facts = [(label, value) for label, value in checks.summary(report) if label not in hidden]
    first = {label: value for label, value in reversed(facts)}
    held = pathways.held(report.credential or document, report)
    # An ELM credential's credits are read from its facts: "2.5 European Credit Transfer System".
    credits = (
        held.credits if held.credits is not None else pathways.stated_credits(first.get("Credits", "").split(" ")[0])
    )
    level = held.level
    if level is None and (found := _EQF.search(first.get("Level", ""))):
        level = int(found.group(1) or found.group(2))
    try:
        awarded = date.fromisoformat(first["Awarded on"][:10]) if "Awarded on" in first else None
    except ValueError:
        awarded = None
    return Reading(
        title=(first.get("Title") or held.title)[:300],
        # "Names itself … (not confirmed)" when nothing ties the signer to the issuer it names
        issuer_name=(
            first.get("Awarded by") or first.get(checks.ISSUER_UNCONFIRMED) or str(report.issuer or "An unnamed issuer")
        )[:300],
        facts=facts,
        credits=credits,
        level=level,
        grade=first.get("Grade", "")[:100] or None,
        awarded=awarded,
        skills=frozenset() if "Learning outcome" in hidden else held.skills,
        claimed_specification=held.specification_id,
    )


# The seven e-VALUATE criteria --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    criterion: Criterion
    judgement: Judgement
    evidence: str


def suggest(
    reading: Reading, report: checks.Report, rules: Rules | None, hidden: Iterable[str] = ()
) -> list[Suggestion]:
    """Each e-VALUATE criterion judged from the credential and its verification report, with the evidence.

    "Not met" when the credential says something that fails the criterion, or leaves out what it should state
    (a level, learning outcomes, a workload); "cannot tell" when it is silent on a process nobody outside can
    see (how the learner was identified or assessed, quality assurance of an unregistered issuer).
    """
    by_check = {check.name: check for check in report.checks}
    facts: dict[str, list[str]] = {}
    for label, value in reading.facts:
        facts.setdefault(label, []).append(value)

    def fact(label: str) -> str:
        return facts.get(label, [""])[0]

    suggestions = [
        _quality(by_check.get("ACCREDITATION"), fact("Quality assurance")),
        _verification(report),
        _level(reading.level, fact("Level"), rules),
        _outcomes(facts.get("Learning outcome", []), reading.skills, rules, "Learning outcome" in set(hidden)),
        _workload(fact("Workload"), reading.credits),
        _assessment(fact("Assessment"), reading.grade is not None),
        _identification(fact("Supervision and identity verification")),
    ]
    if checks.signer_confirmed(report):
        return suggestions
    # what a credential says of itself is only a claim when nothing ties it to the issuer it names
    return [
        Suggestion(s.criterion, Judgement.PARTLY_MET, f"{s.evidence} But who issued it is not confirmed.")
        if s.judgement == Judgement.MET
        else s
        for s in suggestions
    ]


def _quality(accreditation: checks.Check | None, assurance: str) -> Suggestion:
    said = f" Quality assurance stated: {assurance}." if assurance else ""
    if accreditation is not None and accreditation.outcome == checks.Outcome.ERROR:
        return Suggestion(Criterion.QUALITY, Judgement.NOT_MET, accreditation.sentence + said)
    if accreditation is not None and accreditation.outcome == checks.Outcome.OK:
        if assurance:
            return Suggestion(Criterion.QUALITY, Judgement.MET, accreditation.sentence + said)
        return Suggestion(
            Criterion.QUALITY,
            Judgement.PARTLY_MET,
            accreditation.sentence + " The credential states no quality assurance of its own.",
        )
    unknown = "Its issuer is not in the registry of trusted issuers."
    if assurance:
        return Suggestion(Criterion.QUALITY, Judgement.PARTLY_MET, f"{said.strip()} {unknown} Nobody confirms it.")
    return Suggestion(
        Criterion.QUALITY, Judgement.CANNOT_TELL, f"The credential states no quality assurance. {unknown}"
    )


def _verification(report: checks.Report) -> Suggestion:
    errors = [check for check in report.checks if check.outcome == checks.Outcome.ERROR]
    if errors:
        return Suggestion(
            Criterion.VERIFICATION, Judgement.NOT_MET, " ".join(f"{c.name}: {c.sentence}" for c in errors)
        )
    proof = next((check for check in report.checks if check.name in ("PROOF", "SEAL")), None)
    shown = " ".join(c.sentence for c in report.checks if c.name in ("PROOF", "SEAL", "REVOCATION", "VALIDITY"))
    if proof is not None and proof.outcome == checks.Outcome.OK and report.valid:
        return Suggestion(Criterion.VERIFICATION, Judgement.MET, shown)
    return Suggestion(Criterion.VERIFICATION, Judgement.PARTLY_MET, shown or "The credential carries no proof or seal.")


def _level(level: int | None, stated: str, rules: Rules | None) -> Suggestion:
    if level is not None:
        if rules is not None and rules.min_level is not None and level < rules.min_level:
            return Suggestion(
                Criterion.LEVEL,
                Judgement.NOT_MET,
                f"EQF level {level}, below the programme's minimum (EQF {rules.min_level}).",
            )
        if rules is not None and rules.max_level is not None and level > rules.max_level:
            return Suggestion(
                Criterion.LEVEL,
                Judgement.NOT_MET,
                f"EQF level {level}, above the programme's maximum (EQF {rules.max_level}).",
            )
        return Suggestion(Criterion.LEVEL, Judgement.MET, f"Level stated: {stated or f'EQF level {level}'}.")
    if stated:
        return Suggestion(Criterion.LEVEL, Judgement.PARTLY_MET, f"A level without its EQF level: {stated}.")
    return Suggestion(
        Criterion.LEVEL, Judgement.NOT_MET, "The credential states no level in a qualifications framework."
    )


def _outcomes(outcomes: list[str], skills: frozenset[str], rules: Rules | None, hidden: bool) -> Suggestion:
    if hidden:
        return Suggestion(
            Criterion.LEARNING_OUTCOMES, Judgement.CANNOT_TELL, "The learner's share link hides the learning outcomes."
        )
    if not outcomes:
        return Suggestion(Criterion.LEARNING_OUTCOMES, Judgement.NOT_MET, "The credential lists no learning outcomes.")
    listed = f"{len(outcomes)} learning outcome{'s' if len(outcomes) != 1 else ''} listed"
    required = ""
    if rules is not None and rules.required_skills:
        covered = len(set(rules.required_skills) & skills)
        required = f" It covers {covered} of the programme's {len(rules.required_skills)} required skills."
    if skills:
        return Suggestion(
            Criterion.LEARNING_OUTCOMES,
            Judgement.MET,
            f"{listed}, linked to {len(skills)} ESCO skill{'s' if len(skills) != 1 else ''}.{required}",
        )
    return Suggestion(
        Criterion.LEARNING_OUTCOMES,
        Judgement.PARTLY_MET,
        f"{listed}, not linked to a skills framework such as ESCO.{required}",
    )


def _workload(stated: str, credits: Decimal | None) -> Suggestion:
    hours = "hour" in stated or bool(_ISO_HOURS.match(stated))
    credit_text = f"{decimal_text(credits)} credits" if credits is not None else ""
    if hours and credits is not None:
        return Suggestion(Criterion.WORKLOAD, Judgement.MET, f"Workload stated: {stated}; {credit_text}.")
    if hours:
        return Suggestion(Criterion.WORKLOAD, Judgement.PARTLY_MET, f"Hours stated ({stated}), but no credits.")
    if credits is not None:
        return Suggestion(Criterion.WORKLOAD, Judgement.PARTLY_MET, f"Credits stated ({credit_text}), but no hours.")
    return Suggestion(
        Criterion.WORKLOAD, Judgement.NOT_MET, "The credential states neither hours of study nor credits."
    )


def _assessment(stated: str, graded: bool) -> Suggestion:
    if not stated:
        return Suggestion(
            Criterion.ASSESSMENT, Judgement.CANNOT_TELL, "The credential does not say how learning was assessed."
        )
    if stated.startswith("No assessment"):
        return Suggestion(Criterion.ASSESSMENT, Judgement.NOT_MET, f"Assessment: {stated}.")
    if stated.startswith("Self-assessment"):
        return Suggestion(Criterion.ASSESSMENT, Judgement.PARTLY_MET, f"Assessment: {stated}: the learner's own only.")
    if "graded" in stated or graded:
        grade = " A grade is recorded." if graded else ""
        return Suggestion(Criterion.ASSESSMENT, Judgement.MET, f"Assessment: {stated}.{grade}")
    return Suggestion(Criterion.ASSESSMENT, Judgement.PARTLY_MET, f"Assessment: {stated}, with no grading scheme.")


def _identification(stated: str) -> Suggestion:
    if "with identity verification" in stated:
        return Suggestion(Criterion.IDENTIFICATION, Judgement.MET, f"{stated}.")
    if "no identity verification" in stated:
        return Suggestion(Criterion.IDENTIFICATION, Judgement.NOT_MET, f"{stated}.")
    if stated:
        return Suggestion(Criterion.IDENTIFICATION, Judgement.PARTLY_MET, f"{stated}.")
    return Suggestion(
        Criterion.IDENTIFICATION,
        Judgement.CANNOT_TELL,
        "The credential does not say how the learner's identity was checked at assessment.",
    )


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
    _route(db, actor, case, organisation, pathway, report, today or date.today())
    return case


def _awarded_here(db: Session, wallet_credential_id: uuid.UUID | None, report: checks.Report) -> uuid.UUID | None:
    """The specification of an award issued here and claimed into the wallet, when it verifies: a sealed ELM
    credential names no catalogue address, but its award row says what it is of."""
    issued = pathways.issued_here(db, wallet_credential_id) if report.valid else None
    return issued.specification_id if issued else None


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


# Automatic decisions ---------------------------------------------------------------------------------------------


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
    others = _others_decisions(db, case) if others is None else others
    return Allowance(cap, sum((d.credits or Decimal(0) for d in others), Decimal(0)))


def _others_decisions(db: Session, case: RecognitionCase) -> list[RecognitionDecision]:
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


def _route(
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
    others = _others_decisions(db, case)
    limit = allowance(db, case, others)
    assert limit is not None
    misses: list[str] = []
    if case.specification_id is not None:
        for agreement in agreements.covering(db, organisation, pathway.id, case.specification_id):
            why = agreements.unmet(agreement, grade=case.grade, awarded=case.awarded, today=today)
            if why is None:
                if _by_agreement(db, case, pathway, agreement, limit):
                    _audit_automatic(db, actor, organisation, case)
                    return
                why = f"the programme's cap of {decimal_text(limit.cap)} credits on recognition is used up"
            misses.append(f"the agreement “{agreement.title}” covers it, but {why}")
    elective = agreements.free_electives(db, pathway.id)
    if elective is not None:
        why_not = _as_free_elective(db, case, pathway, report, elective, limit, others)
        if why_not is None:
            _audit_automatic(db, actor, organisation, case)
            return
        misses.append(why_not)
    if not misses:
        misses.append("no agreement in force covers it and the programme has no free electives")
    case.route_note = f"Not decided automatically: {'; '.join(misses)}. An officer decides."


def _audit_automatic(db: Session, actor: Actor, organisation: Organisation, case: RecognitionCase) -> None:
    decision = decisions(db, case)[-1]
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
) -> bool:
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
            return False
        outcome, credits = DecisionOutcome.RECOGNISED_PARTLY, limit.remaining
        reasons += (
            f" {decimal_text(limit.remaining)} of its {decimal_text(case.credits)} credits are recognised: the "
            f"programme recognises at most {decimal_text(limit.cap)} credits per learner and "
            f"{decimal_text(limit.used)} are already recognised."
        )
    _record(db, None, case, outcome, credits, reasons, DecisionRoute.AGREEMENT, agreement.id)
    case.route_note = f"Decided automatically under the agreement “{agreement.title}”."
    return True


def _as_free_elective(
    db: Session,
    case: RecognitionCase,
    pathway: Pathway,
    report: checks.Report,
    elective: Decimal,
    limit: Allowance,
    others: list[RecognitionDecision],
) -> str | None:
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
    _record(db, None, case, DecisionOutcome.RECOGNISED_PARTLY, credits, reasons, DecisionRoute.FREE_ELECTIVE, None)
    case.route_note = "Decided automatically under the programme's free electives."
    return None


# Officers ---------------------------------------------------------------------------------------------------------


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


def can_appeal(case: RecognitionCase) -> bool:
    """Whether the learner may appeal now: a first decision stands (one after the appeal is FINAL)."""
    return case.state == RecognitionState.DECIDED


def appeal_of(db: Session, case: RecognitionCase) -> RecognitionAppeal | None:
    return db.scalar(select(RecognitionAppeal).where(RecognitionAppeal.case_id == case.id))


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
    decision = _record(db, actor, case, outcome, recognised, reasons, DecisionRoute.OFFICER, None)
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


def _record(
    db: Session,
    actor: Actor | None,
    case: RecognitionCase,
    outcome: DecisionOutcome,
    credits: Decimal | None,
    reasons: str,
    route: DecisionRoute,
    agreement_id: uuid.UUID | None,
) -> RecognitionDecision:
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


def appeal(db: Session, actor: Actor, learner: User, case_id: uuid.UUID, grounds: str) -> RecognitionAppeal:
    """The learner's one appeal of a decision, with their grounds: the case reopens for a final decision."""
    case = case_of_learner(db, learner, case_id)
    if case.state == RecognitionState.OPEN:
        raise Conflict("There is no decision to appeal yet.", code="nothing_to_appeal")
    if not can_appeal(case):
        raise Conflict(
            "You have already appealed this decision: a decision can be appealed once, and the one after the "
            "appeal is final.",
            code="already_appealed",
        )
    grounds = text(grounds, field="grounds", max_length=MAX_TEXT)
    if len(grounds) < MIN_REASONS:
        raise InvalidInput("Give the grounds of your appeal in a sentence.", code="grounds_required")
    row = RecognitionAppeal(case_id=case.id, grounds=grounds, appealed_by=learner.id)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        raise Conflict("You have already appealed this decision.", code="already_appealed") from None
    case.state, case.updated_at = RecognitionState.APPEALED, utcnow()
    organisation = db.get(Organisation, case.organisation_id)
    db.flush()
    audit.record(
        db,
        actor,
        "recognition.appealed",
        object_type="recognition_case",
        object_id=case.id,
        organisation=organisation,
        summary=f"Appeal of the decision on {case.title[:100]}",
    )
    return row


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
