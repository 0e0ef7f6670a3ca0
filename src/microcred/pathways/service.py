"""Pathways towards a qualification, and a learner's progress on one from the credentials in their wallet.

Progress shows what counts, what does not and why, and what is still missing; eligibility is only ever
shown: stacking never awards the qualification by itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.design.documents import as_list
from microcred.design.models import Specification
from microcred.errors import InvalidInput, NotFound
from microcred.inputs import single_line
from microcred.pathways.gap import achievement_of, credential_skills
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.taxonomy.models import EscoSkill
from microcred.verify import checks
from microcred.wallet.models import WalletCredential

SPECIFICATION_IN_ID = re.compile(r"/catalogue/([0-9a-fA-F-]{36})(?:/|$)")


def create(
    db: Session, actor: Actor, organisation: Organisation, *, title: str, qualification: str, rules: dict[str, Any]
) -> Pathway:
    """A pathway whose rules hold together, whose skills are ESCO's and whose specifications exist."""
    title = single_line(title, field="title", min_length=3, max_length=300, code="invalid_pathway")
    qualification = single_line(
        qualification, field="qualification", min_length=3, max_length=300, code="invalid_pathway"
    )
    try:
        checked = Rules.model_validate(rules)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "rules"
        raise InvalidInput(
            f"rules {where}: {first['msg'].removeprefix('Value error, ')}", code="invalid_pathway"
        ) from None
    known = set(db.scalars(select(EscoSkill.uri).where(EscoSkill.uri.in_(checked.required_skills))))
    unknown = [uri for uri in checked.required_skills if uri not in known]
    if unknown:
        raise InvalidInput(f"rules required_skills: {unknown[0][:100]} is not an ESCO skill.", code="unknown_skill")
    named = [*checked.approved, *checked.sequence]
    found = set(db.scalars(select(Specification.id).where(Specification.id.in_(named))))
    missing = [spec for spec in named if spec not in found]
    if missing:
        raise InvalidInput(f"rules: there is no specification {missing[0]}.", code="unknown_specification")
    pathway = Pathway(
        organisation_id=organisation.id, title=title, qualification=qualification, rules=checked.model_dump(mode="json")
    )
    db.add(pathway)
    db.flush()
    audit.record(
        db,
        actor,
        "pathway.created",
        object_type="pathway",
        object_id=pathway.id,
        organisation=organisation,
        summary=f"Pathway {title[:100]} towards {qualification[:100]}",
    )
    return pathway


def of_organisation(db: Session, organisation: Organisation) -> list[Pathway]:
    return list(db.scalars(select(Pathway).where(Pathway.organisation_id == organisation.id).order_by(Pathway.title)))


def get(db: Session, pathway_id: uuid.UUID) -> Pathway:
    found = db.get(Pathway, pathway_id)
    if found is None:
        raise NotFound("There is no such pathway.", code="pathway_not_found")
    return found


# What a learner holds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A wallet credential as a pathway sees it."""

    title: str
    valid: bool  # verifies now (not revoked, expired or changed)
    trusted: bool  # its issuer is registered or accredited (ACCREDITATION OK)
    awarded: date | None
    specification_id: uuid.UUID | None
    credits: Decimal | None
    level: int | None
    skills: frozenset[str]


def held(document: dict[str, Any], report: checks.Report) -> Held:
    achievement = achievement_of(document)
    found = SPECIFICATION_IN_ID.search(str(achievement.get("id") or ""))
    levels = [
        int(digits.group())
        for entry in as_list(achievement.get("alignment"))
        if isinstance(entry, dict) and entry.get("targetType") == "ext:EQF"
        for digits in [re.search(r"[1-8]", str(entry.get("targetCode") or entry.get("targetName") or ""))]
        if digits
    ]
    try:
        credits = Decimal(str(achievement["creditsAvailable"])) if "creditsAvailable" in achievement else None
    except (InvalidOperation, ValueError):
        credits = None
    try:
        awarded = date.fromisoformat(str(document.get("awardedDate") or document.get("validFrom") or "")[:10])
    except ValueError:
        awarded = None
    outcomes = {check.name: check.outcome for check in report.checks}
    return Held(
        title=str(achievement.get("name") or document.get("name") or "A credential")[:300],
        valid=report.valid,
        trusted=outcomes.get("ACCREDITATION") == checks.Outcome.OK,
        awarded=awarded,
        specification_id=uuid.UUID(found.group(1)) if found else None,
        credits=credits,
        level=levels[0] if levels else None,
        skills=frozenset(credential_skills(document)),
    )


