"""Recognition of prior learning (RPL): a learner's non-formal and informal learning validated against one
published edition of a specification of the organisation, in the four stages of the EU Council Recommendation
on validation (2012) — identification, documentation, assessment, certification — as a tracked case.

Stages only move forward, one at a time; each move is audit-logged and dates the end of one stage and the
start of the next. Who does what:

- the learner opens a case from the catalogue, which shares their skills profile with it; an officer (or
  educator) opens one for a member of the organisation by email, and the learner shares the profile from
  their case page: experiences are private until their learner shares them;
- the learner, and the case's owner, add evidence while the case is in documentation or assessment;
- the owner — a recognition officer or educator of the organisation, never the learner — records the
  assessment, moves the case to certification and certifies: the credential is issued once (an idempotency
  key per case) and the learner makes their claim link from their case page;
- the learner may withdraw until the credential is issued; the owner closes a case whose assessment did not
  pass. Either closure needs a reason.

This module holds the case: finding it, opening it, who may act in it and moving it through the stages. Each
stage's own work is beside it: rpl_identification.py (the learner's profile matched against the outcomes),
rpl_evidence.py (documentation: the evidence files), rpl_assessment.py and rpl_certification.py (the
credential, and the other ways a case ends).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import audit
from microcred.accounts.models import Membership, Organisation, Role, User
from microcred.accounts.principal import Actor, membership_role_of
from microcred.accounts.service import normalize_email
from microcred.design import catalogue
from microcred.design import service as design
from microcred.design.models import Edition, Specification
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.issuing import batch
from microcred.issuing.models import IssuedCredential
from microcred.recognition.models import RplCase, RplEvidence, RplResult, RplState
from microcred.skills import service as skills
from microcred.store.base import utcnow
from microcred.taxonomy import service as taxonomy

STAGES = (RplState.IDENTIFICATION, RplState.DOCUMENTATION, RplState.ASSESSMENT, RplState.CERTIFICATION)
FINISHED = (RplState.CERTIFIED, RplState.CLOSED)
OWNER_ROLES = (Role.RECOGNITION_OFFICER, Role.EDUCATOR)


# Finding cases and their evidence --------------------------------------------------------------------------


def case_for_staff(db: Session, organisation: Organisation, case_id: uuid.UUID, *, lock: bool = False) -> RplCase:
    """The organisation's case (locked for the transaction when it is about to change); NotFound otherwise."""
    query = select(RplCase).where(RplCase.id == case_id, RplCase.organisation_id == organisation.id)
    found = db.scalar(query.with_for_update().execution_options(populate_existing=True) if lock else query)
    if found is None:
        raise NotFound("There is no such RPL case in this organisation.", code="rpl_case_not_found")
    return found


def case_for_learner(db: Session, learner: User, case_id: uuid.UUID, *, lock: bool = False) -> RplCase:
    """The learner's own case; anyone else's is not found."""
    query = select(RplCase).where(RplCase.id == case_id, RplCase.learner_id == learner.id)
    found = db.scalar(query.with_for_update().execution_options(populate_existing=True) if lock else query)
    if found is None:
        raise NotFound("You have no such RPL case.", code="rpl_case_not_found")
    return found


@dataclass(frozen=True)
class CaseRow:
    """A case with what lists show of it."""

    case: RplCase
    title: str
    learner: User
    owner: User | None
    organisation: Organisation


def _rows(db: Session, query: Any) -> list[CaseRow]:
    rows = db.execute(
        query.add_columns(Edition.content, User, Organisation)
        .join(
            Edition,
            (Edition.specification_id == RplCase.specification_id) & (Edition.number == RplCase.edition_number),
        )
        .join(User, User.id == RplCase.learner_id)
        .join(Organisation, Organisation.id == RplCase.organisation_id)
        .order_by(RplCase.opened_at.desc())
        .limit(500)
    ).all()
    owners = {u.id: u for u in db.scalars(select(User).where(User.id.in_({r[0].owner_id for r in rows} - {None})))}
    return [
        CaseRow(case, str(content.get("title") or ""), learner, owners.get(case.owner_id), organisation)
        for case, content, learner, organisation in rows
    ]


