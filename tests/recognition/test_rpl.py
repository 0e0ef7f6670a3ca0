"""Recognition of prior learning: a case through identification, documentation, assessment and certification
to a credential the learner claims; evidence checked by its content; every move out of order, by the wrong
person or with bad input refused with the reason, and nothing half-written."""

from __future__ import annotations

import io
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import AuditEvent, Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.issuing import claims, keys
from microcred.issuing.models import IssuedCredential
from microcred.recognition import rpl
from microcred.recognition.models import RplCase, RplClosure, RplEvidence, RplResult, RplState
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from microcred.trust import dataintegrity
from microcred.trust.loader import document_loader
from microcred.trust.multikey import key_from_multibase
from microcred.wallet import service as wallet
from microcred.wallet.models import WalletCredential
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import OTHER_SKILL, SKILL, annex_i_minimum
from tests.web.test_api import bearer

OUTCOMES = [
    {"text": "Develop digital content for a team's project", "skills": [OTHER_SKILL]},
    {"text": "Stimulate creativity in a team's workshops", "skills": [SKILL]},
]


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


# Evidence files, judged by their content --------------------------------------------------------------------


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def an_image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, kind)
    return out.getvalue()


TEXT = b"I ran the content calendar of a five-person team for two years.\n"


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
    assert rpl.evidence_type(name, data) == media_type


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
        ("huge.pdf", b"%PDF-1.7\n" + bytes(rpl.MAX_FILE_BYTES) + b"%%EOF", "larger than 5.0 MiB"),
    ],
)
def test_other_evidence_is_refused_saying_what_it_is(name: str, data: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why.replace("(", r"\(").replace(".", r"\.")):
        rpl.evidence_type(name, data)


def test_file_names_lose_folders_control_characters_and_leading_dots() -> None:
    assert rpl.safe_filename("../../etc/passwd.txt") == "passwd.txt"
    assert rpl.safe_filename("C:\\Users\\ana\\My CV.pdf") == "My CV.pdf"
    assert rpl.safe_filename("..hidden\x07 notes.txt") == "hidden notes.txt"
    assert rpl.safe_filename("") == "evidence"
    assert len(rpl.safe_filename("x" * 400 + ".pdf")) == 150 and rpl.safe_filename("x" * 400 + ".pdf").endswith(".pdf")


# A case through its four stages, over the API ---------------------------------------------------------------


def published(db: Session, world: World, *, publish: bool = True, **changes: Any) -> uuid.UUID:
    organisation = db.merge(world.orgs["a"])
    content = annex_i_minimum(learning_outcomes=OUTCOMES, **changes)
    spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(content))
    if publish:
        design.publish(db, Actor.operator(), organisation, spec.id)
    return spec.id


def with_a_profile(db: Session, world: World) -> User:
    """Organisation A's learner, whose profile holds the first outcome's skill (from a job) and no other."""
    learner = db.merge(world.users["a_learner"])
    job = skills.add_experience(
        db, learner, kind=ExperienceKind.JOB, title="Community manager", description="Wrote the team's posts."
    )
    skills.set_skill(db, learner, job.id, OTHER_SKILL, 4)
    return learner


def upload(client: TestClient, url: str, headers: dict[str, str], name: str, data: bytes, outcomes: list[int]) -> Any:
    return client.post(
        url,
        headers=headers,
        files={"file": (name, data, "application/octet-stream")},
        data={"outcomes": [str(n) for n in outcomes], "note": "What this shows"},
    )


ASSESSED = {
    "outcomes": [
        {"demonstrated": True, "method": "portfolio_review", "comment": "The portfolio shows a year of posts."},
        {"demonstrated": True, "method": "interview", "comment": ""},
    ],
    "result": "passed",
    "grade": "Merit",
    "comment": "Both outcomes shown in the portfolio and the interview.",
}


