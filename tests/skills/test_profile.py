"""A learner's experiences, skills, suggestions and career matches, over the real ESCO v1.1.1."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.models import User
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, NotFound
from microcred.skills import service as skills
from microcred.skills.extract import extract_skills, sentences
from microcred.skills.match import MIN_PROFILE_SKILLS, match_careers, skills_that_go_together
from microcred.skills.models import ExperienceKind, SkillSource
from microcred.taxonomy import search
from microcred.taxonomy.models import EscoSkill


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def person(db: Session, email: str = "lena@example.org") -> User:
    user, _password = accounts.create_user(db, Actor.operator(), email=email, display_name="Lena")
    db.commit()
    return user


def uri_of(db: Session, label: str) -> str:
    found = db.scalar(select(EscoSkill.uri).where(EscoSkill.preferred_label == label))
    assert found, label
    return found


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


def test_suggestions_from_occupations_exclude_what_the_learner_has(db: Session) -> None:
    have = {uri_of(db, "Python (computer programming)"), uri_of(db, "JavaScript"), uri_of(db, "SQL")}
    together = skills_that_go_together(db, have, limit=10)
    assert together and not ({ref.uri for ref, _ in together} & have)
    assert together[0][1] == 1.0 and all(0 < score <= 1 for _ref, score in together)


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


def test_career_matching_ranks_and_names_matched_and_missing(db: Session) -> None:
    teaching = [
        "adult education",
        "teach literacy as a social practice",
        "apply teaching strategies",
        "assess students",
        "foster learners' independence",
        "plan lessons",
    ]
    strengths = {search.search_skills(db, label, 1)[0].uri: 4 for label in teaching}
    assert len(strengths) == len(teaching)
    result = match_careers(db, strengths, limit=10)
    assert result.enough_skills
    top = [career.label for career in result.careers[:5]]
    assert "adult literacy teacher" in top
    first = result.careers[0]
    assert first.matched and all(ref.uri in strengths for ref in first.matched)
    assert all(ref.uri not in strengths for ref in first.missing_essential)
    assert [c.score for c in result.careers] == sorted((c.score for c in result.careers), reverse=True)
    weaker = match_careers(db, {uri: 1 for uri in strengths}, limit=10)
    assert weaker.careers[0].coverage < result.careers[0].coverage  # strengths count


def test_a_thin_profile_gets_not_enough_skills_yet(db: Session) -> None:
    few = {uri_of(db, "SQL"): 5, uri_of(db, "JavaScript"): 5}
    result = match_careers(db, few)
    assert not result.enough_skills and result.careers == []
    assert (result.profile_size, result.needed) == (2, MIN_PROFILE_SKILLS)


def test_extraction_ranks_skills_and_skips_boilerplate(db: Session) -> None:
    text = (
        "Competitive salary and 30 days holiday. Apply now!\n"
        "You will weld steel structures and read technical drawings."
    )
    assert sentences(text) == ["You will weld steel structures and read technical drawings."]
    found = extract_skills(db, text, top=5)
    assert found[0].label == "operate welding equipment"
    assert "technical drawings" in [f.label for f in found]
    assert all(f.evidence.startswith("You will weld") for f in found)
    for bad, code in (("", "empty_text"), ("x" * 100_001, "text_too_long"), ("a\x00b", "invalid_text")):
        with pytest.raises(InvalidInput) as problem:
            extract_skills(db, bad)
        assert problem.value.code == code


def test_cli_reads_lines_and_prints_one_json_ranking_each(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from microcred.cli import app
    from microcred.config import get_settings

    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            ["skills", "extract", "--top", "3", "--json"],
            input="Python developer with SQL\n\nwelding and blueprints\n",
        )
        lines = result.stdout.splitlines()
        assert result.exit_code == 0 and len(lines) == 3
        first, empty, third = (json.loads(line) for line in lines)
        assert first[0]["label"] == "Python (computer programming)" and len(first) == 3
        assert set(first[0]) == {"uri", "label", "score"}
        assert empty == [] and "blueprints" in [row["label"] for row in third]
        result = CliRunner().invoke(app, ["occupations", "match", "--top", "2", "--json"], input="software engineer\n")
        assert json.loads(result.stdout.splitlines()[0])[0]["label"] == "software developer"
    finally:
        get_settings.cache_clear()
