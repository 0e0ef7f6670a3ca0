"""The public verifier: drop a file, paste JSON, give a link or show the QR code of our PDF (a picture, or the
camera), and see the verdict beside what the credential says; and `/verify/{id}`, where the QR code of each
issued credential's PDF leads. No account needed."""

from __future__ import annotations

import io
import re
import uuid
import warnings
from typing import Annotated
from urllib.parse import urlsplit

import zxingcpp
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from microcred.errors import NotFound
from microcred.issuing.models import IssuedCredential
from microcred.quality.api import count_verification
from microcred.trust import TrustError
from microcred.verify import checks
from microcred.verify.fetch import FetchError
from microcred.verify.service import verify_here
from microcred.web.security import DB, Access, Caller, fetcher_of, master_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_LINK = 2000
MAX_PICTURE_BYTES = 8 * 1024 * 1024
MAX_PICTURE_PIXELS = 16_000_000  # a 4K camera frame is 8.3 megapixels; a QR code needs far fewer
# Pillow refuses (DecompressionBombError) pictures over twice its limit wherever it opens them in this process.
Image.MAX_IMAGE_PIXELS = min(Image.MAX_IMAGE_PIXELS or MAX_PICTURE_PIXELS, MAX_PICTURE_PIXELS)
OWN_LINK = re.compile(r"/(verify/[0-9a-fA-F-]{36}|share/[A-Za-z0-9_-]{16,100})/?")
Anyone = Annotated[Caller, Depends(Access.public())]


def _page(
    request: Request,
    caller: Caller,
    db: DB,
    reports: list[tuple[str, checks.Report]],
    *,
    error: str | None = None,
    code: int = 200,
    language: str | None = None,
) -> Response:
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
    try:
        if picture is not None and picture.filename:
            link = qr_link(picture.file.read(MAX_PICTURE_BYTES + 1))
        if link.strip():
            return _open_link(request, caller, db, link.strip())
        raw = file.file.read(checks.MAX_BYTES + 1) if file is not None and file.filename else document.encode()
        if not raw.strip():
            raise TrustError("Choose a file, paste the credential's JSON, give its link or a picture of its QR code.")
        parsed = checks.parse(raw)
    except TrustError as error:
        return _page(request, caller, db, [], error=str(error), code=422)
    settings = settings_of(request)
    report = verify_here(db, parsed, base_url=settings.base_url, master=master_of(request), fetcher=fetcher_of(request))
    count_verification(request, db, parsed, report, "upload")
    return _page(request, caller, db, [("The credential", report)])


@router.post("/verify/scan", summary="The link in a picture of a QR code (the verifier page's camera)")
def scan(picture: Annotated[UploadFile, File()], caller: Anyone) -> JSONResponse:
    try:
        return JSONResponse({"link": qr_link(picture.file.read(MAX_PICTURE_BYTES + 1))})
    except PictureTooLarge as error:
        return JSONResponse({"error": "picture_too_large", "detail": str(error)}, status_code=413)
    except TrustError as error:
        return JSONResponse({"error": "no_qr_code", "detail": str(error)}, status_code=422)


class PictureTooLarge(TrustError):
    """A picture refused for its size before it is decoded."""


PICTURE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")  # what cameras and screenshots make; no other decoder runs


def qr_link(raw: bytes) -> str:
    """The text of the QR code in a picture (a photo or screenshot of our PDF, a camera frame). Its size is read
    from the header and checked before a pixel is decoded."""
    if len(raw) > MAX_PICTURE_BYTES:
        raise PictureTooLarge(f"The picture is larger than {MAX_PICTURE_BYTES // (1024 * 1024)} MiB.")
    too_many = PictureTooLarge(
        f"The picture has more than {MAX_PICTURE_PIXELS // 1_000_000} megapixels: crop it to the QR code."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=PICTURE_FORMATS)  # reads the header only
            if image.width * image.height > MAX_PICTURE_PIXELS:
                raise too_many
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):  # Pillow's decoders raise SyntaxError too
        raise TrustError("The picture is not an image microcred can read (PNG, JPEG, WebP or GIF).") from None
    found = [code.text for code in zxingcpp.read_barcodes(image.convert("L")) if code.text]
    if not found:
        raise TrustError("No QR code was found in the picture: hold it flat, in focus and whole in the frame.")
    return found[0][:MAX_LINK]


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
    report = verify_here(db, document, base_url=settings.base_url, master=master_of(request), fetcher=fetcher)
    return _page(request, caller, db, [("The credential at " + link[:200], report)])


@router.get("/verify/{credential_id}", response_class=HTMLResponse)
def verify_issued(
    request: Request,
    credential_id: uuid.UUID,
    caller: Anyone,
    db: DB,
    lang: Annotated[str | None, Query(pattern="^[a-z]{2,3}$")] = None,
) -> Response:
    row = db.scalar(select(IssuedCredential).where(IssuedCredential.id == credential_id))
    if row is None:
        raise NotFound("No credential with this address was issued here.", code="credential_not_found")
    settings = settings_of(request)
    master = master_of(request)
    reports = [
        (
            "Open Badge",
            verify_here(db, row.document, base_url=settings.base_url, master=master, fetcher=fetcher_of(request)),
        )
    ]
    count_verification(request, db, row.document, reports[0][1], "page")
    if row.elm_document:
        elm = verify_here(db, row.elm_document, base_url=settings.base_url, master=master, fetcher=fetcher_of(request))
        reports.append(("European Digital Credential", elm))
    return _page(request, caller, db, reports, language=lang)
