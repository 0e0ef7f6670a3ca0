"""A micro-credential specification's content: every Annex I element that exists before issuing, and more.

A draft may be incomplete (the checks say what is missing), but what it holds must be well-formed: an
EQF level of 1 to 8, a workload that a person could do, credits with their credit system, known codes.
Each error names the field. The same shape is the JSON API's body, an edition's frozen content, and
what ELM and Open Badges documents import into.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from microcred.design import vocab
from microcred.inputs import has_control_characters

MAX_HOURS = 3000  # two full-time years: anything above is not a micro-credential, and most likely a typo
ESCO_SKILL = re.compile(r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}$")


def _printable(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("contains control characters; use printable text only")
    return value.strip()


Line = Annotated[str, Field(max_length=300)]
Paragraph = Annotated[str, Field(max_length=5000)]
Url = Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _printable(value) if isinstance(value, str) else value

    @field_validator("*", mode="after")
    @classmethod
    def _plain_decimals(cls, value: Any) -> Any:
        """60.0 and 60 are the same workload: one spelling, so that documents and editions compare equal."""
        return Decimal(format(value.normalize(), "f")) if isinstance(value, Decimal) else value


class Outcome(Strict):
    text: str = Field(min_length=1, max_length=1000, description="What the learner can do, from their side")
    skills: list[str] = Field(default_factory=list, max_length=30, description="ESCO skill URIs")

    @field_validator("skills")
    @classmethod
    def _skill_uris(cls, skills: list[str]) -> list[str]:
        for uri in skills:
            if not ESCO_SKILL.match(uri):
                raise ValueError(f"{uri[:80]!r} is not an ESCO skill URI (http://data.europa.eu/esco/skill/…)")
        return list(dict.fromkeys(skills))


class AwardingBody(Strict):
    name: str = Field(min_length=1, max_length=300)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    homepage: Url | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, code: str | None) -> str | None:
        return _country_code(code)


class Credits(Strict):
    system: str = Field(description="Credit system: " + ", ".join(vocab.CREDIT_SYSTEMS))
    value: Decimal = Field(gt=0, le=240, decimal_places=2)

    @field_validator("system")
    @classmethod
    def _system(cls, system: str) -> str:
        return _code(system.upper(), vocab.CREDIT_SYSTEMS, "credit system")


class NqfLevel(Strict):
    framework: str = Field(min_length=1, max_length=200, description="The national framework, e.g. 'Irish NFQ'")
    level: str = Field(min_length=1, max_length=20)


class Assessment(Strict):
    type: str = Field(description="Type of assessment: " + ", ".join(vocab.ASSESSMENT_TYPES))
    description: Paragraph = ""
    grading: Line = Field(default="", description="The grading scheme, e.g. 'Pass/fail' or '1–10, 6 to pass'")
    open_to_non_attendees: bool = Field(
        default=False, description="The outcomes can be assessed without attending the course (RPL route)"
    )

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return _code(value, vocab.ASSESSMENT_TYPES, "assessment type")


class QualityAssurance(Strict):
    type: str = Field(description="Type of quality assurance: " + ", ".join(vocab.QA_TYPES))
    body: Line = Field(default="", description="Who quality-assures it (agency, accreditor, ISO body)")
    description: Paragraph = ""
    url: Url | None = Field(default=None, description="Where the QA method and results are published")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return _code(value, vocab.QA_TYPES, "quality assurance type")


class Stackability(Strict):
    stackable: bool = Field(description="Integrated or stackable towards another credential (else stand-alone)")
    partial_qualification: bool = False
    towards: Line = Field(default="", description="What it stacks towards")


class Price(Strict):
    amount: Decimal = Field(ge=0, le=1_000_000, decimal_places=2)
    currency: str = Field(default="EUR", min_length=3, max_length=3)

    @field_validator("currency")
    @classmethod
    def _currency(cls, code: str) -> str:
        if not vocab.currency_known(code):
            raise ValueError(f"{code!r} is not an ISO 4217 currency code")
        return code.upper()


class SpecificationContent(Strict):
    """Everything a specification says. Empty values are allowed in a draft; publishing needs Annex I."""

    title: Line = ""
    description: Paragraph = ""
    code: str = Field(default="", max_length=60, description="The provider's own course code")
    languages: list[str] = Field(default_factory=list, max_length=10, description="ISO 639-1 codes")
    issuer_country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country of the issuer")
    issuer_region: Line = ""
    awarding_bodies: list[AwardingBody] = Field(default_factory=list, max_length=10)
    learning_outcomes: list[Outcome] = Field(default_factory=list, max_length=50)
    workload_hours: Decimal | None = Field(default=None, gt=0, le=MAX_HOURS, decimal_places=1)
    credits: Credits | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    nqf: NqfLevel | None = None
    qf_ehea_cycle: str | None = None
    assessment: Assessment | None = None
    participation: str | None = Field(default=None, description="Form of participation: online, onsite, blended, …")
    learning_setting: str | None = None
    delivery: str | None = Field(default=None, description="self_paced, scheduled, full_time or part_time")
    duration_weeks: Decimal | None = Field(default=None, gt=0, le=520, decimal_places=1)
    quality_assurance: QualityAssurance | None = None
    prerequisites: Paragraph = ""
    supervision: str | None = Field(default=None, description="Supervision and identity verification in assessment")
    stackability: Stackability | None = None
    further_information: Paragraph = ""
    homepage: Url | None = None
    field: str | None = Field(default=None, description="ISCED-F 2013 code, e.g. 0613")
    audiences: list[str] = Field(default_factory=list, max_length=10)
    price: Price | None = None
    needs_evidence: Paragraph = Field(default="", description="The identified skill needs it answers")
    offer_start: date | None = None
    offer_end: date | None = None

    @field_validator("languages")
    @classmethod
    def _languages(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if vocab.language_name(code) is None:
                raise ValueError(f"{code!r} is not an ISO 639-1 language code (en, fr, de, …)")
        return list(dict.fromkeys(code.lower() for code in codes))

    @field_validator("issuer_country")
    @classmethod
    def _issuer_country(cls, code: str | None) -> str | None:
        return _country_code(code)

    @field_validator("qf_ehea_cycle", "participation", "learning_setting", "delivery", "supervision", "field")
    @classmethod
    def _coded(cls, value: str | None, info: ValidationInfo) -> str | None:
        allowed, what = CODED[info.field_name or ""]
        return None if value is None else _code(value, allowed, what)

    @field_validator("audiences")
    @classmethod
    def _audiences(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(_code(value, vocab.AUDIENCES, "audience") for value in values))

    @model_validator(mode="after")
    def _dates(self) -> SpecificationContent:
        if self.offer_start and self.offer_end and self.offer_end < self.offer_start:
            raise ValueError("offer_end is before offer_start")
        return self

    def skill_uris(self) -> list[str]:
        return list(dict.fromkeys(uri for outcome in self.learning_outcomes for uri in outcome.skills))


CODED: dict[str, tuple[dict[str, Any], str]] = {
    "qf_ehea_cycle": (vocab.QF_EHEA_CYCLES, "QF-EHEA cycle"),
    "participation": (vocab.PARTICIPATION, "form of participation"),
    "learning_setting": (vocab.LEARNING_SETTINGS, "learning setting"),
    "delivery": (vocab.DELIVERY, "delivery mode"),
    "supervision": (vocab.SUPERVISION, "supervision and identity verification"),
    "field": (vocab.ISCED_F, "ISCED-F field"),
}


def _code(value: str, allowed: dict[str, Any], what: str) -> str:
    if value not in allowed:
        shown = ", ".join(list(allowed)[:12]) + (", …" if len(allowed) > 12 else "")
        raise ValueError(f"{value[:40]!r} is not a known {what} (one of {shown})")
    return value


def _country_code(code: str | None) -> str | None:
    if code is None:
        return None
    if vocab.country_name(code) is None:
        raise ValueError(f"{code[:10]!r} is not an ISO 3166-1 alpha-2 country code (IE, FR, DE, …)")
    return code.upper()


# Output shapes ----------


class CheckItemOut(BaseModel):
    key: str
    label: str
    status: str  # "met", "missing", "warning", "info"
    message: str


class DimensionOut(BaseModel):
    key: str
    label: str
    why: str
    items: list[CheckItemOut]
    met: int
    total: int


class OutcomeLintOut(BaseModel):
    index: int
    text: str
    problems: list[str]


class ProfileOut(BaseModel):
    key: str
    label: str
    passed: bool
    rules: list[CheckItemOut]


class SizeOut(BaseModel):
    typology: str | None
    label: str
    explanation: str
    conversions: list[str]


class ReportOut(BaseModel):
    publishable: bool
    blocking: list[str]
    annex_i: list[CheckItemOut]
    etf: list[DimensionOut]
    outcomes: list[OutcomeLintOut]
    size: SizeOut
    profiles: list[ProfileOut]


class EditionSummaryOut(BaseModel):
    number: int
    published_at: datetime
    review_due: date
    changes: list[str]


class SpecificationOut(BaseModel):
    id: uuid.UUID
    organisation: str
    content: SpecificationContent
    status: str  # draft, published, changed (a published one with unpublished changes), withdrawn
    editions: list[EditionSummaryOut]
    review_due: date | None
    report: ReportOut


class SpecificationRowOut(BaseModel):
    id: uuid.UUID
    title: str
    status: str
    latest_edition: int | None
    review_due: date | None
    publishable: bool
    missing: int


class PublishIn(BaseModel):
    review_due: date | None = Field(default=None, description="At most a year after publication (default)")


class ReviewIn(BaseModel):
    next_review: date | None = Field(default=None, description="At most a year from today (default)")
    note: str = Field(default="", max_length=2000)


class ProfilesIn(BaseModel):
    profiles: list[str]
