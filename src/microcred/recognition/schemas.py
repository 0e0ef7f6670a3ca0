"""The JSON shapes of the recognition API: recognition cases (the officer's view and the learner's), their
criteria, decisions and appeal; credit-exchange agreements and a programme's free electives; and recognition
of prior learning (RPL) cases with their stages, identification, evidence and assessment."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from microcred.recognition import agreements, cases, rpl_certification
from microcred.recognition.models import (
    AgreementState,
    CaseSource,
    Criterion,
    DecisionOutcome,
    DecisionRoute,
    Judgement,
    RecognitionState,
    RplClosure,
    RplResult,
    RplState,
)
from microcred.recognition.rpl_identification import Coverage
from microcred.verify.checks import Verdict


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# A moment as ISO 8601 with its offset written out (2026-05-04T09:30:00+00:00), as these answers always gave it.
Moment = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Credits = Annotated[str, Field(description="A decimal number of credits, as text (e.g. '2.5')")]


# Recognition cases: what is sent ----------------------------------------------------------------------------


class CaseIn(BaseModel):
    credential: dict[str, Any] | None = Field(default=None, description="The credential document, as JSON")
    share_link: str | None = Field(default=None, max_length=500, description="A share link of a wallet here")
    pathway_id: uuid.UUID | None = Field(default=None, description="The programme; none for a stand-alone request")


class AskIn(BaseModel):
    wallet_id: uuid.UUID = Field(description="The credential in my wallet")
    organisation: str = Field(max_length=64, description="The recognising organisation's slug")
    pathway_id: uuid.UUID | None = Field(default=None, description="One of its pathways; none for stand-alone")


class CriterionIn(BaseModel):
    judgement: Judgement
    comment: str = Field(default="", max_length=cases.MAX_TEXT)


class DecisionIn(BaseModel):
    outcome: DecisionOutcome
    reasons: str = Field(default="", max_length=cases.MAX_TEXT)
    credits: Decimal | None = Field(default=None, description="For recognised_partly: the credits recognised")


class AppealIn(BaseModel):
    grounds: str = Field(default="", max_length=cases.MAX_TEXT)


# Recognition cases: what is answered ------------------------------------------------------------------------


class CaseOrganisationOut(BaseModel):
    """The recognising organisation."""

    slug: str
    name: str = Field(description="Its legal name")


class CasePathwayOut(BaseModel):
    """The programme the recognition counts towards."""

    id: uuid.UUID
    title: str


class DecisionOut(BaseModel):
    """A decision on the case, with its reasons: the first, or the final one after the appeal."""

    outcome: DecisionOutcome
    credits: Credits | None = Field(description="The credits recognised; none for a refusal")
    reasons: str
    route: DecisionRoute = Field(description="An officer's, or automatic under an agreement or the free electives")
    agreement_id: uuid.UUID | None = Field(description="The agreement an automatic decision cites")
    after_appeal: bool
    decided_at: Moment


class AppealOut(BaseModel):
    """The learner's appeal, with their grounds."""

    grounds: str
    appealed_at: Moment


class CaseLearnerOut(BaseModel):
    """The learner who asked from their wallet."""

    name: str
    email: str


class FactOut(BaseModel):
    """One labelled fact of the credential as a person reads it."""

    label: str
    value: str


class CriterionOut(BaseModel):
    """One of the seven e-VALUATE criteria: the suggestion with its evidence, and the officer's judgement."""

    criterion: Criterion
    label: str
    suggestion: Judgement
    evidence: str
    judgement: Judgement
    comment: str
    edited_at: Moment | None = Field(description="When an officer last judged it; none while the suggestion stands")


class AllowanceOut(BaseModel):
    """The programme's cap on credits recognised for this learner, and what is used and left of it."""

    cap: Credits
    used: Credits
    remaining: Credits


class CaseCommonOut(BaseModel):
    """What the officer and the learner both see of a recognition case."""

    id: uuid.UUID
    organisation: CaseOrganisationOut | None
    pathway: CasePathwayOut | None = Field(description="None for a stand-alone request")
    state: RecognitionState
    verified: bool = Field(description="Whether the credential verified at opening")
    verdict: Verdict
    flag: str | None = Field(description="Why the case is never decided automatically, when it did not verify")
    title: str
    issuer: str
    credits: Credits | None = Field(description="The credential's own credits")
    opened_at: Moment
    route_note: str = Field(description="Why it was, or was not, decided automatically")
    decisions: list[DecisionOut]
    appeal: AppealOut | None


