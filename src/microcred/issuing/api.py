"""JSON routes of the issuing stage: an organisation's signing keys, and its public DID document."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from microcred.accounts import service as accounts
from microcred.accounts.models import Role
from microcred.errors import Conflict, InvalidInput
from microcred.issuing import batch, claims, credentials, documents, keys, seals, status
from microcred.issuing.models import IssuanceRun, SealCertificate, SigningKey
from microcred.web.security import DB, Access, Caller, master_of, settings_of

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


class SealCertificateOut(BaseModel):
    subject: str
    issuer: str
    serial: str = Field(description="Hexadecimal")
    algorithm: str = Field(description="The JAdES algorithm seals are made with: RS256 or ES256")
    not_before: datetime
    not_after: datetime
    chain_length: int
    created_at: datetime
    retired_at: datetime | None


def certificate_out(row: SealCertificate) -> SealCertificateOut:
    return SealCertificateOut(
        subject=row.subject,
        issuer=row.issuer,
        serial=row.serial,
        algorithm=row.algorithm,
        not_before=row.not_before,
        not_after=row.not_after,
        chain_length=len(row.chain),
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


@router.get(
    "/api/orgs/{org}/seal-certificates",
    response_model=list[SealCertificateOut],
    summary="The organisation's X.509 seal certificates for ELM credentials, the current one first",
)
def list_seal_certificates(org: str, caller: Admins, db: DB) -> list[SealCertificateOut]:
    return [certificate_out(row) for row in seals.certificates(db, caller.org)]


@router.post(
    "/api/orgs/{org}/seal-certificates",
    response_model=SealCertificateOut,
    status_code=201,
    summary="Import a seal certificate and its key from a PKCS#12 file (.p12/.pfx); the previous one is retired",
)
def import_seal_certificate(
    org: str,
    request: Request,
    caller: Admins,
    db: DB,
    file: Annotated[UploadFile, File(description="The PKCS#12 file")],
    password: Annotated[str, Form(description="The file's password (empty if none)")] = "",
) -> SealCertificateOut:
    data = file.file.read(seals.MAX_PKCS12_BYTES + 1)  # a plain def: parsing runs off the event loop
    row = seals.import_pkcs12(db, caller.signed_in, caller.org, data, password or None, master_of(request))
    db.commit()
    return certificate_out(row)


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
    "/status/credentials/{credential_id}",
    summary="One award's revocation and suspension, with its Bitstring Status List entries (public)",
    response_class=JSONResponse,
)
def credential_status(credential_id: uuid.UUID, request: Request, caller: Anyone, db: DB) -> JSONResponse:
    state, entries = status.entries_of(db, credential_id, settings_of(request).base_url)
    return JSONResponse(
        {
            "id": f"urn:uuid:{credential_id}",
            "revoked": state.get("revocation", False),
            "suspended": state.get("suspension", False),
            "credentialStatus": entries,
        },
        headers={"Cache-Control": "public, max-age=60"},
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
    credential: dict[str, Any] = Field(description="The Open Badges 3.0 credential with its Data Integrity proof.")
    elm: dict[str, Any] | None = Field(
        default=None,
        description="The European Digital Credential (ELM) sealed with JAdES, when the organisation has a seal "
        "certificate.",
    )


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
        tsa_url=settings_of(request).tsa_url,
    )
    db.commit()
    return IssuedOut(id=row.id, credential=row.document, elm=row.elm_document)


class BatchItemIn(BaseModel):
    learner: LearnerIn
    result: ResultIn
    key: str | None = Field(
        default=None,
        max_length=200,
        description="Idempotency key: an item whose key this organisation issued before is not issued again. "
        "Without one, the key is made from the edition, the learner's email or number and the award date.",
    )


class BatchIn(BaseModel):
    items: list[BatchItemIn] = Field(min_length=1, max_length=batch.MAX_ROWS)


class RunOut(BaseModel):
    id: uuid.UUID
    state: str = Field(description="queued, running, finished, or stopped (an error; re-send to continue)")
    total: int
    done: int
    detail: str | None = None
    created_at: datetime
    finished_at: datetime | None
    outcomes: list[dict[str, Any]] | None = Field(
        default=None, description="Once finished: per item, its line, key, status and credential id or error"
    )


def run_out(row: IssuanceRun) -> RunOut:
    return RunOut.model_validate(row, from_attributes=True)


def start_run(request: Request, background: BackgroundTasks, db: DB, job: IssuanceRun) -> None:
    """Commit the queued run and issue it after the response, in the background."""
    db.commit()
    settings = settings_of(request)
    background.add_task(
        batch.execute,
        request.app.state.database,
        job.id,
        base_url=settings.base_url,
        master=master_of(request),
        tsa_url=settings.tsa_url,
    )


@router.post(
    "/api/orgs/{org}/specifications/{spec_id}/editions/{number}/credentials/batch",
    response_model=RunOut,
    status_code=202,
    summary="Issue the edition to many learners: every item is checked first, then issued in the background",
)
def issue_batch(
    org: str,
    spec_id: uuid.UUID,
    number: int,
    body: BatchIn,
    request: Request,
    background: BackgroundTasks,
    caller: Designers,
    db: DB,
) -> RunOut:
    items = [item.model_dump(mode="json") for item in body.items]
    rows = batch.from_items(items, spec_id=spec_id, edition=number)
    job = batch.start(db, caller.signed_in, caller.org, spec_id, number, rows)
    start_run(request, background, db, job)
    return run_out(job)


@router.get("/api/orgs/{org}/runs/{run_id}", response_model=RunOut, summary="An issuance run's progress and outcomes")
def get_run(org: str, run_id: uuid.UUID, caller: Designers, db: DB) -> RunOut:
    return run_out(batch.find_run(db, caller.org, run_id))


@router.get(
    "/api/orgs/{org}/runs/{run_id}/result.csv",
    summary="An issuance run's result file: each row's credential or error",
    response_class=Response,
)
def run_result(org: str, run_id: uuid.UUID, caller: Designers, db: DB) -> Response:
    job = batch.find_run(db, caller.org, run_id)
    if job.state != "finished":
        raise Conflict("The run has not finished yet.", code="run_not_finished")
    return Response(
        batch.result_csv(batch.outcomes_of(job)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="issued-{job.id}.csv"'},
    )


class ClaimIn(BaseModel):
    days: int = Field(default=claims.DEFAULT_DAYS, ge=1, le=claims.MAX_DAYS, description="How long the link works")


class ClaimOut(BaseModel):
    url: str = Field(description="Send it to the learner: it is shown only now (only its hash is kept)")
    expires_at: datetime


@router.post(
    "/api/orgs/{org}/credentials/{credential_id}/claim-link",
    response_model=ClaimOut,
    status_code=201,
    summary="A new claim link for the learner (the previous one stops working)",
)
def claim_link(
    org: str, credential_id: uuid.UUID, body: ClaimIn, request: Request, caller: Designers, db: DB
) -> ClaimOut:
    url, expires = claims.new_link(
        db, caller.signed_in, caller.org, credential_id, base_url=settings_of(request).base_url, days=body.days
    )
    db.commit()
    return ClaimOut(url=url, expires_at=expires)
