"""The JSON shapes of the taxonomy API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ReleaseOut(BaseModel):
    version: str
    language: str
    imported_at: datetime
    counts: dict[str, int]


class SkillRef(BaseModel):
    uri: str
    id: str
    label: str
    skill_type: str
    reuse_level: str


class CareerRef(BaseModel):
    uri: str
    id: str
    label: str
    isco_group: str


class CareerFieldOut(BaseModel):
    slug: str
    name: str
    isco_groups: list[str]
    careers: int


class CareerFieldDetail(CareerFieldOut):
    career_list: list[CareerRef]


class CareerOut(BaseModel):
    uri: str
    id: str
    label: str
    alt_labels: list[str]
    description: str
    code: str
    isco_group: str
    isco_label: str | None
    regulated: bool
    field: CareerFieldOut
    essential_skills: list[SkillRef]
    optional_skills: list[SkillRef]


class SkillOut(BaseModel):
    uri: str
    id: str
    label: str
    alt_labels: list[str]
    description: str
    skill_type: str
    reuse_level: str
    status: str
    collections: list[str]
    essential_for: list[CareerRef]
    optional_for: list[CareerRef]


class SearchHit(BaseModel):
    uri: str
    id: str
    label: str
    score: float
    matched: str
