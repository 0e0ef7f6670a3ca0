"""A learner's experiences, their skills and strengths, suggestions and profile, over the real ESCO v1.1.1."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.orm import Session

from microcred.errors import InvalidInput, NotFound
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind, SkillSource
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
