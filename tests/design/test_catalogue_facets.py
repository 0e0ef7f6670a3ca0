"""Facet counts of a catalogue search: disjunctive, labelled, the chosen values always shown."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from microcred.design import catalogue, catalogue_facets
from microcred.design.schemas import CatalogueQuery

from .fixtures import SKILL, make_shelf


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.fixture
def shelf(db: Session) -> dict[str, Any]:
    return make_shelf(db)


def test_facet_counts_are_disjunctive(db: Session, shelf: dict[str, Any]) -> None:
    results = catalogue.search(db, CatalogueQuery(language=["fr"]))
    assert results.total == 2
    languages = {f.value: (f.count, f.selected) for f in results.facets["language"]}
    # The language facet ignores its own selection: English and Dutch can still be added.
    assert languages == {"en": (2, False), "fr": (2, True), "nl": (1, False)}
    # The other facets count within the French results.
    assert {f.value: f.count for f in results.facets["eqf"]} == {"4": 1, "5": 1}
    assert {f.value: f.count for f in results.facets["provider"]} == {"yon": 1, "zed": 1}
    assert {f.label for f in results.facets["provider"]} == {"University of Zed", "Yonder Institute"}
    fields = {f.value: f.count for f in results.facets["field"]}
    assert fields == {"06": 1, "061": 1, "0613": 1, "09": 1, "092": 1, "0922": 1}
    skill = next(f for f in results.facets["skill"] if f.value == SKILL)
    assert skill.label == "stimulate creativity in the team"
    assert catalogue.search(db, CatalogueQuery(q="nothing-like-this")).facets == {}


def test_a_chosen_value_with_no_results_is_still_shown_and_values_have_their_labels(
    db: Session, shelf: dict[str, Any]
) -> None:
    results = catalogue.search(db, CatalogueQuery(language=["de"], eqf=[4]))
    assert results.total == 0 and results.facets == {}  # nothing matched: nothing to count
    results = catalogue.search(db, CatalogueQuery(language=["fr", "de"]))
    languages = {f.value: (f.label, f.count, f.selected) for f in results.facets["language"]}
    assert languages["de"] == ("German", 0, True) and languages["fr"] == ("French", 2, True)
    sizes = [f.value for f in results.facets["size"]]
    assert sizes == sorted(sizes, key=["skill_credential", "learning_unit", "short_learning_programme"].index)
    assert {f.label for f in results.facets["price"]} <= {"Free", "Paid"}
    assert all(len(values) <= catalogue_facets.TOP_VALUES + 2 for values in results.facets.values())