def cases_of_organisation(db: Session, organisation: Organisation, state: RplState | None = None) -> list[CaseRow]:
    """The organisation's cases, newest first, optionally in one state."""
    query = select(RplCase).where(RplCase.organisation_id == organisation.id)
    if state is not None:
        query = query.where(RplCase.state == state)
    return _rows(db, query)


def cases_of_learner(db: Session, learner: User) -> list[CaseRow]:
    """The learner's cases at every organisation, newest first."""
    return _rows(db, select(RplCase).where(RplCase.learner_id == learner.id))


def row_of(db: Session, case: RplCase) -> CaseRow:
    """One case as lists show it."""
    [row] = _rows(db, select(RplCase).where(RplCase.id == case.id))
    return row


def edition_of(db: Session, case: RplCase) -> tuple[Specification, SpecificationContent]:
    """The specification and the content of the edition the case is validated against."""
    spec = db.get(Specification, case.specification_id)
    assert spec is not None  # the case goes with its specification
    return spec, design.edition_content(design.find_edition(spec, case.edition_number))


def evidence_count(db: Session, case: RplCase) -> tuple[int, int]:
    """How many evidence files the case holds, and their total size in bytes."""
    count, total = db.execute(
        select(func.count(RplEvidence.id), func.coalesce(func.sum(RplEvidence.size), 0)).where(
            RplEvidence.case_id == case.id
        )
    ).one()
    return int(count), int(total)


def evidence_of(db: Session, case: RplCase) -> list[RplEvidence]:
    """The case's evidence files (without their content), oldest first."""
    return list(db.scalars(select(RplEvidence).where(RplEvidence.case_id == case.id).order_by(RplEvidence.created_at)))


# Opening a case ---------------------------------------------------------------------------------------------


def person_of(actor: Actor) -> User:
    """The person acting (a token acts for its owner); a machine cannot act in a case."""
    if actor.user is None:
        raise Forbidden("Only a person can act in an RPL case.", code="rpl_person_needed")
    return actor.user


def _open_edition(spec: Specification) -> Edition:
    title = spec.title or "This micro-credential"
    if spec.withdrawn_at is not None:
        raise InvalidInput(
            f"“{title}” was withdrawn: it is no longer offered, so prior learning cannot be validated against it.",
            code="specification_withdrawn",
        )
    if not spec.editions:
        raise InvalidInput(
            f"“{title}” is not published: prior learning is validated against a published edition.",
            code="not_published",
        )
    return spec.editions[-1]


def _open(
    db: Session, actor: Actor, organisation: Organisation, spec: Specification, learner: User, owner: User | None
) -> RplCase:
    edition = _open_edition(spec)
    already = db.scalar(
        select(RplCase.opened_at).where(
            RplCase.learner_id == learner.id,
            RplCase.specification_id == spec.id,
            RplCase.state.not_in(FINISHED),
        )
    )
    if already is not None:
        raise _already_open(learner, spec, f"opened {already:%Y-%m-%d}")
    now = utcnow()
    case = RplCase(
        organisation_id=organisation.id,
        learner_id=learner.id,
        specification_id=spec.id,
        edition_number=edition.number,
        state=RplState.IDENTIFICATION,
        owner_id=owner.id if owner else None,
        opened_by=actor.user.id if actor.user else None,
        opened_at=now,
        identification_started_at=now,
        updated_at=now,
    )
    db.add(case)
    # Said before the flush: a failed flush rolls the transaction back and leaves learner and spec unreadable.
    raced = _already_open(learner, spec, "opened a moment ago")
    # Not a savepoint: on SQLite, releasing one before any other write would commit the case on its own. The
    # caller rolls the transaction back on the Conflict.
    try:
        db.flush()
    except IntegrityError:  # opened by another request in the same instant (the index uq_rpl_cases_open)
        raise raced from None
    record(
        db,
        actor,
        case,
        "rpl.opened",
        f"Opened an RPL case for {learner.email} against “{spec.title[:100]}” (edition {edition.number})",
        owner=str(owner.id) if owner else None,
    )
    return case


