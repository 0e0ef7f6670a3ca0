"""Recognition of prior learning: a case opened against a published micro-credential for a member learner,
once however often it is asked for at once, with an owner who is an officer or educator, moved through its
stages by the right person only, and gone with its evidence when the learner is erased."""

from __future__ import annotations

import io
import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import AuditEvent, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.issuing import claims, keys
from microcred.issuing.models import IssuedCredential
from microcred.recognition import rpl, rpl_assessment, rpl_certification, rpl_evidence, rpl_identification
from microcred.recognition.models import RplCase, RplClosure, RplEvidence, RplResult, RplState
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import OTHER_SKILL, SKILL, annex_i_minimum

OUTCOMES = [
    {"text": "Develop digital content for a team's project", "skills": [OTHER_SKILL]},
    {"text": "Stimulate creativity in a team's workshops", "skills": [SKILL]},
]


# Helpers the other RPL tests share -----------------------------------------------------------------------------


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


def person(db: Session, world: World, key: str) -> Actor:
    return Actor.person(db.merge(world.users[key]))


def certified_case(db: Session, world: World, settings: Settings) -> RplCase:
    """A's learner's case, through the four stages to an issued credential that nobody has claimed."""
    organisation = db.merge(world.orgs["a"])
    spec_id = published(db, world)
    with_a_profile(db, world)
    learner, officer = person(db, world, "a_learner"), person(db, world, "a_recognition_officer")
    case = rpl.open_by_learner(db, learner, spec_id)
    rpl.assign_owner(db, officer, organisation, case)
    rpl.advance(db, learner, case, "documentation")
    rpl_evidence.add_evidence(db, learner, case, filename="statement.txt", data=TEXT, outcomes=[1, 2])
    rpl.advance(db, learner, case, "assessment")
    rpl_assessment.record_assessment(db, officer, case, ASSESSED)
    rpl.advance(db, officer, case, "certification")
    master = keys.master_key(settings.resolved_master_key())
    rpl_certification.certify(db, officer, organisation, case, base_url=settings.base_url, master=master)
    return case


# Opening, owners and stages ------------------------------------------------------------------------------------


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
        assert rpl_identification.identification(db, case).covered == [1]

        with pytest.raises(Forbidden, match=r"Only the case's owner \(.*\) can move the case to documentation"):
            rpl.advance(db, educator, case, "documentation")
        rpl.advance(db, officer, case, "documentation")
        with pytest.raises(Conflict, match="Documentation needs at least one evidence file"):
            rpl.advance(db, learner, case, "assessment")
        rpl_evidence.add_evidence(db, learner, case, filename="statement.txt", data=TEXT, outcomes=[1, 2])
        rpl_evidence.add_evidence(
            db, officer, case, filename="interview-notes.txt", data=TEXT, note="Call of 3 May", outcomes=[2]
        )
        with pytest.raises(Forbidden, match="Only the case's owner"):
            rpl_evidence.add_evidence(db, educator, case, filename="x.txt", data=TEXT, outcomes=[1])
        rpl.advance(db, learner, case, "assessment")
        with pytest.raises(Conflict, match="already at assessment: stages only move forward"):
            rpl.advance(db, officer, case, "documentation")
        with pytest.raises(InvalidInput, match="not a stage to move to"):
            rpl.advance(db, officer, case, "certified")

        with pytest.raises(Forbidden, match="The learner cannot record the assessment in their own case"):
            rpl_assessment.record_assessment(db, learner, case, ASSESSED)
        with pytest.raises(InvalidInput, match="say why learning outcome 2 was not demonstrated"):
            missed = [ASSESSED["outcomes"][0], {"demonstrated": False, "method": "interview"}]
            rpl_assessment.record_assessment(
                db, officer, case, {**ASSESSED, "outcomes": missed, "result": "not_passed"}
            )
        with pytest.raises(InvalidInput, match="Method of learning outcome 1 must be one of: interview"):
            wrong = [{**ASSESSED["outcomes"][0], "method": "astrology"}, ASSESSED["outcomes"][1]]
            rpl_assessment.record_assessment(db, officer, case, {**ASSESSED, "outcomes": wrong})
        not_passed = [ASSESSED["outcomes"][0], {"demonstrated": False, "method": "interview", "comment": "None led."}]
        rpl_assessment.record_assessment(
            db, officer, case, {**ASSESSED, "outcomes": not_passed, "result": "not_passed", "grade": None}
        )
        with pytest.raises(Conflict, match="the one recorded did not pass: close the case instead"):
            rpl_certification.certify(db, officer, organisation, case, base_url="http://x.test", master=b"\0" * 32)
        with pytest.raises(Conflict, match="the one recorded did not pass"):
            rpl.advance(db, officer, case, "certification")
        with pytest.raises(InvalidInput, match="The reason must be 3 to 2,000 characters long"):
            rpl_certification.close_not_passed(db, officer, case, " ")
        with pytest.raises(Forbidden, match="Only the learner withdraws"):
            rpl_certification.withdraw(db, admin, case, "Not for you to do")
        rpl_certification.close_not_passed(db, officer, case, "The second outcome needs a workshop you led.")
        assert case.state == RplState.CLOSED and case.closure == RplClosure.NOT_PASSED
        assert case.assessment_ended_at is not None and case.result == RplResult.NOT_PASSED
        with pytest.raises(Conflict, match=r"This case is closed \(not passed\): nothing more can change"):
            rpl_evidence.add_evidence(db, learner, case, filename="late.txt", data=TEXT, outcomes=[1])
        assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 0

        # The learner may open a new case once this one is closed, and withdraw it with a reason.
        second = rpl.open_by_learner(db, learner, spec_id)
        with pytest.raises(InvalidInput, match="reason"):
            rpl_certification.withdraw(db, learner, second, "")
        rpl_certification.withdraw(db, learner, second, "I will take the course instead.")
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


# Erasure -------------------------------------------------------------------------------------------------------


def test_erasing_a_learner_removes_their_cases_and_blanks_an_unclaimed_credential(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        case = certified_case(db, world, settings)
        credential_id = case.credential_id
        url, _expires = rpl_certification.learner_claim_link(
            db, person(db, world, "a_learner"), case, base_url=settings.base_url
        )
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
