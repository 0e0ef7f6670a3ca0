"""Educator cohorts: learners invited by access code or link, their progress, and what the educator sees.

A learner who joins a cohort chooses what its educators may see: their skills, their experiences, their
career matches; they can change that or leave at any time. The exports and the skills distribution count
only what learners share.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from microcred import csvfiles
from microcred.accounts import audit
from microcred.accounts import service as accounts
from microcred.accounts.models import Membership, Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.inputs import has_control_characters, single_line
from microcred.skills.match import match_careers
from microcred.skills.models import Cohort, CohortMember, CohortStatus, Experience, ExperienceSkill
from microcred.store.base import utcnow
from microcred.taxonomy.models import EscoOccupation, EscoSkill

# Access codes avoid look-alike characters, so they can be read out and typed: 10 of 31 symbols ≈ 50 bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
TOP_CAREERS_COUNTED = 5


def _pairs(rows: Any) -> dict[Any, Any]:
    """Two-column query results as a dict."""
    return {key: value for key, value in rows}


def new_access_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[: CODE_LENGTH + 6]


# Educators ----------------------------------------------------------------------------------------------


def create_cohort(db: Session, actor: Actor, organisation: Organisation, *, name: str, description: str = "") -> Cohort:
    if has_control_characters(description):
        raise InvalidInput(
            "The cohort description contains control characters; use printable text only.", code="invalid_text"
        )
    cohort = Cohort(
        organisation_id=organisation.id,
        created_by=actor.user.id if actor.user else None,
        name=single_line(name, field="cohort name", max_length=200, code="invalid_name"),
        description=description.strip()[:2000],
        access_code=new_access_code(),
    )
    db.add(cohort)
    db.flush()
    audit.record(
        db,
        actor,
        "cohort.created",
        object_type="cohort",
        object_id=cohort.id,
        organisation=organisation,
        summary=f"Created cohort {cohort.name}",
    )
    return cohort


def cohorts(db: Session, organisation: Organisation) -> list[tuple[Cohort, int]]:
    counts = select(CohortMember.cohort_id, func.count().label("members")).group_by(CohortMember.cohort_id).subquery()
    rows = db.execute(
        select(Cohort, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .where(Cohort.organisation_id == organisation.id)
        .order_by(Cohort.created_at.desc())
    )
    return [(cohort, int(members)) for cohort, members in rows]


def cohort(db: Session, organisation: Organisation, cohort_id: uuid.UUID) -> Cohort:
    found = db.scalar(select(Cohort).where(Cohort.id == cohort_id, Cohort.organisation_id == organisation.id))
    if found is None:
        raise NotFound("There is no such cohort in this organisation.", code="cohort_not_found")
    return found


def set_open(db: Session, actor: Actor, organisation: Organisation, cohort_id: uuid.UUID, is_open: bool) -> Cohort:
    found = cohort(db, organisation, cohort_id)
    found.open = is_open
    audit.record(
        db,
        actor,
        "cohort.opened" if is_open else "cohort.closed",
        object_type="cohort",
        object_id=found.id,
        organisation=organisation,
        summary=f"{'Opened' if is_open else 'Closed'} {found.name}",
    )
    return found


def set_progress(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    cohort_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    status: CohortStatus,
    outcome: str = "",
) -> CohortMember:
    found = cohort(db, organisation, cohort_id)
    member = next((m for m in found.members if m.user_id == user_id), None)
    if member is None:
        raise NotFound("That learner is not in this cohort.", code="cohort_member_not_found")
    member.status = status.value
    member.outcome = single_line(outcome, field="outcome", max_length=500, min_length=0)
    member.completed_at = utcnow() if status is CohortStatus.COMPLETED else None
    return member


@dataclass(frozen=True)
class LearnerRow:
    member: CohortMember
    experiences: int
    skills: int
    last_activity: datetime | None

    @property
    def status(self) -> CohortStatus:
        return CohortStatus(self.member.status)


def learner_rows(db: Session, found: Cohort, *, status: str = "", text: str = "") -> list[LearnerRow]:
    """The cohort's learners with their progress and activity, filtered by status and name or email."""
    members = list(
        db.scalars(
            select(CohortMember)
            .options(selectinload(CohortMember.user))
            .where(CohortMember.cohort_id == found.id)
            .order_by(CohortMember.joined_at)
        )
    )
    user_ids = [m.user_id for m in members]
    activity: dict[uuid.UUID, tuple[int, datetime | None]] = {
        user_id: (count, latest)
        for user_id, count, latest in db.execute(
            select(Experience.user_id, func.count(), func.max(Experience.updated_at))
            .where(Experience.user_id.in_(user_ids))
            .group_by(Experience.user_id)
        )
    }
    skill_counts = _pairs(
        db.execute(
            select(Experience.user_id, func.count(func.distinct(ExperienceSkill.skill_uri)))
            .join(ExperienceSkill, ExperienceSkill.experience_id == Experience.id)
            .where(Experience.user_id.in_(user_ids), ExperienceSkill.confirmed.is_(True))
            .group_by(Experience.user_id)
        )
    )
    needle = text.strip().casefold()
    rows = []
    for member in members:
        if status and member.status != status:
            continue
        if needle and needle not in member.user.display_name.casefold() and needle not in member.user.email:
            continue
        experiences, latest = activity.get(member.user_id, (0, None))
        rows.append(
            LearnerRow(member, experiences, skill_counts.get(member.user_id, 0) if member.share_skills else 0, latest)
        )
    return rows


