"""The W3C VC-API's `POST /credentials/verify`: any credential (Data Integrity secured or JAdES sealed) checked
by the one pipeline, 200 with the checks when it holds, 400 with them when it does not. No account needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from microcred.trust import TrustError
from microcred.verify import checks, envelopes, registry
from microcred.verify.schemas import (
    CredentialVerification,
    PresentationIn,
    PresentationVerification,
    Registry,
    RegistryImported,
    VerificationResult,
    VerifyIn,
)
from microcred.web.flows import announce_verification, flows_of, verifier_of
from microcred.web.security import DB, Anyone, PlatformAdmins, fetcher_of, master_of, settings_of

router = APIRouter(tags=["verification"])


@router.post(
    "/credentials/verify",
    response_model=CredentialVerification,
    summary="W3C VC-API: verify a credential (format, proof or seal, status, validity, issuer trust)",
    responses={400: {"description": "Not valid: the checks say which failed and why", "model": CredentialVerification}},
)
def verify_credential(
    body: VerifyIn, request: Request, response: Response, caller: Anyone, db: DB
) -> CredentialVerification | JSONResponse:
    try:
        document = checks.bounded(body.verifiableCredential)
    except TrustError as error:
        return JSONResponse({"error": "invalid_credential", "detail": str(error)}, status_code=400)
    report = verifier_of(request, db)(document)
    announce_verification(request, db, document, report, "api")
    response.status_code = 200 if report.valid else 400
    return CredentialVerification(
        **report.as_dict(),
        errors=[c.sentence for c in report.checks if c.outcome == checks.Outcome.ERROR],
        warnings=[c.sentence for c in report.checks if c.outcome == checks.Outcome.WARNING],
    )


@router.post(
    "/presentations/verify",
    response_model=PresentationVerification,
    summary="W3C VC-API: verify a presentation (the holder's proof, challenge and domain) and each credential",
    responses={
        400: {"description": "Not valid: the checks say which failed and why", "model": PresentationVerification}
    },
)
def verify_presentation(
    body: PresentationIn, request: Request, response: Response, caller: Anyone, db: DB
) -> PresentationVerification | JSONResponse:
    try:
        document = checks.bounded(body.verifiablePresentation)
    except TrustError as error:
        return JSONResponse({"error": "invalid_presentation", "detail": str(error)}, status_code=400)
    settings = settings_of(request)
    sources = flows_of(request).sources(
        db, base_url=settings.base_url, master=master_of(request), fetcher=fetcher_of(request)
    )
    jwt = envelopes.enveloped_presentation(document)  # a vp+jwt, bare or as an EnvelopedVerifiablePresentation
    verifier = envelopes.verify_presentation if jwt else checks.verify_presentation
    presentation, credentials = verifier(
        document, sources, challenge=body.options.challenge, domain=body.options.domain
    )
    verified = presentation.valid and all(report.valid for report in credentials)
    if presentation.valid:
        carried = document.get("verifiableCredential") if isinstance(document, dict) else None
        for credential, report in zip(carried if isinstance(carried, list) else [carried], credentials, strict=False):
            announce_verification(request, db, credential, report, "presentation")
    response.status_code = 200 if verified else 400
    return PresentationVerification(
        verified=verified,
        presentationResult=VerificationResult(**presentation.as_dict()),
        credentialResults=[VerificationResult(**report.as_dict()) for report in credentials],
        errors=[c.sentence for r in (presentation, *credentials) for c in r.checks if c.outcome == "ERROR"],
    )


@router.get(
    "/api/registry",
    response_model=Registry,
    summary="The registry of trusted issuers and their accreditations (public)",
    response_class=JSONResponse,
)
def registry_export(caller: Anyone, db: DB) -> JSONResponse:
    return JSONResponse({"issuers": registry.export(db)})


@router.post(
    "/api/registry/import",
    response_model=RegistryImported,
    summary="Add or replace trusted issuers by identifier (platform admins); every entry is checked first",
)
def registry_import(body: Annotated[Any, Body()], caller: PlatformAdmins, db: DB) -> RegistryImported:
    return RegistryImported(imported=registry.import_entries(db, caller.signed_in, registry.parse_entries(body)))
