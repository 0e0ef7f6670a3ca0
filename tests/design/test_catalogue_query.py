"""A catalogue search read from the URL: every parameter checked and a wrong one named, repeated parameters,
and what only the database can tell (providers and skills that do not exist)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from microcred.design import catalogue, catalogue_query
from microcred.design.catalogue_query import parse_query
from microcred.design.schemas import CatalogueQuery
from microcred.errors import InvalidInput

from .fixtures import SKILL, make_shelf


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.fixture
def shelf(db: Session) -> dict[str, Any]:
    return make_shelf(db)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"eqf": ["9"]}, "EQF level: 9 is not an EQF level"),
        ({"eqf": ["high"]}, "EQF level must be a whole number."),
        ({"field": ["0999"]}, "Field (ISCED-F): '0999' is not a known ISCED-F field"),
        ({"skill": ["http://example.com/x"]}, "ESCO skill: 'http://example.com/x' is not an ESCO skill URI"),
        ({"language": ["xx"]}, "Language: 'xx' is not an ISO 639-1"),
        ({"hours_min": "-1"}, "Workload, hours from must be at least 0."),
        ({"credit_system": "ABC"}, "Credit system: 'ABC' is not a credit system"),
        ({"sort": "random"}, "Order must be one of: relevance, newest"),
        ({"per_page": "1000"}, "Results per page must be at most 100."),
        ({"colour": "red"}, "Unknown search parameter 'colour'"),
        ({"q": "x" * 201}, "Search words must be at most 200 characters long."),
    ],
)
def test_a_bad_query_is_refused_naming_the_parameter(params: dict[str, Any], message: str) -> None:
    multi = {key: value if isinstance(value, list) else [value] for key, value in params.items()}
    flat = {key: value[0] if isinstance(value, list) else value for key, value in params.items()}
    with pytest.raises(InvalidInput) as raised:
        parse_query(flat, multi)
    assert raised.value.code == "invalid_query" and message in raised.value.detail


def test_unknown_providers_and_skills_are_named(db: Session, shelf: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="there is no provider 'nobody'"):
        catalogue.search(db, CatalogueQuery(provider=["nobody"]))
    unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    with pytest.raises(InvalidInput, match="is not an ESCO skill"):
        catalogue.search(db, CatalogueQuery(skill=[unknown]))


def test_a_repeated_parameter_gives_every_value_and_any_other_its_last() -> None:
    query = catalogue_query.parse_url_query(
        [("language", "en"), ("q", "data"), ("language", "fr"), ("q", "python"), ("eqf", ""), ("field", "")]
    )
    assert query.language == ["en", "fr"] and query.q == "python"
    assert query.eqf == [] and query.field == []  # an empty value is no value
    assert catalogue_query.parse_url_query([]) == CatalogueQuery()
    assert set(catalogue_query.FACETS) == catalogue_query.LIST_PARAMETERS
    assert set(catalogue_query.SORTS) == {"relevance", "newest", "title", "workload", "price", "level"}


def test_providers_and_skills_that_exist_pass_the_database_check(db: Session, shelf: dict[str, Any]) -> None:
    catalogue_query.check_query(db, CatalogueQuery(provider=["zed", "yon"], skill=[SKILL]))
    with pytest.raises(InvalidInput) as raised:
        catalogue_query.check_query(db, CatalogueQuery(provider=["zed", "nobody"]))
    assert raised.value.code == "invalid_query"
