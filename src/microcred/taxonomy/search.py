"""Finding ESCO skills and occupations by what people type.

Every surface form of a concept (preferred label, alternative labels, hidden labels) is indexed, and a
concept scores by its best-matching form. Lexical scoring is a character n-gram TF-IDF cosine, which
catches exact words, prefixes and typos alike; an exact match of a whole form and a prefix match of a
form add a bonus so that "Java" finds Java before JavaScript. When the release's sentence vectors are
there (see embeddings.py), semantic similarity catches paraphrase, and the two are fused per query:
each is scaled to 0..1 over all concepts and mixed, SEMANTIC_WEIGHT to the semantic side. The index is
built once per ESCO release and process, from the database, and kept in memory.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.arrays import concat_ranges
from microcred.errors import InvalidInput
from microcred.inputs import has_control_characters
from microcred.taxonomy import embeddings
from microcred.taxonomy.importer import current_release
from microcred.taxonomy.models import EscoOccupation, EscoSkill

log = logging.getLogger("microcred.taxonomy")
MAX_QUERY_LENGTH = 200
SEMANTIC_WEIGHT = 0.7  # tuned on the TECH/HOUSE validation sets (bench/skills_quality.py); 0.6–0.8 all work
EXACT_BONUS = 0.5
PREFERRED_BONUS = 0.1  # an exact match of the preferred label beats one of another concept's alternative label
PREFIX_BONUS = 0.15
# Interactive search scores every form semantically in REDUCED_DIMS dimensions (the vectors' principal
# axes), then rescores the best CANDIDATES concepts' forms exactly: a quarter of the memory traffic of
# scoring 99,000 forms in 384 dimensions, with the same top results (tests/taxonomy/test_embeddings.py).
REDUCED_DIMS = 128
CANDIDATES = 400


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w+#.\s-]", " ", folded).split())


@dataclass(frozen=True)
class Hit:
    uri: str
    label: str
    score: float
    matched: str  # the surface form that matched best


def surface_forms(concepts: list[tuple[str, str, list[str]]]) -> tuple[list[str], list[int]]:
    """Each concept's distinct normalised labels, preferred first, with the position of their concept."""
    forms: list[str] = []
    owners: list[int] = []
    for position, (uri, label, others) in enumerate(concepts):
        mine = [form for form in dict.fromkeys(normalize(f) for f in [label, *others]) if form]
        # A label of punctuation alone normalises to nothing; the concept keeps a form all the same, or
        # every concept after it would be scored as its neighbour.
        for form in mine or [label.strip().casefold() or uri]:
            forms.append(form)
            owners.append(position)
    return forms, owners


