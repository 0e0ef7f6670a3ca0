"""Assessment, the third stage of an RPL case: the owner's record against every learning outcome of the edition
(demonstrated or not, by which method, with a comment), the result, a grade and the reasons; never the
learner's. It may be recorded again while the case is at assessment."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from microcred import inputs
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import Conflict, InvalidInput
from microcred.recognition import rpl
from microcred.recognition.models import RplCase, RplResult, RplState
from microcred.recognition.schemas import AssessmentIn
from microcred.store.base import utcnow

METHODS = {
    "interview": "Interview",
    "portfolio_review": "Portfolio review",
    "practical_test": "Practical test",
    "written_test": "Written test",
    "observation": "Observation at work",
    "simulation": "Simulation",
    "presentation": "Presentation",
    "other": "Other",
}


def record_assessment(db: Session, actor: Actor, case: RplCase, record: dict[str, Any]) -> RplCase:
    """The owner's assessment against every learning outcome, with the result; never the learner's. It may be
    recorded again while the case is at assessment, each time audit-logged."""
    rpl.require_open(case)
    rpl.require_owner(db, actor, case, "record the assessment")
    if case.state != RplState.ASSESSMENT:
        raise Conflict(
            f"The assessment is recorded at the assessment stage; this case is at {case.state.value}.",
            code="rpl_wrong_stage",
        )
    try:
        checked = AssessmentIn.model_validate(record)
    except ValidationError as error:
        raise InvalidInput(design.describe_errors(error, limit=3), code="invalid_assessment") from None
    _spec, content = rpl.edition_of(db, case)
    expected = len(content.learning_outcomes)
    if len(checked.outcomes) != expected:
        raise InvalidInput(
            f"outcomes: assess each of the {expected} learning outcomes, in order ({len(checked.outcomes)} given).",
            code="invalid_assessment",
        )
    assessment: list[dict[str, Any]] = []
    missed: list[int] = []
    for number, outcome in enumerate(checked.outcomes, start=1):
        said = inputs.text(outcome.comment, field=f"comment on learning outcome {number}", max_length=2000)
        if not outcome.demonstrated:
            if not said:
                raise InvalidInput(
                    f"outcomes.{number}.comment: say why learning outcome {number} was not demonstrated.",
                    code="invalid_assessment",
                )
            missed.append(number)
        assessment.append(
            {"outcome": number, "demonstrated": outcome.demonstrated, "method": outcome.method, "comment": said}
        )
    if checked.result == RplResult.PASSED and missed:
        raise InvalidInput(
            f"result: passed needs every learning outcome demonstrated, and outcome {missed[0]} was not.",
            code="invalid_assessment",
        )
    comment = inputs.text(checked.comment, field="reasons for the result", max_length=4000, min_length=3)
    grade = inputs.text(checked.grade or "", field="grade", max_length=100) or None
    now = utcnow()
    case.assessment = assessment
    case.result, case.grade, case.assessment_comment = checked.result, grade, comment
    case.assessed_by, case.assessed_at, case.updated_at = rpl.person_of(actor).id, now, now
    db.flush()
    rpl.record(
        db,
        actor,
        case,
        "rpl.assessed",
        f"Assessed: {checked.result.label.lower()}, {expected - len(missed)} of {expected} outcomes demonstrated",
        result=checked.result.value,
        grade=grade,
    )
    return case