def _already_open(learner: User, spec: Specification, opened: str) -> Conflict:
    return Conflict(
        f"{learner.display_name} already has an RPL case for “{spec.title}”, {opened} and still open.",
        code="rpl_case_exists",
    )


def open_by_learner(db: Session, actor: Actor, spec_id: uuid.UUID) -> RplCase:
    """The signed-in learner opens a case against a published micro-credential of the catalogue, at the
    organisation that provides it; opening shares their skills profile with the case."""
    learner = person_of(actor)
    # Only what the catalogue lists: a draft or withdrawn specification is not found, its title never shown.
    listed = catalogue.published(db, spec_id)
    case = _open(db, actor, listed.organisation, listed.spec, learner, owner=None)
    _snapshot(db, case, learner)
    return case


def open_for_learner(
    db: Session, actor: Actor, organisation: Organisation, *, spec_id: uuid.UUID, learner_email: str
) -> RplCase:
    """An officer or educator opens a case for a member of the organisation (found by email) and owns it; the
    learner shares their profile from their case page."""
    spec = design.get(db, organisation, spec_id)
    email = normalize_email(learner_email)[:320]
    learner = db.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == email, Membership.organisation_id == organisation.id)
    )
    if learner is None:
        raise InvalidInput(
            f"learner_email: {email or 'an empty address'} is not a member of {organisation.legal_name}: add them "
            "as a learner first, or ask them to open the case from the catalogue.",
            code="learner_not_member",
        )
    opener = actor.user
    owns = opener is not None and opener.id != learner.id and actor.role_in(db, organisation) in OWNER_ROLES
    return _open(db, actor, organisation, spec, learner, owner=opener if owns else None)


# Identification -----------------------------------------------------------------------------------------


def _snapshot(db: Session, case: RplCase, learner: User) -> None:
    """The learner's confirmed skills and experiences as they are now, kept in the case."""
    experiences = skills.experiences(db, learner)
    uris = [s.skill_uri for e in experiences for s in e.skills if s.confirmed]
    labels = taxonomy.skill_labels(db, uris)
    case.profile = {
        "skills": profile_skills(db, learner),
        "experiences": [
            {
                "kind": e.kind.label,
                "title": e.title,
                "organisation": e.organisation,
                "description": e.description,
                "started_on": e.started_on.isoformat() if e.started_on else None,
                "ended_on": e.ended_on.isoformat() if e.ended_on else None,
                "skills": [
                    {"uri": s.skill_uri, "label": labels.get(s.skill_uri, s.skill_uri), "strength": s.strength}
                    for s in e.skills
                    if s.confirmed
                ],
            }
            for e in experiences
        ],
    }
    case.profile_taken_at = case.updated_at = utcnow()


def share_profile(db: Session, actor: Actor, case: RplCase) -> RplCase:
    """The learner shares (or shares again) their skills profile with the case, during identification."""
    require_open(case)
    if not is_learner(actor, case):
        raise Forbidden("Only the learner shares their skills profile with their case.", code="rpl_learner_only")
    if case.state != RplState.IDENTIFICATION:
        raise Conflict(
            f"The skills profile is shared during identification; this case is at {case.state.value}.",
            code="rpl_wrong_stage",
        )
    _snapshot(db, case, person_of(actor))
    db.flush()
    skills_count = len((case.profile or {}).get("skills", []))
    record(db, actor, case, "rpl.profile_shared", f"The learner shared a profile of {skills_count} skills")
    return case


