"""The wallet for programs: a credential the learner holds as a W3C verifiable presentation, signed with their
holder key for a verifier's challenge and domain (what the wallet page's form downloads)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from microcred.wallet import service as wallet
from microcred.web.security import DB, Access, Caller, master_of

router = APIRouter(prefix="/api", tags=["wallet"])
SignedIn = Annotated[Caller, Depends(Access.signed_in())]


class PresentationRequest(BaseModel):
    """What the verifier asked for. Longer values than the wallet takes are refused by the wallet, by name."""

    challenge: str = Field(max_length=1000, description="The verifier's challenge, exactly as they gave it")
    domain: str = Field(max_length=1000, description="The verifier's host name or origin, as they gave it")


@router.post(
    "/wallet/{wallet_id}/presentation",
    summary="Your credential as a verifiable presentation signed by your holder key for a verifier's request",
    responses={
        404: {"description": "Your wallet holds no such credential"},
        422: {"description": "A bad challenge or domain, or a credential that cannot be presented (it says why)"},
    },
)
def presentation(
    wallet_id: uuid.UUID, body: PresentationRequest, request: Request, caller: SignedIn, db: DB
) -> JSONResponse:
    presented = wallet.present(
        db, caller.person, [wallet_id], challenge=body.challenge, domain=body.domain, master=master_of(request)
    )
    db.commit()  # the holder key, made on first use
    return JSONResponse(presented, headers={"Cache-Control": "no-store"})
