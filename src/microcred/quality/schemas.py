"""The JSON shapes of the quality API: enrolments and feedback sent in, and a micro-credential's figures (every
one for its provider, those enough people stand behind for the public)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from microcred.quality.service import MAX_COMMENT


class EnrolmentIn(BaseModel):
    edition: int = Field(ge=1)
    period: str = Field(max_length=100, description="The run, as the provider names it: 'Spring 2027'")
    enrolled: int = Field(ge=0, le=1_000_000)


class FeedbackIn(BaseModel):
    satisfaction: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class EnrolmentOut(BaseModel):
    """How many enrolled in a run of an edition."""

    edition: int
    period: str
    enrolled: int
    recorded_at: str = Field(description="When it was recorded (ISO 8601)")


class FeedbackOut(BaseModel):
    """An answer given about a micro-credential; it names no one."""

    satisfaction: int = Field(description="1 (poor) to 5 (excellent)")
    comment: str | None
    given_at: str = Field(description="When it was given (ISO 8601)")


class OpinionsOut(BaseModel):
    """What one kind of respondent (learners or employers) said."""

    responses: int
    mean: float | None = Field(description="Mean satisfaction, 1 to 5, to two decimals; null without answers")
    spread: dict[int, int] = Field(description="Satisfaction (1 to 5) → how many gave it")
    comments: list[str] = Field(description="The newest comments, without names")


class QualityOut(BaseModel):
    """Every quality figure of one of the organisation's micro-credentials, with the enrolments recorded."""

    enrolled: int
    completed: int = Field(description="Credentials issued")
    learners: OpinionsOut
    employers: OpinionsOut
    verifications: int
    shares: int = Field(description="Share links learners made")
    share_views: int = Field(description="Openings of those links")
    recognition: dict[str, int] = Field(description="Decided recognition cases by outcome")
    minimum: int = Field(description="How many must stand behind a figure before the public sees it")
    completion_rate: float | None = Field(description="completed / enrolled; null while none enrolled")
    enrolments: list[EnrolmentOut]


class PublishedQualityOut(BaseModel):
    """The figures the public may see: each is null until `minimum` people stand behind it."""

    minimum: int
    enrolled: int | None
    completed: int | None
    completion_rate: float | None
    verifications: int | None
    shares: int | None
    learners: OpinionsOut | None
    employers: OpinionsOut | None
    recognition: dict[str, int] | None
    withheld: list[str] = Field(description="What is not shown yet, in words")
