"""The learner's wallet pages, and the public page a share link opens."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from microcred.errors import Conflict, Forbidden, InvalidInput, MicrocredError, NotFound
from microcred.issuing import baking, documents, exchanges
from microcred.quality import service as quality
from microcred.store.base import utcnow
from microcred.verify import checks
from microcred.verify.baked import MAX_IMAGE_BYTES
from microcred.wallet import service as wallet
from microcred.wallet.models import ShareLink, WalletCredential
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.flows import flows_of, verifier_of
from microcred.web.forms import confirmed, refusing
from microcred.web.security import DB, Anyone, Caller, SignedIn, client_ip, master_of, session_cookie_name, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)


def _wallet_page(
    request: Request,
    caller: Caller,
    db: Session,
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
) -> Response:
    check = verifier_of(request, db)
    reports = [(item, check(wallet.checkable(item))) for item in wallet.held(db, caller.person)]
    items = [(item, report, checks.signer_confirmed(report)) for item, report in reports]
    return render(
        request,
        "wallet.html",
        caller,
        db=db,
        title="My credentials",
        items=items,
        error=error,
        error_field=error_field,
        status_code=code,
    )


@router.get("/wallet", response_class=HTMLResponse)
def wallet_page(request: Request, caller: SignedIn, db: DB) -> Response:
    return _wallet_page(request, caller, db)


def _wallet_again(error: MicrocredError, request: Request, caller: Caller, db: Session, **form: Any) -> Response:
    field = "wallet-file" if "file" in form else None
    return _wallet_page(request, caller, db, error=error.detail, error_field=field, code=STATUS[error.kind])


@router.post("/wallet/upload", response_class=HTMLResponse)
@refusing(_wallet_again)
def upload(request: Request, caller: SignedIn, db: DB, file: Annotated[UploadFile, File()]) -> Response:
    item = wallet.upload(db, caller.person, file.file.read(MAX_IMAGE_BYTES + 1))  # JSON, or a baked badge
    return done(f"/wallet/{item.id}", "wallet-added")


@router.post("/claim/{token}/wallet", response_class=HTMLResponse)
def claim(request: Request, token: str, caller: SignedIn, db: DB) -> Response:
    item = wallet.claim(db, caller.person, token)
    return done(f"/wallet/{item.id}", "wallet-added")


@router.post("/claim/{token}/wallet-app", response_class=HTMLResponse)
def claim_into_wallet_app(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    """Claim into a wallet app (the Learner Credential Wallet, any VCALM wallet): a single-use exchange, shown as a
    deep link and a QR code to scan. Whoever holds the claim link may make one, as they may download the file."""
    made = exchanges.from_claim_link(db, token, base_url=settings_of(request).base_url)
    return render(
        request,
        "wallet_app.html",
        caller,
        db=db,
        title="Claim into a wallet app",
        made=made,
        qr=documents.qr_data_uri(made.interaction_url),
        token=token,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/wallet/erase", response_class=HTMLResponse)
@refusing(_wallet_again)
def erase(request: Request, caller: SignedIn, db: DB, confirm: Annotated[str, Form(max_length=20)] = "") -> Response:
    if confirm.strip().upper() != "ERASE":
        return _wallet_page(
            request,
            caller,
            db,
            error="Tick the box to confirm that your data is to be erased: this cannot be undone. Nothing was erased.",
            error_field="erase-confirm",
            code=422,
        )
    wallet.erase(db, caller.person, flows_of(request).learner_erasure)  # the other stages' parts first
    response = done("/", "erased")
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
    made: tuple[str, ShareLink] | None = None,
    error: tuple[str | None, str] | None = None,
    typed: dict[str, Any] | None = None,
    flash: str | None = None,
    code: int = 200,
) -> Response:
    """A credential in the wallet, checked again each time it is shown: its verdict and reason first, then what it
    says, its share links (a new one at the top, once: only its hash is kept) and what else can be done with it.
    `error` is a refused form's (field id, sentence), shown at the top; `typed` what that form was sent with."""
    item = wallet.find(db, caller.person, wallet_id)
    report = verifier_of(request, db)(wallet.checkable(item))
    now = utcnow()
    shares = [
        (link, views, "withdrawn" if link.revoked_at else "expired" if link.expires_at < now else "live")
        for link, views in wallet.shares(db, caller.person, item.id)
    ]
    return render(
        request,
        "wallet_item.html",
        caller,
        db=db,
        title=item.title,
        item=item,
        report=report,
        facts=checks.summary(report),
        shares=shares,
        hideable=wallet.HIDEABLE,
        made=made,
        base=settings_of(request).base_url.rstrip("/"),
        presentable=wallet.presentable(item),
        max_challenge=wallet.MAX_CHALLENGE,
        max_domain=wallet.MAX_DOMAIN,
        max_days=wallet.MAX_SHARE_DAYS,
        feedback=quality.mine(db, caller.person, item.id),
        feedback_open=item.issued_credential_id is not None,
        error=error,
        typed=typed or {},
        flash=flash,
        status_code=code,
    )


