"""Quality data as JSON: a micro-credential's published figures (public), all of them for its provider, the
provider's enrolment numbers, and feedback from learners (their wallet) and employers (a share link)."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from fastapi import APIRouter, Request

from microcred.design import catalogue
from microcred.quality import service as quality
from microcred.quality.models import Enrolment, Feedback
from microcred.quality.schemas import (
    EnrolmentIn,
    EnrolmentOut,
    FeedbackIn,
    FeedbackOut,
    PublishedQualityOut,
    QualityOut,
)
from microcred.wallet import service as wallet
from microcred.web.security import DB, Anyone, Educators, SignedIn, settings_of

router = APIRouter(prefix="/api", tags=["quality"])


def minimum_of(request: Request) -> int:
    return settings_of(request).quality_min_responses


def enrolment_out(found: Enrolment) -> EnrolmentOut:
    return EnrolmentOut(
        edition=found.edition_number,
        period=found.period,
        enrolled=found.enrolled,
        recorded_at=found.recorded_at.isoformat(),
    )


def feedback_out(found: Feedback) -> FeedbackOut:
    return FeedbackOut(satisfaction=found.satisfaction, comment=found.comment, given_at=found.given_at.isoformat())


@router.get(
    "/catalogue/{spec_id}/quality",
    response_model=PublishedQualityOut,
    summary="A listed micro-credential's published quality figures",
)
def published_quality(request: Request, spec_id: uuid.UUID, caller: Anyone, db: DB) -> PublishedQualityOut:
    listed = catalogue.published(db, spec_id)  # 404 unless it is listed
    found = quality.published(quality.figures(db, listed.spec.id, minimum=minimum_of(request)))
    return PublishedQualityOut.model_validate(asdict(found))


@router.get(
    "/orgs/{org}/specifications/{spec_id}/quality",
    response_model=QualityOut,
    summary="Every quality figure of our micro-credential",
)
def our_quality(request: Request, spec_id: uuid.UUID, caller: Educators, db: DB) -> QualityOut:
    found = quality.of_organisation(db, caller.org, spec_id, minimum=minimum_of(request))
    return QualityOut.model_validate(
        {
            **asdict(found),
            "completion_rate": found.completion_rate,
            "enrolments": [enrolment_out(e) for e in quality.enrolments(db, caller.org, spec_id)],
        }
    )


@router.post(
    "/orgs/{org}/specifications/{spec_id}/enrolments",
    response_model=EnrolmentOut,
    status_code=201,
    summary="Record how many enrolled in a run of an edition (again for the same run corrects it)",
)
def record_enrolment(spec_id: uuid.UUID, body: EnrolmentIn, caller: Educators, db: DB) -> EnrolmentOut:
    found = quality.record_enrolment(
        db, caller.signed_in, caller.org, spec_id, edition=body.edition, period=body.period, enrolled=body.enrolled
    )
    return enrolment_out(found)


@router.post(
    "/wallet/{wallet_id}/feedback",
    response_model=FeedbackOut,
    summary="My feedback on the micro-credential of a wallet credential",
)
def my_feedback(wallet_id: uuid.UUID, body: FeedbackIn, caller: SignedIn, db: DB) -> FeedbackOut:
    found = quality.learner_feedback(db, caller.person, wallet_id, satisfaction=body.satisfaction, comment=body.comment)
    return feedback_out(found)


@router.post(
    "/share/{token}/feedback",
    response_model=FeedbackOut,
    status_code=201,
    summary="An employer's feedback on the micro-credential a learner shared with them (once per credential)",
)
def employer_feedback(token: str, body: FeedbackIn, caller: Anyone, db: DB) -> FeedbackOut:
    found = quality.employer_feedback(
        db,
        wallet.share_link(db, token),
        satisfaction=body.satisfaction,
        comment=body.comment,
        caller=caller.actor.user if caller.actor else None,
    )
    return feedback_out(found)