class LexicalIndex:
    """Surface forms of one kind of concept, vectorised; forms of one concept are stored contiguously."""

    def __init__(self, concepts: list[tuple[str, str, list[str]]]) -> None:
        self.uris = [uri for uri, _label, _forms in concepts]
        self.position = {uri: i for i, uri in enumerate(self.uris)}
        self.labels = [label for _uri, label, _forms in concepts]
        forms, owners = surface_forms(concepts)
        self.forms = forms
        self.owners = np.asarray(owners, dtype=np.int32)
        self.starts = np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]])
        self.is_preferred = np.zeros(len(forms), dtype=bool)
        self.is_preferred[self.starts] = True
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, dtype=np.float32)
        # Stored feature-major, so a query touches only the rows of the n-grams it contains.
        self.by_feature: sparse.csr_matrix = self.vectorizer.fit_transform(forms).T.tocsr()
        self.sorted_forms = sorted((form, index) for index, form in enumerate(forms))
        self.exact: dict[str, list[int]] = {}
        for index, form in enumerate(forms):
            self.exact.setdefault(form, []).append(index)
        self.vectors: NDArray[np.float32] | None = None
        self.projection: NDArray[np.float32] | None = None
        self.reduced: NDArray[np.float32] | None = None
        self.ends = np.r_[self.starts[1:], len(forms)]
        self.encoder: embeddings.Encoder | None = None
        self.warned = False

    def attach_vectors(self, encoder: embeddings.Encoder, vectors: NDArray[np.float32]) -> None:
        if vectors.shape[0] != len(self.forms):
            raise ValueError("the vectors do not belong to these forms")
        self.encoder, self.vectors = encoder, np.ascontiguousarray(vectors, dtype=np.float32)
        dims = min(REDUCED_DIMS, self.vectors.shape[1])
        _values, axes = np.linalg.eigh((self.vectors.T @ self.vectors).astype(np.float64))
        self.projection = np.ascontiguousarray(axes[:, ::-1][:, :dims], dtype=np.float32)
        self.reduced = np.ascontiguousarray(self.vectors @ self.projection)

    def encode(self, texts: list[str]) -> NDArray[np.float32] | None:
        return self.encoder.queries(texts) if self.encoder is not None and self.vectors is not None else None

    def concept_scores(
        self, normalized: str, query_vector: NDArray[np.float32] | None
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Per concept: the fused score; per form: the score that picks the matched form."""
        forms = self.form_scores(normalized)
        lexical = np.maximum.reduceat(forms, self.starts)
        if query_vector is None or self.vectors is None:
            return lexical, forms
        similarity = self.vectors @ query_vector
        semantic = np.maximum.reduceat(similarity, self.starts)
        fused = SEMANTIC_WEIGHT * _scaled(semantic) + (1 - SEMANTIC_WEIGHT) * _scaled(lexical)
        return fused.astype(np.float32), forms + similarity

    def form_scores(self, query: str) -> NDArray[np.float32]:
        """Cosine similarity of the query to every form, plus the exact and prefix bonuses."""
        vector = self.vectorizer.transform([query])
        scores = np.zeros(len(self.forms), dtype=np.float32)
        if vector.nnz:
            product = (vector @ self.by_feature).tocsr()
            scores[product.indices] = product.data
        for index in self.exact.get(query, ()):
            scores[index] += EXACT_BONUS + (PREFERRED_BONUS if self.is_preferred[index] else 0.0)
        start = bisect.bisect_left(self.sorted_forms, (query, -1))
        for form, index in self.sorted_forms[start : start + 200]:
            if not form.startswith(query):
                break
            scores[index] += PREFIX_BONUS
        return scores

    def search(self, query: str, limit: int) -> list[Hit]:
        normalized = normalize(query)
        if not normalized:
            return []
        if self.vectors is None or self.reduced is None or self.projection is None or self.encoder is None:
            best, forms = self.concept_scores(normalized, None)
            return self.top(best, forms, limit)
        encoded = self.encode([query])
        forms = self.form_scores(normalized)
        lexical = _scaled(np.maximum.reduceat(forms, self.starts))
        assert encoded is not None
        vector = encoded[0]
        similarity = self.reduced @ (vector @ self.projection)
        approximate = np.maximum.reduceat(similarity, self.starts)
        fused = SEMANTIC_WEIGHT * _scaled(approximate) + (1 - SEMANTIC_WEIGHT) * lexical
        count = min(CANDIDATES, len(fused))
        candidates = np.argpartition(-fused, count - 1)[:count]
        rows = concat_ranges(self.starts[candidates], self.ends[candidates])
        similarity[rows] = self.vectors[rows] @ vector
        exact = np.maximum.reduceat(similarity, self.starts)
        low, high = float(approximate.min()), max(float(approximate.max()), float(exact[candidates].max()))
        semantic = (exact[candidates] - low) / (high - low) if high > low else np.zeros(count, dtype=np.float32)
        best = np.full(len(fused), -np.inf, dtype=np.float32)
        best[candidates] = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical[candidates]
        return self.top(best, forms + similarity, limit)

    def top(self, best: NDArray[np.float32], forms: NDArray[np.float32], limit: int) -> list[Hit]:
        count = min(limit, len(best))
        ranked = np.argpartition(-best, count - 1)[:count]
        ranked = ranked[np.argsort(-best[ranked], kind="stable")]
        hits = []
        for position in ranked:
            if best[position] <= 0:
                break
            start, end = self.starts[position], self.ends[position]
            matched = self.forms[start + int(np.argmax(forms[start:end]))]
            hits.append(Hit(self.uris[position], self.labels[position], round(float(best[position]), 4), matched))
        return hits


def _scaled(scores: NDArray[np.float32]) -> NDArray[np.float32]:
    low, high = float(scores.min()), float(scores.max())
    return (scores - low) / (high - low) if high > low else np.zeros_like(scores)


class _Cache:
    """One index per kind and ESCO release, built on first use and shared by the process's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.indexes: dict[tuple[str, str], LexicalIndex] = {}
        self.vectors_dir: Path | None = None
        self.model = "off"

    def configure(self, vectors_dir: Path | None, model: str) -> None:
        with self.lock:
            if (vectors_dir, model) != (self.vectors_dir, self.model):
                self.vectors_dir, self.model, self.indexes = vectors_dir, model, {}

    def get(self, db: Session, kind: str) -> LexicalIndex | None:
        release = current_release(db)
        if release is None:
            return None
        key = (kind, release.checksum)
        with self.lock:
            if key not in self.indexes:
                self.indexes = {k: v for k, v in self.indexes.items() if k[1] == release.checksum}
                self.indexes[key] = LexicalIndex(_concepts(db, kind))
            index = self.indexes[key]
            if index.vectors is None:
                # Vectors may be built in the background after start; they are picked up once they exist.
                self._attach(index, kind)
            return index

    def _attach(self, index: LexicalIndex, kind: str) -> None:
        """Vectors if they were built for this release and model; never built here, on a request's time."""
        model = embeddings.encoder(self.model)
        if model is None or self.vectors_dir is None:
            return
        path = embeddings.vectors_path(self.vectors_dir, model.name, kind, index.forms)
        if path.exists():
            index.attach_vectors(model, embeddings.load_or_build(self.vectors_dir, model, kind, index.forms))
        elif not index.warned:
            index.warned = True
            log.warning("no %s vectors for this ESCO release yet: run `microcred taxonomy vectors`", kind)


_cache = _Cache()


def _concepts(db: Session, kind: str) -> list[tuple[str, str, list[str]]]:
    model = EscoSkill if kind == "skills" else EscoOccupation
    rows = db.execute(
        select(model.uri, model.preferred_label, model.alt_labels, model.hidden_labels)
        .where(model.status != "obsolete")
        .order_by(model.uri)
    )
    return [(uri, label, [*alt, *hidden]) for uri, label, alt, hidden in rows]


def configure(vectors_dir: Path | None, model: str) -> None:
    """Where the sentence vectors live and which model made them ("off" for lexical search only)."""
    _cache.configure(vectors_dir, model)


def build_vectors(db: Session, progress: embeddings.BuildProgress | None = None) -> dict[str, int]:
    """Encode every surface form of the current release (slow: minutes), so searches can use them; `progress`
    hears how many forms there are, then how far each kind is."""
    model = embeddings.encoder(_cache.model)
    if model is None or _cache.vectors_dir is None or current_release(db) is None:
        return {}
    # the very forms the index will hold, read first so that progress knows the whole
    forms = {kind: surface_forms(_concepts(db, kind))[0] for kind in ("skills", "occupations")}
    if progress:
        progress.start({kind: len(each) for kind, each in forms.items()})
    for kind, each in forms.items():

        def report(done: int, total: int, kind: str = kind) -> None:
            if progress:
                progress.advance(kind, done, total)

        embeddings.load_or_build(_cache.vectors_dir, model, kind, each, report)
        report(len(each), len(each))  # also when they were there already
    if progress:
        progress.finish()
    with _cache.lock:
        _cache.indexes = {}
    return {kind: len(each) for kind, each in forms.items()}


def skill_index(db: Session) -> LexicalIndex | None:
    """The lexical index of the current release's skills, for other stages' matching (extraction)."""
    return _cache.get(db, "skills")


def check_query(query: str) -> str:
    query = query.strip()
    if not query:
        raise InvalidInput("Type something to search for.", code="empty_query")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"A search is at most {MAX_QUERY_LENGTH} characters.", code="query_too_long")
    if has_control_characters(query):
        raise InvalidInput("The search contains control characters.", code="invalid_query")
    return query


def search_skills(db: Session, query: str, limit: int = 10) -> list[Hit]:
    """ESCO skills ranked for a query (exact, prefix and fuzzy over every label), best first."""
    index = _cache.get(db, "skills")
    return index.search(check_query(query), limit) if index else []


def search_occupations(db: Session, query: str, limit: int = 10) -> list[Hit]:
    """ESCO occupations ranked for a query (a job title, say), best first."""
    index = _cache.get(db, "occupations")
    return index.search(check_query(query), limit) if index else []
