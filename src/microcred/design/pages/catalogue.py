"""HTML routes of the public catalogue: search with facets, a micro-credential's page, side-by-side comparison."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from microcred.design import catalogue, catalogue_query, sizing
from microcred.design import service as design
from microcred.design.formats import JSONLD
from microcred.design.labels import vocabularies
from microcred.design.schemas import CatalogueQuery, FacetValue
from microcred.errors import InvalidInput
from microcred.quality import service as quality
from microcred.web.security import DB, Anyone, Caller, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)


def _visible(facet: str, values: list[FacetValue], query: CatalogueQuery) -> list[FacetValue]:
    """Broad fields always; a narrower field once its parent is chosen (ISCED-F has 80 detailed fields)."""
    if facet != "field":
        return values
    chosen = set(query.field)
    return [v for v in values if len(v.value) == 2 or v.value[:-1] in chosen or v.value[:2] in chosen or v.selected]


RANGES = ("hours_min", "hours_max", "credits_min", "credits_max", "price_max")


def _active_filters(query: CatalogueQuery) -> int:
    """How many filters the search has: each ticked value and each bound typed."""
    ticked = sum(len(getattr(query, facet)) for facet in catalogue_query.FACETS)
    return ticked + sum(getattr(query, bound) is not None for bound in RANGES)


def _page_link(request: Request, page: int) -> str:
    pairs = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    return "/catalogue?" + urlencode([*pairs, ("page", str(page))])


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, caller: Anyone, db: DB) -> Response:
    try:
        query = catalogue_query.parse_url_query(request.query_params.multi_items())
        results = catalogue.search(db, query)
    except InvalidInput as error:
        return render(
            request,
            "catalogue.html",
            caller,
            db=db,
            title="Find a micro-credential",
            error=error.detail,
            query=CatalogueQuery(),
            results=None,
            status_code=422,
        )
    pages = (results.total + query.per_page - 1) // query.per_page
    return render(
        request,
        "catalogue.html",
        caller,
        db=db,
        title="Find a micro-credential",
        query=query,
        results=results,
        facets=[
            (facet, label, _visible(facet, results.facets.get(facet, []), query))
            for facet, label in catalogue_query.FACETS.items()
        ],
        sort_options=[(key, label) for key, label in catalogue_query.SORTS.items() if key != "relevance"],
        active=_active_filters(query),
        previous_page=_page_link(request, query.page - 1) if query.page > 1 else None,
        next_page=_page_link(request, query.page + 1) if query.page < pages else None,
        pages=pages,
        max_compare=catalogue.MAX_COMPARE,
        **vocabularies(),
    )


@router.get("/catalogue/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    caller: Anyone,
    db: DB,
    id: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
) -> Response:
    try:
        items = catalogue.compare(db, id)
    except InvalidInput as error:
        return render(
            request,
            "catalogue_compare.html",
            caller,
            db=db,
            title="Compare",
            error=error.detail,
            items=[],
            status_code=422,
        )
    return render(
        request,
        "catalogue_compare.html",
        caller,
        db=db,
        title="Compare: " + ", ".join(item.content.title for item in items),
        items=items,
        sizes={item.spec.id: sizing.size(item.content) for item in items},
        **vocabularies(),
    )


@router.get("/catalogue/providers/{slug}")
def provider_page(slug: str, caller: Anyone, db: DB) -> Response:
    found = catalogue.provider(db, slug)
    return RedirectResponse("/catalogue?" + urlencode({"provider": found.slug}), status_code=303)


def _item_page(request: Request, caller: Caller, db: DB, found: catalogue.Listed) -> Response:
    return render(
        request,
        "catalogue_item.html",
        caller,
        db=db,
        title=found.content.title,
        item=found,
        c=found.content,
        labels=found.skill_labels,
        size=sizing.size(found.content),
        quality=quality.published(
            quality.figures(db, found.spec.id, minimum=settings_of(request).quality_min_responses)
        ),
        **vocabularies(),
    )


@router.get("/catalogue/{spec_id}", response_class=HTMLResponse)
def item_page(request: Request, spec_id: uuid.UUID, caller: Anyone, db: DB) -> Response:
    return _item_page(request, caller, db, catalogue.published(db, spec_id))


@router.get("/catalogue/{spec_id}/editions/{number}", response_class=HTMLResponse)
def edition_page(request: Request, spec_id: uuid.UUID, number: int, caller: Anyone, db: DB) -> Response:
    """The address ELM and OB3 documents use as the edition's id: JSON-LD for machines that ask, a page for people."""
    found = catalogue.published(db, spec_id, number)
    if JSONLD in request.headers.get("accept", ""):
        document = design.export(
            db, found.organisation, found.spec, fmt="elm", base_url=settings_of(request).base_url, edition_number=number
        )
        return JSONResponse(document, media_type=JSONLD)
    return _item_page(request, caller, db, found)
