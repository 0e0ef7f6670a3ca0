"""Validation problems in plain sentences: each pydantic error type said as a person would say it, the field named
by its label (never by where it was sent or how code spells it), and nested places named from the inside out."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from microcred import plain


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class Body(BaseModel):
    name: str = Field(min_length=1, max_length=300, title="Name of the body")


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300)
    workload_hours: Decimal = Field(gt=0, le=1000, decimal_places=1)
    eqf_level: int = Field(ge=1, le=8)
    kind: Literal["open", "fixed"]
    colour: Colour
    spec: uuid.UUID
    start: date
    tags: list[str] = Field(max_length=2)
    awarding_bodies: list[Body] = []
    format: str = Field(default="elm", pattern=r"^(elm|ob3)$")
    code: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value and not value.isupper():
            raise ValueError(f"{value!r} is not written in capitals")
        return value


def problems(data: object) -> list[str]:
    try:
        Example.model_validate(data)
    except ValidationError as error:
        return [plain.sentence(found) for found in error.errors()]
    raise AssertionError("valid")


GOOD = {
    "title": "T",
    "workload_hours": "10",
    "eqf_level": 5,
    "kind": "open",
    "colour": "red",
    "spec": str(uuid.uuid4()),
    "start": "2026-01-01",
    "tags": [],
}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"title": "x" * 301}, "Title must be at most 300 characters long."),
        ({"title": 5}, "Title must be text."),
        ({"workload_hours": "lots"}, "Workload (hours) must be a number."),
        ({"workload_hours": "1.25"}, "Workload (hours) must have at most 1 decimal."),
        ({"workload_hours": "0"}, "Workload (hours) must be more than 0."),
        ({"eqf_level": "high"}, "EQF level must be a whole number."),
        ({"eqf_level": 9}, "EQF level must be at most 8."),
        ({"kind": "loose"}, "Kind must be one of: open, fixed."),
        ({"colour": "green"}, "Colour must be one of: red, blue."),
        ({"spec": "not-an-id"}, "Spec is not a valid id."),
        ({"start": "31/02/2026"}, "Start must be a date (YYYY-MM-DD)."),
        ({"tags": "a"}, "Tags must be a list."),
        ({"tags": ["a", "b", "c"]}, "Tags must have at most 2 entries."),
        ({"awarding_bodies": [{"name": "ok"}, {"name": ""}]}, "Name of awarding body 2 must not be empty."),
        ({"awarding_bodies": [{}]}, "Name of awarding body 1 is required."),
        ({"format": "pdf"}, "Format must be one of: elm, ob3."),
        ({"code": "abc"}, "Code: 'abc' is not written in capitals."),
        ({"colour_of_sky": "blue"}, "Colour of sky is not one of the fields this accepts."),
    ],
)
def test_each_kind_of_problem_is_a_plain_sentence(change: dict[str, object], said: str) -> None:
    assert problems({**GOOD, **change}) == [said]


def test_missing_fields_wrong_shapes_and_json_are_said_plainly() -> None:
    missing = problems({key: value for key, value in GOOD.items() if key != "title"})
    assert missing == ["Title is required."]
    assert problems([1, 2]) == [
        "The request body must be a JSON object with the fields described in the API documentation."
    ]
    assert plain.sentence({"type": "json_invalid", "loc": ("body", 10), "msg": "JSON decode error"}) == (
        "The request body is not valid JSON."
    )
    # Where the value was sent is never part of its name; nor are pydantic's own tags.
    assert plain.label(("body", "learner", "name")) == "Name of learner"
    assert plain.label(("query", "per_page")) == "Results per page"
    assert plain.label(("body", "items", 2, "learner", "function-after[check(), str]")) == "Learner of item 3"
    assert plain.label(("tags", 0)) == "Item 1 of tags"
    assert plain.label(()) == ""
    # An error type this module does not know still reads as a sentence, without pydantic's words.
    odd = {"type": "complex_type", "loc": ("query", "z"), "msg": "Input should be a valid complex number"}
    assert plain.sentence(odd) == "Z must be a valid complex number."
    assert plain.sentence({"type": "weird", "loc": ("q",), "msg": "Something odd"}) == "Search text is not valid."


def test_labels_come_from_the_caller_from_titles_or_from_the_name() -> None:
    error = {"type": "missing", "loc": ("body", "awarding_bodies", 0, "name"), "msg": "Field required"}
    assert plain.sentence(error, plain.titles(Example)) == "Name of the body of awarding body 1 is required."
    assert plain.sentence(error, {"awarding_bodies[]": "partner"}) == "Name of partner 1 is required."
    assert plain.humanised("validFrom") == "valid from" and plain.humanised("needs_evidence") == "needs evidence"
    assert plain.label(("needs_evidence",)) == "Needs evidence"


def test_many_problems_are_said_once_each_and_counted_past_the_limit() -> None:
    errors = [{"type": "missing", "loc": ("body", name), "msg": "Field required"} for name in "abcdefg"]
    said = plain.sentences([*errors, errors[0]], limit=5)
    assert said == [*(f"{name.upper()} is required." for name in "abcde"), "There are 2 more problems."]
    assert plain.describe(errors[:2]) == "A is required. B is required."
    assert plain.describe([]) == "The request is not valid."
    for sentence in said:
        assert ".." not in sentence and ";" not in sentence


def test_a_sentence_goes_on_after_a_prefix_in_lower_case_unless_it_starts_with_capitals() -> None:
    assert plain.after("Line 4: ", "The learner's name is missing.") == "Line 4: the learner's name is missing."
    assert plain.after("Line 4: ", "EQF level must be at most 8.") == "Line 4: EQF level must be at most 8."
