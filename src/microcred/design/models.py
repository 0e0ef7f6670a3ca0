"""Micro-credential specifications, their published editions, and the framework profiles an organisation follows.

A specification holds a working draft (JSON of `SpecificationContent`). Publishing freezes the draft into
an edition: editions are never changed (the database refuses updates), the next change makes the next
edition with its list of changes since the last one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
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


class CatalogueEntry(Base):
    """The latest published edition of a specification that is not withdrawn, flattened for searching.

    Rows are only inserted and deleted, never updated: publishing a new edition replaces the row. The
    full-text index follows the rows by itself (an FTS5 table kept by triggers on SQLite, a generated
    `tsvector` column on PostgreSQL; see migration 0007), so neither appears in this model.
    """

    __tablename__ = "catalogue_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # the FTS5 rowid
    specification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("specifications.id", ondelete="CASCADE"), unique=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    edition_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # description, outcomes, skill labels, awarding bodies, provider
    eqf_level: Mapped[int | None] = mapped_column(Integer, index=True)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1), index=True)
    credits: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    credit_system: Mapped[str | None] = mapped_column(String(4))
    price: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    published_at: Mapped[datetime] = mapped_column(index=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # what a result card shows, so a page needs no joins
    # The ids of its CatalogueValues as little-endian int32: the in-memory arrays load from this in one read.
    value_ids: Mapped[bytes] = mapped_column(LargeBinary)


class CatalogueValue(Base):
    """A facet value (field 0613, language fr, an ESCO skill…) once, with the number the terms refer to."""

    __tablename__ = "catalogue_values"
    __table_args__ = (UniqueConstraint("facet", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facet: Mapped[str] = mapped_column(String(12))
    value: Mapped[str] = mapped_column(String(200))


class CatalogueTerm(Base):
    """That an entry has a facet value: what filters and facet counts read."""

    __tablename__ = "catalogue_terms"
    __table_args__ = (Index("ix_catalogue_terms_value_entry", "value_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("catalogue_entries.id", ondelete="CASCADE"), primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("catalogue_values.id", ondelete="CASCADE"), primary_key=True)


class CatalogueState(Base):
    """One row whose version changes (to a random number) with every change of catalogue_entries.

    Database triggers set it, so cascaded deletes and bulk loads count too; processes that keep the
    catalogue's arrays in memory compare it to know when to rebuild them (see catalogue_index).
    """

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
