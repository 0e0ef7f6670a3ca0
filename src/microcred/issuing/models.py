"""What issuing keeps: each organisation's signing keys, their private parts sealed under the master key."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, utcnow


class SigningKey(Base):
    """An Ed25519 or P-256 key of an organisation. Rotation retires it but keeps it: what it signed still verifies."""

    __tablename__ = "signing_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    algorithm: Mapped[str] = mapped_column(String(10))  # Ed25519, P-256
    public_multibase: Mapped[str] = mapped_column(String(120), unique=True)
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # AES-256-GCM under the master key, bound to id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
