"""The registry of trusted issuers: who they are (a DID, a web address or an X.509 subject) and their
accreditations, each with its accrediting body, decision, dates and limits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, utcnow


class TrustedIssuer(Base):
    __tablename__ = "trusted_issuers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    identifier: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    accreditations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrustAnchor(Base):
    """A certificate seals or timestamps may chain to: from an imported trusted list (`trusted-list:<territory>`,
    replaced whole when that territory's list is imported again) or added by the operator (`operator`)."""

    __tablename__ = "trust_anchors"
    __table_args__ = (UniqueConstraint("source", "fingerprint", "service_type", name="uq_trust_anchors_entry"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the DER, lower-case hex
    subject: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(40), index=True)  # "operator" or "trusted-list:BE"
    service_type: Mapped[str] = mapped_column(String(100))  # CA/QC, CA/PKC, TSA/QTST, … ("CA" or "TSA" by hand)
    provider: Mapped[str] = mapped_column(String(300), default="")
    qualified: Mapped[bool] = mapped_column(default=False)  # the list says: qualified for electronic seals
    status: Mapped[str] = mapped_column(String(100))  # granted, withdrawn, … ("granted" by hand)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportedList(Base):
    """A trusted list imported after its signature was checked: the LOTL (territory EU) keeps the signer
    certificates it gives for each territory's list, which that list must then be signed with."""

    __tablename__ = "trusted_lists"

    territory: Mapped[str] = mapped_column(String(10), primary_key=True)
    sequence: Mapped[int]
    next_update: Mapped[datetime]
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    pointers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)  # territory → base64 DER signers
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
