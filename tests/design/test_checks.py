"""The design report: Annex I, the ETF checklist, outcome lint, size and credits, framework profiles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from microcred.design import checks
from microcred.design.schemas import ReportOut, SpecificationContent

from .fixtures import annex_i_minimum, full

TODAY = date(2026, 11, 23)


def report(content: SpecificationContent, **context: object) -> ReportOut:
    return checks.report(content, checks.Context(today=TODAY, **context))  # type: ignore[arg-type]


def test_the_annex_i_minimum_is_publishable_and_each_missing_element_is_named() -> None:
    assert report(SpecificationContent.model_validate(annex_i_minimum())).publishable
    for field, label in (
        ("title", "Title"),
        ("issuer_country", "Country or region of the issuer"),
        ("awarding_bodies", "Awarding body or bodies"),
        ("learning_outcomes", "Learning outcomes"),
        ("workload_hours", "Notional workload"),
        ("eqf_level", "Level (EQF, NQF, QF-EHEA cycle)"),
        ("assessment", "Type of assessment"),
        ("participation", "Form of participation"),
        ("quality_assurance", "Type of quality assurance"),
    ):
        empty = {"title": "", "awarding_bodies": [], "learning_outcomes": []}.get(field)
        found = report(SpecificationContent.model_validate(annex_i_minimum(**{field: empty})))
        assert not found.publishable
        assert len(found.blocking) == 1 and found.blocking[0].startswith(label + ":"), (field, found.blocking)


def test_credits_alone_or_an_nqf_level_alone_satisfy_workload_and_level() -> None:
    content = annex_i_minimum(workload_hours=None, credits={"system": "ECTS", "value": "2"}, eqf_level=None)
    content["nqf"] = {"framework": "Irish NFQ", "level": "7"}
    assert report(SpecificationContent.model_validate(content)).publishable


def test_unknown_skills_block_publishing() -> None:
    content = SpecificationContent.model_validate(annex_i_minimum())
    found = report(content, unknown_skills=("http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000",))
    assert not found.publishable and "not in ESCO" in found.blocking[0]


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
    problems = checks.lint_outcome(text)
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
    assert checks.lint_outcome(text) == []


@pytest.mark.parametrize(
    ("hours", "typology"),
    [
        ("1", "skill_credential"),
        ("24.9", "skill_credential"),
        ("25", "learning_unit"),  # the bands touch: a boundary belongs to the larger band
        ("149.9", "learning_unit"),
        ("150", "short_learning_programme"),
        ("1500", "short_learning_programme"),
        ("1500.1", None),
        ("0.5", None),
    ],
)
def test_size_typology_follows_etf_table_2(hours: str, typology: str | None) -> None:
    assert checks.size(SpecificationContent(workload_hours=Decimal(hours))).typology == typology


def test_size_is_estimated_from_credits_when_hours_are_missing() -> None:
    found = checks.size(SpecificationContent.model_validate({"credits": {"system": "ECTS", "value": "6"}}))
    assert found.typology == "short_learning_programme" and "about 165 hours" in found.explanation


def test_conversions_are_shown_not_silently_rounded() -> None:
    assert checks.conversions(Decimal("60")) == [
        "ECTS: = 2–2.4 credits (25–30 h per credit)",
        "UK: = 6 credits (10 h per credit)",
        "NZ: = 6 credits (10 h per credit)",
        "ZA: = 6 credits (10 h per credit)",
        "US: = 1.25 credits (48 h per credit)",
    ]
    odd = checks.conversions(Decimal("62.5"))
    assert odd[0] == "ECTS: ≈ 2.08–2.5 credits (25–30 h per credit)" and odd[-1].startswith("US: ≈ 1.3")


def test_hours_that_disagree_with_the_credits_are_a_warning_with_both_numbers() -> None:
    content = SpecificationContent.model_validate(
        annex_i_minimum(workload_hours="20", credits={"system": "ECTS", "value": "5"})
    )
    transparency = next(d for d in report(content).etf if d.key == "transparency")
    item = next(i for i in transparency.items if i.key == "credits_consistent")
    assert item.status == "warning" and "125–150 hours" in item.message and "20 hours" in item.message


def test_every_etf_dimension_is_reported_with_why_it_matters() -> None:
    dimensions = report(SpecificationContent()).etf
    assert [d.key for d in dimensions] == [
        "quality_assurance",
        "transparency",
        "portability",
        "relevance",
        "valid_assessment",
        "learning_pathways",
        "recognition",
        "learner_centred",
        "information_guidance",
    ]
    assert all(d.why for d in dimensions)
    complete = report(full()).etf
    assert sum(d.met for d in complete) > sum(d.met for d in dimensions)
    attendance = next(
        d for d in report(full().model_copy(update={"assessment": None})).etf if d.key == "valid_assessment"
    )
    assert next(i for i in attendance.items if i.key == "assessed").message.startswith("Without assessment")


def test_an_overdue_review_is_missing_in_quality_assurance() -> None:
    overdue = report(full(), editions=1, review_due=date(2026, 11, 1))
    item = next(i for d in overdue.etf if d.key == "quality_assurance" for i in d.items if i.key == "review")
    assert item.status == "missing" and "2026-11-01" in item.message
    on_time = report(full(), editions=1, review_due=date(2027, 6, 1))
    assert next(i for d in on_time.etf for i in d.items if i.key == "review").status == "met"


def test_the_cmf_profile_fails_each_rule_with_its_reason() -> None:
    found = report(SpecificationContent.model_validate(annex_i_minimum(eqf_level=7)), profiles=("cmf",)).profiles[0]
    assert not found.passed
    reasons = {rule.key: rule.message for rule in found.rules if rule.status == "missing"}
    assert set(reasons) == {"hours", "level", "summative", "ects", "id_verification", "transcript"}
    assert "60 h" in reasons["hours"] and "EQF 7" in reasons["level"]
    fitting = full().model_copy(
        update={"workload_hours": Decimal(125), "credits": full().credits.model_copy(update={"value": Decimal(5)})}  # type: ignore[union-attr]
    )
    assert report(fitting, profiles=("cmf",)).profiles[0].passed


def test_the_new_zealand_profile() -> None:
    small = SpecificationContent.model_validate(annex_i_minimum(workload_hours="8"))
    rules = {r.key: r for r in report(small, profiles=("nz",)).profiles[0].rules}
    assert rules["min_credit"].status == "missing" and "0.8" in rules["min_credit"].message
    assert rules["typical_size"].status == "warning"
    assert rules["level"].status == "missing" and rules["need"].status == "missing"
    nz = full().model_copy(
        update={"nqf": full().nqf.model_copy(update={"framework": "NZQCF", "level": "5"})}  # type: ignore[union-attr]
    )
    assert report(nz, profiles=("nz",)).profiles[0].passed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eqf_level": 9}, "eqf_level"),
        ({"eqf_level": 0}, "eqf_level"),
        ({"workload_hours": "-5"}, "workload_hours"),
        ({"workload_hours": "100000"}, "workload_hours"),
        ({"credits": {"value": "5"}}, "credits.system"),
        ({"credits": {"system": "XYZ", "value": "5"}}, "credits.system"),
        ({"languages": ["english"]}, "languages"),
        ({"issuer_country": "XX"}, "issuer_country"),
        ({"learning_outcomes": [{"text": "Analyse data", "skills": ["java"]}]}, "learning_outcomes.0.skills"),
        ({"field": "9999"}, "field"),
        ({"price": {"amount": "10", "currency": "ZZZ"}}, "price.currency"),
        ({"title": "bad\x00title"}, "title"),
        ({"offer_start": "2027-02-01", "offer_end": "2027-01-01"}, "offer_end"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_values_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SpecificationContent.model_validate(annex_i_minimum(**change))
    rendered = str(raised.value)
    assert field.split(".")[0] in rendered, rendered
