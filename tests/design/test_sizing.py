"""Size and credits: ETF's typology, the workload in each credit system, hours that disagree with credits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microcred.design import sizing
from microcred.design.schemas import SpecificationContent

from .fixtures import annex_i_minimum


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
    assert sizing.size(SpecificationContent(workload_hours=Decimal(hours))).typology == typology


def test_size_is_estimated_from_credits_when_hours_are_missing() -> None:
    found = sizing.size(SpecificationContent.model_validate({"credits": {"system": "ECTS", "value": "6"}}))
    assert found.typology == "short_learning_programme" and "about 165 hours" in found.explanation
    unknown = sizing.size(SpecificationContent())
    assert (unknown.typology, unknown.label, unknown.conversions) == (None, "Unknown", [])


def test_conversions_are_shown_not_silently_rounded() -> None:
    assert sizing.conversions(Decimal("60")) == [
        "ECTS: = 2–2.4 credits (25–30 h per credit)",
        "UK: = 6 credits (10 h per credit)",
        "NZ: = 6 credits (10 h per credit)",
        "ZA: = 6 credits (10 h per credit)",
        "US: = 1.25 credits (48 h per credit)",
    ]
    odd = sizing.conversions(Decimal("62.5"))
    assert odd[0] == "ECTS: ≈ 2.08–2.5 credits (25–30 h per credit)" and odd[-1].startswith("US: ≈ 1.3")


def test_hours_and_credits_that_disagree_are_named_with_both_numbers() -> None:
    def consistent(**changes: object) -> str | None:
        return sizing.credits_consistent(SpecificationContent.model_validate(annex_i_minimum(**changes)))

    assert consistent(workload_hours="150", credits={"system": "ECTS", "value": "5"}) is None
    assert consistent(workload_hours="20", credits={"system": "ECTS", "value": "5"}) == (
        "5 ECTS credits mean 125–150 hours, but the workload says 20 hours."
    )
    assert consistent(workload_hours="20", credits={"system": "UK", "value": "5"}) == (
        "5 UK credits mean 50 hours, but the workload says 20 hours."
    )
    assert consistent(workload_hours=None, credits={"system": "UK", "value": "5"}) is None
    assert sizing.credit_range(Decimal(2), "ECTS") == (Decimal(50), Decimal(60))


def test_numbers_are_written_as_people_write_them() -> None:
    assert [sizing.number_text(v) for v in (Decimal("2.50"), Decimal("1E+3"), 7, 0.5)] == ["2.5", "1000", "7", "0.5"]
