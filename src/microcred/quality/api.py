"""Quality data as JSON: a micro-credential's published figures (public), all of them for its provider, the
provider's enrolment numbers, and feedback from learners (their wallet) and employers (a share link)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from microcred.accounts.models import Role
from microcred.design import catalogue
from microcred.quality import service as quality
from microcred.quality.models import Enrolment, Feedback
from microcred.verify.checks import Report
from microcred.wallet import service as wallet
from microcred.web.security import DB, Access, Caller, client_ip, settings_of

router = APIRouter(prefix="/api", tags=["quality"])
Anyone = Annotated[Caller, Depends(Access.public())]
SignedIn = Annotated[Caller, Depends(Access.signed_in())]
Providers = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.EDUCATOR))]


class EnrolmentIn(BaseModel):
    edition: int = Field(ge=1)
    period: str = Field(max_length=100, description="The run, as the provider names it: 'Spring 2027'")
    enrolled: int = Field(ge=0, le=1_000_000)


class FeedbackIn(BaseModel):
    satisfaction: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: str | None = Field(default=None, max_length=quality.MAX_COMMENT)


def minimum_of(request: Request) -> int:
    return settings_of(request).quality_min_responses


def count_verification(request: Request, db: DB, document: Any, report: Report, channel: str) -> None:
    """Count a verification of a credential issued here for its micro-credential's quality data."""
    if quality.record_verification(
        db, document, report, channel=channel, address=client_ip(request), secret=request.app.state.secret_key
    ):
        db.commit()


def enrolment_out(found: Enrolment) -> dict[str, Any]:
    return {
        "edition": found.edition_number,
        "period": found.period,
        "enrolled": found.enrolled,
        "recorded_at": found.recorded_at.isoformat(),
    }


def feedback_out(found: Feedback) -> dict[str, Any]:
    return {"satisfaction": found.satisfaction, "comment": found.comment, "given_at": found.given_at.isoformat()}


@router.get("/catalogue/{spec_id}/quality", summary="A listed micro-credential's published quality figures")
def published_quality(request: Request, spec_id: uuid.UUID, caller: Anyone, db: DB) -> dict[str, Any]:
    listed = catalogue.published(db, spec_id)  # 404 unless it is listed
    found = quality.published(quality.figures(db, listed.spec.id, minimum=minimum_of(request)))
    return asdict(found)


@router.get("/orgs/{org}/specifications/{spec_id}/quality", summary="Every quality figure of our micro-credential")
def our_quality(request: Request, spec_id: uuid.UUID, caller: Providers, db: DB) -> dict[str, Any]:
    found = quality.of_organisation(db, caller.org, spec_id, minimum=minimum_of(request))
    return {
        **asdict(found),
        "completion_rate": found.completion_rate,
        "enrolments": [enrolment_out(e) for e in quality.enrolments(db, caller.org, spec_id)],
    }


@router.post(
    "/orgs/{org}/specifications/{spec_id}/enrolments",
    status_code=201,
    summary="Record how many enrolled in a run of an edition (again for the same run corrects it)",
)
def record_enrolment(spec_id: uuid.UUID, body: EnrolmentIn, caller: Providers, db: DB) -> dict[str, Any]:
    found = quality.record_enrolment(
        db, caller.signed_in, caller.org, spec_id, edition=body.edition, period=body.period, enrolled=body.enrolled
    )
    db.commit()
    return enrolment_out(found)


@router.post("/wallet/{wallet_id}/feedback", summary="My feedback on the micro-credential of a wallet credential")
def my_feedback(wallet_id: uuid.UUID, body: FeedbackIn, caller: SignedIn, db: DB) -> dict[str, Any]:
    found = quality.learner_feedback(db, caller.person, wallet_id, satisfaction=body.satisfaction, comment=body.comment)
    db.commit()
    return feedback_out(found)


@router.post(
    "/share/{token}/feedback",
    status_code=201,
    summary="An employer's feedback on the micro-credential a learner shared with them (once per credential)",
)
def employer_feedback(token: str, body: FeedbackIn, caller: Anyone, db: DB) -> dict[str, Any]:
    found = quality.employer_feedback(
        db,
        wallet.share_link(db, token),
        satisfaction=body.satisfaction,
        comment=body.comment,
        caller=caller.actor.user if caller.actor else None,
    )
    db.commit()
    return feedback_out(found)
