"""A learner's skills profile: experiences, their skills and strengths, suggestions to confirm or remove.

Every function acts on the signed-in learner's own profile (`user`); an experience of someone else is
not found. Functions add to the caller's transaction and never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from microcred.accounts.models import User
from microcred.errors import InvalidInput, NotFound
from microcred.inputs import has_control_characters, single_line
from microcred.skills.extract import extract_skills
from microcred.skills.match import MatchResult, match_careers, skills_that_go_together
from microcred.skills.models import Experience, ExperienceKind, ExperienceSkill, SkillSource
from microcred.store.base import utcnow
from microcred.taxonomy import service as taxonomy
from microcred.taxonomy.models import EscoSkill

MAX_DESCRIPTION = 10_000
MAX_EXPERIENCES = 200
MAX_SKILLS_PER_EXPERIENCE = 100


def check_strength(strength: object) -> int:
    if isinstance(strength, bool) or not isinstance(strength, int) or not 1 <= strength <= 5:
        raise InvalidInput(
            f"A skill's strength is a whole number from 1 to 5, not {strength!r}.", code="invalid_strength"
        )
    return strength


def experiences(db: Session, user: User) -> list[Experience]:
    return list(
        db.scalars(
            select(Experience)
            .options(selectinload(Experience.skills))
            .where(Experience.user_id == user.id)
            .order_by(Experience.started_on.desc().nulls_last(), Experience.created_at.desc())
        )
    )


def experience(db: Session, user: User, experience_id: uuid.UUID) -> Experience:
    found = db.scalar(
        select(Experience)
        .options(selectinload(Experience.skills))
        .where(Experience.id == experience_id, Experience.user_id == user.id)
    )
    if found is None:
        raise NotFound("There is no such experience in your profile.", code="experience_not_found")
    return found


def add_experience(
    db: Session,
    user: User,
    *,
    kind: ExperienceKind,
    title: str,
    organisation: str = "",
    description: str = "",
    started_on: date | None = None,
    ended_on: date | None = None,
) -> Experience:
    count = db.scalar(select(func.count()).select_from(Experience).where(Experience.user_id == user.id)) or 0
    if count >= MAX_EXPERIENCES:
        raise InvalidInput(f"A profile holds at most {MAX_EXPERIENCES} experiences.", code="too_many_experiences")
    item = Experience(user_id=user.id, kind=kind)
    _fill(item, title, organisation, description, started_on, ended_on)
    db.add(item)
    db.flush()
    return item


def update_experience(
    db: Session,
    user: User,
    experience_id: uuid.UUID,
    *,
    kind: ExperienceKind,
    title: str,
    organisation: str = "",
    description: str = "",
    started_on: date | None = None,
    ended_on: date | None = None,
) -> Experience:
    item = experience(db, user, experience_id)
    item.kind = kind
    _fill(item, title, organisation, description, started_on, ended_on)
    item.updated_at = utcnow()
    db.flush()
    return item


def delete_experience(db: Session, user: User, experience_id: uuid.UUID) -> None:
    db.delete(experience(db, user, experience_id))
    db.flush()


def _fill(
    item: Experience, title: str, organisation: str, description: str, started: date | None, ended: date | None
) -> None:
    item.title = single_line(title, field="title", max_length=200, code="invalid_title")
    item.organisation = single_line(organisation, field="organisation", max_length=200, min_length=0)
    if len(description) > MAX_DESCRIPTION or has_control_characters(description):
        raise InvalidInput(
            f"The description must be plain text of at most {MAX_DESCRIPTION:,} characters.", code="invalid_description"
        )
    item.description = description.strip()
    if started and ended and ended < started:
        raise InvalidInput("The experience cannot end before it starts.", code="invalid_dates")
    item.started_on, item.ended_on = started, ended


# Skills on an experience --------------------------------------------------------------------------


def _skill(db: Session, skill_uri: str) -> EscoSkill:
    found = db.get(EscoSkill, skill_uri)
    if found is None:
        raise InvalidInput(f"{skill_uri} is not an ESCO skill.", code="unknown_skill")
    return found


def set_skill(db: Session, user: User, experience_id: uuid.UUID, skill_uri: str, strength: int) -> ExperienceSkill:
    """Add a skill to an experience, or confirm a suggested one, with the learner's strength."""
    item = experience(db, user, experience_id)
    check_strength(strength)
    _skill(db, skill_uri)
    existing = next((s for s in item.skills if s.skill_uri == skill_uri), None)
    if existing is None:
        if len(item.skills) >= MAX_SKILLS_PER_EXPERIENCE:
            raise InvalidInput(
                f"An experience holds at most {MAX_SKILLS_PER_EXPERIENCE} skills.", code="too_many_skills"
            )
        existing = ExperienceSkill(skill_uri=skill_uri, source=SkillSource.CHOSEN, position=len(item.skills) + 1000)
        item.skills.append(existing)
    existing.strength = strength
    existing.confirmed = True
    item.updated_at = utcnow()
    db.flush()
    return existing


