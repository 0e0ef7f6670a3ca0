"""Documentation, the second stage of an RPL case: evidence files from the learner and the case's owner,
each linked to the learning outcomes it supports.

Evidence files are kept in the database, in the same transaction as the case (backed up with it, alike on
SQLite and PostgreSQL). Allowed: PDF, PNG, JPEG and plain UTF-8 text, recognised by their content (a PDF
starts with %PDF- and ends with %%EOF; PNG and JPEG must open as such images; text must decode as UTF-8
without control characters and must not begin with '<', which a browser would sniff as HTML) and named to
match it; at most 5 MiB a file, 20 MiB and 30 files a case. A file is served back only as a download.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from pathlib import PurePosixPath
from typing import BinaryIO

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from microcred import inputs
from microcred.accounts.principal import Actor
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.inputs import has_control_characters, without_control_characters
from microcred.recognition import rpl
from microcred.recognition.models import RplCase, RplEvidence, RplState
from microcred.store.base import utcnow

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_CASE_BYTES = 20 * 1024 * 1024
MAX_FILES = 30
MAX_NOTE = 1000
KINDS = {  # media type: (what people call it, the file name endings that go with it)
    "application/pdf": ("a PDF", (".pdf",)),
    "image/png": ("a PNG image", (".png",)),
    "image/jpeg": ("a JPEG image", (".jpg", ".jpeg")),
    "text/plain": ("plain text", (".txt",)),
}
ALLOWED = "PDF, PNG, JPEG or plain text (.txt)"
# Content that is never evidence, named so that the refusal says what the file really is.
REFUSED_SIGNATURES = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xfe\xed\xfa", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a Java class or macOS program"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a ZIP archive (Word and other Office files are ZIP archives too: save it as PDF)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (save it as PDF)"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"GIF8", "a GIF image"),
)


def safe_filename(name: str) -> str:
    """The file's own name without any folder, control characters or leading dots, at most 150 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = " ".join(without_control_characters(base).split()).lstrip(". ")
    path = PurePosixPath(base or "evidence")
    suffix = path.suffix[:10]
    return path.stem[: 150 - len(suffix)] + suffix


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def evidence_type(name: str, data: bytes) -> str:
    """The media type of an evidence file, found from its content (never from what the client claimed) and
    agreeing with its name; anything else is refused saying what the file is."""
    if not data:
        raise InvalidInput(f"{name} is empty.", code="invalid_evidence")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{name} is larger than {_megabytes(MAX_FILE_BYTES)}, the most an evidence file may be.",
            code="evidence_too_large",
        )
    for signature, what in REFUSED_SIGNATURES:
        if data.startswith(signature):
            raise InvalidInput(
                f"{name} is {what}, which is not accepted as evidence: upload {ALLOWED}.", code="invalid_evidence_type"
            )
    media_type = _sniff(name, data)
    label, endings = KINDS[media_type]
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in endings:
        raise InvalidInput(
            f"{name} holds {label}, but its name ends in {suffix or 'nothing'}: name it …{endings[0]}.",
            code="invalid_evidence_type",
        )
    return media_type