def test_a_learner_s_case_goes_through_the_four_stages_to_a_claimed_credential(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)
    learner = bearer(database, world, "a", Role.LEARNER)
    officer = bearer(database, world, "a", Role.RECOGNITION_OFFICER)

    # 1. Identification: the profile is shared as the case opens, and matched against the outcomes.
    opened = client.post("/api/me/rpl", json={"specification_id": str(spec_id)}, headers=learner)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    me = f"/api/me/rpl/{case['id']}"
    staff = f"/api/orgs/a/rpl/{case['id']}"
    assert case["state"] == "identification" and case["owner"] is None and case["edition"] == 1
    assert [o["status"] for o in case["identification"]["outcomes"]] == ["covered", "not_covered"]
    assert case["identification"]["covered"] == [1]
    assert case["identification"]["experiences"][0]["title"] == "Community manager"
    assert case["stages"][0]["started_at"] and case["stages"][0]["ended_at"] is None
    again = client.post("/api/me/rpl", json={"specification_id": str(spec_id)}, headers=learner)
    assert again.status_code == 409 and "already has an RPL case" in again.json()["detail"]

    # Out of order, or too early: refused naming the stage needed.
    skipped = client.post(f"{me}/stage", json={"to": "assessment"}, headers=learner)
    assert skipped.status_code == 409
    needed = "The case is at identification: it moves to documentation next, not to assessment."
    assert skipped.json()["detail"] == needed
    early = upload(client, f"{me}/evidence", learner, "portfolio.pdf", a_pdf(), [1])
    assert early.status_code == 409 and "move it to documentation first" in early.json()["detail"]

    # 2. Documentation: evidence checked by content; a bad file leaves nothing behind.
    assert client.post(f"{me}/stage", json={"to": "documentation"}, headers=learner).status_code == 200
    pdf = a_pdf()
    added = upload(client, f"{me}/evidence", learner, "portfolio.pdf", pdf, [1, 2])
    assert added.status_code == 201, added.text
    assert added.json()["media_type"] == "application/pdf" and added.json()["outcomes"] == [1, 2]
    renamed = upload(client, f"{me}/evidence", learner, "cv.pdf", Path(sys.executable).read_bytes()[:100_000], [1])
    assert renamed.status_code == 422 and "is a Linux program" in renamed.json()["detail"]
    html = upload(client, f"{me}/evidence", learner, "notes.txt", b"<html><script>alert(1)</script></html>", [1])
    assert html.status_code == 422 and "HTML" in html.json()["detail"]
    nowhere = upload(client, f"{me}/evidence", learner, "statement.txt", TEXT, [3])
    assert nowhere.status_code == 422 and "there is no learning outcome 3" in nowhere.json()["detail"]
    assert len(client.get(me, headers=learner).json()["evidence"]) == 1

    # Only the learner and the organisation's officers and educators reach the file, as an attachment.
    evidence_id = added.json()["id"]
    for who in (officer, learner):
        url = f"{staff}/evidence/{evidence_id}" if who is officer else f"{me}/evidence/{evidence_id}"
        download = client.get(url, headers=who)
        assert download.status_code == 200 and download.content == pdf
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith('attachment; filename="portfolio.pdf"')
        assert download.headers["x-content-type-options"] == "nosniff"
    b_learner = bearer(database, world, "b", Role.LEARNER)
    assert client.get(f"{me}/evidence/{evidence_id}", headers=b_learner).status_code == 404
    b_officer = bearer(database, world, "b", Role.RECOGNITION_OFFICER)
    assert client.get(f"/api/orgs/b/rpl/{case['id']}", headers=b_officer).json()["error"] == "rpl_case_not_found"
    assert client.get(staff, headers=learner).status_code == 403  # a learner of A is no officer

    # The learner submits the evidence; the owner assesses, and the learner never can.
    assert client.post(f"{me}/stage", json={"to": "assessment"}, headers=learner).status_code == 200
    unowned = client.put(f"{staff}/assessment", json=ASSESSED, headers=officer)
    assert unowned.status_code == 403 and "has no owner yet" in unowned.json()["detail"]
    taken = client.post(f"{staff}/owner", json={}, headers=officer)
    assert taken.json()["owner"]["email"] == "recognition_officer@a.example"
    assert client.put(f"{staff}/assessment", json=ASSESSED, headers=learner).status_code == 403
    not_yet = client.post(f"{staff}/certify", headers=officer)
    assert not_yet.status_code == 409
    assert not_yet.json()["detail"] == "Certification needs a passed assessment, and none is recorded yet."
    short = client.put(f"{staff}/assessment", json={**ASSESSED, "outcomes": ASSESSED["outcomes"][:1]}, headers=officer)
    assert short.status_code == 422 and "assess each of the 2 learning outcomes" in short.json()["detail"]
    missed = [ASSESSED["outcomes"][0], {"demonstrated": False, "method": "interview", "comment": "No workshop led."}]
    contradictory = client.put(f"{staff}/assessment", json={**ASSESSED, "outcomes": missed}, headers=officer)
    assert contradictory.status_code == 422 and "outcome 2 was not" in contradictory.json()["detail"]
    recorded = client.put(f"{staff}/assessment", json=ASSESSED, headers=officer)
    assert recorded.status_code == 200 and recorded.json()["assessment"]["result"] == "passed"
    assert client.get(me, headers=learner).json()["assessment"] is None  # not settled while being assessed

    # 3 → 4. Certification: issued once through issuing; the case records the credential, and the officer gets
    # no claim link (whoever holds one can take the credential: only the learner makes it).
    assert client.post(f"{me}/stage", json={"to": "certification"}, headers=learner).status_code == 403
    assert client.post(f"{staff}/stage", json={"to": "certification"}, headers=officer).status_code == 200
    certified = client.post(f"{staff}/certify", headers=officer)
    assert certified.status_code == 200, certified.text
    body = certified.json()
    assert body["state"] == "certified" and "claim" not in certified.text
    assert all(stage["ended_at"] for stage in body["stages"])
    twice = client.post(f"{staff}/certify", headers=officer)
    assert twice.status_code == 409 and twice.json()["error"] == "rpl_case_finished"
    with database.session() as db:
        [issued] = db.scalars(select(IssuedCredential).where(IssuedCredential.idempotency_key == f"rpl:{case['id']}"))
        assert body["credential_id"] == f"urn:uuid:{issued.id}" and issued.learner_email == "learner@a.example"
        assert issued.claim_hash is None and issued.claim_expires_at is None  # no claim link exists yet
        subject = issued.document["credentialSubject"]
        assert subject["achievement"]["name"] == "Digital content for teams"

    # The learner sees the settled assessment and claims the credential into their wallet.
    mine = client.get(me, headers=learner).json()
    assert mine["assessment"]["grade"] == "Merit" and mine["credential_id"] == body["credential_id"]
    link = client.post(f"{me}/claim-link", headers=learner)
    assert link.status_code == 200, link.text
    with database.session() as db:
        held = wallet.claim(db, db.merge(world.users["a_learner"]), link.json()["claim_url"].rsplit("/", 1)[1])
        assert held.issued_credential_id == issued.id
    assert client.post(f"{me}/claim-link", headers=learner).json()["error"] == "already_claimed"
    with database.session() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == case["id"])).all()
    assert sorted(set(actions)) == [
        "rpl.assessed",
        "rpl.certified",
        "rpl.evidence_added",
        "rpl.opened",
        "rpl.owner",
        "rpl.stage",
    ]
    assert actions.count("rpl.stage") == 3


