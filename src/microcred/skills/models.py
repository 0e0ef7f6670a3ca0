"""A learner's skills profile: experiences, and the ESCO skills each one used, with a strength of 1 to 5."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcred.accounts.models import User
from microcred.store.base import Base, new_id, str_enum, utcnow


class ExperienceKind(StrEnum):
    JOB = "job"
    EDUCATION = "education"
    VOLUNTEERING = "volunteering"
    LIFE = "life"

    @property
    def label(self) -> str:
        return {"job": "Job", "education": "Education", "volunteering": "Volunteering", "life": "Life experience"}[
            self.value
        ]


class SkillSource(StrEnum):
    """Where a skill on an experience came from: the learner, or one of our suggestions."""

    CHOSEN = "chosen"
    FROM_TEXT = "from_text"  # extracted from the experience's description
    FROM_OCCUPATIONS = "from_occupations"  # goes together with the learner's skills in ESCO occupations


class Experience(Base):
    __tablename__ = "experiences"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ExperienceKind] = mapped_column(str_enum(ExperienceKind, "experience_kind", length=30))
    title: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    skills: Mapped[list[ExperienceSkill]] = relationship(
        back_populates="experience", cascade="all, delete-orphan", order_by="ExperienceSkill.position"
    )


class ExperienceSkill(Base):
    """One skill on one experience. Suggestions wait unconfirmed until the learner keeps or removes them."""

    __tablename__ = "experience_skills"
    __table_args__ = (CheckConstraint("strength BETWEEN 1 AND 5", name="strength_1_to_5"),)

    experience_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experiences.id", ondelete="CASCADE"), primary_key=True)
    skill_uri: Mapped[str] = mapped_column(String(255), ForeignKey("esco_skills.uri"), primary_key=True, index=True)
    strength: Mapped[int] = mapped_column(Integer, default=3)
    source: Mapped[SkillSource] = mapped_column(str_enum(SkillSource, "skill_source", length=30))
    confirmed: Mapped[bool] = mapped_column(default=False)
    # Suggestions keep their rank; chosen skills go after them in the order they were added.
    position: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None]

    experience: Mapped[Experience] = relationship(back_populates="skills")


class CohortStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return "In progress" if self is CohortStatus.IN_PROGRESS else "Completed"


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    access_code: Mapped[str] = mapped_column(String(16), unique=True)
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort", cascade="all, delete-orphan")


class CohortMember(Base):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=CohortStatus.IN_PROGRESS.value)
    outcome: Mapped[str] = mapped_column(String(500), default="")
    share_skills: Mapped[bool] = mapped_column(default=True)
    share_experiences: Mapped[bool] = mapped_column(default=False)
    share_careers: Mapped[bool] = mapped_column(default=True)
    completed_at: Mapped[datetime | None]
    position: Mapped[int] = mapped_column(Integer, default=0)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
