"""Identification, the first stage of an RPL case: the learner's skills profile, as shared with the case (or,
before a case is opened, as it is now), matched against the learning outcomes of the edition and their ESCO
skills. What it shows is a guide for the learner and the assessor, never a judgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from microcred.accounts.models import User
from microcred.design.schemas import SpecificationContent
from microcred.recognition import rpl
from microcred.recognition.models import RplCase
from microcred.taxonomy import service as taxonomy

# How much of an outcome's ESCO skills the profile holds ("unlinked": the outcome names none).
Coverage = Literal["unlinked", "covered", "partly", "not_covered"]


@dataclass(frozen=True)
class OutcomeMatch:
    """One learning outcome of the edition, and what of the learner's profile points to it."""

    number: int  # from 1, as evidence and the assessment refer to it
    text: str
    skills: list[tuple[str, str]]  # the outcome's ESCO skills (uri, label)
    matched: list[dict[str, Any]]  # the profile's skills among them, with strength and experiences

    @property
    def status(self) -> Coverage:
        if not self.skills:
            return "unlinked"
        if len(self.matched) == len(self.skills):
            return "covered"
        return "partly" if self.matched else "not_covered"

    @property
    def status_label(self) -> str:
        return {
            "unlinked": "No ESCO skill linked: judged from the evidence",
            "covered": "The profile seems to cover it",
            "partly": "The profile covers part of it",
            "not_covered": "Not in the profile",
        }[self.status]


@dataclass(frozen=True)
class Identification:
    """A case's first stage: whether (and when) the learner shared their profile, each outcome matched against
    it, and the experiences shared."""

    shared: bool
    taken_at: datetime | None
    outcomes: list[OutcomeMatch]
    experiences: list[dict[str, Any]]

    @property
    def covered(self) -> list[int]:
        return [o.number for o in self.outcomes if o.status == "covered"]


def identification(db: Session, case: RplCase, content: SpecificationContent | None = None) -> Identification:
    """The snapshot of the learner's profile matched against the edition's outcomes and their ESCO skills
    (`content`: the edition's, when the caller has read it)."""
    if content is None:
        _spec, content = rpl.edition_of(db, case)
    profile = case.profile or {}
    held = {entry["uri"]: entry for entry in profile.get("skills", [])}
    return Identification(
        case.profile is not None, case.profile_taken_at, _matches(db, content, held), profile.get("experiences", [])
    )


def preview(db: Session, learner: User, content: SpecificationContent) -> list[OutcomeMatch]:
    """What the learner's profile, as it is now, would cover of a micro-credential's outcomes (before opening)."""
    return _matches(db, content, {entry["uri"]: entry for entry in rpl.profile_skills(db, learner)})


def _matches(db: Session, content: SpecificationContent, held: dict[str, dict[str, Any]]) -> list[OutcomeMatch]:
    labels = taxonomy.skill_labels(db, content.skill_uris())
    return [
        OutcomeMatch(
            number=number,
            text=outcome.text,
            skills=[(uri, labels.get(uri, uri)) for uri in outcome.skills],
            matched=[held[uri] for uri in outcome.skills if uri in held],
        )
        for number, outcome in enumerate(content.learning_outcomes, start=1)
    ]
