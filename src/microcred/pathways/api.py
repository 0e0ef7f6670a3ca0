"""Pathways and recognition, as JSON: pathways towards a qualification and a learner's progress on them, and
the gap from a learner's skills to a goal career with the stack of micro-credentials that closes it."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from microcred.pathways import clr, gap, service
from microcred.pathways.models import Pathway
from microcred.pathways.rules import Rules
from microcred.pathways.schemas import (
    ClrOut,
    GapOut,
    ListedPathwayOut,
    PathwayIn,
    PathwayOut,
    PathwayProgressOut,
    PathwayProviderOut,
    ProgressOut,
)
from microcred.web.flows import verifier_of
from microcred.web.security import DB, Anyone, Educators, SignedIn, master_of, settings_of

router = APIRouter(prefix="/api", tags=["pathways"])


def pathway_out(pathway: Pathway) -> PathwayOut:
    return PathwayOut(id=str(pathway.id), title=pathway.title, qualification=pathway.qualification, rules=pathway.rules)


@router.post(
    "/orgs/{org}/pathways",
    response_model=PathwayOut,
    status_code=201,
    summary="Define a pathway towards a qualification",
)
def create_pathway(org: str, body: PathwayIn, caller: Educators, db: DB) -> PathwayOut:
    made = service.create(
        db, caller.signed_in, caller.org, title=body.title, qualification=body.qualification, rules=body.rules
    )
    return pathway_out(made)


@router.get("/orgs/{org}/pathways", response_model=list[PathwayOut], summary="The organisation's pathways")
def list_pathways(org: str, caller: Educators, db: DB) -> list[PathwayOut]:
    return [pathway_out(p) for p in service.of_organisation(db, caller.org)]


@router.put(
    "/orgs/{org}/pathways/{pathway_id}",
    response_model=PathwayOut,
    summary="Change a pathway (learners' progress follows: it is recomputed from their wallets each time)",
)
def update_pathway(org: str, pathway_id: uuid.UUID, body: PathwayIn, caller: Educators, db: DB) -> PathwayOut:
    changed = service.update(
        db,
        caller.signed_in,
        caller.org,
        pathway_id,
        title=body.title,
        qualification=body.qualification,
        rules=body.rules,
    )
    return pathway_out(changed)


@router.delete("/orgs/{org}/pathways/{pathway_id}", status_code=204, summary="Delete a pathway")
def delete_pathway(org: str, pathway_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    service.delete(db, caller.signed_in, caller.org, pathway_id)
    return Response(status_code=204)


@router.post(
    "/pathways/{pathway_id}/clr",
    response_model=ClrOut,
    status_code=201,
    summary="My Comprehensive Learner Record (CLR 2.0) of a pathway my wallet completes, signed by its organisation",
)
def issue_clr(request: Request, pathway_id: uuid.UUID, caller: SignedIn, db: DB) -> ClrOut:
    signed, row = clr.issue(
        db,
        caller.signed_in,
        service.get(db, pathway_id),
        caller.person,
        verifier_of(request, db),
        base_url=settings_of(request).base_url,
        master=master_of(request),
    )
    return ClrOut(wallet_id=row.id, credential=signed)


@router.get(
    "/pathways", response_model=list[ListedPathwayOut], summary="Every organisation's pathways, for learners to find"
)
def all_pathways(caller: Anyone, db: DB) -> list[ListedPathwayOut]:
    return [
        ListedPathwayOut(
            **pathway_out(pathway).model_dump(),
            organisation=PathwayProviderOut(slug=organisation.slug, name=organisation.legal_name),
        )
        for pathway, organisation in service.listed(db)
    ]


@router.get(
    "/me/pathways/{pathway_id}/progress",
    response_model=PathwayProgressOut,
    summary="My progress on a pathway, from my wallet",
)
def my_progress(
    request: Request,
    pathway_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    enrolled_on: Annotated[date | None, Query(description="When I enrolled: earlier awards are prior learning")] = None,
) -> PathwayProgressOut:
    pathway = service.get(db, pathway_id)
    holdings = service.wallet_of(db, caller.person, verifier_of(request, db), base_url=settings_of(request).base_url)
    found = service.progress(Rules.model_validate(pathway.rules), holdings, today=date.today(), enrolled_on=enrolled_on)
    return PathwayProgressOut(**pathway_out(pathway).model_dump(), progress=ProgressOut.model_validate(asdict(found)))


@router.get(
    "/me/gap",
    response_model=GapOut,
    summary="My missing essential skills for a career and the micro-credentials that cover them",
)
def my_gap(
    request: Request,
    caller: SignedIn,
    db: DB,
    occupation: Annotated[str, Query(min_length=1, max_length=300, description="ESCO occupation URI or id")],
    level: Annotated[int | None, Query(ge=1, le=8, description="The EQF level to prefer when workloads tie")] = None,
) -> GapOut:
    check = verifier_of(request, db)
    held = gap.learner_skills(db, caller.person, check)
    found = gap.gap_to_stack(db, occupation, held, level=level)
    return GapOut.model_validate({**asdict(found), "workload": found.workload})
