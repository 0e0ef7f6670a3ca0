"""From a goal career to the micro-credentials that would close the gap.

The learner's skills are those of their profile (confirmed skills of their experiences) and those their
valid wallet credentials certify (the ESCO skills of an Open Badge's learning outcomes and alignments, or of an
ELM credential's learning outcomes: for a sealed one, those of the payload its verification read). The
gap is the goal occupation's essential ESCO skills they lack. The stack is the smallest set of published
catalogue micro-credentials that covers the gap: least total workload (hours; credits at 27.5 hours each
when no hours are given), ties broken by how far each one's EQF level is from the level asked for. It is an
exact set cover, solved as a 0/1 integer programme (scipy's HiGHS): catalogues put few micro-credentials on
any one skill, so it takes milliseconds. Skills no published micro-credential teaches stay uncovered and are
named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation, User
from microcred.design.models import CatalogueEntry, CatalogueTerm, CatalogueValue
from microcred.errors import InvalidInput
from microcred.skills import service as skills
from microcred.skills.match import SkillRef
from microcred.taxonomy import service as taxonomy
from microcred.taxonomy.service import SKILL_PREFIX
from microcred.trust.jsonld import as_list
from microcred.verify import checks
from microcred.wallet.models import WalletCredential

HOURS_PER_CREDIT = 27.5  # ECTS: 25–30 hours
UNKNOWN_WORKLOAD = 10_000.0  # a micro-credential that gives no workload is chosen only when nothing else will do
MAX_CANDIDATES = 2_000


@dataclass(frozen=True)
class Step:
    """One micro-credential of the stack and the missing skills it adds."""

    specification_id: str
    title: str
    provider: str
    hours: float | None
    eqf_level: int | None
    adds: list[SkillRef]


@dataclass
class Gap:
    occupation: SkillRef
    essential: int  # how many essential skills the occupation has
    held: list[SkillRef]  # essential skills the learner already has
    missing: list[SkillRef]
    stack: list[Step] = field(default_factory=list)
    uncovered: list[SkillRef] = field(default_factory=list)  # missing skills no published micro-credential teaches

    @property
    def workload(self) -> float:
        return sum(step.hours or 0 for step in self.stack)


def achievement_of(document: Any) -> dict[str, Any]:
    """An Open Badge's achievement (its first subject's), or {} for anything else."""
    subject: Any = next(iter(as_list(document.get("credentialSubject"))), {}) if isinstance(document, dict) else {}
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def credential_skills(document: Any) -> set[str]:
    """The ESCO skills a credential certifies: an Open Badge's outcomes' skills and ESCO alignments (OB3, ours),
    an ELM credential's learning outcomes' related ESCO skills (the payload of a sealed one)."""
    achievement = achievement_of(document)
    found = [
        uri
        for outcome in as_list(achievement.get("learningOutcomes"))
        if isinstance(outcome, dict)
        for uri in as_list(outcome.get("skills"))
    ]
    found += [entry.get("targetUrl") for entry in as_list(achievement.get("alignment")) if isinstance(entry, dict)]
    found += [
        skill.get("id") if isinstance(skill, dict) else skill
        for outcome in _elm_outcomes(document)
        for skill in as_list(outcome.get("relatedESCOSkill"))
    ]
    return {uri for uri in found if isinstance(uri, str) and uri.startswith(SKILL_PREFIX)}


def _elm_claims(document: Any) -> list[dict[str, Any]]:
    """An ELM credential's claims (its first subject's LearningAchievements), or [] for anything else."""
    subject: Any = next(iter(as_list(document.get("credentialSubject"))), {}) if isinstance(document, dict) else {}
    claims = as_list(subject.get("hasClaim")) if isinstance(subject, dict) else []
    return [claim for claim in claims if isinstance(claim, dict)]


def elm_claim(document: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An ELM credential's first claim and the specification it is of (its `specifiedBy`, a Qualification, as
    design/elm.py writes it and issuing/documents.py puts it on the claim), each {} when there is none."""
    claim = next(iter(_elm_claims(document)), {})
    specified: Any = next(iter(as_list(claim.get("specifiedBy"))), {})
    return claim, specified if isinstance(specified, dict) else {}


def _elm_outcomes(document: Any) -> list[dict[str, Any]]:
    """The learning outcomes of an ELM credential's claims (what each claim's specification says it certifies)."""
    return [
        outcome
        for claim in _elm_claims(document)
        for specified in as_list(claim.get("specifiedBy"))
        if isinstance(specified, dict)
        for outcome in as_list(specified.get("learningOutcome"))
        if isinstance(outcome, dict)
    ]