def wallet_of(db: Session, user: User, verify: Callable[[dict[str, Any]], checks.Report]) -> list[Held]:
    rows = db.scalars(select(WalletCredential.document).where(WalletCredential.user_id == user.id))
    return [held(document, verify(document)) for document in rows]


# Progress ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    title: str
    credits: Decimal
    note: str = ""


@dataclass
class Progress:
    total_credits: Decimal
    credits: Decimal = Decimal(0)
    counted: list[Counted] = field(default_factory=list)
    not_counted: list[tuple[str, str]] = field(default_factory=list)  # (title, why)
    missing_skills: list[str] = field(default_factory=list)
    next_steps: list[uuid.UUID] = field(default_factory=list)  # fixed: the sequence's steps not yet done
    eligible: bool = False  # shown only: the qualification is awarded by people, never by stacking


def progress(rules: Rules, holdings: list[Held], *, today: date, enrolled_on: date | None = None) -> Progress:
    """What counts towards the pathway, what does not and why, and what is still missing."""
    result = Progress(total_credits=rules.total_credits)
    passing: list[Held] = []
    seen: set[uuid.UUID] = set()
    for item in sorted(holdings, key=lambda h: (h.awarded or date.max, h.title)):
        why = _why_not(rules, item, today)
        if why is None and item.specification_id is not None and item.specification_id in seen:
            why = "the same micro-credential already counts"
        if why:
            result.not_counted.append((item.title, why))
        else:
            passing.append(item)
            if item.specification_id is not None:
                seen.add(item.specification_id)
    if rules.kind == "fixed":
        passing = _in_order(rules, passing, result)
    prior = Decimal(0)
    for item in passing:
        credits, note = item.credits or Decimal(0), ""
        if enrolled_on and item.awarded and item.awarded < enrolled_on and rules.rpl_cap_credits is not None:
            room = max(rules.rpl_cap_credits - prior, Decimal(0))
            if credits > room:
                credits, note = room, f"prior learning: counted up to the cap of {rules.rpl_cap_credits} credits"
            prior += credits
        result.counted.append(Counted(item.title, credits, note))
        result.credits += credits
    covered = {uri for item in passing for uri in item.skills}
    result.missing_skills = [uri for uri in rules.required_skills if uri not in covered]
    result.eligible = result.credits >= rules.total_credits and not result.missing_skills and not result.next_steps
    return result


def _why_not(rules: Rules, item: Held, today: date) -> str | None:
    if not item.valid:
        return "it does not verify (revoked, suspended, expired or changed)"
    if rules.kind == "open" and not item.trusted:
        return "its issuer is not a registered, quality-assured provider"
    if rules.kind == "elective" and item.specification_id not in rules.approved:
        return "it is not one of the approved micro-credentials"
    if rules.kind == "fixed" and item.specification_id not in rules.sequence:
        return "it is not part of the sequence"
    if rules.min_level is not None or rules.max_level is not None:
        if item.level is None:
            return "it gives no EQF level"
        if rules.min_level is not None and item.level < rules.min_level:
            return f"its level (EQF {item.level}) is below the minimum (EQF {rules.min_level})"
        if rules.max_level is not None and item.level > rules.max_level:
            return f"its level (EQF {item.level}) is above the maximum (EQF {rules.max_level})"
    if rules.validity_years is not None and item.awarded is not None:
        oldest = today.replace(year=today.year - rules.validity_years)
        if item.awarded < oldest:
            return f"it was awarded on {item.awarded}, more than {rules.validity_years} years ago"
    if item.credits is None:
        return "it gives no credits"
    return None


def _in_order(rules: Rules, passing: list[Held], result: Progress) -> list[Held]:
    """A fixed sequence counts its steps in order: a step after one not yet done waits."""
    by_step = {item.specification_id: item for item in passing}
    kept = []
    for position, step in enumerate(rules.sequence):
        if step in by_step and not result.next_steps:
            kept.append(by_step[step])
        elif step in by_step:
            result.not_counted.append((by_step[step].title, f"it is step {position + 1}: an earlier step is not done"))
        else:
            result.next_steps.append(step)
    return kept
