"""Published quality data: enrolments, feedback and verification counts per micro-credential."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, str_enum, utcnow


class FeedbackKind(StrEnum):
    LEARNER = "learner"  # a holder of the micro-credential, from their wallet
    EMPLOYER = "employer"  # whoever a holder shared it with, from the share page


class Enrolment(Base):
    """How many enrolled in one run (a period) of an edition, as the provider records it."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("specification_id", "edition_number", "period"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("specifications.id", ondelete="CASCADE"))
    edition_number: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(100))
    enrolled: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """One learner's or one employer's view of a micro-credential: satisfaction 1-5 and an optional comment.
    A learner answers once per micro-credential (and may change it); employers once per credential a learner
    shared, however many links the learner made. Who answered, or about whose credential, is kept only to hold
    them to that, and is never published."""

    __tablename__ = "quality_feedback"
    __table_args__ = (
        UniqueConstraint("specification_id", "user_id"),
        UniqueConstraint("wallet_credential_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("specifications.id", ondelete="CASCADE"))
    kind: Mapped[FeedbackKind] = mapped_column(str_enum(FeedbackKind, "feedback_kind", length=20))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # An employer's answer: the credential shared with them.
    wallet_credential_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("wallet_credentials.id", ondelete="SET NULL")
    )
    satisfaction: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationEvent(Base):
    """A credential issued here that verified, by one verifier on one day through one channel: counted once."""

    __tablename__ = "verification_events"
    __table_args__ = (UniqueConstraint("issued_credential_id", "day", "channel", "verifier"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    issued_credential_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    channel: Mapped[str] = mapped_column(String(20))  # page, upload, api, presentation
    verifier: Mapped[str] = mapped_column(String(32))  # a keyed hash of the verifier's address and the day
