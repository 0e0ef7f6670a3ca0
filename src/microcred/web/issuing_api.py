"""JSON routes of the issuing stage: an organisation's signing keys, and its public DID document."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from microcred.accounts import service as accounts
from microcred.accounts.models import Role
from microcred.errors import Conflict, InvalidInput
from microcred.issuing import credentials, documents, keys, status
from microcred.issuing.models import SigningKey
from microcred.web.security import DB, Access, Caller, settings_of

router = APIRouter(tags=["issuing"])
Admins = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN))]
Anyone = Annotated[Caller, Depends(Access.public())]


class KeyOut(BaseModel):
    algorithm: str
    public_key_multibase: str
    did_key: str
    verification_method: str = Field(description="As credentials name it: the organisation's did:web and the key")
    created_at: datetime
    retired_at: datetime | None


class RotateIn(BaseModel):
    algorithm: str = Field(default="Ed25519", description="Ed25519 or P-256")


def key_out(request: Request, caller: Caller, row: SigningKey) -> KeyOut:
    return KeyOut(
        algorithm=row.algorithm,
        public_key_multibase=row.public_multibase,
        did_key=f"did:key:{row.public_multibase}",
        verification_method=keys.verification_method(caller.org, row, settings_of(request).base_url),
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


def master_of(request: Request) -> bytes:
    """The configured master key, parsed (a 503 naming the problem when it is unusable)."""
    return keys.master_key(settings_of(request).resolved_master_key())


@router.get(
    "/api/orgs/{org}/keys", response_model=list[KeyOut], summary="The organisation's signing keys (public parts)"
)
def list_keys(org: str, request: Request, caller: Admins, db: DB) -> list[KeyOut]:
    master = master_of(request)
    for algorithm in keys.ALGORITHMS:
        keys.active(db, caller.signed_in, caller.org, algorithm, master)
    db.commit()
    return [key_out(request, caller, row) for row in keys.keys(db, caller.org)]


@router.post(
    "/api/orgs/{org}/keys/rotate",
    response_model=KeyOut,
    status_code=201,
    summary="Retire the active key of an algorithm and make a new one (the old one still verifies)",
)
def rotate_key(org: str, body: RotateIn, request: Request, caller: Admins, db: DB) -> KeyOut:
    row = keys.rotate(db, caller.signed_in, caller.org, body.algorithm, master_of(request))
    db.commit()
    return key_out(request, caller, row)


@router.get("/orgs/{slug}/did.json", summary="The organisation's DID document (did:web)", response_class=JSONResponse)
def did_document(slug: str, request: Request, caller: Anyone, db: DB) -> JSONResponse:
    organisation = accounts.organisation_by_slug(db, slug)
    document = keys.did_document(db, organisation, settings_of(request).base_url)
    return JSONResponse(
        document, media_type="application/did+ld+json", headers={"Cache-Control": "public, max-age=300"}
    )


# W3C VC-API ----------------------------------------------------------------------------------------------

Issuers = Annotated[Caller, Depends(Access.tokens(Role.ORG_ADMIN, Role.EDUCATOR))]


class IssueOptions(BaseModel):
    cryptosuite: str | None = Field(default=None, description="eddsa-rdfc-2022 (default), eddsa-jcs-2022, …")


class IssueIn(BaseModel):
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


@router.post(
    "/credentials/issue",
    status_code=201,
    summary="W3C VC-API: sign a credential as the API token's organisation",
    responses={400: {"description": "The credential breaks the VC data model; the detail says how"}},
)
def vc_api_issue(body: IssueIn, request: Request, caller: Issuers, db: DB) -> JSONResponse:
    settings = settings_of(request)
    try:
        signed = credentials.issue(
            db,
            caller.signed_in,
            caller.org,
            body.credential,
            base_url=settings.base_url,
            master=master_of(request),
            cryptosuite=body.options.cryptosuite,
        )
    except InvalidInput as error:
        db.rollback()
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    db.commit()
    return JSONResponse({"verifiableCredential": signed}, status_code=201)


class StatusUpdate(BaseModel):
    type: str = Field(default="BitstringStatusListEntry")
    statusPurpose: str = Field(description="revocation or suspension")  # noqa: N815 (the VC-API's name)
    status: bool = Field(description="true revokes or suspends; false reinstates a suspended credential")


class StatusIn(BaseModel):
    credentialId: str = Field(max_length=300)  # noqa: N815
    credentialStatus: list[StatusUpdate] = Field(min_length=1, max_length=2)  # noqa: N815
    reason: str = Field(default="", max_length=500, description="Why: kept in the audit log")


@router.post(
    "/credentials/status",
    summary="W3C VC-API: revoke, suspend or reinstate a credential this organisation issued",
    responses={400: {"description": "Not a possible change; the detail says why"}},
)
def vc_api_status(body: StatusIn, request: Request, caller: Issuers, db: DB) -> JSONResponse:
    result: dict[str, bool] = {}
    try:
        for update in body.credentialStatus:
            result = status.change(
                db,
                caller.signed_in,
                caller.org,
                body.credentialId,
                purpose=update.statusPurpose,
                value=update.status,
                reason=body.reason,
            )
    except (InvalidInput, Conflict) as error:
        db.rollback()
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    db.commit()
    return JSONResponse(
        {"credentialId": body.credentialId, "revoked": result["revocation"], "suspended": result["suspension"]}
    )


@router.get(
    "/status/{list_id}", summary="A Bitstring Status List credential (public, cached)", response_class=JSONResponse
)
def status_list(list_id: uuid.UUID, request: Request, caller: Anyone, db: DB) -> Response:
    signed = status.list_credential(db, list_id, base_url=settings_of(request).base_url, master=master_of(request))
    db.commit()
    body = json.dumps(signed, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": "public, max-age=300", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/vc+ld+json", headers=headers)


# Issuing from a published edition ----------------------------------------------------------------------

Designers = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.EDUCATOR))]


class LearnerIn(BaseModel):
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    identifier: str | None = Field(default=None, max_length=100, description="The awarding body's learner number")


class ResultIn(BaseModel):
    awarded: date = Field(description="The date the learning was assessed and awarded")
    grade: str | None = Field(default=None, max_length=100)


class EditionIssueIn(BaseModel):
    learner: LearnerIn
    result: ResultIn
    cryptosuite: str | None = None


class IssuedOut(BaseModel):
    id: uuid.UUID
    credential: dict[str, Any]


@router.post(
    "/api/orgs/{org}/specifications/{spec_id}/editions/{number}/credentials",
    response_model=IssuedOut,
    status_code=201,
    summary="Issue the edition to a learner as a signed Open Badges 3.0 micro-credential",
)
def issue_edition(
    org: str, spec_id: uuid.UUID, number: int, body: EditionIssueIn, request: Request, caller: Designers, db: DB
) -> IssuedOut:
    row = credentials.issue_edition(
        db,
        caller.signed_in,
        caller.org,
        spec_id,
        number,
        documents.Learner(**body.learner.model_dump()),
        documents.Result(**body.result.model_dump()),
        base_url=settings_of(request).base_url,
        master=master_of(request),
        cryptosuite=body.cryptosuite,
    )
    db.commit()
    return IssuedOut(id=row.id, credential=row.document)