class MyRecognitionCaseOut(CaseCommonOut):
    """A recognition request as the learner sees it: the request, its decisions and appeal."""

    can_appeal: bool


class RecognitionCaseOut(CaseCommonOut):
    """A recognition case as the officer sees it: the credential read, its verification report, the criteria,
    the decisions and appeal, and the programme's allowance."""

    source: CaseSource
    learner: CaseLearnerOut | None = Field(description="Only for a request from the learner's wallet")
    hidden: list[str] = Field(description="The labels of the facts the learner's share link hides")
    facts: list[FactOut]
    grade: str | None
    awarded: date | None
    specification_id: uuid.UUID | None = Field(description="The catalogue specification the credential is of")
    report: dict[str, Any] = Field(description="The verification report kept from the opening")
    criteria: list[CriterionOut]
    allowance: AllowanceOut | None = Field(description="None for a stand-alone request")


# Agreements and free electives ------------------------------------------------------------------------------


class AgreementIn(BaseModel):
    title: str = Field(max_length=300)
    parties: list[str] = Field(description="Slugs of the other organisations", max_length=agreements.MAX_PARTIES)
    specifications: list[uuid.UUID] = Field(max_length=agreements.MAX_LISTED)
    pathways: list[uuid.UUID] = Field(description="The programmes they count for", max_length=agreements.MAX_LISTED)
    min_grade: str | None = Field(default=None, max_length=50, description=agreements.UNDERSTOOD)
    validity_years: int = Field(description="How many years after its award a credential still counts")


class FreeElectivesIn(BaseModel):
    credits: Decimal = Field(description="Credits per learner from trusted, accredited issuers; 0 removes them")


class AgreementPartyOut(BaseModel):
    """A party to the agreement, and when it accepted."""

    slug: str
    name: str = Field(description="Its legal name")
    accepted_at: Moment | None = Field(description="None while its acceptance is awaited")


class AgreementSpecificationOut(BaseModel):
    """A micro-credential the agreement covers."""

    id: uuid.UUID
    title: str
    provider: str


class AgreementPathwayOut(BaseModel):
    """A programme the covered micro-credentials count for."""

    id: uuid.UUID
    title: str
    organisation: str = Field(description="The legal name of the organisation whose programme it is")


class AgreementOut(BaseModel):
    """A credit-exchange agreement: its parties, what it covers, for which programmes and on what conditions."""

    id: uuid.UUID
    title: str
    state: AgreementState
    min_grade: str | None
    validity_years: int
    proposed_at: Moment
    in_force_at: Moment | None
    ended_at: Moment | None
    parties: list[AgreementPartyOut]
    specifications: list[AgreementSpecificationOut]
    pathways: list[AgreementPathwayOut]


class FreeElectivesOut(BaseModel):
    """A programme's free-elective allowance."""

    pathway_id: uuid.UUID
    credits: Credits | None = Field(description="Credits per learner; none when the programme has none")


# Recognition of prior learning: what is sent ----------------------------------------------------------------


class OpenIn(BaseModel):
    specification_id: uuid.UUID
    learner_email: str = Field(max_length=320, description="A member of the organisation")


class OpenMineIn(BaseModel):
    specification_id: uuid.UUID = Field(description="A published micro-credential of the catalogue")


class OwnerIn(BaseModel):
    owner_email: str | None = Field(
        default=None, max_length=320, description="A recognition officer or educator of the organisation; you if empty"
    )


class StageIn(BaseModel):
    to: Literal["documentation", "assessment", "certification"]


class ReasonIn(BaseModel):
    reason: str = Field(max_length=rpl_certification.MAX_REASON)


class AssessedOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    demonstrated: bool
    method: Literal[
        "interview",
        "portfolio_review",
        "practical_test",
        "written_test",
        "observation",
        "simulation",
        "presentation",
        "other",
    ]
    comment: str = Field(default="", max_length=2000)


