"""The public verifier: drop a file, paste JSON, give a link or show the QR code of our PDF (a picture, or the
camera), and see the verdict beside what the credential says. No account needed. (`/verify/{id}`, where the QR
code of each issued credential's PDF leads, is issuing's page of what it issued.)"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from microcred.trust import TrustError
from microcred.verify import baked, checks, envelopes
from microcred.verify.baked import MAX_IMAGE_BYTES
from microcred.verify.fetch import FetchError
from microcred.verify.pictures import MAX_LINK, MAX_PICTURE_BYTES, PictureTooLarge, qr_link
from microcred.verify.schemas import ScannedLink
from microcred.web.flows import announce_verification, verifier_of
from microcred.web.security import DB, Anyone, Caller, fetcher_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
OWN_LINK = re.compile(r"/(verify/[0-9a-fA-F-]{36}|share/[A-Za-z0-9_-]{16,100})/?")


def _page(
    request: Request,
    caller: Caller,
    db: DB,
    reports: list[tuple[str, checks.Report]],
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
    language: str | None = None,
    document: str = "",
    link: str = "",
    picture: str | None = None,
) -> Response:
    """The verifier page: each report's verdict and reason first, then what the document says; a refused form
    again with the refusal at the top, linked to the box it is about, and what was pasted or typed kept."""
    return render(
        request,
        "verify.html",
        caller,
        db=db,
        title="Verify a credential",
        reports=[(label, report, checks.summary(report, language)) for label, report in reports],
        language=language,
        language_links=language is not None or request.method == "GET",
        error=error,
        error_field=error_field,
        document=document,
        link=link,
        picture=picture,
        status_code=code,
    )


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, caller: Anyone, db: DB) -> Response:
    return _page(request, caller, db, [])


@router.post("/verify", response_class=HTMLResponse)
def verify_upload(
    request: Request,
    caller: Anyone,
    db: DB,
    file: Annotated[UploadFile | None, File()] = None,
    document: Annotated[str, Form(max_length=checks.MAX_BYTES)] = "",
    link: Annotated[str, Form(max_length=MAX_LINK)] = "",
    picture: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A credential as a file, pasted JSON, a link to it, or a picture of its QR code."""
    typed, given = link, "verify-file"  # the box the credential came from, for a refusal to point at
    try:
        if picture is not None and picture.filename:
            given, link = "verify-picture", qr_link(picture.file.read(MAX_PICTURE_BYTES + 1))
        elif link.strip():
            given = "verify-link"
        if link.strip():
            return _open_link(request, caller, db, link.strip())
        from_file = bool(file is not None and file.filename)
        given = "verify-text" if document.strip() and not from_file else "verify-file"
        raw = file.file.read(MAX_IMAGE_BYTES + 1) if file is not None and from_file else document.encode()
        if not raw.strip():
            raise TrustError("Choose a file, paste the credential's JSON, give its link or a picture of its QR code.")
        carried = baked.carried(raw) if from_file else None  # a baked badge (PNG, SVG): what it carries
        image, raw = (baked.picture(raw), carried) if carried is not None else (None, raw)
        parsed = envelopes.parse(raw)  # JSON, or a JWT (.jwt file or pasted)
    except TrustError as error:
        return _page(
            request, caller, db, [], error=str(error), error_field=given, code=422, document=document, link=typed
        )
    report = verifier_of(request, db)(parsed)
    announce_verification(request, db, parsed, report, "upload")
    return _page(request, caller, db, [("The credential", report)], picture=image)


@router.post(
    "/verify/scan",
    response_model=ScannedLink,
    summary="The link in a picture of a QR code (the verifier page's camera)",
    response_class=JSONResponse,
)
def scan(picture: Annotated[UploadFile, File()], caller: Anyone) -> JSONResponse:
    try:
        return JSONResponse({"link": qr_link(picture.file.read(MAX_PICTURE_BYTES + 1))})
    except PictureTooLarge as error:
        return JSONResponse({"error": "picture_too_large", "detail": str(error)}, status_code=413)
    except TrustError as error:
        return JSONResponse({"error": "no_qr_code", "detail": str(error)}, status_code=422)


def _open_link(request: Request, caller: Caller, db: DB, link: str) -> Response:
    """Our own /verify/… and /share/… links lead to their pages; another site's link is fetched (https, public
    addresses) and verified."""
    settings, fetcher = settings_of(request), fetcher_of(request)
    base = settings.base_url.rstrip("/")
    if link.startswith((f"{base}/", "/")):
        ours = OWN_LINK.fullmatch(urlsplit(link).path.removeprefix(urlsplit(base).path.rstrip("/")))
        if ours is None:
            raise TrustError(
                "This link of microcred does not lead to a credential (it is not a /verify/ or /share/ link)."
            )
        return RedirectResponse(f"/{ours.group(1)}", status_code=303)
    try:
        document = fetcher.json(link)
    except FetchError as error:
        raise TrustError(f"The link could not be opened: {error}") from None
    report = verifier_of(request, db)(document)
    return _page(request, caller, db, [("The credential at " + link[:200], report)])
