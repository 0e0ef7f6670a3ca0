"""The taxonomy's use cases: import ESCO, browse career fields, careers and skills."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.errors import NotFound
from microcred.taxonomy.importer import EscoImportError, ImportReport, current_release, read_export, write_export
from microcred.taxonomy.models import (
    EscoCollectionMember,
    EscoIscoGroup,
    EscoOccupation,
    EscoOccupationSkill,
    EscoRelease,
    EscoSkill,
)

OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
SKILL_PREFIX = "http://data.europa.eu/esco/skill/"


def import_esco(
    db: Session, path: Path, *, version: str | None = None, language: str = "en", strict: bool = False
) -> ImportReport:
    """Read the export at `path`, check it whole, then bring the taxonomy in line with it (caller commits)."""
    export = read_export(path, version=version, language=language)
    if strict and export.skipped:
        raise EscoImportError(
            f"{len(export.skipped)} relations point at concepts the export lacks, first: {export.skipped[0]}."
        )
    return write_export(db, export)


def release(db: Session) -> EscoRelease | None:
    return current_release(db)


# Career fields -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CareerField:
    """A handful of fields people recognise, each a set of ISCO-08 sub-major groups (two digits)."""

    slug: str
    name: str
    isco_prefixes: tuple[str, ...]


CAREER_FIELDS: tuple[CareerField, ...] = (
    CareerField("software-ict", "Software & ICT", ("25", "35")),
    CareerField("teaching-education", "Teaching & Education", ("23",)),
    CareerField("health-care", "Health & Care", ("22", "32", "53")),
    CareerField("science-engineering", "Science & Engineering", ("21", "31")),
    CareerField("business-finance", "Business, Finance & Administration", ("24", "33", "41", "42", "43", "44")),
    CareerField("management", "Management & Leadership", ("11", "12", "13", "14")),
    CareerField("law-society-culture", "Law, Society, Culture & Media", ("26", "34")),
    CareerField("hospitality-retail", "Hospitality, Retail & Personal Services", ("51", "52", "54", "91", "94")),
    CareerField("agriculture-environment", "Agriculture, Forestry & Fishing", ("61", "62", "63", "92")),
    CareerField("construction-trades", "Construction & Skilled Trades", ("71", "72", "73", "74", "75")),
    CareerField(
        "manufacturing-transport", "Manufacturing, Transport & Logistics", ("81", "82", "83", "93", "95", "96")
    ),
    CareerField("armed-forces", "Armed Forces", ("01", "02", "03")),
)


def career_field_of(isco_group: str) -> CareerField:
    for career_field in CAREER_FIELDS:
        if isco_group[:2] in career_field.isco_prefixes:
            return career_field
    raise NotFound(f"No career field covers ISCO group {isco_group}.", code="career_field_not_found")


def career_field(slug: str) -> CareerField:
    for candidate in CAREER_FIELDS:
        if candidate.slug == slug:
            return candidate
    raise NotFound(f"There is no career field '{slug}'.", code="career_field_not_found")


def career_field_sizes(db: Session) -> dict[str, int]:
    """How many careers each field holds, in one query."""
    prefix = func.substr(EscoOccupation.isco_group, 1, 2)
    rows = db.execute(select(prefix, func.count()).where(EscoOccupation.status != "obsolete").group_by(prefix))
    counts = {code: count for code, count in rows}
    return {f.slug: sum(counts.get(p, 0) for p in f.isco_prefixes) for f in CAREER_FIELDS}


def careers_in_field(db: Session, slug: str) -> list[EscoOccupation]:
    chosen = career_field(slug)
    prefix = func.substr(EscoOccupation.isco_group, 1, 2)
    return list(
        db.scalars(
            select(EscoOccupation)
            .where(prefix.in_(chosen.isco_prefixes), EscoOccupation.status != "obsolete")
            .order_by(EscoOccupation.preferred_label)
        )
    )


# Careers and skills ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Career:
    occupation: EscoOccupation
    isco: EscoIscoGroup | None
    field: CareerField
    essential: list[EscoSkill]
    optional: list[EscoSkill]


@dataclass(frozen=True)
class SkillDetail:
    skill: EscoSkill
    essential_for: list[EscoOccupation]
    optional_for: list[EscoOccupation]
    collections: list[str]


def occupation_uri(identifier: str) -> str:
    return identifier if identifier.startswith("http") else OCCUPATION_PREFIX + identifier


def skill_uri(identifier: str) -> str:
    return identifier if identifier.startswith("http") else SKILL_PREFIX + identifier


def career(db: Session, identifier: str) -> Career:
    """A career (ESCO occupation) with its ISCO group, field and essential and optional skills."""
    occupation = db.get(EscoOccupation, occupation_uri(identifier))
    if occupation is None:
        raise NotFound(f"There is no ESCO occupation {identifier}.", code="occupation_not_found")
    rows = db.execute(
        select(EscoSkill, EscoOccupationSkill.relation)
        .join(EscoOccupationSkill, EscoOccupationSkill.skill_uri == EscoSkill.uri)
        .where(EscoOccupationSkill.occupation_uri == occupation.uri)
        .order_by(EscoSkill.preferred_label)
    )
    essential: list[EscoSkill] = []
    optional: list[EscoSkill] = []
    for skill, relation in rows:
        (essential if relation == "essential" else optional).append(skill)
    isco = db.scalar(select(EscoIscoGroup).where(EscoIscoGroup.code == occupation.isco_group))
    return Career(occupation, isco, career_field_of(occupation.isco_group), essential, optional)


def skill_detail(db: Session, identifier: str) -> SkillDetail:
    """A skill with the careers that need it (essential) or value it (optional)."""
    skill = db.get(EscoSkill, skill_uri(identifier))
    if skill is None:
        raise NotFound(f"There is no ESCO skill {identifier}.", code="skill_not_found")
    rows = db.execute(
        select(EscoOccupation, EscoOccupationSkill.relation)
        .join(EscoOccupationSkill, EscoOccupationSkill.occupation_uri == EscoOccupation.uri)
        .where(EscoOccupationSkill.skill_uri == skill.uri)
        .order_by(EscoOccupation.preferred_label)
    )
    essential: list[EscoOccupation] = []
    optional: list[EscoOccupation] = []
    for occupation, relation in rows:
        (essential if relation == "essential" else optional).append(occupation)
    collections = list(db.scalars(select(EscoCollectionMember.collection).where(EscoCollectionMember.uri == skill.uri)))
    return SkillDetail(skill, essential, optional, sorted(collections))


def skill_labels(db: Session, uris: Iterable[str]) -> dict[str, str]:
    """URI -> preferred label of the given skills that exist, read 500 at a time (for pages and documents)."""
    wanted = list(dict.fromkeys(uris))
    labels: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        found = skills_by_uri(db, wanted[start : start + 500])
        labels.update({uri: skill.preferred_label for uri, skill in found.items()})
    return labels


def skills_by_uri(db: Session, uris: list[str]) -> dict[str, EscoSkill]:
    if not uris:
        return {}
    return {skill.uri: skill for skill in db.scalars(select(EscoSkill).where(EscoSkill.uri.in_(uris)))}
