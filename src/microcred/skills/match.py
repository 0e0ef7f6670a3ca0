"""Career matching and skill suggestions from a skills profile, over every ESCO occupation at once.

The occupations × skills relation is held as one sparse matrix per ESCO release (essential weighs 2,
optional 1); a profile is a vector of strengths (5 = 1.0, 1 = 0.2). A career's score is the cosine of the
two: essential skills weigh more, strong skills count more, and a career is not favoured just for being
small or large. Each match also reports its coverage, the weighted share of the career's skills the
learner has. Matching all 3,007 occupations is one sparse matrix-vector product.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.taxonomy.importer import current_release
from microcred.taxonomy.models import EscoOccupation, EscoOccupationSkill, EscoSkill

ESSENTIAL_WEIGHT = 2.0
OPTIONAL_WEIGHT = 1.0
# Below these, the original tool says "Add more skills to see your match"; so do we.
MIN_PROFILE_SKILLS = 5
MIN_MATCHED_SKILLS = 3


@dataclass(frozen=True)
class SkillRef:
    uri: str
    label: str


@dataclass(frozen=True)
class CareerMatch:
    uri: str
    label: str
    isco_group: str
    score: float  # cosine of profile and career, 0..1
    coverage: float  # weighted share of the career's skills the learner has, 0..1
    matched: list[SkillRef]
    missing_essential: list[SkillRef]
    enough: bool  # False: "not enough matching skills" for this career


@dataclass(frozen=True)
class MatchResult:
    enough_skills: bool
    profile_size: int
    needed: int
    careers: list[CareerMatch]


class OccupationMatrix:
    """Occupations × skills weights, with the labels needed to name matched and missing skills."""

    def __init__(self, db: Session) -> None:
        occupations = db.execute(
            select(EscoOccupation.uri, EscoOccupation.preferred_label, EscoOccupation.isco_group)
            .where(EscoOccupation.status != "obsolete")
            .order_by(EscoOccupation.uri)
        ).all()
        skills = db.execute(select(EscoSkill.uri, EscoSkill.preferred_label).order_by(EscoSkill.uri)).all()
        self.occupation_uris = [row[0] for row in occupations]
        self.occupation_labels = [row[1] for row in occupations]
        self.isco_groups = [row[2] for row in occupations]
        self.skill_uris = [row[0] for row in skills]
        self.skill_labels = [row[1] for row in skills]
        self.skill_position = {uri: i for i, uri in enumerate(self.skill_uris)}
        occupation_position = {uri: i for i, uri in enumerate(self.occupation_uris)}
        rows, columns, weights, essential = [], [], [], []
        for occupation, skill, relation in db.execute(
            select(EscoOccupationSkill.occupation_uri, EscoOccupationSkill.skill_uri, EscoOccupationSkill.relation)
        ):
            if occupation in occupation_position and skill in self.skill_position:
                rows.append(occupation_position[occupation])
                columns.append(self.skill_position[skill])
                weights.append(ESSENTIAL_WEIGHT if relation == "essential" else OPTIONAL_WEIGHT)
                essential.append(relation == "essential")
        shape = (len(self.occupation_uris), len(self.skill_uris))
        self.weights = sparse.csr_matrix((np.asarray(weights, np.float32), (rows, columns)), shape=shape)
        self.essential = sparse.csr_matrix((np.asarray(essential, np.float32), (rows, columns)), shape=shape)
        self.totals = np.asarray(self.weights.sum(axis=1)).ravel()
        self.totals[self.totals == 0] = 1.0
        self.norms = np.sqrt(np.asarray(self.weights.multiply(self.weights).sum(axis=1)).ravel())
        self.norms[self.norms == 0] = 1.0

    def profile_vector(self, strengths: dict[str, int]) -> NDArray[np.float32]:
        vector = np.zeros(len(self.skill_uris), dtype=np.float32)
        for uri, strength in strengths.items():
            position = self.skill_position.get(uri)
            if position is not None:
                vector[position] = strength / 5.0
        return vector

    def scores(self, vector: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Cosine and coverage of the profile for every occupation."""
        overlap = np.asarray(self.weights @ vector).ravel()
        length = float(np.linalg.norm(vector)) or 1.0
        return overlap / (self.norms * length), overlap / self.totals

    def career(
        self, position: int, vector: NDArray[np.float32], score: float, coverage: float, missing_limit: int
    ) -> CareerMatch:
        start, end = self.weights.indptr[position], self.weights.indptr[position + 1]
        columns = self.weights.indices[start:end]
        essential = self.essential.data[start:end] > 0
        have = vector[columns] > 0
        matched = [SkillRef(self.skill_uris[c], self.skill_labels[c]) for c in columns[have]]
        missing = [SkillRef(self.skill_uris[c], self.skill_labels[c]) for c in columns[~have & essential]]
        return CareerMatch(
            uri=self.occupation_uris[position],
            label=self.occupation_labels[position],
            isco_group=self.isco_groups[position],
            score=round(float(score), 4),
            coverage=round(float(coverage), 4),
            matched=sorted(matched, key=lambda ref: ref.label.lower()),
            missing_essential=sorted(missing, key=lambda ref: ref.label.lower())[:missing_limit],
            enough=len(matched) >= MIN_MATCHED_SKILLS,
        )


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: str | None = None
        self.matrix: OccupationMatrix | None = None

    def get(self, db: Session) -> OccupationMatrix | None:
        release = current_release(db)
        if release is None:
            return None
        with self.lock:
            if self.key != release.checksum or self.matrix is None:
                self.matrix, self.key = OccupationMatrix(db), release.checksum
            return self.matrix