# Refusals, in the service -------------------------------------------------------------------------------------


def person(db: Session, world: World, key: str) -> Actor:
    return Actor.person(db.merge(world.users[key]))


def test_a_case_needs_a_published_specification_and_a_member_learner(database: Database, world: World) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        officer = person(db, world, "a_recognition_officer")
        draft = published(db, world, publish=False, title="Only a draft")
        withdrawn = published(db, world, title="Offered no more")
        design.withdraw(db, Actor.operator(), organisation, withdrawn)
        # A learner asks from the catalogue: what it does not list is not found, and its title is never told.
        for unlisted in (draft, withdrawn):
            for who in ("a_learner", "b_learner"):
                with pytest.raises(NotFound) as refused:
                    rpl.open_by_learner(db, person(db, world, who), unlisted)
                assert refused.value.detail == "There is no such micro-credential in the catalogue."
        with pytest.raises(InvalidInput, match="“Offered no more” was withdrawn"):
            rpl.open_for_learner(db, officer, organisation, spec_id=withdrawn, learner_email="learner@a.example")
        with pytest.raises(InvalidInput, match="“Only a draft” is not published"):
            rpl.open_for_learner(db, officer, organisation, spec_id=draft, learner_email="learner@a.example")
        spec_id = published(db, world)
        with pytest.raises(InvalidInput, match="learner@b.example is not a member of Alpha Academy"):
            rpl.open_for_learner(db, officer, organisation, spec_id=spec_id, learner_email="learner@b.example")
        with pytest.raises(NotFound):
            rpl.open_by_learner(db, person(db, world, "a_learner"), uuid.uuid4())
        assert db.scalar(select(func.count()).select_from(RplCase)) == 0


