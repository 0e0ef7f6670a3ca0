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

Evidence files are kept in the database, in the same transaction as the case (backed up with it, alike on
SQLite and PostgreSQL). Allowed: PDF, PNG, JPEG and plain UTF-8 text, recognised by their content (a PDF
starts with %PDF- and ends with %%EOF; PNG and JPEG must open as such images; text must decode as UTF-8
without control characters and must not begin with '<', which a browser would sniff as HTML) and named to
match it; at most 5 MiB a file, 20 MiB and 30 files a case.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from microcred import inputs
from microcred.accounts import audit
from microcred.accounts.models import Membership, Organisation, Role, User
from microcred.accounts.principal import Actor, membership_role_of
from microcred.accounts.service import normalize_email
from microcred.design import catalogue
from microcred.design import service as design
from microcred.design.models import Edition, Specification
from microcred.design.schemas import SpecificationContent
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.inputs import has_control_characters, without_control_characters
from microcred.issuing import batch, claims, credentials, documents
from microcred.issuing.models import IssuedCredential
from microcred.recognition.models import RplCase, RplClosure, RplEvidence, RplResult, RplState
from microcred.skills import service as skills
from microcred.store.base import utcnow
from microcred.taxonomy import service as taxonomy
from microcred.wallet.models import WalletCredential

STAGES = (RplState.IDENTIFICATION, RplState.DOCUMENTATION, RplState.ASSESSMENT, RplState.CERTIFICATION)
FINISHED = (RplState.CERTIFIED, RplState.CLOSED)
OWNER_ROLES = (Role.RECOGNITION_OFFICER, Role.EDUCATOR)
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
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_CASE_BYTES = 20 * 1024 * 1024
MAX_FILES = 30
MAX_NOTE = 1000
MAX_REASON = 2000
KINDS = {  # media type: (what people call it, the file name endings that go with it)
    "application/pdf": ("a PDF", (".pdf",)),
    "image/png": ("a PNG image", (".png",)),
    "image/jpeg": ("a JPEG image", (".jpg", ".jpeg")),
    "text/plain": ("plain text", (".txt",)),
}
ALLOWED = "PDF, PNG, JPEG or plain text (.txt)"
# Content that is never evidence, named so that the refusal says what the file really is.
REFUSED_SIGNATURES = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xfe\xed\xfa", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a Java class or macOS program"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a ZIP archive (Word and other Office files are ZIP archives too: save it as PDF)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (save it as PDF)"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"GIF8", "a GIF image"),
)


# Finding cases ------------------------------------------------------------------------------------------


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


# Opening a case ---------------------------------------------------------------------------------------------


