"""Pathways an organisation defines towards a qualification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, utcnow


class Pathway(Base):
    """Which micro-credentials count towards a qualification, and on what terms (the rules, as validated by
    pathways.rules.Rules)."""

    __tablename__ = "pathways"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    qualification: Mapped[str] = mapped_column(String(300))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Recognition of prior learning (RPL) ----------------------------------------------------------------------
