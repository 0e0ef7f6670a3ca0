"""The ESCO classification as imported from its official CSV export: skills, occupations, groups, relations.

Concepts are keyed by their ESCO URI, the identifier every other stage stores. A concept that a newer
release drops is kept with status "obsolete", so profiles and credentials that cite it stay readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, utcnow

URI = String(255)


class EscoRelease(Base):
    """One import of an ESCO export; the newest row is the taxonomy in use."""

    __tablename__ = "esco_releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(500))
    # SHA-256 over the parsed content, so re-importing the same export is recognised and changes nothing.
    checksum: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EscoSkill(Base):
    __tablename__ = "esco_skills"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    preferred_label: Mapped[str] = mapped_column(String(500), index=True)
    alt_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    hidden_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    skill_type: Mapped[str] = mapped_column(String(30))  # "skill/competence", "knowledge" or ""
    reuse_level: Mapped[str] = mapped_column(String(30))  # transversal, cross-sector, sector-, occupation-specific
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # "released" as ESCO says, or "obsolete" once dropped


class EscoSkillGroup(Base):
    __tablename__ = "esco_skill_groups"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    preferred_label: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))


class EscoSkillBroader(Base):
    """The skills pillar's hierarchy: a skill or skill group and the group or skill directly above it."""

    __tablename__ = "esco_skill_broader"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    broader_uri: Mapped[str] = mapped_column(URI, primary_key=True, index=True)


class EscoIscoGroup(Base):
    __tablename__ = "esco_isco_groups"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    preferred_label: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))


class EscoOccupation(Base):
    __tablename__ = "esco_occupations"

    uri: Mapped[str] = mapped_column(URI, primary_key=True)
    code: Mapped[str] = mapped_column(String(30))  # ESCO's own code, e.g. 2654.1.7
    isco_group: Mapped[str] = mapped_column(String(10), index=True)  # the four-digit ISCO-08 unit group
    preferred_label: Mapped[str] = mapped_column(String(500), index=True)
    alt_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    hidden_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    regulated: Mapped[bool] = mapped_column(default=False)
    regulated_note: Mapped[str] = mapped_column(Text, default="")
    broader_uri: Mapped[str | None] = mapped_column(URI)  # an ISCO group or a broader occupation
    status: Mapped[str] = mapped_column(String(20))


class EscoOccupationSkill(Base):
    __tablename__ = "esco_occupation_skills"
    __table_args__ = (Index("ix_esco_occupation_skills_skill", "skill_uri"),)

    occupation_uri: Mapped[str] = mapped_column(
        URI, ForeignKey("esco_occupations.uri", ondelete="CASCADE"), primary_key=True
    )
    skill_uri: Mapped[str] = mapped_column(URI, ForeignKey("esco_skills.uri", ondelete="CASCADE"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(10))  # "essential" or "optional"


class EscoSkillRelation(Base):
    __tablename__ = "esco_skill_relations"

    skill_uri: Mapped[str] = mapped_column(URI, ForeignKey("esco_skills.uri", ondelete="CASCADE"), primary_key=True)
    related_uri: Mapped[str] = mapped_column(URI, ForeignKey("esco_skills.uri", ondelete="CASCADE"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(10))


class EscoCollectionMember(Base):
    """Membership of ESCO's collections: digital, digcomp, green, language, transversal, research."""

    __tablename__ = "esco_collection_members"

    collection: Mapped[str] = mapped_column(String(40), primary_key=True)
    uri: Mapped[str] = mapped_column(URI, primary_key=True, index=True)