def test_no_signed_in_user_learns_the_title_of_a_draft(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        draft = published(db, world, publish=False, title="Secret plans of Alpha")
    b_learner = bearer(database, world, "b", Role.LEARNER)
    asked = client.post("/api/me/rpl", json={"specification_id": str(draft)}, headers=b_learner)
    assert asked.status_code == 404 and asked.json()["error"] == "not_in_catalogue"
    assert "Secret plans" not in asked.text
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    token = csrf_from(client.get("/rpl").text)
    submitted = client.post(f"/catalogue/{draft}/rpl", data={"csrf_token": token})
    assert submitted.status_code == 404 and "Secret plans" not in submitted.text
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(RplCase)) == 0


def test_an_officer_s_case_waits_for_the_learner_s_profile_and_only_the_owner_assesses(
    database: Database, world: World
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec_id = published(db, world)
        with_a_profile(db, world)
        officer, learner = person(db, world, "a_recognition_officer"), person(db, world, "a_learner")
        educator, admin = person(db, world, "a_educator"), person(db, world, "a_org_admin")
        case = rpl.open_for_learner(db, officer, organisation, spec_id=spec_id, learner_email=" Learner@A.example ")
        assert case.owner_id == officer.user.id and case.profile is None  # type: ignore[union-attr]
        with pytest.raises(Conflict, match="Identification needs the learner's skills profile"):
            rpl.advance(db, officer, case, "documentation")
        with pytest.raises(Forbidden, match="Only the learner shares"):
            rpl.share_profile(db, officer, case)
        rpl.share_profile(db, learner, case)
        assert rpl.identification(db, case).covered == [1]

        with pytest.raises(Forbidden, match=r"Only the case's owner \(.*\) can move the case to documentation"):
            rpl.advance(db, educator, case, "documentation")
        rpl.advance(db, officer, case, "documentation")
        with pytest.raises(Conflict, match="Documentation needs at least one evidence file"):
            rpl.advance(db, learner, case, "assessment")
        rpl.add_evidence(db, learner, case, filename="statement.txt", data=TEXT, outcomes=[1, 2])
        rpl.add_evidence(
            db, officer, case, filename="interview-notes.txt", data=TEXT, note="Call of 3 May", outcomes=[2]
        )
        with pytest.raises(Forbidden, match="Only the case's owner"):
            rpl.add_evidence(db, educator, case, filename="x.txt", data=TEXT, outcomes=[1])
        rpl.advance(db, learner, case, "assessment")
        with pytest.raises(Conflict, match="already at assessment: stages only move forward"):
            rpl.advance(db, officer, case, "documentation")
        with pytest.raises(InvalidInput, match="not a stage to move to"):
            rpl.advance(db, officer, case, "certified")

        with pytest.raises(Forbidden, match="The learner cannot record the assessment in their own case"):
            rpl.record_assessment(db, learner, case, ASSESSED)
        with pytest.raises(InvalidInput, match="say why learning outcome 2 was not demonstrated"):
            missed = [ASSESSED["outcomes"][0], {"demonstrated": False, "method": "interview"}]
            rpl.record_assessment(db, officer, case, {**ASSESSED, "outcomes": missed, "result": "not_passed"})
        with pytest.raises(InvalidInput, match="outcomes.0.method"):
            wrong = [{**ASSESSED["outcomes"][0], "method": "astrology"}, ASSESSED["outcomes"][1]]
            rpl.record_assessment(db, officer, case, {**ASSESSED, "outcomes": wrong})
        not_passed = [ASSESSED["outcomes"][0], {"demonstrated": False, "method": "interview", "comment": "None led."}]
        rpl.record_assessment(
            db, officer, case, {**ASSESSED, "outcomes": not_passed, "result": "not_passed", "grade": None}
        )
        with pytest.raises(Conflict, match="the one recorded did not pass: close the case instead"):
            rpl.certify(db, officer, organisation, case, base_url="http://x.test", master=b"\0" * 32)
        with pytest.raises(Conflict, match="the one recorded did not pass"):
            rpl.advance(db, officer, case, "certification")
        with pytest.raises(InvalidInput, match="The reason must be 3 to 2,000 characters long"):
            rpl.close_not_passed(db, officer, case, " ")
        with pytest.raises(Forbidden, match="Only the learner withdraws"):
            rpl.withdraw(db, admin, case, "Not for you to do")
        rpl.close_not_passed(db, officer, case, "The second outcome needs a workshop you led.")
        assert case.state == RplState.CLOSED and case.closure == RplClosure.NOT_PASSED
        assert case.assessment_ended_at is not None and case.result == RplResult.NOT_PASSED
        with pytest.raises(Conflict, match=r"This case is closed \(not passed\): nothing more can change"):
            rpl.add_evidence(db, learner, case, filename="late.txt", data=TEXT, outcomes=[1])
        assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 0

        # The learner may open a new case once this one is closed, and withdraw it with a reason.
        second = rpl.open_by_learner(db, learner, spec_id)
        with pytest.raises(InvalidInput, match="reason"):
            rpl.withdraw(db, learner, second, "")
        rpl.withdraw(db, learner, second, "I will take the course instead.")
        assert second.closure == RplClosure.WITHDRAWN and second.identification_ended_at is not None


def test_owners_are_officers_or_educators_and_only_an_admin_takes_a_case_from_its_owner(
    database: Database, world: World
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec_id = published(db, world)
        officer, educator = person(db, world, "a_recognition_officer"), person(db, world, "a_educator")
        learner, admin = person(db, world, "a_learner"), person(db, world, "a_org_admin")
        case = rpl.open_by_learner(db, learner, spec_id)
        for email, why in (
            ("learner@a.example", "is not a recognition officer or educator of Alpha Academy"),
            ("org_admin@a.example", "is not a recognition officer or educator"),
            ("recognition_officer@b.example", "is not a recognition officer or educator"),
            ("nobody@nowhere.example", "is not a recognition officer or educator"),
        ):
            with pytest.raises(InvalidInput, match=why):
                rpl.assign_owner(db, admin, organisation, case, email)
        rpl.assign_owner(db, educator, organisation, case)
        with pytest.raises(Forbidden, match="owned by educator: only they or an organisation admin can hand it on"):
            rpl.assign_owner(db, officer, organisation, case)
        rpl.assign_owner(db, educator, organisation, case, "recognition_officer@a.example")
        assert case.owner_id == officer.user.id  # type: ignore[union-attr]
        rpl.assign_owner(db, admin, organisation, case, "educator@a.example")
        assert case.owner_id == educator.user.id  # type: ignore[union-attr]


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
        first = rpl.add_evidence(db, learner, case, filename="a.txt", data=TEXT, outcomes=[1])
        monkeypatch.setattr(rpl, "MAX_CASE_BYTES", len(TEXT) * 2)
        rpl.add_evidence(db, officer, case, filename="b.txt", data=TEXT, outcomes=[2])
        with pytest.raises(InvalidInput, match="with c.txt it would pass the"):
            rpl.add_evidence(db, learner, case, filename="c.txt", data=TEXT, outcomes=[1])
        with pytest.raises(Forbidden, match="Only whoever uploaded an evidence file can remove it"):
            rpl.remove_evidence(db, officer, case, first.id)
        rpl.remove_evidence(db, learner, case, first.id)
        assert [e.filename for e in rpl.evidence_of(db, case)] == ["b.txt"]
        assert rpl.evidence_file(db, case, rpl.evidence_of(db, case)[0].id).content == TEXT
        assert db.scalar(select(func.count()).select_from(RplEvidence)) == 1


def test_a_case_holds_at_most_thirty_evidence_files(database: Database, world: World) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)
        learner = person(db, world, "a_learner")
        case = rpl.open_by_learner(db, learner, spec_id)
        rpl.advance(db, learner, case, "documentation")
        for number in range(1, rpl.MAX_FILES + 1):
            rpl.add_evidence(db, learner, case, filename=f"part-{number}.txt", data=TEXT, outcomes=[1])
        with pytest.raises(InvalidInput, match="already holds 30 evidence files, the most a case may hold"):
            rpl.add_evidence(db, learner, case, filename="one-more.txt", data=TEXT, outcomes=[1])
        with pytest.raises(InvalidInput, match="The note must be printable text"):
            rpl.add_evidence(db, learner, case, filename="one-more.txt", data=TEXT, note="a\x00b", outcomes=[1])
        assert rpl.evidence_count(db, case) == (30, 30 * len(TEXT))


def test_two_requests_opening_the_same_case_at_once_open_one(database: Database, world: World) -> None:
    """The check for an open case and the insert are two statements: the second request checks before the first
    commits, and the database's partial unique index refuses its insert, reported as the same Conflict."""
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)
    learner_id = world.users["a_learner"].id
    checked = threading.Event()
    outcome: list[BaseException | None] = []

    def racing() -> None:
        with database.sessions() as second:
            try:
                rpl.open_by_learner(second, Actor.person(second.get_one(User, learner_id)), spec_id)
                second.commit()
                outcome.append(None)
            except BaseException as error:  # handed to the test's thread
                second.rollback()
                outcome.append(error)

    racer = threading.Thread(target=racing)

    def inserting(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if threading.current_thread() is racer and statement.lstrip().upper().startswith("INSERT INTO RPL_CASES"):
            checked.set()  # the racer found no open case and is about to insert its own

    event.listen(database.engine, "before_cursor_execute", inserting)
    try:
        with database.sessions() as first:
            rpl.open_by_learner(first, Actor.person(first.get_one(User, learner_id)), spec_id)  # flushed, not committed
            racer.start()
            assert checked.wait(20), "the second request never reached its insert"
            first.commit()
        racer.join(40)
    finally:
        event.remove(database.engine, "before_cursor_execute", inserting)
    [error] = outcome
    assert isinstance(error, Conflict) and error.code == "rpl_case_exists"
    assert (
        error.detail
        == "learner already has an RPL case for “Digital content for teams”, opened a moment ago and still open."
    )
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(RplCase)) == 1
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rpl.opened")) == 1


