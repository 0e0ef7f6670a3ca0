"""Micro-credential specifications, their published editions, and the framework profiles an organisation follows.

A specification holds a working draft (JSON of `SpecificationContent`). Publishing freezes the draft into
an edition: editions are never changed (the database refuses updates), the next change makes the next
edition with its list of changes since the last one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcred.store.base import Base, new_id, utcnow


class Specification(Base):
    __tablename__ = "specifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300), default="")  # the draft's title, for lists
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on publication, at most a year later; a review moves it on.
    review_due: Mapped[date | None] = mapped_column(index=True)
    reviewed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    editions: Mapped[list[Edition]] = relationship(
        back_populates="specification", order_by="Edition.number", cascade="all, delete-orphan"
    )


class Edition(Base):
    __tablename__ = "specification_editions"
    __table_args__ = (UniqueConstraint("specification_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("specifications.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[list[str]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_due: Mapped[date]

    specification: Mapped[Specification] = relationship(back_populates="editions")


class DesignProfile(Base):
    """A framework profile (CMF, NZ…) an organisation switched on: its rules join every design report."""

    __tablename__ = "design_profiles"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    profile: Mapped[str] = mapped_column(String(20), primary_key=True)
