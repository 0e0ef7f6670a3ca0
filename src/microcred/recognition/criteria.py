"""What recognition reads of a credential, and the seven e-VALUATE criteria suggested from it.

A case keeps the credential's content as a person reads it (the facts a share link hides left out) and the
values decisions rest on: credits, level, grade, date of award, skills. Each criterion is suggested from that
reading and the verification report, with the evidence that led to the suggestion; the officer judges each
one (cases.assess).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from microcred.design.documents import decimal_text
from microcred.pathways import service as pathways
from microcred.pathways.rules import Rules
from microcred.recognition.models import Criterion, Judgement
from microcred.verify import checks

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
