"""Learning-outcome lint: what the learner can do, observably, in a sentence that can be assessed."""

from __future__ import annotations

import pytest

from microcred.design import outcome_lint
from microcred.design.schemas import SpecificationContent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Introduction to data science", "topic heading"),
        ("Understand the principles of statistics", "“understand” cannot be observed"),
        ("Learners will be able to know the main laws", "“know” cannot be observed"),
        ("This module covers spreadsheets", "teacher's side"),
        ("Students will be taught SQL", "teacher's side"),
        ("Spreadsheets", "Too short"),
        ("Digital marketing for beginners in small firms", "measurable action verb"),
    ],
)
def test_outcome_lint_flags_teacher_side_topics_and_vague_verbs(text: str, expected: str) -> None:
    problems = outcome_lint.lint_outcome(text)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "text",
    [
        "Analyse a data set with pandas and report the findings",
        "Learners will be able to design a relational database for a small shop",
        "Able to configure a firewall for a home network",
        "Explain the limits of a statistical summary",
    ],
)
def test_outcome_lint_accepts_measurable_outcomes(text: str) -> None:
    assert outcome_lint.lint_outcome(text) == []


def test_a_long_outcome_is_split_and_each_outcome_is_reported_in_order() -> None:
    long = "Analyse " + " ".join(["data"] * 60)
    assert outcome_lint.lint_outcome(long) == ["Long: split it into outcomes that can each be assessed."]
    content = SpecificationContent.model_validate(
        {"learning_outcomes": [{"text": "Explain the limits of a statistical summary"}, {"text": "Spreadsheets"}]}
    )
    found = outcome_lint.lint_outcomes(content)
    assert [(o.index, o.text, bool(o.problems)) for o in found] == [
        (0, "Explain the limits of a statistical summary", False),
        (1, "Spreadsheets", True),
    ]
