"""Career matching and skills that go together, over the real ESCO v1.1.1."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from microcred.skills.match import MIN_PROFILE_SKILLS, match_careers, skills_that_go_together
from microcred.taxonomy import search
from tests.skills.fixtures import uri_of


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_suggestions_from_occupations_exclude_what_the_learner_has(db: Session) -> None:
    have = {uri_of(db, "Python (computer programming)"), uri_of(db, "JavaScript"), uri_of(db, "SQL")}
    together = skills_that_go_together(db, have, limit=10)
    assert together and not ({ref.uri for ref, _ in together} & have)
    assert together[0][1] == 1.0 and all(0 < score <= 1 for _ref, score in together)


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