def remove_skill(db: Session, user: User, experience_id: uuid.UUID, skill_uri: str) -> bool:
    """Take a skill or a suggestion off an experience: whether it was a kept (confirmed) skill."""
    item = experience(db, user, experience_id)
    found = next((s for s in item.skills if s.skill_uri == skill_uri), None)
    if found is None:
        raise NotFound("That skill is not on this experience.", code="skill_not_on_experience")
    was_kept = found.confirmed
    item.skills.remove(found)
    db.flush()
    return was_kept


Action = Literal["kept", "added", "saved", "dismissed", "removed"]
SAID: dict[str, str] = {
    "kept": "Kept",
    "added": "Added",
    "saved": "Saved",
    "dismissed": "Dismissed",
    "removed": "Removed",
}


@dataclass(frozen=True)
class SkillChange:
    """What keeping, adding, re-rating or removing one skill of an experience did, and the lists' sizes after."""

    uri: str
    label: str
    action: Action  # kept (a suggestion), added (a skill found by name), saved (a new strength), dismissed, removed
    strength: int | None  # None once it is off the experience
    kept: int  # confirmed skills on the experience now
    suggested: int  # suggestions still waiting

    @property
    def message(self) -> str:
        """One sentence naming the skill: "Kept: Scala", "Saved: Scala, strength 4 of 5", "Dismissed: Scala"."""
        strength = f", strength {self.strength} of 5" if self.action == "saved" else ""
        return f"{SAID[self.action]}: {self.label}{strength}"


def _change(db: Session, item: Experience, skill_uri: str, action: Action, strength: int | None) -> SkillChange:
    kept = sum(1 for s in item.skills if s.confirmed)
    label = taxonomy.skill_labels(db, [skill_uri]).get(skill_uri, skill_uri)
    return SkillChange(skill_uri, label, action, strength, kept, len(item.skills) - kept)


def change_shown(db: Session, item: Experience, action: str, skill_uri: str) -> SkillChange | None:
    """The change an address names (`?done=skill-kept&skill=…`, after a form without JavaScript), told from the
    experience as it is now; None when it does not fit (a kept skill that is not kept, a removed one still there)."""
    if action not in SAID:
        return None
    found = next((s for s in item.skills if s.skill_uri == skill_uri), None)
    gone = action in ("dismissed", "removed")
    if (found is None) != gone or (found is not None and not found.confirmed):
        return None
    if skill_uri not in taxonomy.skill_labels(db, [skill_uri]):
        return None
    return _change(db, item, skill_uri, cast(Action, action), found.strength if found else None)


def keep_skill(db: Session, user: User, experience_id: uuid.UUID, skill_uri: str, strength: int) -> SkillChange:
    """`set_skill`, saying whether a suggestion was kept, a new skill added or a kept one's strength changed."""
    before = next((s.confirmed for s in experience(db, user, experience_id).skills if s.skill_uri == skill_uri), None)
    found = set_skill(db, user, experience_id, skill_uri, strength)
    action: Action = "added" if before is None else "saved" if before else "kept"
    return _change(db, experience(db, user, experience_id), skill_uri, action, found.strength)


