"""JSON routes of the design stage: an organisation's specifications, their checks, editions and documents."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from microcred.design import service as design
from microcred.design.formats import JSONLD
from microcred.design.models import Specification
from microcred.design.schemas import (
    EditionSummaryOut,
    ProfilesIn,
    PublishIn,
    ReportOut,
    ReviewIn,
    SpecificationContent,
    SpecificationDocumentOut,
    SpecificationOut,
    SpecificationRowOut,
)
from microcred.web.security import DB, Caller, Educators, OrgAdmins, settings_of

router = APIRouter(prefix="/api/orgs/{org}", tags=["design"])


def edition_out(edition: Any) -> EditionSummaryOut:
    return EditionSummaryOut(
        number=edition.number, published_at=edition.published_at, review_due=edition.review_due, changes=edition.changes
    )


def specification_out(db: DB, caller: Caller, spec: Specification) -> SpecificationOut:
    return SpecificationOut(
        id=spec.id,
        organisation=caller.org.slug,
        content=design.content_of(spec),
        status=design.status(spec),
        editions=[edition_out(e) for e in spec.editions],
        review_due=spec.review_due,
        report=design.report(db, caller.org, spec),
    )


def row_out(row: design.Row) -> SpecificationRowOut:
    return SpecificationRowOut(
        id=row.spec.id,
        title=row.spec.title,
        status=row.status,
        latest_edition=row.spec.editions[-1].number if row.spec.editions else None,
        review_due=row.spec.review_due,
        publishable=row.report.publishable,
        missing=len(row.report.blocking),
    )


@router.get("/specifications", response_model=list[SpecificationRowOut], summary="The organisation's specifications")
def list_specifications(org: str, caller: Educators, db: DB) -> list[SpecificationRowOut]:
    return [row_out(row) for row in design.specifications(db, caller.org)]


@router.post(
    "/specifications", response_model=SpecificationOut, status_code=201, summary="Create a specification (a draft)"
)
def create_specification(org: str, body: SpecificationContent, caller: Educators, db: DB) -> SpecificationOut:
    spec = design.create(db, caller.signed_in, caller.org, body)
    return specification_out(db, caller, design.get(db, caller.org, spec.id))


@router.post(
    "/specifications/import",
    response_model=SpecificationOut,
    status_code=201,
    summary="Create a draft from an ELM or Open Badges 3.0 document",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}},
)
async def import_specification(org: str, request: Request, caller: Educators, db: DB) -> SpecificationOut:
    _kind, spec = design.import_document(db, caller.signed_in, caller.org, await request.body())
    return specification_out(db, caller, design.get(db, caller.org, spec.id))


@router.get("/specifications/{spec_id}", response_model=SpecificationOut, summary="A specification and its checks")
def get_specification(org: str, spec_id: uuid.UUID, caller: Educators, db: DB) -> SpecificationOut:
    return specification_out(db, caller, design.get(db, caller.org, spec_id))


@router.put("/specifications/{spec_id}", response_model=SpecificationOut, summary="Replace the draft")
def update_specification(
    org: str, spec_id: uuid.UUID, body: SpecificationContent, caller: Educators, db: DB
) -> SpecificationOut:
    spec = design.update(db, caller.signed_in, caller.org, spec_id, body)
    return specification_out(db, caller, spec)


@router.get("/specifications/{spec_id}/report", response_model=ReportOut, summary="The design report of the draft")
def specification_report(org: str, spec_id: uuid.UUID, caller: Educators, db: DB) -> ReportOut:
    return design.report(db, caller.org, design.get(db, caller.org, spec_id))


@router.post(
    "/specifications/{spec_id}/publish",
    response_model=EditionSummaryOut,
    status_code=201,
    summary="Publish the draft as the next edition (refused while an Annex I element is missing)",
)
def publish_specification(
    org: str, spec_id: uuid.UUID, body: PublishIn, caller: Educators, db: DB
) -> EditionSummaryOut:
    edition = design.publish(db, caller.signed_in, caller.org, spec_id, review_due=body.review_due)
    return edition_out(edition)


@router.post("/specifications/{spec_id}/review", response_model=SpecificationOut, summary="Record a review")
def review_specification(org: str, spec_id: uuid.UUID, body: ReviewIn, caller: Educators, db: DB) -> SpecificationOut:
    spec = design.review(db, caller.signed_in, caller.org, spec_id, next_review=body.next_review, note=body.note)
    return specification_out(db, caller, spec)


@router.post(
    "/specifications/{spec_id}/withdraw", response_model=SpecificationOut, summary="Take it out of the catalogue"
)
def withdraw_specification(org: str, spec_id: uuid.UUID, caller: Educators, db: DB) -> SpecificationOut:
    spec = design.withdraw(db, caller.signed_in, caller.org, spec_id)
    return specification_out(db, caller, spec)


@router.get(
    "/specifications/{spec_id}/editions/{number}",
    response_model=SpecificationContent,
    summary="A published edition's content",
)
def get_edition(org: str, spec_id: uuid.UUID, number: int, caller: Educators, db: DB) -> SpecificationContent:
    return design.edition_content(design.find_edition(design.get(db, caller.org, spec_id), number))


@router.get(
    "/specifications/{spec_id}/export",
    summary="The latest edition (or the draft) as ELM JSON-LD or an Open Badges 3.0 Achievement",
    response_class=JSONResponse,
    response_model=SpecificationDocumentOut,
)
def export_specification(
    org: str,
    spec_id: uuid.UUID,
    request: Request,
    caller: Educators,
    db: DB,
    format: Annotated[str, Query(pattern="^(elm|ob3)$")] = "elm",
    edition: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    spec = design.get(db, caller.org, spec_id)
    document = design.export(
        db, caller.org, spec, fmt=format, base_url=settings_of(request).base_url, edition_number=edition
    )
    return JSONResponse(document, media_type=JSONLD)


@router.get("/design/profiles", response_model=list[str], summary="Framework profiles switched on")
def get_profiles(org: str, caller: Educators, db: DB) -> list[str]:
    return list(design.profiles_of(db, caller.org))


@router.put("/design/profiles", response_model=list[str], summary="Switch framework profiles on (cmf, nz)")
def put_profiles(org: str, body: ProfilesIn, caller: OrgAdmins, db: DB) -> list[str]:
    chosen = design.set_profiles(db, caller.signed_in, caller.org, body.profiles)
    return list(chosen)


@router.get(
    "/design/overdue-reviews", response_model=list[SpecificationRowOut], summary="Published specifications past review"
)
def overdue_reviews(org: str, caller: Educators, db: DB) -> list[SpecificationRowOut]:
    overdue = [spec.id for spec in design.overdue_reviews(db, caller.org)]
    rows = {row.spec.id: row for row in design.specifications(db, caller.org)}
    return [row_out(rows[spec_id]) for spec_id in overdue]
