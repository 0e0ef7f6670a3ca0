"""The learner's wallet pages, and the public page a share link opens."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microcred.errors import Conflict, Forbidden, InvalidInput, MicrocredError, NotFound
from microcred.quality import service as quality
from microcred.verify import checks
from microcred.wallet import service as wallet
from microcred.wallet.models import WalletCredential
from microcred.web.errors import STATUS
from microcred.web.flows import flows_of, verifier_of
from microcred.web.forms import refusing
from microcred.web.security import DB, Anyone, Caller, SignedIn, client_ip, master_of, session_cookie_name, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)


def _wallet_page(
    request: Request, caller: Caller, db: Session, *, error: str | None = None, code: int = 200
) -> Response:
    check = verifier_of(request, db)
    reports = [(item, check(item.document)) for item in wallet.held(db, caller.person)]
    items = [(item, report, checks.signer_confirmed(report)) for item, report in reports]
    return render(
        request, "wallet.html", caller, db=db, title="My credentials", items=items, error=error, status_code=code
    )


@router.get("/wallet", response_class=HTMLResponse)
def wallet_page(request: Request, caller: SignedIn, db: DB) -> Response:
    return _wallet_page(request, caller, db)


def _wallet_again(error: MicrocredError, request: Request, caller: Caller, db: Session, **_: Any) -> Response:
    return _wallet_page(request, caller, db, error=error.detail, code=STATUS[error.kind])


@router.post("/wallet/upload", response_class=HTMLResponse)
@refusing(_wallet_again)
def upload(request: Request, caller: SignedIn, db: DB, file: Annotated[UploadFile, File()]) -> Response:
    item = wallet.upload(db, caller.person, file.file.read(checks.MAX_BYTES + 1))
    return RedirectResponse(f"/wallet/{item.id}", status_code=303)


@router.post("/claim/{token}/wallet", response_class=HTMLResponse)
def claim(request: Request, token: str, caller: SignedIn, db: DB) -> Response:
    item = wallet.claim(db, caller.person, token)
    return RedirectResponse(f"/wallet/{item.id}", status_code=303)


@router.post("/wallet/erase", response_class=HTMLResponse)
@refusing(_wallet_again)
def erase(request: Request, caller: SignedIn, db: DB, confirm: Annotated[str, Form(max_length=20)] = "") -> Response:
    if confirm.strip().upper() != "ERASE":
        return _wallet_page(request, caller, db, error="Type ERASE to confirm: this cannot be undone.", code=422)
    wallet.erase(db, caller.person, flows_of(request).learner_erasure)  # the other stages' parts first
    response = RedirectResponse("/?erased=1", status_code=303)
    response.delete_cookie(session_cookie_name(settings_of(request)))
    return response


@router.get("/wallet/export.zip")
def export(caller: SignedIn, db: DB) -> Response:
    return Response(
        wallet.export_zip(db, caller.person),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="my-credentials.zip"'},
    )


def _item_page(
    request: Request,
    caller: Caller,
    db: Session,
    wallet_id: uuid.UUID,
    *,
    made: tuple[str, object] | None = None,
    presentation_error: str | None = None,
    feedback_error: str | None = None,
    code: int = 200,
) -> Response:
    item = wallet.find(db, caller.person, wallet_id)
    report = verifier_of(request, db)(item.document)  # checked again each time it is shown
    return render(
        request,
        "wallet_item.html",
        caller,
        db=db,
        title=item.title,
        item=item,
        report=report,
        facts=checks.summary(report),
        shares=wallet.shares(db, caller.person, item.id),
        hideable=wallet.HIDEABLE,
        made=made,
        base=settings_of(request).base_url.rstrip("/"),
        presentable=wallet.presentable(item),
        presentation_error=presentation_error,
        max_challenge=wallet.MAX_CHALLENGE,
        max_domain=wallet.MAX_DOMAIN,
        feedback=quality.mine(db, caller.person, item.id),
        feedback_open=item.issued_credential_id is not None,
        feedback_error=feedback_error,
        status_code=code,
    )


@router.get("/wallet/{wallet_id}", response_class=HTMLResponse)
def item_page(request: Request, wallet_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _item_page(request, caller, db, wallet_id)


@router.get("/wallet/{wallet_id}/credential.json")
def item_json(wallet_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    item = wallet.find(db, caller.person, wallet_id)
    return Response(
        json.dumps(item.document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="credential-{item.id}.json"'},
    )


@router.post("/wallet/{wallet_id}/share", response_class=HTMLResponse)
def share(
    request: Request,
    wallet_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    days: Annotated[int, Form(ge=1, le=wallet.MAX_SHARE_DAYS)] = 14,
    hide: Annotated[list[str] | None, Form()] = None,
) -> Response:
    token, link = wallet.share(db, caller.person, wallet_id, days=days, hidden=hide or [])
    return _item_page(request, caller, db, wallet_id, made=(token, link))


def _presentation_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, wallet_id: uuid.UUID, **_: Any
) -> Response:
    if not isinstance(error, InvalidInput):
        raise error  # not the challenge or domain as typed: the error page
    return _item_page(request, caller, db, wallet_id, presentation_error=error.detail, code=422)


@router.post("/wallet/{wallet_id}/presentation", response_class=HTMLResponse)
@refusing(_presentation_again)
def presentation(
    request: Request,
    wallet_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    challenge: Annotated[str, Form(max_length=1000)] = "",
    domain: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """The credential as a signed presentation for the verifier's challenge and domain, as a file to give them;
    a bad challenge or domain shows the page again with the reason."""
    # The holder key, made on first use, is written with the request's transaction.
    presented = wallet.present(
        db, caller.person, [wallet_id], challenge=challenge, domain=domain, master=master_of(request)
    )
    return Response(
        json.dumps(presented, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="presentation-{wallet_id}.json"',
            "Cache-Control": "no-store",
        },
    )


def _feedback_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, wallet_id: uuid.UUID, **_: Any
) -> Response:
    if not isinstance(error, InvalidInput | Conflict):
        raise error
    return _item_page(request, caller, db, wallet_id, feedback_error=error.detail, code=STATUS[error.kind])


@router.post("/wallet/{wallet_id}/feedback", response_class=HTMLResponse)
@refusing(_feedback_again)
def feedback(
    request: Request,
    wallet_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    satisfaction: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=quality.MAX_COMMENT)] = "",
) -> Response:
    """The learner's feedback on the micro-credential, for its provider's quality data."""
    quality.learner_feedback(db, caller.person, wallet_id, satisfaction=satisfaction, comment=comment)
    return RedirectResponse(f"/wallet/{wallet_id}#feedback", status_code=303)


@router.post("/wallet/shares/{share_id}/revoke", response_class=HTMLResponse)
def revoke_share(share_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    link = wallet.revoke_share(db, caller.person, share_id)
    return RedirectResponse(f"/wallet/{link.wallet_credential_id}", status_code=303)


@router.post("/wallet/{wallet_id}/remove", response_class=HTMLResponse)
def remove(wallet_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    wallet.remove(db, caller.person, wallet_id)
    return RedirectResponse("/wallet", status_code=303)


def _share_page(
    request: Request, caller: Caller, db: Session, token: str, *, feedback_error: str | None = None, code: int = 200
) -> Response:
    link = wallet.share_link(db, token)
    if feedback_error is None:
        item = wallet.open_share(db, link, address=client_ip(request), agent=request.headers.get("user-agent"))
    else:  # the same visitor's refused feedback: not another opening of the link
        item = db.get_one(WalletCredential, link.wallet_credential_id)
    report = verifier_of(request, db)(item.document)
    facts = [(name, value) for name, value in checks.summary(report) if name not in link.hidden]
    viewer = caller.actor.user if caller.actor else None
    return render(
        request,
        "share.html",
        caller,
        db=db,
        title=item.title,
        item=item,
        report=report,
        facts=facts,
        hidden=link.hidden,
        token=token,
        feedback_open=item.issued_credential_id is not None,
        own=viewer is not None and viewer.id == item.user_id,
        answered=quality.employer_answered(db, link),
        feedback_error=feedback_error,
        status_code=code,
    )


@router.get("/share/{token}", response_class=HTMLResponse)
def shared(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    return _share_page(request, caller, db, token)


def _shared_feedback_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, token: str, **_: Any
) -> Response:
    if not isinstance(error, InvalidInput | Conflict | Forbidden):
        raise error
    return _share_page(request, caller, db, token, feedback_error=error.detail, code=STATUS[error.kind])


@router.post("/share/{token}/feedback", response_class=HTMLResponse)
@refusing(_shared_feedback_again)
def shared_feedback(
    request: Request,
    token: str,
    caller: Anyone,
    db: DB,
    satisfaction: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=quality.MAX_COMMENT)] = "",
) -> Response:
    """Feedback from whoever the learner shared the credential with (an employer), once per credential."""
    quality.employer_feedback(
        db,
        wallet.share_link(db, token),
        satisfaction=satisfaction,
        comment=comment,
        caller=caller.actor.user if caller.actor else None,
    )
    return RedirectResponse(f"/share/{token}#feedback", status_code=303)


@router.get("/share/{token}/credential.json")
def shared_json(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    link = wallet.share_link(db, token)
    if link.hidden:  # the signed file would show what the learner chose to hide
        raise NotFound("This share shows the credential's verdict only.", code="share_not_found")
    item = wallet.open_share(db, link, address=client_ip(request), agent=request.headers.get("user-agent"))
    return Response(
        json.dumps(item.document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="credential-{item.id}.json"'},
    )