def profile_skills(db: Session, learner: User) -> list[dict[str, Any]]:
    """The learner's confirmed skills as a case keeps them: uri, label, strength and the experiences."""
    return [
        {"uri": s.uri, "label": s.label, "strength": s.strength, "experiences": s.experiences}
        for s in skills.profile(db, learner)
    ]


# Who may act, and when ----------------------------------------------------------------------------------


def is_learner(actor: Actor, case: RplCase) -> bool:
    """Whether the case's learner is acting."""
    return actor.user is not None and actor.user.id == case.learner_id


def require_open(case: RplCase) -> None:
    """Refuse any change to a finished (certified) or closed case."""
    if case.state == RplState.CERTIFIED:
        raise Conflict("This case is finished: the credential was issued.", code="rpl_case_finished")
    if case.state == RplState.CLOSED:
        closure = case.closure.label.lower() if case.closure else "closed"
        raise Conflict(f"This case is closed ({closure}): nothing more can change.", code="rpl_case_closed")


def require_owner(db: Session, actor: Actor, case: RplCase, doing: str) -> None:
    """Refuse `doing` to anyone but the case's owner, saying who that is."""
    if is_learner(actor, case):
        raise Forbidden(f"The learner cannot {doing} in their own case.", code="rpl_learner_not_allowed")
    if case.owner_id is None:
        raise Forbidden(
            f"Only the case's owner can {doing}, and this case has no owner yet: a recognition officer or "
            "educator takes it first.",
            code="rpl_no_owner",
        )
    if actor.user is None or actor.user.id != case.owner_id:
        owner = db.get(User, case.owner_id)
        raise Forbidden(
            f"Only the case's owner ({owner.display_name if owner else 'someone else'}) can {doing}.",
            code="rpl_not_owner",
        )


def record(db: Session, actor: Actor, case: RplCase, action: str, summary: str, **detail: Any) -> None:
    """Audit-log an act on the case, in its organisation."""
    organisation = db.get(Organisation, case.organisation_id)
    audit.record(
        db,
        actor,
        action,
        object_type="rpl_case",
        object_id=case.id,
        organisation=organisation,
        summary=summary,
        **detail,
    )


def assign_owner(
    db: Session, actor: Actor, organisation: Organisation, case: RplCase, owner_email: str | None = None
) -> RplCase:
    """Give the case an owner: a recognition officer or educator of the organisation (the caller when no email
    is given), never the learner. An officer or educator takes an unowned case or hands on their own; an
    organisation admin may reassign any."""
    require_open(case)
    person = person_of(actor)
    if owner_email and owner_email.strip():
        email = normalize_email(owner_email)[:320]
        owner = db.scalar(select(User).where(User.email == email))
    else:
        email, owner = person.email, person
    role = membership_role_of(db, owner, organisation) if owner is not None else None
    if owner is None or role not in OWNER_ROLES:
        raise InvalidInput(
            f"owner_email: {email} is not a recognition officer or educator of {organisation.legal_name}: only "
            "they can own an RPL case.",
            code="rpl_invalid_owner",
        )
    if owner.id == case.learner_id:
        raise InvalidInput("owner_email: the learner cannot own their own case.", code="rpl_invalid_owner")
    if actor.role_in(db, organisation) != Role.ORG_ADMIN and case.owner_id not in (None, person.id):
        current = db.get(User, case.owner_id)
        raise Forbidden(
            f"This case is owned by {current.display_name if current else 'someone else'}: only they or an "
            "organisation admin can hand it on.",
            code="rpl_not_owner",
        )
    if case.owner_id != owner.id:
        case.owner_id, case.updated_at = owner.id, utcnow()
        db.flush()
        record(db, actor, case, "rpl.owner", f"{owner.email} owns the RPL case", owner=str(owner.id))
    return case


# Moving through the stages ------------------------------------------------------------------------------