def _person(actor: Actor) -> User:
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
    _record(
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
    learner = _person(actor)
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
        "skills": _profile_skills(db, learner),
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
    _require_open(case)
    if not _is_learner(actor, case):
        raise Forbidden("Only the learner shares their skills profile with their case.", code="rpl_learner_only")
    if case.state != RplState.IDENTIFICATION:
        raise Conflict(
            f"The skills profile is shared during identification; this case is at {case.state.value}.",
            code="rpl_wrong_stage",
        )
    _snapshot(db, case, _person(actor))
    db.flush()
    skills_count = len((case.profile or {}).get("skills", []))
    _record(db, actor, case, "rpl.profile_shared", f"The learner shared a profile of {skills_count} skills")
    return case


@dataclass(frozen=True)
class OutcomeMatch:
    """One learning outcome of the edition, and what of the learner's profile points to it."""

    number: int  # from 1, as evidence and the assessment refer to it
    text: str
    skills: list[tuple[str, str]]  # the outcome's ESCO skills (uri, label)
    matched: list[dict[str, Any]]  # the profile's skills among them, with strength and experiences

    @property
    def status(self) -> str:
        if not self.skills:
            return "unlinked"
        if len(self.matched) == len(self.skills):
            return "covered"
        return "partly" if self.matched else "not_covered"

    @property
    def status_label(self) -> str:
        return {
            "unlinked": "No ESCO skill linked: judged from the evidence",
            "covered": "The profile seems to cover it",
            "partly": "The profile covers part of it",
            "not_covered": "Not in the profile",
        }[self.status]


@dataclass(frozen=True)
class Identification:
    shared: bool
    taken_at: datetime | None
    outcomes: list[OutcomeMatch]
    experiences: list[dict[str, Any]]

    @property
    def covered(self) -> list[int]:
        return [o.number for o in self.outcomes if o.status == "covered"]


def identification(db: Session, case: RplCase, content: SpecificationContent | None = None) -> Identification:
    """The snapshot of the learner's profile matched against the edition's outcomes and their ESCO skills
    (`content`: the edition's, when the caller has read it)."""
    if content is None:
        _spec, content = edition_of(db, case)
    profile = case.profile or {}
    held = {entry["uri"]: entry for entry in profile.get("skills", [])}
    return Identification(
        case.profile is not None, case.profile_taken_at, _matches(db, content, held), profile.get("experiences", [])
    )


def preview(db: Session, learner: User, content: SpecificationContent) -> list[OutcomeMatch]:
    """What the learner's profile, as it is now, would cover of a micro-credential's outcomes (before opening)."""
    return _matches(db, content, {entry["uri"]: entry for entry in _profile_skills(db, learner)})


def _profile_skills(db: Session, learner: User) -> list[dict[str, Any]]:
    return [
        {"uri": s.uri, "label": s.label, "strength": s.strength, "experiences": s.experiences}
        for s in skills.profile(db, learner)
    ]


def _matches(db: Session, content: SpecificationContent, held: dict[str, dict[str, Any]]) -> list[OutcomeMatch]:
    labels = taxonomy.skill_labels(db, content.skill_uris())
    return [
        OutcomeMatch(
            number=number,
            text=outcome.text,
            skills=[(uri, labels.get(uri, uri)) for uri in outcome.skills],
            matched=[held[uri] for uri in outcome.skills if uri in held],
        )
        for number, outcome in enumerate(content.learning_outcomes, start=1)
    ]


# Who may act, and when ----------------------------------------------------------------------------------


def _is_learner(actor: Actor, case: RplCase) -> bool:
    return actor.user is not None and actor.user.id == case.learner_id


def _require_open(case: RplCase) -> None:
    if case.state == RplState.CERTIFIED:
        raise Conflict("This case is finished: the credential was issued.", code="rpl_case_finished")
    if case.state == RplState.CLOSED:
        closure = case.closure.label.lower() if case.closure else "closed"
        raise Conflict(f"This case is closed ({closure}): nothing more can change.", code="rpl_case_closed")


def _require_owner(db: Session, actor: Actor, case: RplCase, doing: str) -> None:
    if _is_learner(actor, case):
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


def _record(db: Session, actor: Actor, case: RplCase, action: str, summary: str, **detail: Any) -> None:
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
    _require_open(case)
    person = _person(actor)
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
        _record(db, actor, case, "rpl.owner", f"{owner.email} owns the RPL case", owner=str(owner.id))
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


def evidence_count(db: Session, case: RplCase) -> tuple[int, int]:
    """How many evidence files the case holds, and their total size in bytes."""
    count, total = db.execute(
        select(func.count(RplEvidence.id), func.coalesce(func.sum(RplEvidence.size), 0)).where(
            RplEvidence.case_id == case.id
        )
    ).one()
    return int(count), int(total)


def advance(db: Session, actor: Actor, case: RplCase, to: str) -> RplCase:
    """Move the case to its next stage, and only to that one. The learner moves it into documentation and
    into assessment; the owner may make every move, and alone moves it to certification."""
    _require_open(case)
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
    if _is_learner(actor, case):
        if target == RplState.CERTIFICATION:
            raise Forbidden(
                "Only the case's owner moves it to certification, after a passed assessment.",
                code="rpl_learner_not_allowed",
            )
    else:
        _require_owner(db, actor, case, f"move the case to {target.value}")
    if target == RplState.DOCUMENTATION and case.profile is None:
        raise Conflict(
            "Identification needs the learner's skills profile: the learner shares it from their case page first.",
            code="rpl_stage_incomplete",
        )
    if target == RplState.ASSESSMENT and evidence_count(db, case)[0] == 0:
        raise Conflict("Documentation needs at least one evidence file before assessment.", code="rpl_stage_incomplete")
    if target == RplState.CERTIFICATION and case.result != RplResult.PASSED:
        raise Conflict(_passed_needed(case), code="rpl_not_passed")
    now = utcnow()
    previous = case.state
    setattr(case, f"{previous.value}_ended_at", now)
    setattr(case, f"{target.value}_started_at", now)
    case.state, case.updated_at = target, now
    db.flush()
    _record(
        db,
        actor,
        case,
        "rpl.stage",
        f"The RPL case moved from {previous.value} to {target.value}",
        from_stage=previous.value,
        to_stage=target.value,
    )
    return case


def _passed_needed(case: RplCase) -> str:
    if case.result is None:
        return "Certification needs a passed assessment, and none is recorded yet."
    return "Certification needs a passed assessment, and the one recorded did not pass: close the case instead."


# Documentation: evidence files --------------------------------------------------------------------------


def safe_filename(name: str) -> str:
    """The file's own name without any folder, control characters or leading dots, at most 150 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = " ".join(without_control_characters(base).split()).lstrip(". ")
    path = PurePosixPath(base or "evidence")
    suffix = path.suffix[:10]
    return path.stem[: 150 - len(suffix)] + suffix


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def evidence_type(name: str, data: bytes) -> str:
    """The media type of an evidence file, found from its content (never from what the client claimed) and
    agreeing with its name; anything else is refused saying what the file is."""
    if not data:
        raise InvalidInput(f"{name} is empty.", code="invalid_evidence")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{name} is larger than {_megabytes(MAX_FILE_BYTES)}, the most an evidence file may be.",
            code="evidence_too_large",
        )
    for signature, what in REFUSED_SIGNATURES:
        if data.startswith(signature):
            raise InvalidInput(
                f"{name} is {what}, which is not accepted as evidence: upload {ALLOWED}.", code="invalid_evidence_type"
            )
    media_type = _sniff(name, data)
    label, endings = KINDS[media_type]
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in endings:
        raise InvalidInput(
            f"{name} holds {label}, but its name ends in {suffix or 'nothing'}: name it …{endings[0]}.",
            code="invalid_evidence_type",
        )
    return media_type


def _sniff(name: str, data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidInput(f"{name} is a PDF cut short (it does not end as a PDF does).", code="invalid_evidence")
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(name, data, "PNG")
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        _check_image(name, data, "JPEG")
        return "image/jpeg"
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = None
    if text is None or has_control_characters(text):
        raise InvalidInput(
            f"{name} is not {ALLOWED}, judged by its content rather than its name.", code="invalid_evidence_type"
        )
    if text.lstrip().startswith("<"):
        raise InvalidInput(
            f"{name} is an HTML or XML document (it begins with '<'), which a browser could run as a page: "
            "upload it as PDF or plain text.",
            code="invalid_evidence_type",
        )
    return "text/plain"


def _check_image(name: str, data: bytes, kind: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        found = None
    if found != kind:
        raise InvalidInput(f"{name} starts as a {kind} image but does not open as one.", code="invalid_evidence")


def _outcome_numbers(content: SpecificationContent, outcomes: list[int]) -> list[int]:
    count = len(content.learning_outcomes)
    if not outcomes:
        raise InvalidInput(
            "outcomes: link the file to at least one learning outcome it supports.", code="invalid_evidence"
        )
    for number in outcomes:
        if not 1 <= number <= count:
            raise InvalidInput(
                f"outcomes: there is no learning outcome {number}; this micro-credential has {count}.",
                code="invalid_evidence",
            )
    return sorted(set(outcomes))


def add_evidence(
    db: Session, actor: Actor, case: RplCase, *, filename: str, data: bytes, note: str = "", outcomes: list[int]
) -> RplEvidence:
    """An evidence file from the learner or the owner, while the case is in documentation or assessment, linked
    to the outcomes it supports; checked by content and size before anything is kept."""
    _require_open(case)
    if not _is_learner(actor, case):
        _require_owner(db, actor, case, "add evidence")
    if case.state not in (RplState.DOCUMENTATION, RplState.ASSESSMENT):
        raise Conflict(
            f"Evidence is added during documentation (and assessment); this case is at {case.state.value}"
            + (": move it to documentation first." if case.state == RplState.IDENTIFICATION else "."),
            code="rpl_wrong_stage",
        )
    name = safe_filename(filename)
    media_type = evidence_type(name, data)
    note = inputs.text(note, field="note", max_length=MAX_NOTE)
    _spec, content = edition_of(db, case)
    numbers = _outcome_numbers(content, outcomes)
    count, total = evidence_count(db, case)
    if count >= MAX_FILES:
        raise InvalidInput(
            f"This case already holds {count} evidence files, the most a case may hold: put more into one PDF.",
            code="evidence_too_large",
        )
    if total + len(data) > MAX_CASE_BYTES:
        raise InvalidInput(
            f"This case holds {_megabytes(total)} of evidence; with {name} it would pass the "
            f"{_megabytes(MAX_CASE_BYTES)} a case may hold.",
            code="evidence_too_large",
        )
    row = RplEvidence(
        case_id=case.id,
        uploaded_by=_person(actor).id,
        filename=name,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        note=note,
        outcomes=numbers,
    )
    db.add(row)
    case.updated_at = utcnow()
    db.flush()
    _record(
        db,
        actor,
        case,
        "rpl.evidence_added",
        f"Evidence {name[:100]} ({media_type}, {len(data):,} bytes) for outcomes {', '.join(map(str, numbers))}",
        evidence=str(row.id),
        sha256=row.sha256,
    )
    return row


def evidence_of(db: Session, case: RplCase) -> list[RplEvidence]:
    """The case's evidence files (without their content), oldest first."""
    return list(db.scalars(select(RplEvidence).where(RplEvidence.case_id == case.id).order_by(RplEvidence.created_at)))


def evidence_file(db: Session, case: RplCase, evidence_id: uuid.UUID) -> RplEvidence:
    """One evidence file of the case, with its content."""
    found = db.scalar(
        select(RplEvidence)
        .options(undefer(RplEvidence.content))
        .where(RplEvidence.id == evidence_id, RplEvidence.case_id == case.id)
    )
    if found is None:
        raise NotFound("This case has no such evidence file.", code="evidence_not_found")
    return found


def remove_evidence(db: Session, actor: Actor, case: RplCase, evidence_id: uuid.UUID) -> None:
    """Whoever uploaded a file may take it back while the case is in documentation."""
    _require_open(case)
    row = evidence_file(db, case, evidence_id)
    if actor.user is None or row.uploaded_by != actor.user.id:
        raise Forbidden("Only whoever uploaded an evidence file can remove it.", code="rpl_not_uploader")
    if case.state != RplState.DOCUMENTATION:
        raise Conflict(
            f"Evidence can be removed during documentation only; this case is at {case.state.value}.",
            code="rpl_wrong_stage",
        )
    db.delete(row)
    case.updated_at = utcnow()
    db.flush()
    _record(db, actor, case, "rpl.evidence_removed", f"Removed the evidence {row.filename[:100]}", evidence=str(row.id))


# Assessment -----------------------------------------------------------------------------------------------


class AssessedOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    demonstrated: bool
    method: Literal[
        "interview",
        "portfolio_review",
        "practical_test",
        "written_test",
        "observation",
        "simulation",
        "presentation",
        "other",
    ]
    comment: str = Field(default="", max_length=2000)


class AssessmentIn(BaseModel):
    """The assessor's record: each learning outcome of the edition in order, the result, a grade, the reasons."""

    model_config = ConfigDict(extra="forbid")

    outcomes: list[AssessedOutcome] = Field(max_length=50)
    result: RplResult
    grade: str | None = Field(default=None, max_length=100)
    comment: str = Field(max_length=4000, description="The assessor's reasons for the result")


def record_assessment(db: Session, actor: Actor, case: RplCase, record: dict[str, Any]) -> RplCase:
    """The owner's assessment against every learning outcome, with the result; never the learner's. It may be
    recorded again while the case is at assessment, each time audit-logged."""
    _require_open(case)
    _require_owner(db, actor, case, "record the assessment")
    if case.state != RplState.ASSESSMENT:
        raise Conflict(
            f"The assessment is recorded at the assessment stage; this case is at {case.state.value}.",
            code="rpl_wrong_stage",
        )
    try:
        checked = AssessmentIn.model_validate(record)
    except ValidationError as error:
        raise InvalidInput(design.describe_errors(error, limit=3) + ".", code="invalid_assessment") from None
    _spec, content = edition_of(db, case)
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
    case.assessed_by, case.assessed_at, case.updated_at = _person(actor).id, now, now
    db.flush()
    _record(
        db,
        actor,
        case,
        "rpl.assessed",
        f"Assessed: {checked.result.label.lower()}, {expected - len(missed)} of {expected} outcomes demonstrated",
        result=checked.result.value,
        grade=grade,
    )
    return case


# Certification and closing ----------------------------------------------------------------------------


def certify(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    case: RplCase,
    *,
    base_url: str,
    master: bytes,
    tsa_url: str | None = None,
) -> IssuedCredential:
    """Issue the edition's credential to the learner through the issuing capability, once (the idempotency key
    is the case's), after a passed assessment; the case records the credential. No claim link is made here:
    whoever holds one can take the credential, so only the learner makes it, from their case page
    (learner_claim_link)."""
    _require_open(case)
    _require_owner(db, actor, case, "certify")
    if case.result != RplResult.PASSED:
        raise Conflict(_passed_needed(case), code="rpl_not_passed")
    if case.state != RplState.CERTIFICATION:
        raise Conflict(
            f"The case is at {case.state.value}: move it to certification before certifying.",
            code="rpl_wrong_stage",
        )
    learner = db.get(User, case.learner_id)
    assert learner is not None
    key = f"rpl:{case.id}"
    issued = db.scalar(
        select(IssuedCredential).where(
            IssuedCredential.organisation_id == organisation.id, IssuedCredential.idempotency_key == key
        )
    ) or credentials.issue_edition(
        db,
        actor,
        organisation,
        case.specification_id,
        case.edition_number,
        documents.Learner(name=learner.display_name, email=learner.email),
        documents.Result(awarded=date.today(), grade=case.grade),
        base_url=base_url,
        master=master,
        tsa_url=tsa_url,
        idempotency_key=key,
    )
    now = utcnow()
    case.credential_id, case.state = issued.id, RplState.CERTIFIED
    case.certification_ended_at = case.updated_at = now
    db.flush()
    _record(
        db,
        actor,
        case,
        "rpl.certified",
        f"Certified: the credential urn:uuid:{issued.id} was issued to {learner.email}",
        credential=f"urn:uuid:{issued.id}",
    )
    return issued


def in_wallet(db: Session, case: RplCase) -> bool:
    """Whether the case's credential was claimed into a wallet."""
    if case.credential_id is None:
        return False
    return (
        db.scalar(select(WalletCredential.id).where(WalletCredential.issued_credential_id == case.credential_id))
        is not None
    )


def learner_claim_link(db: Session, actor: Actor, case: RplCase, *, base_url: str) -> tuple[str, datetime]:
    """A fresh claim link for the learner's certified case (any earlier link stops working)."""
    if not _is_learner(actor, case):
        raise Forbidden("Only the learner claims the credential of their case.", code="rpl_learner_only")
    if case.state != RplState.CERTIFIED or case.credential_id is None:
        raise Conflict(
            f"There is no credential to claim yet: the case is at {case.state.value}.", code="rpl_not_certified"
        )
    if in_wallet(db, case):
        raise Conflict("The credential of this case is already in a wallet.", code="already_claimed")
    organisation = db.get(Organisation, case.organisation_id)
    assert organisation is not None
    return claims.new_link(db, actor, organisation, case.credential_id, base_url=base_url)


def _close(db: Session, actor: Actor, case: RplCase, closure: RplClosure, reason: str) -> RplCase:
    reason = inputs.text(reason, field="reason", max_length=MAX_REASON, min_length=3)
    now = utcnow()
    if case.state in STAGES:
        setattr(case, f"{case.state.value}_ended_at", now)
    case.state, case.closure, case.closed_reason = RplState.CLOSED, closure, reason
    case.closed_by, case.closed_at, case.updated_at = _person(actor).id, now, now
    db.flush()
    _record(db, actor, case, "rpl.closed", f"Closed: {closure.label.lower()}: {reason[:200]}", closure=closure.value)
    return case


def withdraw(db: Session, actor: Actor, case: RplCase, reason: str) -> RplCase:
    """The learner withdraws the case, with a reason, at any stage before the credential is issued."""
    _require_open(case)
    if not _is_learner(actor, case):
        raise Forbidden(
            "Only the learner withdraws their case; the owner closes it as not passed.", code="rpl_learner_only"
        )
    return _close(db, actor, case, RplClosure.WITHDRAWN, reason)


def close_not_passed(db: Session, actor: Actor, case: RplCase, reason: str) -> RplCase:
    """The owner closes the case, with a reason, after recording an assessment that did not pass."""
    _require_open(case)
    _require_owner(db, actor, case, "close the case")
    if case.result != RplResult.NOT_PASSED:
        raise Conflict(
            "A case is closed as not passed after recording an assessment that did not pass"
            + ("; none is recorded yet." if case.result is None else "; this one passed: certify it."),
            code="rpl_not_assessed",
        )
    return _close(db, actor, case, RplClosure.NOT_PASSED, reason)


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
