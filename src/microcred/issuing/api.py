"""JSON routes of the issuing stage: an organisation's signing keys and seal certificates, its public DID document,
the W3C VC-API's issue and status, status lists, issuing an edition (to one learner or many) and claim links."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from microcred.accounts import service as accounts
from microcred.errors import Conflict, InvalidInput
from microcred.issuing import batch, claims, credentials, documents, keys, seals, status
from microcred.issuing.models import IssuanceRun, SealCertificate, SigningKey
from microcred.issuing.schemas import (
    AwardStatus,
    BatchIn,
    ClaimIn,
    ClaimOut,
    DidDocument,
    EditionIssueIn,
    IssuedOut,
    IssueIn,
    KeyOut,
    RotateIn,
    RunOut,
    SealCertificateOut,
    SignedCredential,
    StatusChanged,
    StatusIn,
    StatusListCredential,
)
from microcred.web.security import DB, Anyone, Caller, Educators, IssuingTokens, OrgAdmins, master_of, settings_of

router = APIRouter(tags=["issuing"])


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
def list_keys(org: str, request: Request, caller: OrgAdmins, db: DB) -> list[KeyOut]:
    master = master_of(request)
    for algorithm in keys.ALGORITHMS:
        keys.active(db, caller.signed_in, caller.org, algorithm, master)
    return [key_out(request, caller, row) for row in keys.keys(db, caller.org)]


@router.post(
    "/api/orgs/{org}/keys/rotate",
    response_model=KeyOut,
    status_code=201,
    summary="Retire the active key of an algorithm and make a new one (the old one still verifies)",
)
def rotate_key(org: str, body: RotateIn, request: Request, caller: OrgAdmins, db: DB) -> KeyOut:
    row = keys.rotate(db, caller.signed_in, caller.org, body.algorithm, master_of(request))
    return key_out(request, caller, row)


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
def list_seal_certificates(org: str, caller: OrgAdmins, db: DB) -> list[SealCertificateOut]:
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
    caller: OrgAdmins,
    db: DB,
    file: Annotated[UploadFile, File(description="The PKCS#12 file")],
    password: Annotated[str, Form(description="The file's password (empty if none)")] = "",
) -> SealCertificateOut:
    data = file.file.read(seals.MAX_PKCS12_BYTES + 1)  # a plain def: parsing runs off the event loop
    row = seals.import_pkcs12(db, caller.signed_in, caller.org, data, password or None, master_of(request))
    return certificate_out(row)


@router.get(
    "/orgs/{slug}/did.json",
    response_model=DidDocument,
    summary="The organisation's DID document (did:web)",
    response_class=JSONResponse,
)
def did_document(slug: str, request: Request, caller: Anyone, db: DB) -> JSONResponse:
    organisation = accounts.organisation_by_slug(db, slug)
    document = keys.did_document(db, organisation, settings_of(request).base_url)
    return JSONResponse(
        document, media_type="application/did+ld+json", headers={"Cache-Control": "public, max-age=300"}
    )


# W3C VC-API ----------------------------------------------------------------------------------------------


@router.post(
    "/credentials/issue",
    response_model=SignedCredential,
    status_code=201,
    summary="W3C VC-API: sign a credential as the API token's organisation",
    responses={400: {"description": "The credential breaks the VC data model; the detail says how"}},
    response_class=JSONResponse,
)
def vc_api_issue(body: IssueIn, request: Request, caller: IssuingTokens, db: DB) -> JSONResponse:
    settings = settings_of(request)
    try:
        with db.begin_nested():  # the VC-API answers 400, not 422: what the refused issue began is undone here
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
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    return JSONResponse({"verifiableCredential": signed}, status_code=201)


@router.post(
    "/credentials/status",
    response_model=StatusChanged,
    summary="W3C VC-API: revoke, suspend or reinstate a credential this organisation issued",
    responses={400: {"description": "Not a possible change; the detail says why"}},
)
def vc_api_status(body: StatusIn, request: Request, caller: IssuingTokens, db: DB) -> StatusChanged | JSONResponse:
    result: dict[str, bool] = {}
    try:
        with db.begin_nested():  # the VC-API answers 400, not 422 or 409: the changes made before are undone here
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
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    return StatusChanged(credentialId=body.credentialId, revoked=result["revocation"], suspended=result["suspension"])


@router.get(
    "/status/credentials/{credential_id}",
    response_model=AwardStatus,
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
    "/status/{list_id}",
    response_model=StatusListCredential,
    summary="A Bitstring Status List credential (public, cached)",
    response_class=JSONResponse,
)
def status_list(list_id: uuid.UUID, request: Request, caller: Anyone, db: DB) -> Response:
    signed = status.list_credential(db, list_id, base_url=settings_of(request).base_url, master=master_of(request))
    body = json.dumps(signed, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": "public, max-age=300", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/vc+ld+json", headers=headers)


# Issuing from a published edition ----------------------------------------------------------------------


@router.post(
    "/api/orgs/{org}/specifications/{spec_id}/editions/{number}/credentials",
    response_model=IssuedOut,
    status_code=201,
    summary="Issue the edition to a learner as a signed Open Badges 3.0 micro-credential",
)
def issue_edition(
    org: str, spec_id: uuid.UUID, number: int, body: EditionIssueIn, request: Request, caller: Educators, db: DB
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
    return IssuedOut(id=row.id, credential=row.document, elm=row.elm_document)


def run_out(row: IssuanceRun) -> RunOut:
    return RunOut.model_validate(row, from_attributes=True)


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
    caller: Educators,
    db: DB,
) -> RunOut:
    items = [item.model_dump(mode="json") for item in body.items]
    rows = batch.from_items(items, spec_id=spec_id, edition=number)
    job = batch.start(db, caller.signed_in, caller.org, spec_id, number, rows)
    settings = settings_of(request)
    batch.schedule(
        background.add_task,
        request.app.state.database,
        job,
        base_url=settings.base_url,
        master=master_of(request),
        tsa_url=settings.tsa_url,
    )
    return run_out(job)


@router.get("/api/orgs/{org}/runs/{run_id}", response_model=RunOut, summary="An issuance run's progress and outcomes")
def get_run(org: str, run_id: uuid.UUID, caller: Educators, db: DB) -> RunOut:
    return run_out(batch.find_run(db, caller.org, run_id))


@router.get(
    "/api/orgs/{org}/runs/{run_id}/result.csv",
    summary="An issuance run's result file: each row's credential or error",
    response_class=Response,
)
def run_result(org: str, run_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    job = batch.find_run(db, caller.org, run_id)
    if job.state != "finished":
        raise Conflict("The run has not finished yet.", code="run_not_finished")
    return Response(
        batch.result_csv(batch.outcomes_of(job)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="issued-{job.id}.csv"'},
    )


@router.post(
    "/api/orgs/{org}/credentials/{credential_id}/claim-link",
    response_model=ClaimOut,
    status_code=201,
    summary="A new claim link for the learner (the previous one stops working)",
)
def claim_link(
    org: str, credential_id: uuid.UUID, body: ClaimIn, request: Request, caller: Educators, db: DB
) -> ClaimOut:
    url, expires = claims.new_link(
        db, caller.signed_in, caller.org, credential_id, base_url=settings_of(request).base_url, days=body.days
    )
    return ClaimOut(url=url, expires_at=expires)
