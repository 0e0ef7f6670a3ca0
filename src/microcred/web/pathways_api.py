"""Pathways and recognition, as JSON: for now the gap from a learner's skills to a goal career, and the
stack of published micro-credentials that closes it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from microcred.pathways import gap
from microcred.verify.service import verify_here
from microcred.web.issuing_api import master_of
from microcred.web.security import DB, Access, Caller, fetcher_of, settings_of

router = APIRouter(prefix="/api", tags=["pathways"])
SignedIn = Annotated[Caller, Depends(Access.signed_in())]


@router.get("/me/gap", summary="My missing essential skills for a career and the micro-credentials that cover them")
def my_gap(
    request: Request,
    caller: SignedIn,
    db: DB,
    occupation: Annotated[str, Query(min_length=1, max_length=300, description="ESCO occupation URI or id")],
    level: Annotated[int | None, Query(ge=1, le=8, description="The EQF level to prefer when workloads tie")] = None,
) -> dict[str, Any]:
    settings, master, fetcher = settings_of(request), master_of(request), fetcher_of(request)

    def valid(document: dict[str, Any]) -> bool:
        return verify_here(db, document, base_url=settings.base_url, master=master, fetcher=fetcher).valid

    held = gap.learner_skills(db, caller.person, valid)
    found = gap.gap_to_stack(db, occupation, held, level=level)
    return {**asdict(found), "workload": found.workload}
