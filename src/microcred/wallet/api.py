"""The wallet for programs: a credential the learner holds as a W3C verifiable presentation, signed with their
holder key for a verifier's challenge and domain (what the wallet page's form downloads)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from microcred.wallet import service as wallet
from microcred.wallet.schemas import HeldPresentation, PresentationRequest
from microcred.web.security import DB, SignedIn, master_of

router = APIRouter(prefix="/api", tags=["wallet"])


@router.post(
    "/wallet/{wallet_id}/presentation",
    response_model=HeldPresentation,
    summary="Your credential as a verifiable presentation signed by your holder key for a verifier's request",
    responses={
        404: {"description": "Your wallet holds no such credential"},
        422: {"description": "A bad challenge or domain, or a credential that cannot be presented (it says why)"},
    },
)
def presentation(
    wallet_id: uuid.UUID, body: PresentationRequest, request: Request, caller: SignedIn, db: DB
) -> JSONResponse:
    # The holder key, made on first use, is written with the request's transaction.
    presented = wallet.present(
        db, caller.person, [wallet_id], challenge=body.challenge, domain=body.domain, master=master_of(request)
    )
    return JSONResponse(presented, headers={"Cache-Control": "no-store"})
