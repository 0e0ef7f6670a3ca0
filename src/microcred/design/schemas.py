"""A micro-credential specification's content: every Annex I element that exists before issuing, and more.

A draft may be incomplete (the checks say what is missing), but what it holds must be well-formed: an
EQF level of 1 to 8, a workload that a person could do, credits with their credit system, known codes.
Each error names the field. The same shape is the JSON API's body, an edition's frozen content, and
what ELM and Open Badges documents import into.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from microcred.design import vocab
from microcred.inputs import has_control_characters

MAX_HOURS = 3000  # two full-time years: anything above is not a micro-credential, and most likely a typo
ESCO_SKILL = re.compile(r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # an organisation's slug, as the catalogue names providers
WORD = re.compile(r"\w+")
MAX_WORDS = 12  # words of a catalogue search that count


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


class SpecificationDocumentOut(BaseModel):
    """A specification as a JSON-LD document (application/ld+json): an ELM `LearningOpportunity` whose
    `learningAchievementSpecification` carries every Annex I element, or an Open Badges 3.0 `Achievement`
    (achievementType MicroCredential). Only the main properties are named here; the document has more."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    context: str | list[str] = Field(alias="@context", description="The ELM context, or the OB3 contexts")
    id: str = Field(description="The edition's address in the catalogue (the draft's, before publication)")
    type: str | list[str] = Field(description='"LearningOpportunity" (ELM) or ["Achievement"] (OB3)')


# The catalogue ----------

Codes = list[str]


class CatalogueQuery(BaseModel):
    """What a catalogue search asks for; every value is checked, and a wrong one is named."""

    q: str = Field(default="", max_length=200, description="Words to find in titles, outcomes and skills")
    field: Codes = Field(default_factory=list, max_length=20, description="ISCED-F codes (broad, narrow or detailed)")
    skill: Codes = Field(default_factory=list, max_length=20, description="ESCO skill URIs")
    eqf: list[int] = Field(default_factory=list, max_length=8, description="EQF levels")
    size: Codes = Field(default_factory=list, max_length=3, description="skill_credential, learning_unit, …")
    mode: Codes = Field(default_factory=list, max_length=10, description="Forms of participation")
    delivery: Codes = Field(default_factory=list, max_length=10)
    language: Codes = Field(default_factory=list, max_length=20, description="ISO 639-1 codes")
    provider: Codes = Field(default_factory=list, max_length=20, description="Provider organisation slugs")
    qa: Codes = Field(default_factory=list, max_length=10, description="Types of quality assurance")
    audience: Codes = Field(default_factory=list, max_length=10)
    price: Codes = Field(default_factory=list, max_length=2, description="free or paid")
    hours_min: Decimal | None = Field(default=None, ge=0, le=100_000)
    hours_max: Decimal | None = Field(default=None, ge=0, le=100_000)
    credits_min: Decimal | None = Field(default=None, ge=0, le=1000)
    credits_max: Decimal | None = Field(default=None, ge=0, le=1000)
    credit_system: str = Field(default="ECTS", description="The credit system credits_min/max are in")
    price_max: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    currency: str = Field(default="EUR", description="The currency price_max is in")
    sort: Literal["relevance", "newest", "title", "workload", "price", "level"] | None = None
    page: int = Field(default=1, ge=1, le=500)
    per_page: int = Field(default=20, ge=1, le=100)
    facets: bool = Field(default=True, description="Count the results per facet value")

    @field_validator("field", "size", "mode", "delivery", "qa", "audience", "price")
    @classmethod
    def _coded(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        allowed, what = FACET_CODES[info.field_name or ""]
        return _known(codes, allowed, what)

    @field_validator("skill")
    @classmethod
    def _skills(cls, uris: list[str]) -> list[str]:
        for uri in uris:
            if not ESCO_SKILL.match(uri):
                raise ValueError(f"{uri[:80]!r} is not an ESCO skill URI")
        return list(dict.fromkeys(uris))

    @field_validator("eqf")
    @classmethod
    def _levels(cls, levels: list[int]) -> list[int]:
        for level in levels:
            if level not in vocab.EQF_LEVELS:
                raise ValueError(f"{level} is not an EQF level (1 to 8)")
        return sorted(set(levels))

    @field_validator("language")
    @classmethod
    def _languages(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if vocab.language_name(code) is None:
                raise ValueError(f"{code[:20]!r} is not an ISO 639-1 language code")
        return list(dict.fromkeys(code.lower() for code in codes))

    @field_validator("provider")
    @classmethod
    def _providers(cls, slugs: list[str]) -> list[str]:
        for slug in slugs:
            if not SLUG.match(slug):
                raise ValueError(f"{slug[:70]!r} is not an organisation slug")
        return list(dict.fromkeys(slugs))

    @field_validator("credit_system")
    @classmethod
    def _system(cls, code: str) -> str:
        if code.upper() not in vocab.CREDIT_SYSTEMS:
            raise ValueError(f"{code[:20]!r} is not a credit system ({', '.join(vocab.CREDIT_SYSTEMS)})")
        return code.upper()

    @field_validator("currency")
    @classmethod
    def _currency(cls, code: str) -> str:
        if not vocab.currency_known(code):
            raise ValueError(f"{code[:20]!r} is not an ISO 4217 currency code")
        return code.upper()

    def words(self) -> list[str]:
        return WORD.findall(self.q.lower())[:MAX_WORDS]

    def selected(self, facet: str) -> list[str]:
        return [str(v) for v in getattr(self, facet)]

    def chosen_sort(self) -> str:
        if self.sort == "relevance" and not self.words():
            return "newest"
        return self.sort or ("relevance" if self.words() else "newest")


# The facets whose values come from a code list, with what a value is called in an error.
FACET_CODES: dict[str, tuple[Mapping[str, Any], str]] = {
    "field": (vocab.ISCED_F, "ISCED-F field"),
    "size": ({key: label for key, label, _low, _high in vocab.SIZES}, "size"),
    "mode": (vocab.PARTICIPATION, "form of participation"),
    "delivery": (vocab.DELIVERY, "delivery"),
    "qa": (vocab.QA_TYPES, "quality assurance type"),
    "audience": (vocab.AUDIENCES, "audience"),
    "price": ({"free": "Free", "paid": "Paid"}, "price"),
}


def _known(codes: list[str], allowed: Mapping[str, Any], what: str) -> list[str]:
    for code in codes:
        if code not in allowed:
            raise ValueError(f"{code[:40]!r} is not a known {what}")
    return list(dict.fromkeys(codes))


class FacetValue(BaseModel):
    value: str
    label: str
    count: int
    selected: bool


class Card(BaseModel):
    id: uuid.UUID
    edition: int
    url: str
    summary: dict[str, Any]


class Results(BaseModel):
    total: int
    page: int
    per_page: int
    sort: str
    items: list[Card]
    facets: dict[str, list[FacetValue]]


class EditionOut(BaseModel):
    number: int
    published_at: datetime
    changes: list[str]
    url: str


class ProviderOut(BaseModel):
    slug: str
    name: str
    homepage: str | None
    url: str


class ListedOut(BaseModel):
    """A catalogue page's data: the edition's content with every Annex I element, and where to get the documents."""

    id: uuid.UUID
    url: str
    edition: int
    listed: bool
    provider: ProviderOut
    content: SpecificationContent
    skill_labels: dict[str, str]
    size: str | None
    editions: list[EditionOut]
    documents: dict[str, str]