def learner_skills(db: Session, user: User, verify: Callable[[Any], checks.Report]) -> set[str]:
    """The profile's confirmed skills and those of the wallet credentials that verify now, read from what the
    verification read (a sealed credential's payload, not the seal around it)."""
    held = {skill.uri for skill in skills.profile(db, user)}
    for document in db.scalars(select(WalletCredential.document).where(WalletCredential.user_id == user.id)):
        report = verify(document)
        if report.valid:
            held |= credential_skills(report.credential if report.credential is not None else document)
    return held


def gap_to_stack(db: Session, occupation: str, held: set[str], *, level: int | None = None) -> Gap:
    """The occupation's essential skills missing from `held`, and the stack of micro-credentials covering them."""
    if level is not None and not 1 <= level <= 8:
        raise InvalidInput("level must be an EQF level, 1 to 8.", code="invalid_level")
    career = taxonomy.career(db, occupation)  # NotFound names an unknown occupation
    essential = [SkillRef(s.uri, s.preferred_label) for s in career.essential]
    gap = Gap(
        occupation=SkillRef(career.occupation.uri, career.occupation.preferred_label),
        essential=len(essential),
        held=[s for s in essential if s.uri in held],
        missing=[s for s in essential if s.uri not in held],
    )
    if not gap.missing:
        return gap
    offers = _offers(db, {s.uri for s in gap.missing})
    coverable = {uri for _entry, covers, _provider in offers for uri in covers}
    gap.uncovered = [s for s in gap.missing if s.uri not in coverable]
    chosen = _cover(offers, sorted(coverable), level)
    labels = {s.uri: s for s in gap.missing}
    gap.stack = [
        Step(
            specification_id=str(entry.specification_id),
            title=entry.title,
            provider=provider,
            hours=float(entry.hours) if entry.hours is not None else None,
            eqf_level=entry.eqf_level,
            adds=[labels[uri] for uri in sorted(covers, key=lambda u: labels[u].label.lower())],
        )
        for entry, covers, provider in (offers[i] for i in chosen)
    ]
    return gap


def _offers(db: Session, missing: set[str]) -> list[tuple[CatalogueEntry, set[str], str]]:
    """Published micro-credentials teaching at least one missing skill, with the ones each teaches."""
    rows = db.execute(
        select(CatalogueEntry, CatalogueValue.value, Organisation.legal_name)
        .join(CatalogueTerm, CatalogueTerm.entry_id == CatalogueEntry.id)
        .join(CatalogueValue, CatalogueValue.id == CatalogueTerm.value_id)
        .join(Organisation, Organisation.id == CatalogueEntry.organisation_id)
        .where(CatalogueValue.facet == "skill", CatalogueValue.value.in_(sorted(missing)))
        .order_by(CatalogueEntry.id)
        .limit(MAX_CANDIDATES * 10)
    )
    offers: dict[int, tuple[CatalogueEntry, set[str], str]] = {}
    for entry, uri, provider in rows:
        offers.setdefault(entry.id, (entry, set(), provider))[1].add(uri)
    return list(offers.values())[:MAX_CANDIDATES]


def _workload(entry: CatalogueEntry) -> float:
    if entry.hours is not None:
        return float(entry.hours)
    if entry.credits is not None:
        return float(entry.credits) * HOURS_PER_CREDIT
    return UNKNOWN_WORKLOAD


def _distance(eqf: int | None, level: int | None) -> int:
    """How far a micro-credential's EQF level is from the one asked for (unknown counts as farthest)."""
    if level is None:
        return 0
    return 8 if eqf is None else abs(eqf - level)


def _cover(offers: list[tuple[CatalogueEntry, set[str], str]], skills: Iterable[str], level: int | None) -> list[int]:
    """Indexes of the offers whose union covers `skills` at the least workload (then the best level fit)."""
    wanted = list(skills)
    if not wanted:
        return []
    covers = np.array([[uri in offer[1] for offer in offers] for uri in wanted], dtype=float)
    workload = np.array([_workload(entry) for entry, _covers, _provider in offers])
    # Level fit only breaks ties: its weight is below the smallest difference in workload (a tenth of an hour).
    distance = np.array([_distance(entry.eqf_level, level) for entry, _covers, _provider in offers])
    cost = workload + distance * (0.1 / (8 * len(offers)))
    result = milp(
        c=cost,
        constraints=LinearConstraint(covers, lb=np.ones(len(wanted)), ub=np.full(len(wanted), np.inf)),
        integrality=np.ones(len(offers)),
        bounds=Bounds(0, 1),
    )
    if result.x is None:  # cannot happen: every wanted skill has an offer
        raise InvalidInput("No stack covers these skills.", code="no_cover")
    return [i for i, x in enumerate(result.x) if x > 0.5]
