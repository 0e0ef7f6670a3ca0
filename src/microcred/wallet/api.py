"""The wallet for programs: a credential the learner holds as a W3C verifiable presentation, signed with their
holder key for a verifier's challenge and domain (what the wallet page's form downloads); and the W3C VC-API's
holder service `POST /credentials/derive`, a selective disclosure of an ecdsa-sd-2023 credential (no account
needed: the base proof holds all it takes, and nothing is kept)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from microcred.errors import InvalidInput
from microcred.wallet import service as wallet
from microcred.wallet.schemas import DerivedCredential, DeriveIn, HeldPresentation, PresentationRequest
from microcred.web.security import DB, Anyone, SignedIn, master_of

router = APIRouter(prefix="/api", tags=["wallet"])
holder_router = APIRouter(tags=["wallet"])  # the VC-API's paths, outside /api


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


@holder_router.post(
    "/credentials/derive",
    response_model=DerivedCredential,
    status_code=201,
    summary="W3C VC-API: derive a selective disclosure from a credential with an ecdsa-sd-2023 base proof",
    responses={400: {"description": "No base proof, a pointer that matches nothing, or a credential that is not one"}},
    response_class=JSONResponse,
)
def derive(body: DeriveIn, caller: Anyone) -> JSONResponse:
    try:
        derived = wallet.derive_credential(body.verifiableCredential, body.options.selectivePointers)
    except InvalidInput as error:  # the VC-API answers 400
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    return JSONResponse({"verifiableCredential": derived}, status_code=201, headers={"Cache-Control": "no-store"})
