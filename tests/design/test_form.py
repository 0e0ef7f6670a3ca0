"""The specification form's reading: the content as the form shows it and back, every problem named by its box
in plain words, and skills found by name on the real ESCO v1.1.1."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from microcred.design import form
from microcred.design.schemas import SpecificationContent
from tests.design.fixtures import OTHER_SKILL, SKILL, full

PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
JARGON = ("Input should", "learning_outcomes", "value_error", "credits.", "offer_end")


def posted(values: dict[str, Any], blank_rows: int = form.BLANK_OUTCOMES) -> FormData:
    """What the browser sends for a form showing these values (and empty outcome rows below them)."""
    pairs: list[tuple[str, str]] = [("csrf_token", "x")]
    for key, value in values.items():
        if key == "outcomes":
            continue
        if key == "audiences":
            pairs += [("audiences", audience) for audience in value]
        elif isinstance(value, bool):
            pairs += [(key, "on")] if value else []
        else:
            pairs.append((key, str(value)))
    rows = values.get("outcomes", [])
    for index, row in enumerate([*rows, *({"text": "", "skills": [], "add": ""} for _ in range(blank_rows))]):
        pairs.append((f"outcome_{index}", row["text"]))
        pairs += [(f"skills_{index}", uri) for uri in row["skills"]]
        pairs.append((f"add_skill_{index}", row.get("add", "")))
    return FormData(pairs)


def test_the_form_shows_the_content_and_reads_it_back_unchanged(db: Session) -> None:
    content = full()
    values = form.form_to_values(posted(form.content_to_form(content)))
    read, problems, close = form.read_form(db, values)
    assert problems == [] and close == {}
    assert read == content


def test_a_cleared_outcome_goes_with_its_skills_and_a_skill_needs_its_outcome(db: Session) -> None:
    values = form.content_to_form(full())
    values["outcomes"] = [{"text": "", "skills": [SKILL], "add": ""}, {"text": "Tell a story", "skills": [], "add": ""}]
    read, problems, _ = form.read_form(db, form.form_to_values(posted(values)))
    assert problems == [] and read is not None
    assert [(o.text, o.skills) for o in read.learning_outcomes] == [("Tell a story", [])]
    values["outcomes"] = [{"text": "", "skills": [], "add": OTHER_SKILL}]
    read, problems, _ = form.read_form(db, form.form_to_values(posted(values)))
    assert read is None and problems == [("outcome_0", "Write outcome 1 before adding a skill to it.")]


def test_every_problem_names_its_box_in_the_forms_words(db: Session) -> None:
    values = form.content_to_form(SpecificationContent())
    values.update(
        title="x" * 301,
        languages="en, xx",
        workload_hours="lots",
        credit_value="2",  # without its credit system
        eqf_level="0",
        duration_weeks="1.25",
        homepage="uniz.example",
        price_amount="5",
        price_currency="EURO",
        awarding_bodies="Zed | ZZ",
        outcomes=[{"text": "y" * 1001, "skills": [], "add": ""}],
    )
    read, problems, _ = form.read_form(db, form.form_to_values(posted(values)))
    said = dict(problems)
    assert read is None
    assert said == {
        "credit_system": "Credits need their credit system (ECTS, UK, NZ, …): choose one.",
        "title": "Title is too long: at most 300 characters.",
        "languages": "Languages: 'xx' is not an ISO 639-1 language code (en, fr, de, …).",
        "awarding_bodies": "The country code of awarding body 1: 'ZZ' is not an ISO 3166-1 alpha-2 country code "
        "(IE, FR, DE, …).",
        "outcome_0": "Outcome 1 is too long: at most 1000 characters.",
        "workload_hours": "Notional workload must be a number, such as 30 or 2.5.",
        "eqf_level": "EQF level must be 1 or more.",
        "duration_weeks": "Duration has too many decimal places: at most 1.",
        "homepage": "Web page must be a web address starting with https://.",
        "price_currency": "Currency is too long: at most 3 characters.",
    }
    for _box, sentence in problems:
        assert not any(word in sentence for word in JARGON), sentence
    # The dates are compared once every box is well-formed; the credits are checked beside them.
    values = form.content_to_form(SpecificationContent())
    values.update(credit_system="ECTS", offer_start="2027-01-01", offer_end="2026-01-01")
    _, problems, _ = form.read_form(db, form.form_to_values(posted(values)))
    assert problems == [
        ("credit_value", "Give the number of credits, or choose no credit system."),
        ("offer_end", "The offer ends before it starts: check the dates."),
    ]


def test_close_matches_travel_in_the_address_as_skill_ids_and_nothing_else() -> None:
    query = form.close_query({1: [PYTHON, SKILL], 3: []})
    assert query == "close_1=ccd0a1d9-afda-43d9-b901-96344886e14d.ccdf3597-5c80-410f-896d-e1bdfa223de9"
    params = [("close_1", query.split("=", 1)[1]), ("close_0", "not-an-id.<b>"), ("close_7", "x"), ("done", "y")]
    assert form.close_from(params, outcomes=2) == {1: [PYTHON, SKILL], 0: []}
    # Digits int() cannot read ("²" passes str.isdigit; 5,000 of them exceed its limit) or another script's digits
    # name no outcome: ignored, not a 500.
    ids = query.split("=", 1)[1]
    odd = [("close_²", ids), ("close_١", ids), ("close_", "x"), ("close_" + "1" * 5000, ids)]
    assert form.close_from(odd, outcomes=2) == {}


def test_without_esco_a_skill_is_added_by_its_address_only(db: Session) -> None:
    assert form.resolve_skill(db, OTHER_SKILL) == ([OTHER_SKILL], [], None)
    found, close, problem = form.resolve_skill(db, "Python")
    assert found == close == [] and problem and problem.startswith("skills cannot be found by name here yet")


def test_every_select_has_its_options() -> None:
    choices = form.choices()
    assert ("4", "Level 4") in choices["eqf_level"] and ("IE", "Ireland") in choices["issuer_country"]
    for name in ("field", "credit_system", "qf_ehea_cycle", "assessment_type", "supervision", "participation"):
        assert choices[name] and all(value and text for value, text in choices[name]), name
    assert ("students", "Students") in choices["audiences"]


class TestOnEsco:
    @pytest.fixture
    def database_url(self, esco_database_url: str) -> str:
        return esco_database_url

    def test_a_name_finds_the_best_skill_and_its_close_ones(self, db: Session) -> None:
        assert form.resolve_skill(db, "Python") == ([PYTHON], [], None)  # one clear match: nothing else offered
        found, close, problem = form.resolve_skill(db, "teamwork")
        assert problem is None and len(found) == 1 and 1 <= len(close) <= form.CLOSE and found[0] not in close
        assert form.resolve_skill(db, "ccd0a1d9-afda-43d9-b901-96344886e14d") == ([PYTHON], [], None)  # an id

    def test_what_matches_nothing_is_said_plainly(self, db: Session) -> None:
        for typed, said in (
            ("qqqqqq", "no ESCO skill matches “qqqqqq”. Check the spelling, or try a shorter or broader name."),
            ("https://example.org/python", "“https://example.org/python” is not the address of an ESCO skill"),
            ("http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000000", "ESCO has no skill at"),
            ("x" * 201, "A skill's name is at most 200 characters."),
        ):
            found, close, problem = form.resolve_skill(db, typed)
            assert found == close == [] and problem and problem.startswith(said), typed

    def test_the_form_links_a_named_skill_and_keeps_the_close_ones_for_the_page(self, db: Session) -> None:
        values = form.content_to_form(SpecificationContent(title="Teams"))
        values["outcomes"] = [
            {"text": "Script a data clean-up", "skills": [SKILL], "add": "Python"},
            {"text": "Work in a team", "skills": [], "add": "teamwork"},
        ]
        read, problems, close = form.read_form(db, form.form_to_values(posted(values)))
        assert problems == [] and read is not None
        assert read.learning_outcomes[0].skills == [SKILL, PYTHON]
        assert len(read.learning_outcomes[1].skills) == 1 and close[1] and close[0] == []
