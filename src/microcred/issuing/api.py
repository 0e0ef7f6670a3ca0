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
from microcred.errors import Conflict, InvalidInput, MicrocredError
from microcred.issuing import (
    batch,
    claims,
    credentials,
    documents,
    envelopes,
    exchanges,
    identities,
    keys,
    seals,
    status,
    vcapi,
)
from microcred.issuing.models import IssuanceRun, IssuerInstance, IssuerKey, SealCertificate, SigningKey
from microcred.issuing.schemas import (
    AwardStatus,
    BatchIn,
    ClaimIn,
    ClaimOut,
    DidDocument,
    EditionIssueIn,
    ExchangeIn,
    ExchangeMade,
    ExchangeMessage,
    ExchangeProtocols,
    ExchangeState,
    InstanceIn,
    InstanceOut,
    IssuedOut,
    IssueIn,
    IssuerKeyIn,
    IssuerKeyOut,
    KeyOut,
    RotateIn,
    RunOut,
    SealCertificateOut,
    SignedCredential,
    StatusChanged,
    StatusIn,
    StatusListCredential,
    StoredCredentialOut,
)
from microcred.web.errors import STATUS
from microcred.web.flows import flows_of
from microcred.web.security import (
    DB,
    Anyone,
    Caller,
    Educators,
    IssuingTokens,
    OrgAdmins,
    client_ip,
    fetcher_of,
    master_of,
    settings_of,
)

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
    try:  # VC-JOSE-COSE: a vc+jwt or vc+cose, enveloped, when options.format or Accept asks for it
        form = envelopes.asked(body.options.format, request.headers.get("accept"))
        if form is not None:
            with db.begin_nested():
                token = envelopes.issue_enveloped(
                    db,
                    caller.signed_in,
                    caller.org,
                    body.credential,
                    base_url=settings.base_url,
                    master=master_of(request),
                    algorithm=body.options.algorithm or "ES256",
                    form=form,
                )
            return JSONResponse({"verifiableCredential": envelopes.enveloped(token)}, status_code=201)
    except InvalidInput as error:
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    return _issue(body, request, caller, db)


def _refused(error: MicrocredError) -> JSONResponse:
    """A VC-API refusal: 400 for what the request got wrong (not 422, nor 409), else the error's own status."""
    code = 400 if STATUS[error.kind] in (409, 422) else STATUS[error.kind]
    return JSONResponse({"error": error.code, "detail": error.detail}, status_code=code)


def _issue(body: IssueIn, request: Request, caller: Caller, db: DB, instance_id: str | None = None) -> JSONResponse:
    """Sign with a Data Integrity proof as the identity the credential's issuer (or the instance) chooses."""
    try:
        with db.begin_nested():  # the VC-API answers 400, not 422: what the refused issue began is undone here
            issued = vcapi.issue(
                db,
                caller.signed_in,
                caller.org,
                body.credential,
                base_url=settings_of(request).base_url,
                master=master_of(request),
                cryptosuite=body.options.cryptosuite,
                credential_id=body.options.credentialId,
                instance_id=instance_id,
                mandatory_pointers=body.options.mandatoryPointers,
            )
    except MicrocredError as error:
        return _refused(error)
    return JSONResponse({"verifiableCredential": issued.credential}, status_code=201)


@router.post(
    "/issuers/{instance_id}/credentials/issue",
    response_model=SignedCredential,
    status_code=201,
    summary="W3C VC-API: sign a credential through one of the token's organisation's issuer instances",
    responses={
        400: {"description": "The credential breaks the VC data model, or names another issuer"},
        404: {"description": "No such instance of this organisation"},
    },
    response_class=JSONResponse,
)
def vc_api_instance_issue(
    instance_id: str, body: IssueIn, request: Request, caller: IssuingTokens, db: DB
) -> JSONResponse:
    return _issue(body, request, caller, db, instance_id)


@router.get(
    "/credentials/{credential_id:path}",
    response_model=StoredCredentialOut,
    summary="W3C VC-API: a credential this organisation issued, by its id or the credentialId it was issued with",
    responses={404: {"description": "This organisation issued no such credential"}},
)
def vc_api_credential(credential_id: str, caller: IssuingTokens, db: DB) -> StoredCredentialOut:
    return StoredCredentialOut(verifiableCredential=vcapi.find(db, caller.org, credential_id))


