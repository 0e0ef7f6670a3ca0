"""A learner's experiences, their skills and strengths, suggestions and profile, over the real ESCO v1.1.1."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.orm import Session

from microcred.errors import InvalidInput, NotFound
from microcred.skills import service as skills
from microcred.skills.match import skills_that_go_together
from microcred.skills.models import ExperienceKind, SkillSource
from microcred.taxonomy import service as taxonomy
from tests.skills.fixtures import person, uri_of


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_experience_with_chosen_and_suggested_skills(db: Session) -> None:
    user = person(db)
    item = skills.add_experience(
        db,
        user,
        kind=ExperienceKind.JOB,
        title="Junior web developer",
        organisation="Acme",
        description="Built web applications in Python and JavaScript, wrote SQL queries and unit tests.",
        started_on=date(2022, 1, 1),
        ended_on=date(2023, 6, 30),
    )
    suggestions = skills.suggest_skills(db, user, item.id)
    db.commit()
    suggested = {s.skill_uri for s in suggestions}
    assert uri_of(db, "Python (computer programming)") in suggested
    assert uri_of(db, "JavaScript") in suggested
    assert {s.source for s in suggestions} == {SkillSource.FROM_TEXT, SkillSource.FROM_OCCUPATIONS}
    assert skills.profile(db, user) == []  # nothing counts until the learner confirms
    python = uri_of(db, "Python (computer programming)")
    skills.set_skill(db, user, item.id, python, 4)
    skills.remove_skill(db, user, item.id, uri_of(db, "JavaScript"))
    skills.set_skill(db, user, item.id, uri_of(db, "SQL"), 2)
    db.commit()
    summary = skills.profile(db, user)
    assert [(s.label, s.strength) for s in summary] == [("Python (computer programming)", 4), ("SQL", 2)]
    assert summary[0].experiences == ["Junior web developer"] and summary[0].kinds == ["Job"]


def test_strength_and_skill_must_be_valid(db: Session) -> None:
    user = person(db)
    item = skills.add_experience(db, user, kind=ExperienceKind.LIFE, title="Caring for my grandmother")
    for bad in (0, 6, "3", 2.5, True):
        with pytest.raises(InvalidInput, match="strength is a whole number from 1 to 5"):
            skills.set_skill(db, user, item.id, uri_of(db, "SQL"), bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="is not an ESCO skill"):
        skills.set_skill(db, user, item.id, "http://data.europa.eu/esco/skill/unknown", 3)
    with pytest.raises(InvalidInput, match="cannot end before it starts"):
        skills.add_experience(
            db, user, kind=ExperienceKind.JOB, title="x", started_on=date(2024, 1, 2), ended_on=date(2024, 1, 1)
        )
    with pytest.raises(InvalidInput, match="title must be 1 to 200"):
        skills.add_experience(db, user, kind=ExperienceKind.JOB, title="   ")


def test_experiences_are_private_to_their_learner(db: Session) -> None:
    owner, other = person(db), person(db, "other@example.org")
    item = skills.add_experience(db, owner, kind=ExperienceKind.EDUCATION, title="Evening classes")
    db.commit()
    with pytest.raises(NotFound):
        skills.experience(db, other, item.id)
    with pytest.raises(NotFound):
        skills.set_skill(db, other, item.id, uri_of(db, "SQL"), 3)
    with pytest.raises(NotFound):
        skills.delete_experience(db, other, uuid.uuid4())


def test_suggestions_come_from_the_experience_itself_not_the_whole_profile(db: Session) -> None:
    user = person(db)
    developer = skills.add_experience(
        db,
        user,
        kind=ExperienceKind.JOB,
        title="Web developer",
        description="Built web shops in Scala and JavaScript with AJAX, wrote SQL queries.",
    )
    programming = ["Scala", "AJAX", "JavaScript", "SQL", "Python (computer programming)", "Java (computer programming)"]
    for label in programming:
        skills.set_skill(db, user, developer.id, uri_of(db, label), 4)
    food_bank = skills.add_experience(
        db,
        user,
        kind=ExperienceKind.VOLUNTEERING,
        title="Food bank volunteer",
        description="Sorted donated food, packed parcels for families and welcomed visitors at the food bank.",
    )
    db.commit()
    offered = skills.suggest_skills(db, user, food_bank.id)
    labels = taxonomy.skill_labels(db, [s.skill_uri for s in offered])
    together = {s.skill_uri for s in offered if s.source == SkillSource.FROM_OCCUPATIONS}
    # What goes with the developer's skills (computer programming, C++, Ruby…) is not offered to the volunteer;
    # what goes with volunteering is.
    programming_uris = {uri_of(db, label) for label in programming}
    goes_with_programming = {ref.uri for ref, _score in skills_that_go_together(db, programming_uris, limit=30)}
    assert together and not together & (goes_with_programming | programming_uris), sorted(labels.values())
    assert "manage volunteers" in labels.values()

    # The developer's own suggestions still go with the developer's kept skills.
    mine = skills.suggest_skills(db, user, developer.id)
    assert uri_of(db, "computer programming") in {s.skill_uri for s in mine}


def test_a_change_of_one_skill_says_what_it_was(db: Session) -> None:
    user = person(db)
    item = skills.add_experience(
        db, user, kind=ExperienceKind.JOB, title="Junior web developer", description="I wrote SQL queries."
    )
    skills.suggest_skills(db, user, item.id)
    waiting = [s.skill_uri for s in skills.experience(db, user, item.id).skills]
    first, second = waiting[:2]
    label = taxonomy.skill_labels(db, [first])[first]

    kept = skills.keep_skill(db, user, item.id, first, 4)
    assert (kept.action, kept.strength, kept.kept, kept.suggested) == ("kept", 4, 1, len(waiting) - 1)
    assert kept.message == f"Kept: {label}"
    saved = skills.keep_skill(db, user, item.id, first, 2)
    assert (saved.action, saved.message) == ("saved", f"Saved: {label}, strength 2 of 5")
    added = skills.keep_skill(db, user, item.id, uri_of(db, "Scala"), 3)
    assert (added.action, added.message, added.kept) == ("added", "Added: Scala", 2)
    dismissed = skills.drop_skill(db, user, item.id, second)
    assert (dismissed.action, dismissed.strength, dismissed.suggested) == ("dismissed", None, len(waiting) - 2)
    removed = skills.drop_skill(db, user, item.id, uri_of(db, "Scala"))
    assert (removed.action, removed.message, removed.kept) == ("removed", "Removed: Scala", 1)
    db.commit()

    # What an address names is told only when the experience bears it out.
    found = skills.experience(db, user, item.id)
    assert skills.change_shown(db, found, "kept", first) == skills.SkillChange(
        first, label, "kept", 2, 1, len(waiting) - 2
    )
    assert skills.change_shown(db, found, "dismissed", second) is not None
    assert skills.change_shown(db, found, "kept", second) is None  # dismissed, not kept
    assert skills.change_shown(db, found, "removed", first) is None  # still there
    assert skills.change_shown(db, found, "kept", waiting[2]) is None  # a suggestion still waiting
    assert skills.change_shown(db, found, "published", first) is None
    assert skills.change_shown(db, found, "removed", "http://data.europa.eu/esco/skill/nothing") is None
