"""The JSON shapes of the skills API: experiences, profile, career matches, extraction."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from microcred.skills.models import ExperienceKind, SkillSource


class ExperienceIn(BaseModel):
    kind: ExperienceKind
    title: str = Field(min_length=1, max_length=200)
    organisation: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=10_000)
    started_on: date | None = None
    ended_on: date | None = None


class ExperienceSkillOut(BaseModel):
    uri: str
    label: str
    strength: int
    source: SkillSource
    confirmed: bool
    score: float | None


class ExperienceOut(BaseModel):
    id: uuid.UUID
    kind: ExperienceKind
    title: str
    organisation: str
    description: str
    started_on: date | None
    ended_on: date | None
    skills: list[ExperienceSkillOut]


class StrengthIn(BaseModel):
    strength: int = Field(description="1 (a little) to 5 (expert)")


class SkillChangeOut(BaseModel):
    """The experience page's answer, as JSON, to keeping, adding, re-rating, dismissing or removing one skill.

    Its script asks for it (`Accept: application/json`) to change the skill's row in place, with no reload.
    """

    uri: str
    id: str = Field(description="The skill's ESCO id: the row is `#skill-{id}`")
    label: str
    action: Literal["kept", "added", "saved", "dismissed", "removed"] = Field(
        description="kept: a suggestion confirmed; added: a skill found by name; saved: a kept skill's new strength; "
        "dismissed: a suggestion taken away; removed: a kept skill taken away"
    )
    strength: int | None = Field(description="1 to 5; null once the skill is off the experience")
    kept: int = Field(description="How many skills the experience holds as kept now")
    suggested: int = Field(description="How many suggestions are still waiting")
    message: str = Field(description="One sentence for the page to announce, e.g. 'Kept: Scala'")


class ProfileSkillOut(BaseModel):
    uri: str
    label: str
    strength: int
    experiences: list[str]
    kinds: list[str]


class SkillRefOut(BaseModel):
    uri: str
    label: str


class CareerMatchOut(BaseModel):
    uri: str
    id: str
    label: str
    isco_group: str
    score: float
    coverage: float
    enough: bool
    matched: list[SkillRefOut]
    missing_essential: list[SkillRefOut]


class MatchesOut(BaseModel):
    enough_skills: bool
    message: str
    profile_size: int
    needed: int
    careers: list[CareerMatchOut]


class ExtractIn(BaseModel):
    text: str = Field(min_length=1, max_length=100_000)
    top: int = Field(default=10, ge=1, le=200)


class ExtractedOut(BaseModel):
    uri: str
    label: str
    score: float
    evidence: str


class CohortIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class CohortOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    access_code: str
    open: bool
    learners: int


class CohortLearnerOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    status: str
    outcome: str
    experiences: int
    skills: int | None
    last_activity: str | None
    shares: dict[str, bool]


class DistributionOut(BaseModel):
    label: str
    uri: str
    users: int
