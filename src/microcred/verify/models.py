"""The registry of trusted issuers: who they are (a DID, a web address or an X.509 subject) and their
accreditations, each with its accrediting body, decision, dates and limits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, utcnow


class TrustedIssuer(Base):
    __tablename__ = "trusted_issuers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    identifier: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    accreditations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
