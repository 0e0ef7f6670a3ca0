"""Quality data per micro-credential: enrolments and completions, learner and employer feedback, how often its
credentials were verified and shared, and how recognition cases on them were decided.

The provider sees every figure for its own micro-credentials. The public catalogue shows them only in
aggregate and only once enough people stand behind a figure that no one can be picked out: completions,
verifications and shares once `minimum` learners completed it, each kind of feedback once `minimum` people
gave it, recognition outcomes once `minimum` cases were decided. Feedback names no one anywhere.

Learners give feedback from a credential in their wallet that was issued here (one answer per micro-credential,
which they may change); an employer gives it from the share page a learner sent them: one answer per credential,
however many links its holder made, and never by its holder.
Verifications are counted when a credential issued here verifies on our verifier page, its own verification
page, the VC-API or in a presentation: once per verifier (a keyed hash of their address), channel and day, so
that reloading a page does not inflate the count.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import Conflict, Forbidden, InvalidInput
from microcred.inputs import single_line, text
from microcred.issuing.models import IssuedCredential
from microcred.pathways import service as pathways
from microcred.quality.models import Enrolment, Feedback, FeedbackKind, VerificationEvent
from microcred.recognition import cases as recognition
from microcred.verify.checks import Report
from microcred.wallet import service as wallet
from microcred.wallet.models import ShareLink, ShareView, WalletCredential

MIN_RESPONSES = 5  # the default threshold; Settings.quality_min_responses sets it
MAX_COMMENT = 2000
COMMENTS_SHOWN = 20
CHANNELS = ("page", "upload", "api", "presentation")
_OUR_ID = re.compile(r"urn:(?:uuid|credential):([0-9a-fA-F-]{36})")


# Recording ------------------------------------------------------------------------------------------------


def record_enrolment(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    spec_id: uuid.UUID,
    *,
    edition: int,
    period: str,
    enrolled: int,
) -> Enrolment:
    """How many enrolled in a run of a published edition; recording the same run again corrects the number."""
    spec = design.get(db, organisation, spec_id)
    design.find_edition(spec, edition)  # NotFound names a missing edition
    period = single_line(period, field="period", min_length=2, max_length=100, code="invalid_enrolment")
    if isinstance(enrolled, bool) or not isinstance(enrolled, int) or not 0 <= enrolled <= 1_000_000:
        raise InvalidInput("enrolled must be a whole number from 0 to 1,000,000.", code="invalid_enrolment")
    found = db.scalar(
        select(Enrolment).where(
            Enrolment.specification_id == spec.id, Enrolment.edition_number == edition, Enrolment.period == period
        )
    )
    before = found.enrolled if found else None
    if found is None:
        found = Enrolment(specification_id=spec.id, edition_number=edition, period=period, enrolled=enrolled)
        db.add(found)
    found.enrolled, found.recorded_at = enrolled, datetime.now(UTC)
    found.recorded_by = actor.user.id if actor.user else None
    db.flush()
    audit.record(
        db,
        actor,
        "quality.enrolment_recorded",
        object_type="specification",
        object_id=spec.id,
        organisation=organisation,
        summary=f"{enrolled} enrolled in {spec.title[:100]} (edition {edition}, {period})"
        + (f", was {before}" if before is not None else ""),
    )
    return found


def _satisfaction(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(
            "satisfaction must be a whole number from 1 (poor) to 5 (excellent).", code="invalid_feedback"
        )
    return value


def _comment(value: str | None) -> str | None:
    return text(value or "", field="comment", max_length=MAX_COMMENT, code="invalid_feedback") or None


def _issued_here(db: Session, item: WalletCredential) -> IssuedCredential:
    row = pathways.issued_here(db, item.id)
    if row is None:
        raise InvalidInput(
            "Feedback goes to the provider of a micro-credential issued on this platform; this credential came "
            "from elsewhere.",
            code="not_issued_here",
        )
    return row


def learner_feedback(
    db: Session, user: User, wallet_id: uuid.UUID, *, satisfaction: int, comment: str | None
) -> Feedback:
    """The learner's answer for the micro-credential of a credential in their wallet (it replaces an earlier one)."""
    issued = _issued_here(db, wallet.find(db, user, wallet_id))
    satisfaction, said = _satisfaction(satisfaction), _comment(comment)
    found = db.scalar(
        select(Feedback).where(Feedback.specification_id == issued.specification_id, Feedback.user_id == user.id)
    )
    if found is not None:
        found.satisfaction, found.comment, found.given_at = satisfaction, said, datetime.now(UTC)
        db.flush()
        return found
    given = Feedback(
        specification_id=issued.specification_id,
        kind=FeedbackKind.LEARNER,
        user_id=user.id,
        satisfaction=satisfaction,
        comment=said,
    )
    db.add(given)
    try:
        db.flush()
    except IntegrityError:  # the learner's first answer, sent twice in the same instant; the caller rolls back
        raise Conflict(
            "Your feedback was saved a moment ago: reload the page to see it, and change it there.",
            code="feedback_given",
        ) from None
    return given


