"""The ETF design checklist: nine dimensions, each with why it matters and advice that names what to do."""

from __future__ import annotations

from datetime import date

from microcred.design import etf
from microcred.design.checks import INFO, Context
from microcred.design.schemas import SpecificationContent

from .fixtures import TODAY, annex_i_minimum, full, report_on


def test_hours_that_disagree_with_the_credits_are_a_warning_with_both_numbers() -> None:
    content = SpecificationContent.model_validate(
        annex_i_minimum(workload_hours="20", credits={"system": "ECTS", "value": "5"})
    )
    transparency = next(d for d in report_on(content).etf if d.key == "transparency")
    item = next(i for i in transparency.items if i.key == "credits_consistent")
    assert item.status == "warning" and "125–150 hours" in item.message and "20 hours" in item.message


def test_every_etf_dimension_is_reported_with_why_it_matters() -> None:
    dimensions = report_on(SpecificationContent()).etf
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
    complete = report_on(full()).etf
    assert sum(d.met for d in complete) > sum(d.met for d in dimensions)
    attendance = next(
        d for d in report_on(full().model_copy(update={"assessment": None})).etf if d.key == "valid_assessment"
    )
    assert next(i for i in attendance.items if i.key == "assessed").message.startswith("Without assessment")


def test_an_overdue_review_is_missing_in_quality_assurance() -> None:
    overdue = report_on(full(), editions=1, review_due=date(2026, 11, 1))
    item = next(i for d in overdue.etf if d.key == "quality_assurance" for i in d.items if i.key == "review")
    assert item.status == "missing" and "2026-11-01" in item.message
    on_time = report_on(full(), editions=1, review_due=date(2027, 6, 1))
    assert next(i for d in on_time.etf for i in d.items if i.key == "review").status == "met"


def test_a_dimension_counts_what_is_met_leaving_information_out() -> None:
    dimensions = {d.key: d for d in etf.etf_checklist(full(), Context(today=TODAY))}
    portability = dimensions["portability"]
    assert {i.status for i in portability.items} == {INFO} and (portability.met, portability.total) == (0, 0)
    for dimension in dimensions.values():
        scored = [i for i in dimension.items if i.status != INFO]
        assert dimension.total == len(scored) and dimension.met == sum(i.status == "met" for i in scored)
    qa = {i.key: i for i in dimensions["quality_assurance"].items}
    assert qa["qa_external"].message == "QQI reviews it." and qa["qa_published"].status == "met"
