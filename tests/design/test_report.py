"""The design report: what blocks publishing, and every part of the advice brought together."""

from __future__ import annotations

from microcred.design import checks
from microcred.design.schemas import SpecificationContent

from .fixtures import annex_i_minimum, full, report_on


def test_unknown_skills_block_publishing() -> None:
    content = SpecificationContent.model_validate(annex_i_minimum())
    found = report_on(
        content, unknown_skills=("http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000",)
    )
    assert not found.publishable and "not in ESCO" in found.blocking[0]


def test_the_report_brings_every_part_together() -> None:
    found = report_on(full(), profiles=("nz", "cmf"))
    assert found.publishable and found.blocking == []
    assert [item.key for item in found.annex_i] == [item.key for item in checks.annex_i(full())]
    assert len(found.etf) == 9 and [o.index for o in found.outcomes] == [0, 1]
    assert found.size.typology == "learning_unit"
    assert [profile.key for profile in found.profiles] == ["nz", "cmf"]  # in the order the organisation chose
    assert report_on(full()).profiles == []


def test_only_annex_i_blocks_advice_never_does() -> None:
    # The ETF checklist and the outcome lint find plenty here, yet Annex I is complete.
    content = SpecificationContent.model_validate(
        annex_i_minimum(learning_outcomes=[{"text": "Introduction to spreadsheets"}])
    )
    found = report_on(content, profiles=("cmf",))
    assert found.outcomes[0].problems and not found.profiles[0].passed
    assert any(item.status != checks.MET for dimension in found.etf for item in dimension.items)
    assert found.publishable and found.blocking == []
