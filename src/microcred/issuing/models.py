"""What issuing keeps: each organisation's signing keys, their private parts sealed under the master key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, utcnow

MAX_ID = 300  # the longest credential id or alias kept


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


class SealCertificate(Base):
    """An organisation's X.509 seal certificate (imported from PKCS#12) for sealing ELM credentials with JAdES.

    The private key is sealed under the master key like the signing keys; importing a new certificate
    retires the previous one, which stays for the record.
    """

    __tablename__ = "seal_certificates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    serial: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(10))  # RS256, PS256, ES256
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    chain: Mapped[list[str]] = mapped_column(JSON)  # base64 DER, the seal certificate first
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class StatusList(Base):
    """One Bitstring Status List of an organisation, for one purpose (revocation or suspension)."""

    __tablename__ = "status_lists"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))
    size: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The signed list credential as last served; cleared by any change, signed again on the next request.
    signed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The did:key identity (issuing.identities) whose credentials the list holds, which issues and signs it: a
    # verifier takes a list issued by someone else than the credential's issuer for none. None: the did:web.
    issuer_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("issuer_keys.id", ondelete="CASCADE"), index=True
    )


class StatusEntry(Base):
    """A credential's place in a status list: the place is the key (no second id to generate and index)."""

    __tablename__ = "status_entries"

    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("status_lists.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    credential_id: Mapped[str] = mapped_column(String(300), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedCredential(Base):
    """A micro-credential issued from a published edition to a learner: the signed document as sent.

    A run names each row with an idempotency key: issuing the same key again in the organisation issues
    nothing, so a batch re-run after a crash picks up where it stopped.
    """

    __tablename__ = "issued_credentials"
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)  # the credential's urn:uuid
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("specifications.id", ondelete="CASCADE"), index=True)
    edition_number: Mapped[int] = mapped_column(Integer)
    learner_name: Mapped[str] = mapped_column(String(200))
    learner_email: Mapped[str | None] = mapped_column(String(320), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The same award as a European Digital Credential (ELM) sealed with JAdES, when the organisation has a
    # seal certificate.
    elm_document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The learner's claim link: only its hash is kept; a new link replaces the old one.
    claim_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    claim_expires_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuanceRun(Base):
    """A batch issued in the background from a page or the API: its checked rows, progress and outcomes."""

    __tablename__ = "issuance_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("specifications.id", ondelete="CASCADE"))
    edition_number: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, finished, stopped
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    outcomes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)  # last sign of life: a run silent too long died
    finished_at: Mapped[datetime | None]


class IssuerKey(Base):
    """A did:key identity of an organisation: the key pair, its private part sealed under the master key."""

    __tablename__ = "issuer_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    algorithm: Mapped[str] = mapped_column(String(10))  # Ed25519, P-256, P-384
    public_multibase: Mapped[str] = mapped_column(String(120), unique=True)
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    @property
    def did(self) -> str:
        return f"did:key:{self.public_multibase}"


class IssuerInstance(Base):
    """A VC-API issuer instance: the organisation, the identity it signs as (none: the did:web) and its suite."""

    __tablename__ = "issuer_instances"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # z + base58 of 16 random bytes
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    issuer_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("issuer_keys.id", ondelete="CASCADE"))
    cryptosuite: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    # Whether what it issues gets revocation and suspension entries ("whether or not a status list is involved"
    # is the instance's to know, VCALM says); an instance without them issues credentials that cannot be revoked.
    with_status: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredCredential(Base):
    """A credential the VC-API issued, as it was returned, under its id and the caller's credentialId."""

    __tablename__ = "vcapi_credentials"
    __table_args__ = (UniqueConstraint("organisation_id", "credential_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(MAX_ID))  # the credential's id
    alias: Mapped[str | None] = mapped_column(String(MAX_ID), index=True)  # VCALM options.credentialId
    issuer: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class Exchange(Base):
    """One exchange of a workflow: what it will issue or asks for, its challenge, and what came of it."""

    __tablename__ = "vcapi_exchanges"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the exchange id
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    workflow: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending, active, complete, invalid
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    challenge: Mapped[str] = mapped_column(String(64))
    variables: Mapped[dict[str, Any]] = mapped_column(JSON)
    holder: Mapped[str | None] = mapped_column(String(300))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
