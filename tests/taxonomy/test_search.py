"""Searching the real ESCO v1.1.1 by label: exact, prefix and fuzzy, skills and careers."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from microcred.errors import InvalidInput
from microcred.taxonomy import search


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("Java", "Java (computer programming)"),
        ("javascript", "JavaScript"),
        ("pyhton", "Python (computer programming)"),  # a typo
        ("project management", "project management"),  # the preferred label beats alternatives elsewhere
        ("manage a team of sales staff", "manage sales teams"),
    ],
)
def test_skills_rank_the_obvious_answer_first(db: Session, query: str, expected_first: str) -> None:
    hits = search.search_skills(db, query, limit=5)
    assert hits[0].label == expected_first
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_occupations_match_job_titles(db: Session) -> None:
    assert search.search_occupations(db, "data scientist", 1)[0].label == "data scientist"
    assert "software developer" in [h.label for h in search.search_occupations(db, "software engineer", 3)]


def test_the_matched_form_is_reported(db: Session) -> None:
    hit = search.search_skills(db, "python programming", 1)[0]
    assert hit.label == "Python (computer programming)"
    assert hit.matched != ""


@pytest.mark.parametrize(
    ("query", "code"), [("   ", "empty_query"), ("x" * 201, "query_too_long"), ("java\x00", "invalid_query")]
)
def test_bad_queries_are_named(db: Session, query: str, code: str) -> None:
    with pytest.raises(InvalidInput) as problem:
        search.search_skills(db, query)
    assert problem.value.code == code


def test_a_concept_whose_labels_normalise_to_nothing_keeps_its_place() -> None:
    from microcred.taxonomy.search import LexicalIndex

    index = LexicalIndex(
        [
            ("urn:a", "teach adults", []),
            ("urn:b", "???", ["!!"]),  # nothing left after normalising: it must not shift the others
            ("urn:c", "use Python", ["Python programming"]),
        ]
    )
    assert len(index.starts) == 3
    assert [hit.uri for hit in index.search("python", 1)] == ["urn:c"]
    assert [hit.uri for hit in index.search("teach adults", 1)] == ["urn:a"]