def _long_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


@router.get("/wallet/{wallet_id}", response_class=HTMLResponse)
def item_page(request: Request, wallet_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _item_page(request, caller, db, wallet_id)


@router.get("/wallet/{wallet_id}/badge.{form}")
def item_badge(wallet_id: uuid.UUID, form: str, caller: SignedIn, db: DB) -> Response:
    """The credential baked into its badge image (Open Badges 3.0): a PNG or an SVG to post where pictures go."""
    item = wallet.find(db, caller.person, wallet_id)
    return Response(
        baking.baked_badge(item.document, form),
        media_type=baking.MEDIA_TYPES.get(form, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="badge-{item.id}.{form[:3]}"'},
    )


@router.get("/wallet/{wallet_id}/credential.json")
def item_json(wallet_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    item = wallet.find(db, caller.person, wallet_id)
    return Response(
        json.dumps(item.document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="credential-{item.id}.json"'},
    )


def _share_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    wallet_id: uuid.UUID,
    days: str = "",
    hide: list[str] | None = None,
    **_: Any,
) -> Response:
    if not isinstance(error, InvalidInput):
        raise error
    field = "share-days" if "days" in error.detail else "share-hide-1"
    typed = {"days": days, "hide": hide or []}
    return _item_page(request, caller, db, wallet_id, error=(field, error.detail), typed=typed, code=422)


@router.post("/wallet/{wallet_id}/share", response_class=HTMLResponse)
@refusing(_share_again)
def share(
    request: Request,
    wallet_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    days: Annotated[str, Form(max_length=20)] = "14",
    hide: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A new share link, shown at the top of the page, in place: only its hash is kept, so it cannot be put behind a
    redirect and shown again."""
    number = int(days.strip()) if days.strip().isdecimal() and len(days.strip()) < 6 else 0
    token, link = wallet.share(db, caller.person, wallet_id, days=number, hidden=hide or [])
    said = f"Share link made: it works until {_long_date(link.expires_at)}, unless you withdraw it. Copy it now."
    return _item_page(request, caller, db, wallet_id, made=(token, link), flash=said)


# Which box of the presentation form a refusal is about, by its code.
_PRESENTATION_FIELDS = {"invalid_challenge": "presentation-challenge", "invalid_domain": "presentation-domain"}


def _presentation_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    wallet_id: uuid.UUID,
    challenge: str = "",
    domain: str = "",
    **_: Any,
) -> Response:
    if not isinstance(error, InvalidInput):
        raise error  # not the challenge or domain as typed: the error page
    field = _PRESENTATION_FIELDS.get(error.code)
    typed = {"challenge": challenge, "domain": domain}
    return _item_page(request, caller, db, wallet_id, error=(field, error.detail), typed=typed, code=422)


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


def _feedback_field(error: MicrocredError) -> str | None:
    """The feedback form's box a refusal is about: the first score for the score, the comment for the rest of
    what is typed; none for a refusal of the answer as a whole (given already, or not ours to give)."""
    if not isinstance(error, InvalidInput):
        return None
    return "satisfaction-1" if "satisfaction" in error.detail.lower() else "feedback-comment"


def _feedback_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    wallet_id: uuid.UUID,
    satisfaction: int = 0,
    comment: str = "",
    **_: Any,
) -> Response:
    if not isinstance(error, InvalidInput | Conflict):
        raise error
    typed = {"satisfaction": satisfaction, "comment": comment}
    said = (_feedback_field(error), error.detail)
    return _item_page(request, caller, db, wallet_id, error=said, typed=typed, code=STATUS[error.kind])


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
    return done(f"/wallet/{wallet_id}#feedback", "feedback-sent")


def _withdraw_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, share_id: uuid.UUID, **_: Any
) -> Response:
    """Not confirmed: the credential's page again, the withdrawal undone (the link was the learner's: checked
    before the confirmation was)."""
    link = db.get(ShareLink, share_id) if isinstance(error, InvalidInput) else None
    if link is None:
        raise error
    field = f"withdraw-{share_id}-confirm"
    return _item_page(request, caller, db, link.wallet_credential_id, error=(field, error.detail), code=422)


@router.post("/wallet/shares/{share_id}/revoke", response_class=HTMLResponse)
@refusing(_withdraw_again)
def revoke_share(
    request: Request,
    share_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    confirm: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    link = wallet.revoke_share(db, caller.person, share_id)  # someone else's link: not found, confirmed or not
    confirmed(
        confirm,
        "Tick the box to confirm that the link is to be withdrawn: nobody can open it afterwards. It was not "
        "withdrawn.",
    )
    return done(f"/wallet/{link.wallet_credential_id}#shares", "share-withdrawn")


def _remove_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, wallet_id: uuid.UUID, **_: Any
) -> Response:
    if not isinstance(error, InvalidInput):
        raise error
    return _item_page(request, caller, db, wallet_id, error=("remove-confirm", error.detail), code=422)


@router.post("/wallet/{wallet_id}/remove", response_class=HTMLResponse)
@refusing(_remove_again)
def remove(
    request: Request,
    wallet_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    confirm: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    item = wallet.find(db, caller.person, wallet_id)  # someone else's: not found, confirmed or not
    confirmed(
        confirm, "Tick the box to confirm that the credential is to be removed from your wallet. It was not removed."
    )
    wallet.remove(db, caller.person, item.id)
    return done("/wallet", "wallet-removed")


def _share_page(
    request: Request,
    caller: Caller,
    db: Session,
    token: str,
    *,
    error: tuple[str | None, str] | None = None,
    typed: dict[str, Any] | None = None,
    code: int = 200,
) -> Response:
    """What a share link shows: the verdict and its reason first, then what the credential says (marked as its own
    unverified claim unless valid), without what the holder hid."""
    link = wallet.share_link(db, token)
    if error is None:
        item = wallet.open_share(db, link, address=client_ip(request), agent=request.headers.get("user-agent"))
    else:  # the same visitor's refused feedback: not another opening of the link
        item = db.get_one(WalletCredential, link.wallet_credential_id)
    served = wallet.shared(item, link.hidden)  # without what the proof lets the holder leave out
    report = verifier_of(request, db)(served.document)
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
        served=served,
        token=token,
        feedback_open=item.issued_credential_id is not None,
        own=viewer is not None and viewer.id == item.user_id,
        answered=quality.employer_answered(db, link),
        error=error,
        typed=typed or {},
        status_code=code,
    )


@router.get("/share/{token}", response_class=HTMLResponse)
def shared(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    return _share_page(request, caller, db, token)


def _shared_feedback_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    token: str,
    satisfaction: int = 0,
    comment: str = "",
    **_: Any,
) -> Response:
    if not isinstance(error, InvalidInput | Conflict | Forbidden):
        raise error
    typed = {"satisfaction": satisfaction, "comment": comment}
    return _share_page(
        request, caller, db, token, error=(_feedback_field(error), error.detail), typed=typed, code=STATUS[error.kind]
    )


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
    return done(f"/share/{token}#feedback", "feedback-sent")


@router.get("/share/{token}/credential.json")
def shared_json(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    link = wallet.share_link(db, token)
    item = db.get_one(WalletCredential, link.wallet_credential_id)
    served = wallet.shared(item, link.hidden)
    if not served.downloadable:  # the signed file would show what the learner chose to hide
        raise NotFound("This share shows the credential's verdict only.", code="share_not_found")
    wallet.open_share(db, link, address=client_ip(request), agent=request.headers.get("user-agent"))
    return Response(
        json.dumps(served.document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="credential-{item.id}.json"'},
    )