# Distributions and exports --------------------------------------------------------------------------------


def _shared_skills(db: Session, found: Cohort) -> dict[uuid.UUID, dict[str, int]]:
    """Each sharing learner's confirmed skills at their strongest."""
    sharing = [m.user_id for m in found.members if m.share_skills]
    profiles: dict[uuid.UUID, dict[str, int]] = {user_id: {} for user_id in sharing}
    for user_id, uri, strength in db.execute(
        select(Experience.user_id, ExperienceSkill.skill_uri, ExperienceSkill.strength)
        .join(ExperienceSkill, ExperienceSkill.experience_id == Experience.id)
        .where(Experience.user_id.in_(sharing), ExperienceSkill.confirmed.is_(True))
    ):
        profiles[user_id][uri] = max(strength, profiles[user_id].get(uri, 0))
    return profiles


@dataclass(frozen=True)
class Distribution:
    label: str
    uri: str
    users: int


def skills_distribution(db: Session, found: Cohort) -> list[Distribution]:
    """How many of the cohort's (sharing) learners have each skill, most common first."""
    counts: Counter[str] = Counter()
    for skills in _shared_skills(db, found).values():
        counts.update(skills.keys())
    labels = _pairs(db.execute(select(EscoSkill.uri, EscoSkill.preferred_label).where(EscoSkill.uri.in_(counts))))
    return sorted(
        (Distribution(labels.get(uri, uri), uri, n) for uri, n in counts.items()),
        key=lambda d: (-d.users, d.label.casefold()),
    )


def careers_distribution(db: Session, found: Cohort) -> list[Distribution]:
    """How many of the cohort's learners have each career among their top matches."""
    counts: Counter[str] = Counter()
    sharing = {m.user_id for m in found.members if m.share_careers and m.share_skills}
    for user_id, skills in _shared_skills(db, found).items():
        if user_id in sharing:
            result = match_careers(db, skills, limit=TOP_CAREERS_COUNTED)
            counts.update(career.uri for career in result.careers if career.enough)
    labels = _pairs(
        db.execute(select(EscoOccupation.uri, EscoOccupation.preferred_label).where(EscoOccupation.uri.in_(counts)))
    )
    return sorted(
        (Distribution(labels.get(uri, uri), uri, n) for uri, n in counts.items()),
        key=lambda d: (-d.users, d.label.casefold()),
    )


def _csv(header: list[str], rows: list[list[object]]) -> str:
    return csvfiles.text(header, rows)  # formula cells (a learner named "=HYPERLINK(…)") made plain text


def export_skills_distribution(db: Session, found: Cohort) -> str:
    """`Skills distribution`, as the original tool exports it: skill, user (how many), skill_url."""
    return _csv(["skill", "user", "skill_url"], [[d.label, d.users, d.uri] for d in skills_distribution(db, found)])


def export_careers_distribution(db: Session, found: Cohort) -> str:
    return _csv(["career", "user", "career_url"], [[d.label, d.users, d.uri] for d in careers_distribution(db, found)])