@router.post(
    "/credentials/status",
    response_model=StatusChanged,
    summary="W3C VC-API: revoke, suspend or reinstate a credential this organisation issued",
    responses={400: {"description": "Not a possible change; the detail says why"}},
)
def vc_api_status(body: StatusIn, request: Request, caller: IssuingTokens, db: DB) -> StatusChanged | JSONResponse:
    given = body.credentialStatus
    entries = [e.model_dump(exclude_none=True) for e in (given if isinstance(given, list) else [given])]
    try:
        with db.begin_nested():  # the VC-API answers 400, not 422 or 409: the changes made before are undone here
            kept, result = vcapi.update_status(
                db,
                caller.signed_in,
                caller.org,
                body.credentialId,
                vcapi.status_changes(entries, body.status),
                reason=body.reason,
                base_url=settings_of(request).base_url,
            )
    except (InvalidInput, Conflict) as error:
        return JSONResponse({"error": error.code, "detail": error.detail}, status_code=400)
    return StatusChanged(
        credentialId=body.credentialId,
        revoked=result.get("revocation", False),
        suspended=result.get("suspension", False),
    )


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


# The organisation's did:key identities and VC-API issuer instances -------------------------------------------


def issuer_key_out(row: IssuerKey) -> IssuerKeyOut:
    return IssuerKeyOut(
        id=row.id,
        algorithm=row.algorithm,
        label=row.label,
        did=row.did,
        verification_method=f"{row.did}#{row.public_multibase}",
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


@router.get(
    "/api/orgs/{org}/did-keys",
    response_model=list[IssuerKeyOut],
    summary="The organisation's did:key identities (public parts)",
)
def list_issuer_keys(org: str, caller: OrgAdmins, db: DB) -> list[IssuerKeyOut]:
    return [issuer_key_out(row) for row in identities.issuer_keys(db, caller.org)]


@router.post(
    "/api/orgs/{org}/did-keys",
    response_model=IssuerKeyOut,
    status_code=201,
    summary="A new did:key identity (Ed25519, P-256 or P-384), its private key sealed under the master key",
)
def create_issuer_key(org: str, body: IssuerKeyIn, request: Request, caller: OrgAdmins, db: DB) -> IssuerKeyOut:
    row = identities.create_key(db, caller.signed_in, caller.org, body.algorithm, body.label, master_of(request))
    return issuer_key_out(row)


@router.post(
    "/api/orgs/{org}/did-keys/{key_id}/retire",
    response_model=IssuerKeyOut,
    summary="Stop a did:key identity issuing (what it signed still verifies: the key is in the DID)",
)
def retire_issuer_key(org: str, key_id: uuid.UUID, caller: OrgAdmins, db: DB) -> IssuerKeyOut:
    return issuer_key_out(identities.retire_key(db, caller.signed_in, caller.org, key_id))


def instance_out(request: Request, caller: Caller, db: DB, row: IssuerInstance) -> InstanceOut:
    base_url = settings_of(request).base_url
    key = db.get(IssuerKey, row.issuer_key_id) if row.issuer_key_id else None
    return InstanceOut(
        id=row.id,
        label=row.label,
        issuer=key.did if key else keys.did_web(caller.org, base_url),
        cryptosuite=row.cryptosuite,
        status=row.with_status,
        endpoint=f"{base_url.rstrip('/')}/issuers/{row.id}/credentials/issue",
        created_at=row.created_at,
    )


@router.get("/api/orgs/{org}/issuers", response_model=list[InstanceOut], summary="The organisation's issuer instances")
def list_instances(org: str, request: Request, caller: OrgAdmins, db: DB) -> list[InstanceOut]:
    return [instance_out(request, caller, db, row) for row in identities.instances(db, caller.org)]


@router.post(
    "/api/orgs/{org}/issuers",
    response_model=InstanceOut,
    status_code=201,
    summary="A new VC-API issuer instance: the identity it signs as (did:web or a did:key) and its cryptosuite",
)
def create_instance(org: str, body: InstanceIn, request: Request, caller: OrgAdmins, db: DB) -> InstanceOut:
    row = identities.create_instance(
        db,
        caller.signed_in,
        caller.org,
        label=body.label,
        identity=body.identity,
        cryptosuite=body.cryptosuite,
        base_url=settings_of(request).base_url,
        with_status=body.status,
    )
    return instance_out(request, caller, db, row)


@router.delete("/api/orgs/{org}/issuers/{instance_id}", status_code=204, summary="Delete an issuer instance")
def delete_instance(org: str, instance_id: str, caller: OrgAdmins, db: DB) -> Response:
    identities.delete_instance(db, caller.signed_in, caller.org, instance_id)
    return Response(status_code=204)


# VCALM exchanges -----------------------------------------------------------------------------------------------


@router.post(
    "/workflows/{workflow}/exchanges",
    response_model=ExchangeMade,
    status_code=201,
    summary="VCALM: a new exchange of the issue or verify workflow (its id is shown only now)",
    responses={400: {"description": "The variables cannot make an exchange; the detail says why"}},
)
def create_exchange(
    workflow: str, body: ExchangeIn, request: Request, response: Response, caller: IssuingTokens, db: DB
) -> ExchangeMade | JSONResponse:
    try:
        with db.begin_nested():
            made = exchanges.create(
                db,
                caller.signed_in,
                caller.org,
                workflow,
                body.variables,
                expires=body.expires,
                base_url=settings_of(request).base_url,
            )
    except MicrocredError as error:
        return _refused(error)
    response.headers["Location"] = made.url
    return _made(made)


def _made(made: exchanges.Made) -> ExchangeMade:
    return ExchangeMade(
        id=made.exchange_id,
        exchangeUrl=made.url,
        interactionUrl=made.interaction_url,
        walletLink=made.wallet_link,
        expires=made.expires_at,
    )


@router.post(
    "/workflows/{workflow}/exchanges/{exchange_id}",
    response_model=ExchangeMessage,
    response_model_exclude_none=True,
    summary="VCALM: a wallet takes part: {} for the request, then its presentation for the credential or verdict",
    responses={400: {"description": "Refused (expired, used, or a presentation that does not answer the request)"}},
)
def participate(
    workflow: str, exchange_id: str, body: ExchangeMessage, request: Request, caller: Anyone, db: DB
) -> ExchangeMessage | JSONResponse:
    settings = settings_of(request)
    sources = flows_of(request).sources(
        db, base_url=settings.base_url, master=master_of(request), fetcher=fetcher_of(request)
    )
    try:
        with db.begin_nested():
            answer = exchanges.participate(
                db,
                workflow,
                exchange_id,
                body.model_dump(exclude_none=True),
                sources=sources,
                base_url=settings.base_url,
                master=master_of(request),
                ip=client_ip(request),
            )
    except MicrocredError as error:
        exchanges.note_error(db, workflow, exchange_id, error.detail)
        return _refused(error)
    return ExchangeMessage(**answer)


@router.get(
    "/workflows/{workflow}/exchanges/{exchange_id}",
    response_model=ExchangeState,
    response_model_exclude_none=True,
    summary="VCALM: the exchange's state and what it found (the organisation's tokens only)",
)
def exchange_state(workflow: str, exchange_id: str, caller: IssuingTokens, db: DB) -> ExchangeState | JSONResponse:
    try:
        row = exchanges.find(db, caller.org, workflow, exchange_id)
    except MicrocredError as error:
        return _refused(error)
    return ExchangeState(**exchanges.state_of(row, exchange_id))


@router.get(
    "/workflows/{workflow}/exchanges/{exchange_id}/protocols",
    response_model=ExchangeProtocols,
    summary="VCALM: the protocols a wallet may use for this exchange (the interaction URL answers this)",
)
def exchange_protocols(workflow: str, exchange_id: str, request: Request, caller: Anyone) -> ExchangeProtocols:
    return ExchangeProtocols(
        protocols={"vcapi": exchanges.exchange_url(settings_of(request).base_url, workflow, exchange_id)}
    )


@router.post(
    "/api/claim/{token}/exchange",
    response_model=ExchangeMade,
    status_code=201,
    summary="Claim into a wallet: a VCALM exchange for a live claim link's credential (LCW deep link included)",
)
def claim_exchange(token: str, request: Request, caller: Anyone, db: DB) -> ExchangeMade:
    return _made(exchanges.from_claim_link(db, token, base_url=settings_of(request).base_url))
