"""A catalogue search as the URL gives it: facets and sorts the catalogue offers, parameters read and checked,
and what only the database can tell about them (providers and skills that do not exist)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import plain
from microcred.accounts.models import Organisation
from microcred.design.schemas import CatalogueQuery
from microcred.errors import InvalidInput
from microcred.taxonomy import service as taxonomy

# Facets, in the order pages show them, with what each filters on.
FACETS = {
    "field": "Field (ISCED-F)",
    "skill": "ESCO skill",
    "eqf": "EQF level",
    "size": "Size",
    "mode": "Form of participation",
    "delivery": "Delivery",
    "language": "Language",
    "provider": "Provider",
    "qa": "Quality assurance",
    "audience": "Audience",
    "price": "Price",
}
SORTS = {
    "relevance": "Best match",
    "newest": "Newest",
    "title": "Title",
    "workload": "Workload, smallest first",
    "price": "Price, lowest first",
    "level": "EQF level, lowest first",
}

LIST_PARAMETERS = frozenset(FACETS)
# What the catalogue page calls each parameter, to name it in a refusal.
QUERY_LABELS = {
    **FACETS,
    "q": "Search words",
    "hours_min": "Workload, hours from",
    "hours_max": "Workload, hours to",
    "credits_min": "ECTS credits from",
    "credits_max": "ECTS credits to",
    "price_max": "Most I would pay (EUR)",
    "sort": "Order",
}


def parse_query(params: Mapping[str, Any], multi: Mapping[str, list[str]]) -> CatalogueQuery:
    """A query from URL parameters (`multi` holds every value of the repeatable ones); errors name the parameter."""
    data: dict[str, Any] = {}
    for key, value in params.items():
        if key in LIST_PARAMETERS:
            data[key] = [v for v in multi.get(key, []) if v != ""]
        elif value != "":
            data[key] = value
    unknown = sorted(set(data) - set(CatalogueQuery.model_fields))
    if unknown:
        raise InvalidInput(f"Unknown search parameter {unknown[0]!r}.", code="invalid_query")
    try:
        return CatalogueQuery.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]  # named by its parameter, not by the value's place in a list
        said = plain.sentence({**problem, "loc": problem["loc"][:1]}, QUERY_LABELS)
        raise InvalidInput(said, code="invalid_query") from None


def parse_url_query(pairs: Iterable[tuple[str, str]]) -> CatalogueQuery:
    """A query from the URL's (name, value) pairs in order: a repeatable parameter takes every value given
    (?language=en&language=fr), any other its last one."""
    params: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        params[key] = value
        multi.setdefault(key, []).append(value)
    return parse_query(params, multi)


def check_query(db: Session, query: CatalogueQuery) -> None:
    """What only the database can tell: providers and skills that do not exist."""
    if query.provider:
        known = set(db.scalars(select(Organisation.slug).where(Organisation.slug.in_(query.provider))))
        missing = [slug for slug in query.provider if slug not in known]
        if missing:
            raise InvalidInput(f"Provider: there is no provider {missing[0]!r}.", code="invalid_query")
    if query.skill and taxonomy.release(db) is not None:
        known = set(taxonomy.skills_by_uri(db, query.skill))
        missing = [uri for uri in query.skill if uri not in known]
        if missing:
            raise InvalidInput(f"ESCO skill: {missing[0]} is not an ESCO skill.", code="unknown_skill")