def mine(db: Session, user: User, wallet_id: uuid.UUID) -> Feedback | None:
    """The learner's answer for the micro-credential of a wallet credential, if they gave one."""
    item = wallet.find(db, user, wallet_id)
    if item.issued_credential_id is None:
        return None
    return db.scalar(
        select(Feedback)
        .join(IssuedCredential, IssuedCredential.specification_id == Feedback.specification_id)
        .where(IssuedCredential.id == item.issued_credential_id, Feedback.user_id == user.id)
    )


ANSWERED = "Feedback on this credential was already given by someone it was shared with: thank you."


def employer_feedback(
    db: Session, link: ShareLink, *, satisfaction: int, comment: str | None, caller: User | None
) -> Feedback:
    """The answer of whoever a learner shared a credential with: once per credential, however many links its
    holder made, and never from the holder (`caller`, when signed in) about their own."""
    item = db.get_one(WalletCredential, link.wallet_credential_id)
    if caller is not None and caller.id == item.user_id:
        raise Forbidden(
            "This is your own credential: feedback through a share link is for whoever you share it with. Yours "
            "goes on the credential's page in your wallet.",
            code="own_credential",
        )
    issued = _issued_here(db, item)
    satisfaction, said = _satisfaction(satisfaction), _comment(comment)
    if employer_answered(db, link):
        raise Conflict(ANSWERED, code="feedback_given")
    given = Feedback(
        specification_id=issued.specification_id,
        kind=FeedbackKind.EMPLOYER,
        wallet_credential_id=item.id,
        satisfaction=satisfaction,
        comment=said,
    )
    db.add(given)
    try:
        db.flush()
    except IntegrityError:  # answered through two links at once; the caller rolls back
        raise Conflict(ANSWERED, code="feedback_given") from None
    return given


def employer_answered(db: Session, link: ShareLink) -> bool:
    """Whether someone the credential was shared with has answered (through this link or another)."""
    found = select(Feedback.id).where(Feedback.wallet_credential_id == link.wallet_credential_id)
    return db.scalar(found) is not None


