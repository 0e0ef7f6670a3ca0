"""The W3C VC-API's `POST /credentials/verify`: any credential (Data Integrity secured or JAdES sealed) checked
by the one pipeline, 200 with the checks when it holds, 400 with them when it does not. No account needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from microcred.trust import TrustError
from microcred.verify import checks
from microcred.verify.service import verify_here
from microcred.web.issuing_api import master_of
from microcred.web.security import DB, Access, Caller, settings_of

router = APIRouter(tags=["verification"])
Anyone = Annotated[Caller, Depends(Access.public())]


class VerifyIn(BaseModel):
    verifiableCredential: Any = Field(  # noqa: N815 (the VC-API's name)
        description="The credential: a JSON-LD verifiable credential, or a JAdES-sealed ELM credential (JWS JSON)"
    )
    options: dict[str, Any] = Field(default_factory=dict)


@router.post(
    "/credentials/verify",
    summary="W3C VC-API: verify a credential (format, proof or seal, status, validity, issuer trust)",
    responses={400: {"description": "Not valid: the checks say which failed and why"}},
)
def verify_credential(body: VerifyIn, request: Request, caller: Anyone, db: DB) -> JSONResponse:
    try:
        document = checks.bounded(body.verifiableCredential)
    except TrustError as error:
        return JSONResponse({"error": "invalid_credential", "detail": str(error)}, status_code=400)
    report = verify_here(db, document, base_url=settings_of(request).base_url, master=master_of(request))
    body_out = report.as_dict()
    body_out["errors"] = [c.sentence for c in report.checks if c.outcome == checks.Outcome.ERROR]
    body_out["warnings"] = [c.sentence for c in report.checks if c.outcome == checks.Outcome.WARNING]
    return JSONResponse(body_out, status_code=200 if report.valid else 400)
