"""The JSON shapes of the pathways API: a pathway and its rules, a learner's progress on one, and the gap from a
learner's skills to a goal career with the stack of micro-credentials that closes it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer


class PathwayIn(BaseModel):
    title: str = Field(max_length=300)
    qualification: str = Field(max_length=300)
    rules: dict[str, Any] = Field(
        description="kind (open, elective, fixed), total_credits, min_level, max_level, "
        "required_skills, validity_years, rpl_cap_credits, approved, sequence"
    )


class PathwayOut(BaseModel):
    """A pathway towards a qualification, with its rules as they were checked and stored."""

    id: str
    title: str
    qualification: str
    rules: dict[str, Any] = Field(
        description="kind, total_credits (a decimal string), min_level, max_level, required_skills (ESCO skill "
        "URIs), validity_years, rpl_cap_credits, approved and sequence (specification ids)"
    )


class PathwayProviderOut(BaseModel):
    """The organisation that defines a pathway."""

    slug: str
    name: str = Field(description="Its legal name")


class ListedPathwayOut(PathwayOut):
    """A pathway in the list every learner may read, with the organisation that defines it."""

    organisation: PathwayProviderOut


def _credits_number(value: Decimal) -> int | float:
    """Credits as a JSON number, as the API has always written them: whole as an integer (10), else 6.0."""
    exponent = value.as_tuple().exponent
    return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


# A learner's credits, computed (not stored rules): written as numbers, not as Decimal strings.
Credits = Annotated[Decimal, PlainSerializer(_credits_number, return_type=int | float, when_used="json")]


class CountedOut(BaseModel):
    """A credential that counts towards the pathway, and the credits it counts for."""

    title: str
    credits: Credits
    note: str = Field(description="Why it counts for less than it gives (the cap on prior learning), or ''")
    prior_learning: bool = Field(description="Awarded before the learner enrolled")


class ProgressOut(BaseModel):
    """What counts, what does not and why, and what is still missing; eligibility is only ever shown."""

    total_credits: Credits
    credits: Credits
    counted: list[CountedOut]
    not_counted: list[tuple[str, str]] = Field(description="[title, why it does not count] of each credential")
    missing_skills: list[str] = Field(description="Required ESCO skills no counted credential covers")
    next_steps: list[uuid.UUID] = Field(description="A fixed pathway's steps not yet done, in order")
    eligible: bool = Field(description="The rules are met: the learner may apply (stacking never awards)")


class PathwayProgressOut(PathwayOut):
    """A pathway and the calling learner's progress on it, from their wallet."""

    progress: ProgressOut


class GapSkillOut(BaseModel):
    """An ESCO concept (skill or occupation) by its URI and preferred label."""

    uri: str
    label: str


class GapStepOut(BaseModel):
    """One micro-credential of the stack and the missing skills it adds."""

    specification_id: str
    title: str
    provider: str
    hours: float | None
    eqf_level: int | None
    adds: list[GapSkillOut]


class GapOut(BaseModel):
    """A goal occupation's essential skills the learner holds and lacks, and the stack of published
    micro-credentials of least workload that covers what it can."""

    occupation: GapSkillOut
    essential: int = Field(description="How many essential skills the occupation has")
    held: list[GapSkillOut]
    missing: list[GapSkillOut]
    stack: list[GapStepOut]
    uncovered: list[GapSkillOut] = Field(description="Missing skills no published micro-credential teaches")
    workload: int | float = Field(description="The stack's hours of work in all")


class ClrOut(BaseModel):
    """A Comprehensive Learner Record (1EdTech CLR 2.0) issued to a learner who completed the pathway."""

    wallet_id: uuid.UUID = Field(description="Where it now is in the learner's wallet")
    credential: dict[str, Any] = Field(
        description="The ClrCredential, signed with eddsa-rdfc-2022: its ClrSubject carries the credentials that "
        "counted (verifiableCredential), the pathway as an Achievement, and their associations."
    )