def drop_skill(db: Session, user: User, experience_id: uuid.UUID, skill_uri: str) -> SkillChange:
    """`remove_skill`, saying whether a suggestion was dismissed or a kept skill removed."""
    was_kept = remove_skill(db, user, experience_id, skill_uri)
    return _change(db, experience(db, user, experience_id), skill_uri, "removed" if was_kept else "dismissed", None)


def suggest_skills(db: Session, user: User, experience_id: uuid.UUID, *, limit: int = 10) -> list[ExperienceSkill]:
    """Suggest skills for an experience from its own text and from skills that go together in ESCO with it.

    What goes together is read from this experience alone (its kept skills and its text's best matches), not
    from the whole profile: a food-bank volunteer is not offered the programming skills of another job.
    Suggestions replace the previous unconfirmed ones; confirmed skills stay as they are.
    """
    item = experience(db, user, experience_id)
    db.execute(
        delete(ExperienceSkill).where(ExperienceSkill.experience_id == item.id, ExperienceSkill.confirmed.is_(False))
    )
    db.expire(item, ["skills"])
    have = {s.skill_uri for s in item.skills}
    suggestions: list[tuple[str, SkillSource, float]] = []
    text = " ".join(part for part in (item.title, item.description) if part)
    if text.strip():
        for found in extract_skills(db, text, top=limit):
            suggestions.append((found.uri, SkillSource.FROM_TEXT, found.score))
    # What goes together with this experience's kept skills and its text's best matches.
    seed = have | {uri for uri, _source, _score in suggestions[:5]}
    for ref, score in skills_that_go_together(db, seed, limit=limit):
        suggestions.append((ref.uri, SkillSource.FROM_OCCUPATIONS, score))
    added = []
    for position, (uri, source, score) in enumerate(suggestions):
        if uri in have or len(have) >= MAX_SKILLS_PER_EXPERIENCE:
            continue
        have.add(uri)
        suggestion = ExperienceSkill(
            experience_id=item.id,
            skill_uri=uri,
            source=source,
            confirmed=False,
            strength=3,
            position=position,
            score=score,
        )
        db.add(suggestion)
        added.append(suggestion)
    db.flush()
    db.expire(item, ["skills"])
    return added


# The profile as a whole ---------------------------------------------------------------------------


@dataclass
class ProfileSkill:
    uri: str
    label: str
    strength: int  # the strongest across experiences
    experiences: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def profile(db: Session, user: User) -> list[ProfileSkill]:
    """The learner's confirmed skills, each at its strongest, with the experiences it came from."""
    rows = db.execute(
        select(
            ExperienceSkill.skill_uri,
            EscoSkill.preferred_label,
            ExperienceSkill.strength,
            Experience.title,
            Experience.kind,
        )
        .join(Experience, Experience.id == ExperienceSkill.experience_id)
        .join(EscoSkill, EscoSkill.uri == ExperienceSkill.skill_uri)
        .where(Experience.user_id == user.id, ExperienceSkill.confirmed.is_(True))
    )
    skills: dict[str, ProfileSkill] = {}
    for uri, label, strength, title, kind in rows:
        entry = skills.setdefault(uri, ProfileSkill(uri, label, strength))
        entry.strength = max(entry.strength, strength)
        if title not in entry.experiences:
            entry.experiences.append(title)
        if kind.label not in entry.kinds:
            entry.kinds.append(kind.label)
    return sorted(skills.values(), key=lambda s: (-s.strength, s.label.lower()))


def career_matches(db: Session, user: User, *, limit: int = 20, isco_prefixes: tuple[str, ...] = ()) -> MatchResult:
    strengths = {skill.uri: skill.strength for skill in profile(db, user)}
    return match_careers(db, strengths, limit=limit, isco_prefixes=isco_prefixes)
