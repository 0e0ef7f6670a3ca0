"""The learner's one appeal of a decision: only once a decision stands, only on their own case, never without
grounds, and never twice; it reopens the case for a final decision that cannot be appealed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from microcred.accounts.models import AuditEvent
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.recognition import appeals, cases
from microcred.recognition.models import DecisionOutcome, RecognitionCase, RecognitionState
from microcred.store import Database
from tests.conftest import World
from tests.recognition.test_cases import asked_of_b


def state_of(case: RecognitionCase) -> RecognitionState:
    return case.state


def test_there_is_no_appeal_before_a_decision(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        learner = db.merge(world.users["a_learner"])
        case = asked_of_b(client, db, world)
        with pytest.raises(Conflict, match="no decision to appeal yet"):
            appeals.appeal(db, Actor.person(learner), learner, case.id, "I disagree with this, strongly.")
        assert appeals.appeal_of(db, case) is None and not appeals.can_appeal(case)


def test_a_learner_appeals_once_with_grounds_and_the_decision_after_it_is_final(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        learner = db.merge(world.users["a_learner"])
        case = asked_of_b(client, db, world)
        officer = Actor.person(db.merge(world.users["b_recognition_officer"]))
        b = db.merge(world.orgs["b"])
        cases.decide(db, officer, b, case.id, outcome=DecisionOutcome.REFUSED, reasons="Not at our level, sorry.")
        assert appeals.can_appeal(case)

        with pytest.raises(InvalidInput, match="Give the grounds of your appeal in a sentence"):
            appeals.appeal(db, Actor.person(learner), learner, case.id, "Unfair.")
        other = db.merge(world.users["b_learner"])
        with pytest.raises(NotFound, match="You have no such recognition request"):
            appeals.appeal(db, Actor.person(other), other, case.id, "This is not my case, but I object.")
        assert appeals.appeal_of(db, case) is None and state_of(case) == RecognitionState.DECIDED

        row = appeals.appeal(db, Actor.person(learner), learner, case.id, "The module was assessed at EQF level 6.")
        assert appeals.appeal_of(db, case) is row and row.grounds == "The module was assessed at EQF level 6."
        assert state_of(case) == RecognitionState.APPEALED and not appeals.can_appeal(case)
        with pytest.raises(Conflict, match="You have already appealed this decision"):
            appeals.appeal(db, Actor.person(learner), learner, case.id, "And once more, with feeling.")

        cases.decide(db, officer, b, case.id, outcome=DecisionOutcome.REFUSED, reasons="Looked again: still no.")
        assert state_of(case) == RecognitionState.FINAL and not appeals.can_appeal(case)
        with pytest.raises(Conflict, match="the one after the appeal is final"):
            appeals.appeal(db, Actor.person(learner), learner, case.id, "And again, after the final decision.")
        logged = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(case.id))).all()
        assert logged.count("recognition.appealed") == 1
