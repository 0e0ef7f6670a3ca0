"""JSON routes of the public catalogue: search with facets, one micro-credential, comparison, documents."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from microcred.design import catalogue, catalogue_query
from microcred.design import service as design
from microcred.design.formats import JSONLD
from microcred.design.schemas import CatalogueQuery, ListedOut, Results, SpecificationDocumentOut
from microcred.web.security import DB, Anyone, settings_of

router = APIRouter(prefix="/api/catalogue", tags=["catalogue"])


def _documented_parameters() -> list[dict[str, Any]]:
    properties = CatalogueQuery.model_json_schema()["properties"]
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": field.description or "",
            "schema": {k: v for k, v in properties[name].items() if k != "title"},
            **({"style": "form", "explode": True} if name in catalogue_query.LIST_PARAMETERS else {}),
        }
        for name, field in CatalogueQuery.model_fields.items()
    ]


@router.get(
    "",
    response_model=Results,
    summary="Search the published micro-credentials: full text, filters, facet counts, sorting",
    openapi_extra={"parameters": _documented_parameters()},
)
def search(request: Request, caller: Anyone, db: DB) -> Results:
    # Repeat a parameter to give several values: ?language=en&language=fr.
    return catalogue.search(db, catalogue_query.parse_url_query(request.query_params.multi_items()))


@router.get("/compare", response_model=list[ListedOut], summary="Up to four micro-credentials side by side")
def compare(caller: Anyone, db: DB, id: Annotated[list[str], Query(max_length=10)]) -> list[ListedOut]:
    return [catalogue.listed_out(found) for found in catalogue.compare(db, id)]


@router.get("/{spec_id}", response_model=ListedOut, summary="A listed micro-credential, its latest edition")
def listed(spec_id: uuid.UUID, caller: Anyone, db: DB) -> ListedOut:
    return catalogue.listed_out(catalogue.published(db, spec_id))


@router.get("/{spec_id}/editions/{number}", response_model=ListedOut, summary="A published edition")
def edition(spec_id: uuid.UUID, number: int, caller: Anyone, db: DB) -> ListedOut:
    return catalogue.listed_out(catalogue.published(db, spec_id, number))


@router.get(
    "/{spec_id}/export",
    summary="A published edition as ELM JSON-LD or an Open Badges 3.0 Achievement",
    response_class=JSONResponse,
    response_model=SpecificationDocumentOut,
)
def export(
    spec_id: uuid.UUID,
    request: Request,
    caller: Anyone,
    db: DB,
    format: Annotated[str, Query(pattern="^(elm|ob3)$")] = "elm",
    edition: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    found = catalogue.published(db, spec_id, edition)
    document = design.export(
        db,
        found.organisation,
        found.spec,
        fmt=format,
        base_url=settings_of(request).base_url,
        edition_number=found.edition.number,
    )
    return JSONResponse(document, media_type=JSONLD)
