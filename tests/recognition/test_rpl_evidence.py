"""Evidence files of an RPL case, judged by their content and never by their name or the type a client
claims, named safely, capped per file and per case, and taken back only by whoever uploaded them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from microcred.errors import Forbidden, InvalidInput
from microcred.recognition import rpl, rpl_evidence
from microcred.recognition.models import RplEvidence
from microcred.store import Database
from tests.conftest import World
from tests.recognition.test_rpl import TEXT, a_pdf, an_image, person, published, with_a_profile


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("portfolio.pdf", a_pdf(), "application/pdf"),
        ("workshop.png", an_image("PNG"), "image/png"),
        ("poster.JPG", an_image("JPEG"), "image/jpeg"),
        ("reference.jpeg", an_image("JPEG"), "image/jpeg"),
        ("statement.txt", TEXT, "text/plain"),
        ("lettre.txt", "\ufeffJ'ai animé des ateliers d'écriture.\r\n\tÀ Lyon.".encode(), "text/plain"),
    ],
)
def test_allowed_evidence_is_known_by_its_content(name: str, data: bytes, media_type: str) -> None:
    assert rpl_evidence.evidence_type(name, data) == media_type


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("cv.pdf", Path(sys.executable).read_bytes()[:200_000], "cv.pdf is a Linux program"),
        ("cv.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200), "is a Windows program"),
        ("notes.txt", b"  <!DOCTYPE html><script>alert(document.cookie)</script>", "an HTML or XML document"),
        ("drawing.txt", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "an HTML or XML document"),
        ("run.txt", b"#!/bin/sh\nrm -rf ~\n", "is a script"),
        ("report.pdf", b"PK\x03\x04" + bytes(100), "ZIP archive"),
        ("photo.pdf", an_image("PNG"), "holds a PNG image, but its name ends in .pdf"),
        ("portfolio.txt", a_pdf(), "holds a PDF, but its name ends in .txt"),
        ("statement", TEXT, "its name ends in nothing"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"not an image at all", "does not open as one"),
        ("cut.pdf", a_pdf()[:40], "a PDF cut short"),
        ("binary.txt", b"a\x00b\x01c", "is not PDF, PNG, JPEG or plain text"),
        ("latin1.txt", "café crème".encode("latin-1"), "is not PDF, PNG, JPEG or plain text"),
        ("empty.txt", b"", "is empty"),
        ("huge.pdf", b"%PDF-1.7\n" + bytes(rpl_evidence.MAX_FILE_BYTES) + b"%%EOF", "larger than 5.0 MiB"),
    ],
)
def test_other_evidence_is_refused_saying_what_it_is(name: str, data: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why.replace("(", r"\(").replace(".", r"\.")):
        rpl_evidence.evidence_type(name, data)


def test_file_names_lose_folders_control_characters_and_leading_dots() -> None:
    assert rpl_evidence.safe_filename("../../etc/passwd.txt") == "passwd.txt"
    assert rpl_evidence.safe_filename("C:\\Users\\ana\\My CV.pdf") == "My CV.pdf"
    assert rpl_evidence.safe_filename("..hidden\x07 notes.txt") == "hidden notes.txt"
    assert rpl_evidence.safe_filename("") == "evidence"
    assert len(rpl_evidence.safe_filename("x" * 400 + ".pdf")) == 150 and rpl_evidence.safe_filename(
        "x" * 400 + ".pdf"
    ).endswith(".pdf")


def test_evidence_is_capped_per_case_and_taken_back_only_by_its_uploader(
    database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)
        learner, officer = person(db, world, "a_learner"), person(db, world, "a_recognition_officer")
        case = rpl.open_by_learner(db, learner, spec_id)
        rpl.assign_owner(db, officer, db.merge(world.orgs["a"]), case)
        rpl.advance(db, learner, case, "documentation")
        first = rpl_evidence.add_evidence(db, learner, case, filename="a.txt", data=TEXT, outcomes=[1])
        monkeypatch.setattr(rpl_evidence, "MAX_CASE_BYTES", len(TEXT) * 2)
        rpl_evidence.add_evidence(db, officer, case, filename="b.txt", data=TEXT, outcomes=[2])
        with pytest.raises(InvalidInput, match="with c.txt it would pass the"):
            rpl_evidence.add_evidence(db, learner, case, filename="c.txt", data=TEXT, outcomes=[1])
        with pytest.raises(Forbidden, match="Only whoever uploaded an evidence file can remove it"):
            rpl_evidence.remove_evidence(db, officer, case, first.id)
        rpl_evidence.remove_evidence(db, learner, case, first.id)
        assert [e.filename for e in rpl.evidence_of(db, case)] == ["b.txt"]
        assert rpl_evidence.evidence_file(db, case, rpl.evidence_of(db, case)[0].id).content == TEXT
        assert db.scalar(select(func.count()).select_from(RplEvidence)) == 1


def test_a_case_holds_at_most_thirty_evidence_files(database: Database, world: World) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)
        learner = person(db, world, "a_learner")
        case = rpl.open_by_learner(db, learner, spec_id)
        rpl.advance(db, learner, case, "documentation")
        for number in range(1, rpl_evidence.MAX_FILES + 1):
            rpl_evidence.add_evidence(db, learner, case, filename=f"part-{number}.txt", data=TEXT, outcomes=[1])
        with pytest.raises(InvalidInput, match="already holds 30 evidence files, the most a case may hold"):
            rpl_evidence.add_evidence(db, learner, case, filename="one-more.txt", data=TEXT, outcomes=[1])
        with pytest.raises(InvalidInput, match="The note must be printable text"):
            rpl_evidence.add_evidence(
                db, learner, case, filename="one-more.txt", data=TEXT, note="a\x00b", outcomes=[1]
            )
        assert rpl.evidence_count(db, case) == (30, 30 * len(TEXT))


def test_an_upload_is_read_no_further_than_one_byte_over_the_cap() -> None:
    with pytest.raises(InvalidInput, match="choose the evidence file to upload"):
        rpl_evidence.read_upload(None)
    stream = io.BytesIO(bytes(rpl_evidence.MAX_FILE_BYTES * 2))
    assert len(rpl_evidence.read_upload(stream)) == rpl_evidence.MAX_FILE_BYTES + 1
    with pytest.raises(InvalidInput, match="larger than 5.0 MiB"):
        rpl_evidence.evidence_type("big.txt", rpl_evidence.read_upload(io.BytesIO(b"a" * (6 * 1024 * 1024))))


def test_a_file_is_served_as_the_type_its_content_was_found_to_be_and_never_inline() -> None:
    text = RplEvidence(filename="notes.txt", media_type="text/plain")
    pdf = RplEvidence(filename="cv.pdf", media_type="application/pdf")
    assert rpl_evidence.served_type(text) == "text/plain; charset=utf-8"
    assert rpl_evidence.served_type(pdf) == "application/pdf"
    assert rpl_evidence.SERVED_HEADERS["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in rpl_evidence.SERVED_HEADERS["Cache-Control"]