def export_profiles_summary(db: Session, found: Cohort) -> str:
    """`Profiles summary`: one row per learner, with only what each learner shares."""
    skills = _shared_skills(db, found)
    labels = _pairs(
        db.execute(
            select(EscoSkill.uri, EscoSkill.preferred_label).where(
                EscoSkill.uri.in_({u for s in skills.values() for u in s})
            )
        )
    )
    rows: list[list[object]] = []
    for row in learner_rows(db, found):
        member = row.member
        own = skills.get(member.user_id, {})
        top = sorted(own.items(), key=lambda item: (-item[1], labels.get(item[0], item[0])))
        careers = ""
        if member.share_careers and member.share_skills:
            careers = "; ".join(c.label for c in match_careers(db, own, limit=3).careers if c.enough)
        rows.append(
            [
                member.user.display_name,
                member.user.email,
                row.status.label,
                member.outcome,
                row.experiences if member.share_experiences else "",
                len(own) if member.share_skills else "",
                "; ".join(f"{labels.get(uri, uri)} ({strength})" for uri, strength in top[:10])
                if member.share_skills
                else "",
                careers,
                row.last_activity.isoformat(timespec="minutes") if row.last_activity else "",
            ]
        )
    return _csv(
        [
            "name",
            "email",
            "status",
            "outcome",
            "experiences",
            "skills",
            "top skills (strength)",
            "top careers",
            "last activity",
        ],
        rows,
    )


# Learners ---------------------------------------------------------------------------------------------------


def cohort_by_code(db: Session, code: str) -> Cohort:
    found = db.scalar(
        select(Cohort).options(selectinload(Cohort.members)).where(Cohort.access_code == normalize_code(code))
    )
    if found is None or not found.open:
        raise NotFound("No open cohort has this access code; check it with your educator.", code="cohort_not_found")
    return found


def join_cohort(
    db: Session,
    user: User,
    code: str,
    *,
    share_skills: bool = True,
    share_experiences: bool = False,
    share_careers: bool = True,
) -> CohortMember:
    """Join by access code, as a learner of the cohort's organisation, with the learner's sharing choices."""
    found = cohort_by_code(db, code)
    if any(m.user_id == user.id for m in found.members):
        raise Conflict("You are in this cohort already.", code="already_in_cohort")
    if (
        db.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.organisation_id == found.organisation_id
            )
        )
        is None
    ):
        db.add(Membership(user_id=user.id, organisation_id=found.organisation_id, role=Role.LEARNER))
    member = CohortMember(
        cohort_id=found.id,
        user_id=user.id,
        share_skills=share_skills,
        share_experiences=share_experiences,
        share_careers=share_careers,
    )
    db.add(member)
    db.flush()
    audit.record(
        db,
        Actor.person(user),
        "cohort.joined",
        object_type="cohort",
        object_id=found.id,
        organisation=db.get(Organisation, found.organisation_id),
        summary=f"{user.email} joined {found.name}",
    )
    return member


def sign_up_and_join(
    db: Session,
    code: str,
    *,
    email: str,
    display_name: str,
    password: str,
    share_skills: bool = True,
    share_experiences: bool = False,
    share_careers: bool = True,
) -> tuple[User, CohortMember]:
    """A learner without an account follows the join link: the open cohort's code is their invitation.

    The code is checked first, so a wrong one creates no account; any error leaves nothing behind (one
    transaction, the caller's).
    """
    cohort_by_code(db, code)
    user = accounts.register(db, email=email, display_name=display_name, password=password)
    member = join_cohort(
        db,
        user,
        code,
        share_skills=share_skills,
        share_experiences=share_experiences,
        share_careers=share_careers,
    )
    return user, member


def my_cohorts(db: Session, user: User) -> list[CohortMember]:
    return list(
        db.scalars(
            select(CohortMember)
            .options(selectinload(CohortMember.cohort))
            .where(CohortMember.user_id == user.id)
            .order_by(CohortMember.joined_at.desc())
        )
    )


def set_sharing(
    db: Session, user: User, cohort_id: uuid.UUID, *, share_skills: bool, share_experiences: bool, share_careers: bool
) -> CohortMember:
    member = db.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id))
    if member is None:
        raise NotFound("You are not in that cohort.", code="cohort_not_found")
    member.share_skills, member.share_experiences, member.share_careers = share_skills, share_experiences, share_careers
    return member


def leave_cohort(db: Session, user: User, cohort_id: uuid.UUID) -> None:
    member = db.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id))
    if member is None:
        raise NotFound("You are not in that cohort.", code="cohort_not_found")
    db.delete(member)


def check_status(value: str) -> CohortStatus:
    try:
        return CohortStatus(value)
    except ValueError:
        raise InvalidInput(
            f"A learner's status is in_progress or completed, not {value!r}.", code="invalid_status"
        ) from None
