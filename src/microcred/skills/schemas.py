"""The JSON shapes of the skills API: experiences, profile, career matches, extraction."""

from __future__ import annotations

import uuid
from datetime import date

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
