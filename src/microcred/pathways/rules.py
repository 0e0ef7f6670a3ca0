"""A pathway's rules, and the rules that contradict each other (refused with the reason).

open      any quality-assured provider's micro-credential counts (its issuer is registered or accredited);
elective  only micro-credentials of the approved specifications count;
fixed     the specifications of the sequence count, in their order.

Each kind may add: a total of credits to reach, a minimum and a maximum EQF level, ESCO skills that must be
covered, a validity window (a credential older than that many years no longer counts) and a cap on the
credits recognised from prior learning (credentials awarded before the learner enrolled).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from microcred.taxonomy.service import SKILL_PREFIX


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["open", "elective", "fixed"]
    total_credits: Decimal = Field(gt=0, le=600, decimal_places=2)
    min_level: int | None = Field(default=None, ge=1, le=8)
    max_level: int | None = Field(default=None, ge=1, le=8)
    required_skills: list[str] = Field(default_factory=list, max_length=200)
    validity_years: int | None = Field(default=None, ge=1, le=50)
    rpl_cap_credits: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    approved: list[uuid.UUID] = Field(default_factory=list, max_length=500)  # elective: specification ids
    sequence: list[uuid.UUID] = Field(default_factory=list, max_length=100)  # fixed: specification ids, in order

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        problems = []
        if self.min_level is not None and self.max_level is not None and self.min_level > self.max_level:
            problems.append(f"Minimum EQF level ({self.min_level}) is above Maximum EQF level ({self.max_level})")
        if self.rpl_cap_credits is not None and self.rpl_cap_credits > self.total_credits:
            problems.append(
                f"Cap on prior-learning credits ({self.rpl_cap_credits}) is above Total credits needed "
                f"({self.total_credits}): prior learning could never be capped"
            )
        if self.kind == "elective" and not self.approved:
            problems.append("an elective pathway needs its approved list of micro-credentials")
        if self.kind == "fixed" and not self.sequence:
            problems.append("a fixed pathway needs its sequence of micro-credentials")
        if self.kind != "elective" and self.approved:
            problems.append(f"an approved list of micro-credentials is for elective pathways, not {self.kind} ones")
        if self.kind != "fixed" and self.sequence:
            problems.append(f"a sequence of micro-credentials is for fixed pathways, not {self.kind} ones")
        if len(set(self.sequence)) != len(self.sequence):
            problems.append("the sequence names a micro-credential twice")
        bad = [uri for uri in self.required_skills if not uri.startswith(SKILL_PREFIX)]
        if bad:
            problems.append(f"Required ESCO skills must be ESCO skill addresses ({SKILL_PREFIX}…): {bad[0][:100]}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def years_before(today: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29 February that year lacks)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)