_cache = _Cache()


def occupation_matrix(db: Session) -> OccupationMatrix | None:
    return _cache.get(db)


def match_careers(
    db: Session,
    strengths: dict[str, int],
    *,
    limit: int = 20,
    isco_prefixes: tuple[str, ...] = (),
    missing_limit: int = 10,
) -> MatchResult:
    """Careers ranked for a profile (skill URI → strength 1..5), with matched and missing skills named.

    With fewer than MIN_PROFILE_SKILLS skills the answer is "not enough skills yet" and no ranking.
    """
    matrix = occupation_matrix(db)
    known = {uri: strength for uri, strength in strengths.items() if matrix and uri in matrix.skill_position}
    if matrix is None or len(known) < MIN_PROFILE_SKILLS:
        return MatchResult(False, len(known), MIN_PROFILE_SKILLS, [])
    vector = matrix.profile_vector(known)
    scores, coverage = matrix.scores(vector)
    if isco_prefixes:
        allowed = np.array([group[:2] in isco_prefixes for group in matrix.isco_groups])
        scores = np.where(allowed, scores, -1.0)
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    careers = [matrix.career(int(i), vector, scores[i], coverage[i], missing_limit) for i in top if scores[i] > 0]
    return MatchResult(True, len(known), MIN_PROFILE_SKILLS, careers)


def skills_that_go_together(db: Session, have: set[str], *, limit: int = 10) -> list[tuple[SkillRef, float]]:
    """Skills that ESCO occupations pair with the ones given, most often first, the given ones left out.

    Occupations count by how many of the given skills they hold; a candidate skill gathers the weight of
    every occupation that lists it (essential counting double).
    """
    matrix = occupation_matrix(db)
    if matrix is None or not have:
        return []
    present = np.zeros(len(matrix.skill_uris), dtype=np.float32)
    for uri in have:
        if uri in matrix.skill_position:
            present[matrix.skill_position[uri]] = 1.0
    overlap = np.asarray((matrix.weights > 0).astype(np.float32) @ present).ravel()
    candidates = np.asarray(matrix.weights.T @ (overlap**2)).ravel()
    candidates[present > 0] = 0.0
    if not candidates.any():
        return []
    count = min(limit, int((candidates > 0).sum()))
    top = np.argpartition(-candidates, count - 1)[:count]
    top = top[np.argsort(-candidates[top], kind="stable")]
    peak = float(candidates[top[0]])
    return [
        (SkillRef(matrix.skill_uris[i], matrix.skill_labels[i]), round(float(candidates[i]) / peak, 4)) for i in top
    ]
