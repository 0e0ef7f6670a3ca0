"""A pathway's rules: contradictory ones refused with every reason, the form they are stored in, and counting
years back for a validity window."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from microcred.pathways.rules import Rules, years_before
from tests.design.fixtures import OTHER_SKILL

A = uuid.uuid4()


@pytest.mark.parametrize(
    ("rules", "why"),
    [
        (
            {"kind": "open", "total_credits": 30, "min_level": 6, "max_level": 5},
            "Minimum EQF level (6) is above Maximum EQF level (5)",
        ),
        (
            {"kind": "open", "total_credits": 30, "rpl_cap_credits": 40},
            "Cap on prior-learning credits (40) is above Total credits needed",
        ),
        ({"kind": "elective", "total_credits": 30}, "needs its approved list of micro-credentials"),
        ({"kind": "fixed", "total_credits": 30}, "needs its sequence"),
        (
            {"kind": "open", "total_credits": 30, "sequence": [str(A)]},
            "a sequence of micro-credentials is for fixed pathways",
        ),
        ({"kind": "fixed", "total_credits": 30, "sequence": [str(A), str(A)]}, "names a micro-credential twice"),
        ({"kind": "open", "total_credits": 0}, "greater than 0"),
        ({"kind": "open", "total_credits": 30, "required_skills": ["python"]}, "must be ESCO skill addresses"),
        ({"kind": "sometimes", "total_credits": 30}, "kind"),
    ],
)
def test_contradictory_rules_are_refused_with_the_reason(rules: dict[str, Any], why: str) -> None:
    with pytest.raises(ValueError, match=why.replace("(", r"\(").replace(")", r"\)")):
        Rules.model_validate(rules)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ValueError) as refused:
        Rules.model_validate(
            {"kind": "fixed", "total_credits": 5, "min_level": 7, "max_level": 3, "approved": [str(A)]}
        )
    message = str(refused.value)
    for problem in (
        "Minimum EQF level (7) is above Maximum EQF level (3)",
        "a fixed pathway needs its sequence of micro-credentials",
        "an approved list of micro-credentials is for elective pathways, not fixed ones",
    ):
        assert problem in message
    with pytest.raises(ValueError, match="extra"):
        Rules.model_validate({"kind": "open", "total_credits": 5, "credits_per_year": 60})


def test_rules_are_stored_as_json_with_every_field() -> None:
    rules = Rules.model_validate(
        {"kind": "elective", "total_credits": "7.5", "approved": [str(A)], "required_skills": [OTHER_SKILL]}
    )
    stored: dict[str, Any] = rules.model_dump(mode="json")
    assert stored == {
        "kind": "elective",
        "total_credits": "7.5",
        "min_level": None,
        "max_level": None,
        "required_skills": [OTHER_SKILL],
        "validity_years": None,
        "rpl_cap_credits": None,
        "approved": [str(A)],
        "sequence": [],
    }
    assert Rules.model_validate(stored) == rules  # read back as it was
    with pytest.raises(ValueError, match="decimal places"):
        Rules.model_validate({"kind": "open", "total_credits": "7.555"})


@pytest.mark.parametrize(
    ("today", "years", "before"),
    [
        (date(2026, 11, 23), 5, date(2021, 11, 23)),
        (date(2028, 2, 29), 1, date(2027, 2, 28)),  # no 29 February that year
        (date(2028, 2, 29), 4, date(2024, 2, 29)),
        (date(2026, 1, 1), 50, date(1976, 1, 1)),
    ],
)
def test_years_before_is_the_same_day_or_28_february(today: date, years: int, before: date) -> None:
    assert years_before(today, years) == before
