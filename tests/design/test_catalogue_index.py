"""The in-memory arrays answer exactly what the same query answers in SQL, counts included, on both databases."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from bench.catalogue_speed import esco_labels, fill
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation
from microcred.design import catalogue, catalogue_index, catalogue_query
from microcred.design.catalogue import sql_conditions
from microcred.design.catalogue_query import FACETS
from microcred.design.models import CatalogueEntry, CatalogueTerm, CatalogueValue, Specification
from microcred.design.schemas import CatalogueQuery

ESCO = Path(__file__).resolve().parents[3] / "shared" / "esco" / "v1.1.1"
WORDS = ["data", "manage", "safety", "customer", "teach", "analyse", "digital", "food", "report", "welding"]


@pytest.fixture
def generated(db: Session) -> list[tuple[str, str]]:
    skills = esco_labels(ESCO, limit=300)
    fill(db, 400, skills)
    db.commit()
    return skills


def random_query(rng: random.Random, index: catalogue_index.FacetIndex) -> CatalogueQuery:
    data: dict[str, Any] = {}
    if rng.random() < 0.6:
        data["q"] = " ".join(rng.sample(WORDS, rng.randint(1, 2)))
    for facet in rng.sample(list(FACETS), rng.randint(0, 3)):
        values = [value for (f, value) in index.codes if f == facet]
        data[facet] = rng.sample(values, min(len(values), rng.randint(1, 2)))
    if rng.random() < 0.3:
        data["hours_min"], data["hours_max"] = rng.choice([(0, 30), (25, 150), (100, 500)])
    if rng.random() < 0.2:
        data["credits_min"] = rng.choice([1, 2, 4])
    if rng.random() < 0.2:
        data["price_max"] = rng.choice([0, 100, 900])
    data["sort"] = rng.choice(list(catalogue_query.SORTS))
    data["per_page"] = 100
    return CatalogueQuery.model_validate(data)


def every_result(db: Session, query: CatalogueQuery) -> tuple[int, list[str], dict[str, dict[str, int]]]:
    first = catalogue.search(db, query)
    found = [str(card.id) for card in first.items]
    page = 1
    while len(found) < first.total:
        page += 1
        found += [str(card.id) for card in catalogue.search(db, query.model_copy(update={"page": page})).items]
    counts = {facet: {v.value: v.count for v in values if v.count} for facet, values in first.facets.items()}
    return first.total, found, counts


def in_sql(db: Session, query: CatalogueQuery) -> tuple[set[str], dict[str, dict[str, int]]]:
    dialect = db.get_bind().dialect.name
    where = sql_conditions(dialect, query)
    ids = {str(i) for i in db.scalars(select(CatalogueEntry.specification_id).where(*where))}
    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        # A facet with a selection is counted without it (disjunctive), the others within the results.
        conditions = sql_conditions(dialect, query.model_copy(update={facet: []})) if query.selected(facet) else where
        rows = db.execute(
            select(CatalogueValue.value, func.count())
            .join(CatalogueTerm, CatalogueTerm.value_id == CatalogueValue.id)
            .where(
                CatalogueValue.facet == facet, CatalogueTerm.entry_id.in_(select(CatalogueEntry.id).where(*conditions))
            )
            .group_by(CatalogueValue.value)
        )
        counts[facet] = dict(rows.all())
    return ids, counts


def test_the_arrays_agree_with_sql_on_random_queries(db: Session, generated: list[tuple[str, str]]) -> None:
    rng = random.Random(11)  # noqa: S311
    index = catalogue_index.current(db)
    assert index.size == 400
    nonempty = 0
    for _ in range(60):
        query = random_query(rng, index)
        total, found, counts = every_result(db, query)
        expected, expected_counts = in_sql(db, query)
        assert total == len(found) == len(set(found)), query
        assert set(found) == expected, query
        if total:
            nonempty += 1
            for facet in FACETS:
                top = dict(sorted(expected_counts[facet].items(), key=lambda item: (-item[1], item[0]))[:20])
                shown = {v: c for v, c in counts[facet].items() if v in top or v not in query.selected(facet)}
                assert shown == top, (facet, query)
    assert nonempty >= 20  # the random queries are not all empty


def test_sorts_follow_the_numbers_with_missing_ones_last(db: Session, generated: list[tuple[str, str]]) -> None:
    query = CatalogueQuery(per_page=100, sort="price")
    prices = [card.summary["price"] for card in catalogue.search(db, query).items]
    amounts = [float(p["amount"]) for p in prices if p is not None]
    assert amounts == sorted(amounts)
    assert all(p is not None for p in prices[: len(amounts)])
    hours = [
        card.summary["workload_hours"]
        for card in catalogue.search(db, query.model_copy(update={"sort": "workload"})).items
    ]
    assert hours == sorted(hours)
    titles = [
        card.summary["title"].casefold()
        for card in catalogue.search(db, query.model_copy(update={"sort": "title"})).items
    ]
    assert titles == sorted(titles)


def test_any_change_to_the_catalogue_rebuilds_the_arrays(db: Session, generated: list[tuple[str, str]]) -> None:
    before = catalogue_index.current(db)
    assert catalogue_index.current(db) is before  # unchanged: reused
    provider = db.scalar(select(Organisation).where(Organisation.slug == "provider-3"))
    assert provider is not None
    listed = catalogue.search(db, CatalogueQuery(provider=["provider-3"])).total
    assert listed == 10
    # Deleting specifications cascades to their entries without our code: the database triggers still tell.
    db.execute(delete(Specification).where(Specification.organisation_id == provider.id))
    db.commit()
    after = catalogue_index.current(db)
    assert after is not before and after.size == 390
    assert catalogue.search(db, CatalogueQuery()).total == 390
    assert "provider-3" not in {v.value for v in catalogue.search(db, CatalogueQuery()).facets["provider"]}
