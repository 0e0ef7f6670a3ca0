"""Framework profiles: the Common Microcredential Framework and New Zealand's rules, rule by rule."""

from __future__ import annotations

from decimal import Decimal

from microcred.design import profiles
from microcred.design.schemas import SpecificationContent

from .fixtures import annex_i_minimum, full, report_on


def test_the_cmf_profile_fails_each_rule_with_its_reason() -> None:
    found = report_on(SpecificationContent.model_validate(annex_i_minimum(eqf_level=7)), profiles=("cmf",)).profiles[0]
    assert not found.passed
    reasons = {rule.key: rule.message for rule in found.rules if rule.status == "missing"}
    assert set(reasons) == {"hours", "level", "summative", "ects", "id_verification", "transcript"}
    assert "60 h" in reasons["hours"] and "EQF 7" in reasons["level"]
    fitting = full().model_copy(
        update={"workload_hours": Decimal(125), "credits": full().credits.model_copy(update={"value": Decimal(5)})}  # type: ignore[union-attr]
    )
    assert report_on(fitting, profiles=("cmf",)).profiles[0].passed


def test_the_new_zealand_profile() -> None:
    small = SpecificationContent.model_validate(annex_i_minimum(workload_hours="8"))
    rules = {r.key: r for r in report_on(small, profiles=("nz",)).profiles[0].rules}
    assert rules["min_credit"].status == "missing" and "0.8" in rules["min_credit"].message
    assert rules["typical_size"].status == "warning"
    assert rules["level"].status == "missing" and rules["need"].status == "missing"
    nz = full().model_copy(
        update={"nqf": full().nqf.model_copy(update={"framework": "NZQCF", "level": "5"})}  # type: ignore[union-attr]
    )
    assert report_on(nz, profiles=("nz",)).profiles[0].passed


def test_profiles_are_reported_in_the_order_chosen_and_a_warning_does_not_fail_one() -> None:
    assert set(profiles.PROFILES) == {"cmf", "nz"}
    assert all(label for label, _rules in profiles.PROFILES.values())
    nz = full().model_copy(
        update={
            "nqf": full().nqf.model_copy(update={"framework": "NZQCF", "level": "5"}),  # type: ignore[union-attr]
            "workload_hours": Decimal(600),  # 60 credits: larger than is typical, which is only a warning
            "credits": None,
        }
    )
    found = profiles.profiles(nz, ("nz", "cmf"))
    assert [p.key for p in found] == ["nz", "cmf"]
    typical = next(r for r in found[0].rules if r.key == "typical_size")
    assert typical.status == "warning" and found[0].passed
    assert profiles.profiles(nz, ()) == []