def _stage(value: str) -> RplState:
    try:
        stage = RplState(value)
    except ValueError:
        stage = None
    if stage not in STAGES[1:]:
        raise InvalidInput(
            f"to: {value[:40]!r} is not a stage to move to: documentation, assessment or certification.",
            code="invalid_stage",
        )
    assert stage is not None
    return stage


def advance(db: Session, actor: Actor, case: RplCase, to: str) -> RplCase:
    """Move the case to its next stage, and only to that one. The learner moves it into documentation and
    into assessment; the owner may make every move, and alone moves it to certification."""
    require_open(case)
    target = _stage(to)
    position = STAGES.index(case.state)
    if STAGES.index(target) <= position:
        raise Conflict(f"The case is already at {case.state.value}: stages only move forward.", code="rpl_out_of_order")
    needed = STAGES[position + 1]
    if target != needed:
        raise Conflict(
            f"The case is at {case.state.value}: it moves to {needed.value} next, not to {target.value}.",
            code="rpl_out_of_order",
        )
    if is_learner(actor, case):
        if target == RplState.CERTIFICATION:
            raise Forbidden(
                "Only the case's owner moves it to certification, after a passed assessment.",
                code="rpl_learner_not_allowed",
            )
    else:
        require_owner(db, actor, case, f"move the case to {target.value}")
    if target == RplState.DOCUMENTATION and case.profile is None:
        raise Conflict(
            "Identification needs the learner's skills profile: the learner shares it from their case page first.",
            code="rpl_stage_incomplete",
        )
    if target == RplState.ASSESSMENT and evidence_count(db, case)[0] == 0:
        raise Conflict("Documentation needs at least one evidence file before assessment.", code="rpl_stage_incomplete")
    if target == RplState.CERTIFICATION and case.result != RplResult.PASSED:
        raise Conflict(passed_needed(case), code="rpl_not_passed")
    now = utcnow()
    previous = case.state
    setattr(case, f"{previous.value}_ended_at", now)
    setattr(case, f"{target.value}_started_at", now)
    case.state, case.updated_at = target, now
    db.flush()
    record(
        db,
        actor,
        case,
        "rpl.stage",
        f"The RPL case moved from {previous.value} to {target.value}",
        from_stage=previous.value,
        to_stage=target.value,
    )
    return case


def passed_needed(case: RplCase) -> str:
    """Why certification cannot happen yet."""
    if case.result is None:
        return "Certification needs a passed assessment, and none is recorded yet."
    return "Certification needs a passed assessment, and the one recorded did not pass: close the case instead."


def stage_dates(case: RplCase) -> list[tuple[RplState, datetime | None, datetime | None]]:
    """Each of the four stages with when it began and ended (None: not yet)."""
    return [
        (stage, getattr(case, f"{stage.value}_started_at"), getattr(case, f"{stage.value}_ended_at"))
        for stage in STAGES
    ]


# Erasure ------------------------------------------------------------------------------------------------------


def forget_learner(db: Session, user: User) -> audit.Forgotten:
    """A learner's erasure: their cases go, with the profile and the evidence they shared, and a credential
    certified in one keeps no name, email or copy here (nor in an issuance run) even when it was never claimed
    (the wallet's erasure blanks only what the wallet holds); its status entry stays, so the issuer can still
    revoke it."""
    issued = list(
        db.scalars(
            select(IssuedCredential)
            .join(RplCase, RplCase.credential_id == IssuedCredential.id)
            .where(RplCase.learner_id == user.id)
        )
    )
    cases = select(RplCase.id).where(RplCase.learner_id == user.id)
    forgotten = batch.forget_learners(db, issued)
    forgotten.objects |= {str(case) for case in db.scalars(cases)}
    # Deleted by name rather than left to the cascade from the account, as the wallet's erasure does.
    db.execute(delete(RplEvidence).where(RplEvidence.case_id.in_(cases)))
    db.execute(delete(RplCase).where(RplCase.learner_id == user.id))
    db.flush()
    return forgotten
