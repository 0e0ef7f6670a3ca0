"""What a learner holds: their credentials, the links they share them by, who opened those links, and the key
they sign presentations with."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, utcnow


class WalletCredential(Base):
    __tablename__ = "wallet_credentials"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The award it was claimed from, if it was issued here (one wallet per award).
    issued_credential_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL"), unique=True
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    issuer_name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(10))  # claim, upload
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareLink(Base):
    __tablename__ = "share_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    wallet_credential_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("wallet_credentials.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hidden: Mapped[list[str]] = mapped_column(JSON, default=list)  # facts the viewer does not see
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ShareView(Base):
    __tablename__ = "share_views"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    share_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(300))


class HolderKey(Base):
    """A learner's Ed25519 key, made the first time they present a credential: it signs their presentations
    as its `did:key`. The private part is sealed under the master key like an organisation's signing keys,
    bound to this row's id, and is never shown, exported or logged."""

    __tablename__ = "holder_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    public_multibase: Mapped[str] = mapped_column(String(120), unique=True)
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # AES-256-GCM under the master key, bound to id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