class AssessmentIn(BaseModel):
    """The assessor's record: each learning outcome of the edition in order, the result, a grade, the reasons."""

    model_config = ConfigDict(extra="forbid")

    outcomes: list[AssessedOutcome] = Field(max_length=50)
    result: RplResult
    grade: str | None = Field(default=None, max_length=100)
    comment: str = Field(max_length=4000, description="The assessor's reasons for the result")


# Recognition of prior learning: what is answered ------------------------------------------------------------


class RplPersonOut(BaseModel):
    """A person of the case: the learner, or its owner."""

    name: str
    email: str


class RplStageOut(BaseModel):
    """One of the four stages, with when it began and ended."""

    stage: RplState
    started_at: Moment | None
    ended_at: Moment | None


class RplOutcomeOut(BaseModel):
    """A learning outcome of the edition, matched against the learner's shared profile."""

    number: int = Field(description="From 1, as evidence and the assessment refer to it")
    text: str
    skills: list[str] = Field(description="The outcome's ESCO skill URIs")
    matched: list[str] = Field(description="The profile's skills among them")
    status: Coverage


class RplExperienceSkillOut(BaseModel):
    uri: str
    label: str
    strength: int


class RplExperienceOut(BaseModel):
    """An experience of the learner's profile, as shared with the case."""

    kind: str
    title: str
    organisation: str
    description: str
    started_on: str | None
    ended_on: str | None
    skills: list[RplExperienceSkillOut]


class RplIdentificationOut(BaseModel):
    """The learner's skills profile, as shared with the case, matched against the edition's outcomes."""

    shared: bool
    taken_at: Moment | None
    covered: list[int] = Field(description="The numbers of the outcomes the profile seems to cover")
    outcomes: list[RplOutcomeOut]
    experiences: list[RplExperienceOut]


class RplEvidenceOut(BaseModel):
    """An evidence file (its content is downloaded on its own)."""

    id: uuid.UUID
    filename: str
    media_type: str = Field(description="As found from its content, never as the uploader said")
    size: int
    sha256: str
    note: str
    outcomes: list[int] = Field(description="The numbers (from 1) of the learning outcomes it supports")
    uploaded_by: uuid.UUID | None
    created_at: Moment


class RplAssessedOut(BaseModel):
    """What the assessor recorded for one learning outcome."""

    outcome: int
    demonstrated: bool
    method: str
    comment: str


class RplAssessmentOut(BaseModel):
    """The owner's assessment: each outcome, the result, a grade and the reasons."""

    outcomes: list[RplAssessedOut] | None
    result: RplResult
    grade: str | None
    comment: str | None
    assessed_at: Moment | None


class RplClosureOut(BaseModel):
    """How a case was closed, and why."""

    kind: RplClosure
    reason: str | None
    closed_at: Moment | None


class RplCaseOut(BaseModel):
    """An RPL case: its stages, identification, evidence, assessment and credential. The learner sees the
    assessment once it is settled."""

    id: uuid.UUID
    organisation: str = Field(description="The organisation's slug")
    specification_id: uuid.UUID
    edition: int
    title: str
    learner: RplPersonOut
    owner: RplPersonOut | None
    state: RplState
    opened_at: Moment
    stages: list[RplStageOut]
    identification: RplIdentificationOut
    evidence: list[RplEvidenceOut]
    assessment: RplAssessmentOut | None
    credential_id: str | None = Field(description="The issued credential's id (urn:uuid:…), once certified")
    closure: RplClosureOut | None


class RplCaseListedOut(BaseModel):
    """An RPL case in the organisation's list."""

    id: uuid.UUID
    title: str
    learner: str = Field(description="The learner's email")
    owner: str | None = Field(description="The owner's email")
    state: RplState
    opened_at: Moment


class MyRplCaseListedOut(BaseModel):
    """An RPL case in the learner's list."""

    id: uuid.UUID
    title: str
    organisation: str = Field(description="The organisation's slug")
    state: RplState
    opened_at: Moment


class ClaimLinkOut(BaseModel):
    """A claim link for the credential of a certified case; any earlier one stops working."""

    claim_url: str
    expires_at: Moment
