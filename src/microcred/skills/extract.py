"""ESCO skills read from any text: a sentence, a CV, a job ad, a course's learning outcomes.

The text is cut into sentences; sentences that are boilerplate (benefits, pay, how to apply, equal
opportunity statements) are dropped, since they produce false skills. Each remaining sentence is scored
against every skill's surface forms, and a skill keeps its best sentence's score. A sentence scores a
skill by the fused lexical and semantic similarity of search.py, and a phrase of the sentence that *is*
one of the skill's forms (a whole label such as "JavaScript" or "HACCP") adds a bonus. The result is a
ranking, never a threshold: people confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from microcred.errors import InvalidInput, NotFound
from microcred.inputs import has_control_characters
from microcred.taxonomy import search

MAX_TEXT_CHARACTERS = 100_000
MAX_SENTENCES = 400
PHRASE_BONUS = 0.6
MAX_PHRASE_WORDS = 5

_SENTENCE_BREAK = re.compile(r"(?<=[.!?;:])\s+|\n+|\s[•\-–*]\s|^[•\-–*]\s", re.MULTILINE)
_BOILERPLATE = re.compile(
    r"\b(salary|per (hour|annum|year)|benefits?|bonus|pension|holidays?|paid leave|equal opportunit|"
    r"diversity|inclusive employer|regardless of|apply (now|today|online)|send (us )?your (cv|resume|application)|"
    r"closing date|click here|about us|our company|we offer|competitive (pay|salary|package)|full[- ]time|"
    r"part[- ]time|contract type|location:|gdpr|privacy)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ExtractedSkill:
    uri: str
    label: str
    score: float
    evidence: str  # the sentence that scored best


def sentences(text: str) -> list[str]:
    """The text's sentences and bullet points, boilerplate dropped (all of it kept if nothing else remains)."""
    parts = [" ".join(part.split()) for part in _SENTENCE_BREAK.split(text)]
    parts = [part for part in parts if len(part) >= 2][:MAX_SENTENCES]
    useful = [part for part in parts if not _BOILERPLATE.search(part)]
    return useful or parts


def check_text(text: str) -> str:
    if not text or not text.strip():
        raise InvalidInput("There is no text to read skills from.", code="empty_text")
    if len(text) > MAX_TEXT_CHARACTERS:
        raise InvalidInput(
            f"The text has {len(text):,} characters; skills are read from at most {MAX_TEXT_CHARACTERS:,}.",
            code="text_too_long",
        )
    if has_control_characters(text):
        raise InvalidInput("The text contains control characters; give plain text.", code="invalid_text")
    return text


def extract_skills(db: Session, text: str, *, top: int = 10) -> list[ExtractedSkill]:
    """ESCO skills ranked for the text, each with a score and the sentence behind it, best first."""
    check_text(text)
    if not 1 <= top <= 200:
        raise InvalidInput("Ask for 1 to 200 skills.", code="invalid_top")
    index = search.skill_index(db)
    if index is None:
        raise NotFound(
            "No ESCO taxonomy has been imported yet: run `microcred taxonomy import PATH`.", code="taxonomy_missing"
        )
    best = np.zeros(len(index.starts), dtype=np.float32)
    best_forms = np.zeros(len(index.forms), dtype=np.float32)
    evidence = np.full(len(index.starts), -1, dtype=np.int32)
    chunks = [chunk for chunk in sentences(text) if search.normalize(chunk)]
    vectors = index.encode(chunks) if chunks else None
    for number, sentence in enumerate(chunks):
        normalized = search.normalize(sentence)
        phrases = _phrases(normalized)
        scores, forms = index.concept_scores(normalized, vectors[number] if vectors is not None else None)
        bonus = np.zeros_like(scores)
        for phrase in phrases:
            for form in index.exact.get(phrase, ()):
                bonus[index.owners[form]] = PHRASE_BONUS
        scores = scores + bonus
        better = scores > best
        best[better] = scores[better]
        evidence[better] = number
        np.maximum(best_forms, forms, out=best_forms)
    return [
        ExtractedSkill(hit.uri, hit.label, hit.score, chunks[evidence[index.position[hit.uri]]])
        for hit in index.top(best, best_forms, top)
    ]


def _phrases(normalized: str) -> set[str]:
    words = normalized.split()
    return {
        " ".join(words[start : start + size])
        for size in range(1, MAX_PHRASE_WORDS + 1)
        for start in range(0, len(words) - size + 1)
    }
