"""The W3C VC-API's `POST /credentials/verify`: any credential (Data Integrity secured or JAdES sealed) checked
by the one pipeline, 200 with the checks when it holds, 400 with them when it does not. No account needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from microcred.quality.api import count_verification
from microcred.trust import TrustError
from microcred.verify import checks, registry
from microcred.verify.service import sources, verify_here
from microcred.web.security import DB, Access, Caller, fetcher_of, master_of, settings_of

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
    report = verify_here(
        db, document, base_url=settings_of(request).base_url, master=master_of(request), fetcher=fetcher_of(request)
    )
    count_verification(request, db, document, report, "api")
    body_out = report.as_dict()
    body_out["errors"] = [c.sentence for c in report.checks if c.outcome == checks.Outcome.ERROR]
    body_out["warnings"] = [c.sentence for c in report.checks if c.outcome == checks.Outcome.WARNING]
    return JSONResponse(body_out, status_code=200 if report.valid else 400)


class PresentationOptions(BaseModel):
    challenge: str | None = Field(default=None, max_length=500)
    domain: str | None = Field(default=None, max_length=500)


class PresentationIn(BaseModel):
    verifiablePresentation: Any  # noqa: N815 (the VC-API's name)
    options: PresentationOptions = Field(default_factory=PresentationOptions)


@router.post(
    "/presentations/verify",
    summary="W3C VC-API: verify a presentation (the holder's proof, challenge and domain) and each credential",
    responses={400: {"description": "Not valid: the checks say which failed and why"}},
)
def verify_presentation(body: PresentationIn, request: Request, caller: Anyone, db: DB) -> JSONResponse:
    try:
        document = checks.bounded(body.verifiablePresentation)
    except TrustError as error:
        return JSONResponse({"error": "invalid_presentation", "detail": str(error)}, status_code=400)
    settings = settings_of(request)
    presentation, credentials = checks.verify_presentation(
        document,
        sources(db, base_url=settings.base_url, master=master_of(request), fetcher=fetcher_of(request)),
        challenge=body.options.challenge,
        domain=body.options.domain,
    )
    verified = presentation.valid and all(report.valid for report in credentials)
    if presentation.valid:
        carried = document.get("verifiableCredential") if isinstance(document, dict) else None
        for credential, report in zip(carried if isinstance(carried, list) else [carried], credentials, strict=False):
            count_verification(request, db, credential, report, "presentation")
    answer = {
        "verified": verified,
        "presentationResult": presentation.as_dict(),
        "credentialResults": [report.as_dict() for report in credentials],
        "errors": [c.sentence for r in (presentation, *credentials) for c in r.checks if c.outcome == "ERROR"],
    }
    return JSONResponse(answer, status_code=200 if verified else 400)


PlatformAdmins = Annotated[Caller, Depends(Access.platform_admins())]


@router.get("/api/registry", summary="The registry of trusted issuers and their accreditations (public)")
def registry_export(caller: Anyone, db: DB) -> JSONResponse:
    return JSONResponse({"issuers": registry.export(db)})


@router.post(
    "/api/registry/import",
    summary="Add or replace trusted issuers by identifier (platform admins); every entry is checked first",
)
def registry_import(body: Annotated[Any, Body()], caller: PlatformAdmins, db: DB) -> JSONResponse:
    count = registry.import_entries(db, caller.signed_in, registry.parse_entries(body))
    db.commit()
    return JSONResponse({"imported": count})
