"""Recognition: cases (e-VALUATE criteria, decisions, appeals), credit-exchange agreements and free electives,
and recognition of prior learning."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from microcred.store.base import Base, new_id, str_enum, utcnow
from microcred.verify.checks import Verdict


class RplState(StrEnum):
    """Where an RPL case stands: the four stages of the EU validation recommendation, in order, then the end."""

    IDENTIFICATION = "identification"
    DOCUMENTATION = "documentation"
    ASSESSMENT = "assessment"
    CERTIFICATION = "certification"
    CERTIFIED = "certified"  # the credential is issued
    CLOSED = "closed"  # withdrawn by the learner, or not passed

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RplResult(StrEnum):
    PASSED = "passed"
    NOT_PASSED = "not_passed"

    @property
    def label(self) -> str:
        return "Passed" if self is RplResult.PASSED else "Not passed"


class RplClosure(StrEnum):
    WITHDRAWN = "withdrawn"  # by the learner
    NOT_PASSED = "not_passed"  # by the owner, after an assessment that did not pass

    @property
    def label(self) -> str:
        return "Withdrawn by the learner" if self is RplClosure.WITHDRAWN else "Not passed"


RPL_OPEN = "state NOT IN ('certified', 'closed')"  # a case not yet finished (rpl.FINISHED), in SQL


class RplCase(Base):
    """A learner's non-formal and informal learning validated against one published edition of a specification
    of the organisation, stage by stage, with the date each stage began and ended."""

    __tablename__ = "rpl_cases"
    __table_args__ = (
        # One open case per learner and specification, even when two requests open it in the same instant.
        Index(
            "uq_rpl_cases_open",
            "learner_id",
            "specification_id",
            unique=True,
            sqlite_where=text(RPL_OPEN),
            postgresql_where=text(RPL_OPEN),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("specifications.id", ondelete="CASCADE"))
    edition_number: Mapped[int] = mapped_column(Integer)  # the edition assessed and certified, fixed at opening
    state: Mapped[RplState] = mapped_column(str_enum(RplState, "rpl_state", length=20))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Identification: the learner's skills profile and experiences as they were when the learner shared them.
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    profile_taken_at: Mapped[datetime | None]
    identification_started_at: Mapped[datetime | None]
    identification_ended_at: Mapped[datetime | None]
    documentation_started_at: Mapped[datetime | None]
    documentation_ended_at: Mapped[datetime | None]
    assessment_started_at: Mapped[datetime | None]
    assessment_ended_at: Mapped[datetime | None]
    certification_started_at: Mapped[datetime | None]
    certification_ended_at: Mapped[datetime | None]
    # Assessment: per learning outcome {demonstrated, method, comment}, in the edition's order.
    assessment: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    result: Mapped[RplResult | None] = mapped_column(str_enum(RplResult, "rpl_result", length=20))
    grade: Mapped[str | None] = mapped_column(String(100))
    assessment_comment: Mapped[str | None] = mapped_column(Text)
    assessed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime | None]
    # Certification: the credential issued through the issuing capability.
    credential_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("issued_credentials.id", ondelete="SET NULL"))
    closure: Mapped[RplClosure | None] = mapped_column(str_enum(RplClosure, "rpl_closure", length=20))
    closed_reason: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RplEvidence(Base):
    """A file the learner (or the case's owner) gave as evidence, checked by its content and kept in the database,
    linked to the learning outcomes it supports."""

    __tablename__ = "rpl_evidence"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rpl_cases.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))  # as found from the content, never as the client said
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when downloaded
    note: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[list[int]] = mapped_column(JSON)  # numbers (from 1) of the edition's learning outcomes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Recognition cases, credit-exchange agreements and free electives -------------------------------------------


class Criterion(StrEnum):
    """The seven e-VALUATE criteria (Nuffic's e-Valuate project) a recognition officer weighs."""

    QUALITY = "quality"
    VERIFICATION = "verification"
    LEVEL = "level"
    LEARNING_OUTCOMES = "learning_outcomes"
    WORKLOAD = "workload"
    ASSESSMENT = "assessment"
    IDENTIFICATION = "identification"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Judgement(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"
    CANNOT_TELL = "cannot_tell"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class CaseSource(StrEnum):
    WALLET = "wallet"  # the learner asked, from a credential in their wallet
    UPLOAD = "upload"  # an officer was given the document (a file or pasted JSON)
    SHARE_LINK = "share_link"  # an officer was given a share link of a wallet here


class RecognitionState(StrEnum):
    OPEN = "open"  # waiting for a decision
    DECIDED = "decided"  # the learner may appeal once
    APPEALED = "appealed"  # reopened by the appeal, waiting for the final decision
    FINAL = "final"  # decided after the appeal

    @property
    def label(self) -> str:
        return {
            "open": "Waiting for a decision",
            "decided": "Decided",
            "appealed": "Appealed: waiting for the final decision",
            "final": "Final decision",
        }[self.value]


class DecisionOutcome(StrEnum):
    RECOGNISED_FULLY = "recognised_fully"
    RECOGNISED_PARTLY = "recognised_partly"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class DecisionRoute(StrEnum):
    OFFICER = "officer"
    AGREEMENT = "agreement"  # automatic: a credit-exchange agreement in force covers the credential
    FREE_ELECTIVE = "free_elective"  # automatic: the programme's free-elective allowance


class AgreementState(StrEnum):
    PROPOSED = "proposed"  # waiting for every other party's acceptance
    IN_FORCE = "in_force"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {"proposed": "Proposed", "in_force": "In force", "ended": "Ended"}[self.value]


# A learner's own request, from their wallet, in SQL; and one that is stand-alone (towards no programme).
ASKED = "source = 'wallet'"
ASKED_ALONE = "source = 'wallet' AND pathway_id IS NULL"


class RecognitionCase(Base):
    """A request to recognise one credential in an organisation, towards one of its pathways (the programme)
    or stand-alone, with the credential as it was given and its verification report at opening."""

    __tablename__ = "recognition_cases"
    __table_args__ = (
        # A learner asks once per credential, organisation and programme, even when the same request comes twice
        # in the same instant. A stand-alone request has its own index: NULL programmes never collide.
        Index(
            "uq_recognition_cases_asked",
            "learner_id",
            "wallet_credential_id",
            "organisation_id",
            "pathway_id",
            unique=True,
            sqlite_where=text(ASKED),
            postgresql_where=text(ASKED),
        ),
        Index(
            "uq_recognition_cases_asked_alone",
            "learner_id",
            "wallet_credential_id",
            "organisation_id",
            unique=True,
            sqlite_where=text(ASKED_ALONE),
            postgresql_where=text(ASKED_ALONE),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    # No ondelete: a pathway that cases cite cannot be deleted (pathways.service.delete says so).
    pathway_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathways.id"), index=True)
    learner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    wallet_credential_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("wallet_credentials.id", ondelete="SET NULL")
    )
    source: Mapped[CaseSource] = mapped_column(str_enum(CaseSource, "case_source", length=20))
    # None when the learner's share link hid some facts: only what they let the officer see is kept.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    hidden: Mapped[list[str]] = mapped_column(JSON, default=list)
    facts: Mapped[list[list[str]]] = mapped_column(JSON)  # the credential's content, labelled, hidden facts left out
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    verified: Mapped[bool]
    title: Mapped[str] = mapped_column(String(300))
    issuer_name: Mapped[str] = mapped_column(String(300))
    # The catalogue specification the credential is of, when its issuer is that specification's organisation.
    specification_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    credits: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str | None] = mapped_column(String(100))
    awarded: Mapped[date | None]
    state: Mapped[RecognitionState] = mapped_column(str_enum(RecognitionState, "recognition_state", length=20))
    route_note: Mapped[str] = mapped_column(Text, default="")  # why it was, or was not, decided automatically
    opened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def verdict(self) -> Verdict:
        """The verdict stored with the report at opening (cases opened before verdicts kept only `verified`)."""
        stored = (self.report or {}).get("verdict")
        if stored in set(Verdict):
            return Verdict(stored)
        return Verdict.VALID if self.verified else Verdict.INVALID


class RecognitionCriterion(Base):
    """One e-VALUATE criterion of a case: the suggestion read from the credential with the evidence that led to
    it, and the officer's judgement with a comment."""

    __tablename__ = "recognition_criteria"
    __table_args__ = (UniqueConstraint("case_id", "criterion"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recognition_cases.id", ondelete="CASCADE"))
    criterion: Mapped[Criterion] = mapped_column(str_enum(Criterion, "criterion", length=30))
    suggestion: Mapped[Judgement] = mapped_column(str_enum(Judgement, "suggestion", length=20))
    evidence: Mapped[str] = mapped_column(Text)
    judgement: Mapped[Judgement] = mapped_column(str_enum(Judgement, "judgement", length=20))
    comment: Mapped[str] = mapped_column(Text, default="")
    edited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime | None]


class RecognitionDecision(Base):
    """A decision on a case, never without its reasons: the first one, and the final one after an appeal."""

    __tablename__ = "recognition_decisions"
    __table_args__ = (UniqueConstraint("case_id", "after_appeal"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recognition_cases.id", ondelete="CASCADE"))
    outcome: Mapped[DecisionOutcome] = mapped_column(str_enum(DecisionOutcome, "decision_outcome", length=20))
    credits: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    reasons: Mapped[str] = mapped_column(Text)
    route: Mapped[DecisionRoute] = mapped_column(str_enum(DecisionRoute, "decision_route", length=20))
    agreement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("credit_agreements.id", ondelete="SET NULL"))
    after_appeal: Mapped[bool] = mapped_column(default=False)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecognitionAppeal(Base):
    """The learner's one appeal of a decision (the database holds at most one per case)."""

    __tablename__ = "recognition_appeals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recognition_cases.id", ondelete="CASCADE"), unique=True)
    grounds: Mapped[str] = mapped_column(Text)
    appealed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appealed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditAgreement(Base):
    """Organisations agreeing that credentials of the listed specifications count for the listed programmes,
    under a minimum grade and a validity in years; in force once every party has accepted."""

    __tablename__ = "credit_agreements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    proposed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    min_grade: Mapped[str | None] = mapped_column(String(50))
    validity_years: Mapped[int] = mapped_column(Integer)
    state: Mapped[AgreementState] = mapped_column(str_enum(AgreementState, "agreement_state", length=20))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    in_force_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))


class AgreementParty(Base):
    __tablename__ = "credit_agreement_parties"

    agreement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_agreements.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AgreementSpecification(Base):
    __tablename__ = "credit_agreement_specifications"

    agreement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_agreements.id", ondelete="CASCADE"), primary_key=True
    )
    specification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("specifications.id", ondelete="CASCADE"), primary_key=True
    )


class AgreementPathway(Base):
    __tablename__ = "credit_agreement_pathways"

    agreement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_agreements.id", ondelete="CASCADE"), primary_key=True
    )
    # No ondelete: a pathway an agreement names cannot be deleted (pathways.service.delete says so).
    pathway_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathways.id"), primary_key=True)


class FreeElectives(Base):
    """A programme's allowance of credits for any credential of a trusted, accredited issuer."""

    __tablename__ = "free_electives"

    pathway_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathways.id", ondelete="CASCADE"), primary_key=True)
    credits: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    set_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


# Quality data ---------------------------------------------------------------------------------------------
