"""Annex I completeness, the only check that blocks publishing, and the items every check gives."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from microcred.design import checks
from microcred.design.schemas import SpecificationContent

from .fixtures import annex_i_minimum, full, report_on


def test_the_annex_i_minimum_is_publishable_and_each_missing_element_is_named() -> None:
    assert report_on(SpecificationContent.model_validate(annex_i_minimum())).publishable
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
        found = report_on(SpecificationContent.model_validate(annex_i_minimum(**{field: empty})))
        assert not found.publishable
        assert len(found.blocking) == 1 and found.blocking[0].startswith(label + ":"), (field, found.blocking)


def test_credits_alone_or_an_nqf_level_alone_satisfy_workload_and_level() -> None:
    content = annex_i_minimum(workload_hours=None, credits={"system": "ECTS", "value": "2"}, eqf_level=None)
    content["nqf"] = {"framework": "Irish NFQ", "level": "7"}
    assert report_on(SpecificationContent.model_validate(content)).publishable


def test_annex_i_says_what_is_given_and_what_is_filled_in_when_issuing() -> None:
    items = {item.key: item for item in checks.annex_i(full())}
    assert list(items)[:3] == ["learner", "title", "issuer_country"]
    assert {key for key, item in items.items() if item.status == checks.INFO} == {"learner", "date_of_issuing", "grade"}
    assert items["issuer_country"].message == "Ireland, Leinster."
    assert items["workload"].message == "62.5 hours = 2.5 ECTS credits."
    assert items["level"].message == "EQF 6, Irish NFQ level 8, First cycle (bachelor)."
    assert items["stackability"].message == "Stackable towards MSc Data Science."
    assert items["prerequisites"].label == "Prerequisites (optional)" and items["prerequisites"].status == checks.MET
    bare = {item.key: item for item in checks.annex_i(SpecificationContent())}
    assert bare["prerequisites"].status == checks.INFO and bare["prerequisites"].message == "Not given (optional)."
    assert {key for key in checks.MANDATORY if bare[key].status == checks.MISSING} == set(checks.MANDATORY)


def test_an_item_is_met_missing_or_only_a_warning() -> None:
    assert checks.item("k", "Label", True, "Fine.", "Fix it.").model_dump() == {
        "key": "k",
        "label": "Label",
        "status": "met",
        "message": "Fine.",
    }
    assert checks.item("k", "Label", False, "Fine.", "Fix it.").status == checks.MISSING
    soft = checks.item("k", "Label", False, "Fine.", "Fix it.", soft=True)
    assert (soft.status, soft.message) == (checks.WARNING, "Fix it.")


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