def _sniff(name: str, data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidInput(f"{name} is a PDF cut short (it does not end as a PDF does).", code="invalid_evidence")
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(name, data, "PNG")
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        _check_image(name, data, "JPEG")
        return "image/jpeg"
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = None
    if text is None or has_control_characters(text):
        raise InvalidInput(
            f"{name} is not {ALLOWED}, judged by its content rather than its name.", code="invalid_evidence_type"
        )
    if text.lstrip().startswith("<"):
        raise InvalidInput(
            f"{name} is an HTML or XML document (it begins with '<'), which a browser could run as a page: "
            "upload it as PDF or plain text.",
            code="invalid_evidence_type",
        )
    return "text/plain"


def _check_image(name: str, data: bytes, kind: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        found = None
    if found != kind:
        raise InvalidInput(f"{name} starts as a {kind} image but does not open as one.", code="invalid_evidence")


def _outcome_numbers(content: SpecificationContent, outcomes: list[int]) -> list[int]:
    count = len(content.learning_outcomes)
    if not outcomes:
        raise InvalidInput(
            "outcomes: link the file to at least one learning outcome it supports.", code="invalid_evidence"
        )
    for number in outcomes:
        if not 1 <= number <= count:
            raise InvalidInput(
                f"outcomes: there is no learning outcome {number}; this micro-credential has {count}.",
                code="invalid_evidence",
            )
    return sorted(set(outcomes))


def add_evidence(
    db: Session, actor: Actor, case: RplCase, *, filename: str, data: bytes, note: str = "", outcomes: list[int]
) -> RplEvidence:
    """An evidence file from the learner or the owner, while the case is in documentation or assessment, linked
    to the outcomes it supports; checked by content and size before anything is kept."""
    rpl.require_open(case)
    if not rpl.is_learner(actor, case):
        rpl.require_owner(db, actor, case, "add evidence")
    if case.state not in (RplState.DOCUMENTATION, RplState.ASSESSMENT):
        raise Conflict(
            f"Evidence is added during documentation (and assessment); this case is at {case.state.value}"
            + (": move it to documentation first." if case.state == RplState.IDENTIFICATION else "."),
            code="rpl_wrong_stage",
        )
    name = safe_filename(filename)
    media_type = evidence_type(name, data)
    note = inputs.text(note, field="note", max_length=MAX_NOTE)
    _spec, content = rpl.edition_of(db, case)
    numbers = _outcome_numbers(content, outcomes)
    count, total = rpl.evidence_count(db, case)
    if count >= MAX_FILES:
        raise InvalidInput(
            f"This case already holds {count} evidence files, the most a case may hold: put more into one PDF.",
            code="evidence_too_large",
        )
    if total + len(data) > MAX_CASE_BYTES:
        raise InvalidInput(
            f"This case holds {_megabytes(total)} of evidence; with {name} it would pass the "
            f"{_megabytes(MAX_CASE_BYTES)} a case may hold.",
            code="evidence_too_large",
        )
    row = RplEvidence(
        case_id=case.id,
        uploaded_by=rpl.person_of(actor).id,
        filename=name,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        note=note,
        outcomes=numbers,
    )
    db.add(row)
    case.updated_at = utcnow()
    db.flush()
    rpl.record(
        db,
        actor,
        case,
        "rpl.evidence_added",
        f"Evidence {name[:100]} ({media_type}, {len(data):,} bytes) for outcomes {', '.join(map(str, numbers))}",
        evidence=str(row.id),
        sha256=row.sha256,
    )
    return row


def evidence_file(db: Session, case: RplCase, evidence_id: uuid.UUID) -> RplEvidence:
    """One evidence file of the case, with its content."""
    found = db.scalar(
        select(RplEvidence)
        .options(undefer(RplEvidence.content))
        .where(RplEvidence.id == evidence_id, RplEvidence.case_id == case.id)
    )
    if found is None:
        raise NotFound("This case has no such evidence file.", code="evidence_not_found")
    return found


def remove_evidence(db: Session, actor: Actor, case: RplCase, evidence_id: uuid.UUID) -> None:
    """Whoever uploaded a file may take it back while the case is in documentation."""
    rpl.require_open(case)
    row = evidence_file(db, case, evidence_id)
    if actor.user is None or row.uploaded_by != actor.user.id:
        raise Forbidden("Only whoever uploaded an evidence file can remove it.", code="rpl_not_uploader")
    if case.state != RplState.DOCUMENTATION:
        raise Conflict(
            f"Evidence can be removed during documentation only; this case is at {case.state.value}.",
            code="rpl_wrong_stage",
        )
    db.delete(row)
    case.updated_at = utcnow()
    db.flush()
    rpl.record(
        db, actor, case, "rpl.evidence_removed", f"Removed the evidence {row.filename[:100]}", evidence=str(row.id)
    )


def read_upload(stream: BinaryIO | None) -> bytes:
    """An uploaded file's bytes, at most one over the cap, so an oversized file is refused without being read
    whole; None (no file sent) is refused by name."""
    if stream is None:
        raise InvalidInput("file: choose the evidence file to upload.", code="invalid_evidence")
    return stream.read(MAX_FILE_BYTES + 1)


# How a file is served: always as a download, never shown inline, sandboxed should a browser open it anyway.
SERVED_HEADERS = {"Cache-Control": "private, no-store", "Content-Security-Policy": "sandbox; default-src 'none'"}


def served_type(row: RplEvidence) -> str:
    """The Content-Type a file is served with: the type its content was found to be."""
    return row.media_type + ("; charset=utf-8" if row.media_type == "text/plain" else "")