def record_verification(
    db: Session, document: Any, report: Report, *, channel: str, address: str | None, secret: bytes
) -> bool:
    """Count a verification of a credential issued here, if it verified and is the very credential issued (its
    proof or seal is ours, not a copy's with another signature): once per verifier, channel and day."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    if not report.valid or not isinstance(document, dict) or not isinstance(report.credential, dict):
        return False
    found = _OUR_ID.fullmatch(str(report.credential.get("id") or ""))
    row = db.get(IssuedCredential, uuid.UUID(found.group(1))) if found else None
    if row is None:
        return False
    if "signatures" in document:
        ours = row.elm_document is not None and document.get("signatures") == row.elm_document.get("signatures")
    else:
        ours = document.get("proof") == row.document.get("proof")
    if not ours:
        return False
    day = datetime.now(UTC).date()
    verifier = hmac.new(secret, f"verifier:{day}:{address or '-'}".encode(), hashlib.sha256).hexdigest()[:32]
    try:
        with db.begin_nested():
            db.add(VerificationEvent(issued_credential_id=row.id, day=day, channel=channel, verifier=verifier))
    except IntegrityError:  # this verifier, channel and day are counted already
        return False
    return True


# Reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opinions:
    """What one kind of respondent said: how many, the mean and spread of satisfaction, the comments (newest
    first, at most COMMENTS_SHOWN, never with a name)."""

    responses: int
    mean: float | None
    spread: dict[int, int]  # satisfaction 1..5 -> answers
    comments: list[str]


@dataclass(frozen=True)
class Quality:
    """Every figure of a micro-credential, as its provider sees them."""

    enrolled: int
    completed: int  # credentials issued
    learners: Opinions
    employers: Opinions
    verifications: int
    shares: int  # share links learners made
    share_views: int  # openings of those links
    recognition: dict[str, int]  # decided cases by outcome
    minimum: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None

    @property
    def decided(self) -> int:
        return sum(self.recognition.values())


@dataclass(frozen=True)
class Published:
    """What the catalogue shows: a figure appears only once `minimum` people stand behind it (None until then)."""

    minimum: int
    enrolled: int | None = None
    completed: int | None = None
    completion_rate: float | None = None
    verifications: int | None = None
    shares: int | None = None
    learners: Opinions | None = None
    employers: Opinions | None = None
    recognition: dict[str, int] | None = None
    withheld: list[str] = field(default_factory=list)  # what is not shown yet, in words

    @property
    def anything(self) -> bool:
        return any(value is not None for value in (self.completed, self.learners, self.employers, self.recognition))


def _opinions(db: Session, spec_id: uuid.UUID, kind: FeedbackKind) -> Opinions:
    """Counted by the database, with only the newest comments read."""
    of_kind = (Feedback.specification_id == spec_id, Feedback.kind == kind)
    spread = {score: 0 for score in range(1, 6)}
    for score, count in db.execute(
        select(Feedback.satisfaction, func.count()).where(*of_kind).group_by(Feedback.satisfaction)
    ):
        spread[score] = count
    responses = sum(spread.values())
    comments = db.scalars(
        select(Feedback.comment)
        .where(*of_kind, Feedback.comment.is_not(None), Feedback.comment != "")
        .order_by(Feedback.given_at.desc())
        .limit(COMMENTS_SHOWN)
    )
    return Opinions(
        responses=responses,
        mean=round(sum(score * count for score, count in spread.items()) / responses, 2) if responses else None,
        spread=spread,
        comments=[comment for comment in comments if comment],
    )


def figures(db: Session, spec_id: uuid.UUID, *, minimum: int = MIN_RESPONSES) -> Quality:
    """Every quality figure of the micro-credential."""
    of_spec = select(IssuedCredential.id).where(IssuedCredential.specification_id == spec_id)
    shared = select(ShareLink.id).join(WalletCredential).where(WalletCredential.issued_credential_id.in_(of_spec))
    return Quality(
        enrolled=int(
            db.scalar(
                select(func.coalesce(func.sum(Enrolment.enrolled), 0)).where(Enrolment.specification_id == spec_id)
            )
            or 0
        ),
        completed=int(db.scalar(select(func.count()).select_from(of_spec.subquery())) or 0),
        learners=_opinions(db, spec_id, FeedbackKind.LEARNER),
        employers=_opinions(db, spec_id, FeedbackKind.EMPLOYER),
        verifications=int(
            db.scalar(
                select(func.count())
                .select_from(VerificationEvent)
                .where(VerificationEvent.issued_credential_id.in_(of_spec))
            )
            or 0
        ),
        shares=int(db.scalar(select(func.count()).select_from(shared.subquery())) or 0),
        share_views=int(
            db.scalar(select(func.count()).select_from(ShareView).where(ShareView.share_id.in_(shared))) or 0
        ),
        recognition=recognition.outcomes_for_specification(db, spec_id),
        minimum=minimum,
    )


def published(quality: Quality) -> Published:
    """The figures the public may see (see the module's rule)."""
    least = quality.minimum
    withheld = []
    shown: dict[str, Any] = {}
    if quality.completed >= least:
        shown.update(
            completed=quality.completed,
            verifications=quality.verifications,
            shares=quality.shares,
            enrolled=quality.enrolled or None,
            completion_rate=quality.completion_rate,
        )
    else:
        withheld.append(f"completions, verifications and shares (until {least} learners have completed it)")
    for name, opinions, who in (
        ("learners", quality.learners, "learners"),
        ("employers", quality.employers, "employers"),
    ):
        if opinions.responses >= least:
            shown[name] = opinions
        else:
            withheld.append(f"{who}' feedback (until {least} {who} have answered)")
    if quality.decided >= least:
        shown["recognition"] = quality.recognition
    else:
        withheld.append(f"recognition outcomes (until {least} cases have been decided)")
    return Published(minimum=least, withheld=withheld, **shown)


def of_organisation(db: Session, organisation: Organisation, spec_id: uuid.UUID, *, minimum: int) -> Quality:
    """The figures of one of the organisation's own micro-credentials (NotFound for anyone else's)."""
    spec = design.get(db, organisation, spec_id)
    return figures(db, spec.id, minimum=minimum)


def enrolments(db: Session, organisation: Organisation, spec_id: uuid.UUID) -> list[Enrolment]:
    spec = design.get(db, organisation, spec_id)
    return list(
        db.scalars(
            select(Enrolment)
            .where(Enrolment.specification_id == spec.id)
            .order_by(Enrolment.edition_number.desc(), Enrolment.recorded_at.desc())
        )
    )
