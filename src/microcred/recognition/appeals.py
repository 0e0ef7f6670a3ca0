"""The learner's one appeal of a decision on their recognition case: with their grounds, once; it reopens the
case for a final decision (the one after the appeal cannot be appealed)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, InvalidInput
from microcred.inputs import text
from microcred.recognition import cases
from microcred.recognition.models import RecognitionAppeal, RecognitionCase, RecognitionState
from microcred.store.base import utcnow


def can_appeal(case: RecognitionCase) -> bool:
    """Whether the learner may appeal now: a first decision stands (one after the appeal is FINAL)."""
    return case.state == RecognitionState.DECIDED


def appeal_of(db: Session, case: RecognitionCase) -> RecognitionAppeal | None:
    """The case's appeal, if the learner made it."""
    return db.scalar(select(RecognitionAppeal).where(RecognitionAppeal.case_id == case.id))


def appeal(db: Session, actor: Actor, learner: User, case_id: uuid.UUID, grounds: str) -> RecognitionAppeal:
    """The learner's one appeal of a decision, with their grounds: the case reopens for a final decision."""
    case = cases.case_of_learner(db, learner, case_id)
    if case.state == RecognitionState.OPEN:
        raise Conflict("There is no decision to appeal yet.", code="nothing_to_appeal")
    if not can_appeal(case):
        raise Conflict(
            "You have already appealed this decision: a decision can be appealed once, and the one after the "
            "appeal is final.",
            code="already_appealed",
        )
    grounds = text(grounds, field="grounds", max_length=cases.MAX_TEXT)
    if len(grounds) < cases.MIN_REASONS:
        raise InvalidInput("Give the grounds of your appeal in a sentence.", code="grounds_required")
    row = RecognitionAppeal(case_id=case.id, grounds=grounds, appealed_by=learner.id)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        raise Conflict("You have already appealed this decision.", code="already_appealed") from None
    case.state, case.updated_at = RecognitionState.APPEALED, utcnow()
    organisation = db.get(Organisation, case.organisation_id)
    db.flush()
    audit.record(
        db,
        actor,
        "recognition.appealed",
        object_type="recognition_case",
        object_id=case.id,
        organisation=organisation,
        summary=f"Appeal of the decision on {case.title[:100]}",
    )
    return row