def certified_case(db: Session, world: World, settings: Settings) -> RplCase:
    """A's learner's case, through the four stages to an issued credential that nobody has claimed."""
    organisation = db.merge(world.orgs["a"])
    spec_id = published(db, world)
    with_a_profile(db, world)
    learner, officer = person(db, world, "a_learner"), person(db, world, "a_recognition_officer")
    case = rpl.open_by_learner(db, learner, spec_id)
    rpl.assign_owner(db, officer, organisation, case)
    rpl.advance(db, learner, case, "documentation")
    rpl.add_evidence(db, learner, case, filename="statement.txt", data=TEXT, outcomes=[1, 2])
    rpl.advance(db, learner, case, "assessment")
    rpl.record_assessment(db, officer, case, ASSESSED)
    rpl.advance(db, officer, case, "certification")
    master = keys.master_key(settings.resolved_master_key())
    rpl.certify(db, officer, organisation, case, base_url=settings.base_url, master=master)
    return case


def test_certifying_makes_no_claim_link_only_the_learner_does(
    database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        case = certified_case(db, world, settings)
        issued = db.get_one(IssuedCredential, case.credential_id)
        assert issued.claim_hash is None and issued.claim_expires_at is None
        officer = person(db, world, "a_recognition_officer")
        with pytest.raises(Forbidden, match="Only the learner claims the credential of their case"):
            rpl.learner_claim_link(db, officer, case, base_url=settings.base_url)
        url, _expires = rpl.learner_claim_link(db, person(db, world, "a_learner"), case, base_url=settings.base_url)
        assert claims.open_link(db, url.rsplit("/", 1)[1]).id == issued.id


def test_erasing_a_learner_removes_their_cases_and_blanks_an_unclaimed_credential(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        case = certified_case(db, world, settings)
        credential_id = case.credential_id
        url, _expires = rpl.learner_claim_link(db, person(db, world, "a_learner"), case, base_url=settings.base_url)
        # Another learner's case stays.
        other_case = rpl.open_by_learner(db, person(db, world, "b_learner"), case.specification_id)
        other_id = other_case.id
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    token = csrf_from(client.get("/wallet").text)
    erased = client.post("/wallet/erase", data={"csrf_token": token, "confirm": "ERASE"}, follow_redirects=False)
    assert erased.status_code == 303

    with database.session() as db:
        assert db.scalars(select(RplCase.id)).all() == [other_id]
        assert db.scalar(select(func.count()).select_from(RplEvidence)) == 0
        issued = db.get_one(IssuedCredential, credential_id)
        assert issued.learner_name == audit.ERASED and issued.learner_email is None
        assert set(issued.document) == {"id", "erased"} and issued.document["id"] == f"urn:uuid:{credential_id}"
        assert issued.elm_document is None and issued.claim_hash is None
        with pytest.raises(NotFound):  # the link the learner made before leaving opens nothing
            claims.open_link(db, url.rsplit("/", 1)[1])
        assert db.scalar(select(func.count()).select_from(User).where(User.email == "learner@a.example")) == 0
        events = db.scalars(select(AuditEvent))
        logged = " ".join(f"{e.action} {e.actor} {e.summary} {e.detail}" for e in events).lower()
        assert "rpl." in logged and "lena" not in logged and "learner@a.example" not in logged


# The pages --------------------------------------------------------------------------------------------------


def test_the_pages_take_a_case_from_the_catalogue_to_the_claim(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)
    other = TestClient(client.app)  # the officer's browser beside the learner's
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    log_in(other, "recognition_officer@a.example", world.passwords["recognition_officer@a.example"])

    item = client.get(f"/catalogue/{spec_id}").text
    assert f'href="/catalogue/{spec_id}/rpl"' in item
    start = client.get(f"/catalogue/{spec_id}/rpl")
    assert start.status_code == 200 and "The profile seems to cover it" in start.text
    opened = client.post(
        f"/catalogue/{spec_id}/rpl", data={"csrf_token": csrf_from(start.text)}, follow_redirects=False
    )
    assert opened.status_code == 303
    mine = opened.headers["location"]
    case_id = mine.rsplit("/", 1)[1]
    page = client.get(mine).text
    assert 'data-state="identification"' in page and "Community manager" in page

    def post(who: TestClient, page_url: str, action: str, **data: Any) -> Any:
        token = csrf_from(who.get(page_url).text)
        return who.post(action, data={**data, "csrf_token": token}, follow_redirects=False)

    refused = post(client, mine, f"{mine}/stage", to="certification")
    assert refused.status_code == 409 and "it moves to documentation next, not to certification" in refused.text
    assert post(client, mine, f"{mine}/stage", to="documentation").status_code == 303
    token = csrf_from(client.get(mine).text)
    sent = client.post(
        f"{mine}/evidence",
        data={"csrf_token": token, "outcomes": ["1", "2"], "note": "A year of posts"},
        files={"file": ("portfolio.pdf", a_pdf(), "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    bad = client.post(
        f"{mine}/evidence",
        data={"csrf_token": token, "outcomes": ["1"]},
        files={"file": ("page.txt", b"<html></html>", "text/plain")},
    )
    assert bad.status_code == 422 and "HTML or XML document" in bad.text
    assert post(client, mine, f"{mine}/stage", to="assessment").status_code == 303

    staff = f"/orgs/a/rpl/{case_id}"
    listed = other.get("/orgs/a/rpl?state=assessment").text
    assert staff in listed and "RPL cases" in listed
    assert post(other, staff, f"{staff}/owner").status_code == 303
    case_page = other.get(staff).text
    assert 'id="assessment-form"' in case_page and "portfolio.pdf" in case_page
    form = {
        "demonstrated": ["yes", "yes"],
        "method": ["portfolio_review", "interview"],
        "outcome_comment": ["Shown in the portfolio", ""],
        "result": "passed",
        "grade": "",
        "comment": "Every outcome shown.",
    }
    assert post(other, staff, f"{staff}/assessment", **form).status_code == 303
    assert post(other, staff, f"{staff}/stage", to="certification").status_code == 303
    certified = post(other, staff, f"{staff}/certify")
    assert certified.status_code == 303
    officer_page = other.get(staff).text
    assert 'data-state="certified"' in officer_page and "only they get its claim link" in officer_page
    assert "/claim/" not in officer_page

    done = client.get(mine).text
    assert "Claim my credential" in done and "Every outcome shown." in done
    claim = post(client, mine, f"{mine}/claim")
    assert claim.status_code == 303 and claim.headers["location"].startswith("/claim/")
    claim_page = client.get(claim.headers["location"])
    assert claim_page.status_code == 200 and "Add it to my wallet" in claim_page.text
    assert client.get("/rpl").text.count(f"/rpl/{case_id}") == 1

    # B's officer finds nothing of A's, and a learner is no officer.
    log_in(other, "recognition_officer@b.example", world.passwords["recognition_officer@b.example"])
    assert other.get(staff).status_code == 404 and other.get(f"/rpl/{case_id}").status_code == 404
    assert client.get(staff).status_code == 403
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(WalletCredential)) == 0  # shown, not yet added
        [issued] = db.scalars(select(IssuedCredential).where(IssuedCredential.idempotency_key == f"rpl:{case_id}"))
        document = issued.document
    # The award is signed with A's key, as A's did:web document lists it, and the proof holds.
    [proof] = document["proof"]
    did = client.get("/orgs/a/did.json").json()
    assert proof["verificationMethod"].split("#")[0] == did["id"] == document["issuer"]["id"]
    [method] = [m for m in did["verificationMethod"] if m["id"] == proof["verificationMethod"]]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    key = key_from_multibase(method["publicKeyMultibase"])
    assert dataintegrity.verify_proof(unsecured, proof, key, document_loader()).verified
