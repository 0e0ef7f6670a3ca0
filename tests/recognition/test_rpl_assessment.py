"""Assessment, the third stage of an RPL case: recorded by the case's owner at the assessment stage only,
against every learning outcome with the methods the form offers, with reasons; it may be revised while the
case is at assessment, each time audit-logged."""

from __future__ import annotations

import typing

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.models import AuditEvent
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, InvalidInput
from microcred.recognition import rpl, rpl_assessment, rpl_evidence
from microcred.recognition.models import RplCase, RplResult
from microcred.recognition.schemas import AssessedOutcome
from microcred.store import Database
from tests.conftest import World
from tests.recognition.test_rpl import ASSESSED, TEXT, person, published, with_a_profile


def documented(db: Session, world: World) -> tuple[RplCase, Actor]:
    """A's learner's case in documentation with one evidence file, owned by A's recognition officer."""
    spec_id = published(db, world)
    with_a_profile(db, world)
    learner, officer = person(db, world, "a_learner"), person(db, world, "a_recognition_officer")
    case = rpl.open_by_learner(db, learner, spec_id)
    rpl.assign_owner(db, officer, db.merge(world.orgs["a"]), case)
    rpl.advance(db, learner, case, "documentation")
    rpl_evidence.add_evidence(db, learner, case, filename="statement.txt", data=TEXT, outcomes=[1, 2])
    return case, officer


def test_the_form_offers_exactly_the_methods_an_assessment_accepts() -> None:
    accepted = typing.get_args(AssessedOutcome.model_fields["method"].annotation)
    assert list(rpl_assessment.METHODS) == list(accepted)


def test_the_owner_records_the_assessment_at_its_stage_and_may_revise_it(database: Database, world: World) -> None:
    with database.session() as db:
        case, officer = documented(db, world)
        with pytest.raises(Conflict, match="recorded at the assessment stage; this case is at documentation"):
            rpl_assessment.record_assessment(db, officer, case, ASSESSED)
        rpl.advance(db, officer, case, "assessment")
        with pytest.raises(Forbidden, match=r"Only the case's owner \(.*\) can record the assessment"):
            rpl_assessment.record_assessment(db, person(db, world, "a_educator"), case, ASSESSED)
        with pytest.raises(InvalidInput) as unknown:
            rpl_assessment.record_assessment(db, officer, case, {**ASSESSED, "score": 9})
        assert unknown.value.code == "invalid_assessment" and unknown.value.detail == (
            "Score is not one of the fields this accepts."
        )
        with pytest.raises(InvalidInput, match="The reasons for the result must be 3 to 4,000 characters long"):
            rpl_assessment.record_assessment(db, officer, case, {**ASSESSED, "comment": " ok "})
        assert case.result is None and case.assessment is None  # nothing recorded by the refusals

        rpl_assessment.record_assessment(db, officer, case, ASSESSED)
        assert case.result == RplResult.PASSED and case.grade == "Merit"
        assert [(a["outcome"], a["demonstrated"], a["method"]) for a in case.assessment or []] == [
            (1, True, "portfolio_review"),
            (2, True, "interview"),
        ]
        assert officer.user is not None and case.assessed_by == officer.user.id

        missed = {"demonstrated": False, "method": "observation", "comment": "  No workshop was observed.  "}
        revised = {**ASSESSED, "outcomes": [ASSESSED["outcomes"][0], missed], "result": "not_passed", "grade": ""}
        rpl_assessment.record_assessment(db, officer, case, revised)
        assert case.result == RplResult.NOT_PASSED and case.grade is None
        assert (case.assessment or [])[1]["comment"] == "No workshop was observed."
        logged = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(case.id))).all()
        assert logged.count("rpl.assessed") == 2
