"""Import, search and matching speed, each beside a baseline measured in the same run (a ratio).

    .venv/bin/python -m bench.skills_speed [--queries N] [--esco PATH]

- Import: the whole ESCO v1.1.1 export into a fresh SQLite database with `microcred taxonomy import`'s
  code path, beside the time to merely parse the same CSV files with the standard csv module.
- Search: p50/p95 of a skill search over all 13,896 skills (lexical, and fused with semantic when the
  release's vectors exist in MICROCRED_DATA_DIR), beside a plain Python substring scan of every label.
- Matching: p50/p95 of ranking all 3,007 occupations for a 12-skill profile, beside a Python loop over
  the occupation–skill relations.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from sqlalchemy import select

from microcred.config import get_settings
from microcred.skills.match import match_careers
from microcred.store import Database
from microcred.store.migrate import upgrade
from microcred.taxonomy import search, service
from microcred.taxonomy.importer import COLLECTIONS, REQUIRED_COLUMNS, _canonical
from microcred.taxonomy.models import EscoOccupationSkill, EscoSkill

ESCO = Path(__file__).resolve().parents[1].parent / "shared" / "esco" / "v1.1.1"
QUERIES = [
    "python programming",
    "teach adults",
    "welding",
    "customer service",
    "project management",
    "manage a team",
    "javascript",
    "nursing care",
    "accounting",
    "pyhton",
    "forklift",
    "social media",
    "data analysis",
    "first aid",
    "negotiate contracts",
    "cook meals",
    "drive a truck",
    "french",
]


def percentiles(samples: list[float]) -> tuple[float, float]:
    return 1000 * float(np.percentile(samples, 50)), 1000 * float(np.percentile(samples, 95))


def timed(function, items: list) -> list[float]:  # type: ignore[no-untyped-def,type-arg]
    """Seconds each call of `function(item)` took."""
    samples = []
    for item in items:
        started = time.perf_counter()
        function(item)
        samples.append(time.perf_counter() - started)
    return samples


def parse_only(path: Path) -> int:
    """Read the same CSV files the importer reads, row by row, and do nothing with them."""
    wanted = set(REQUIRED_COLUMNS) | set(COLLECTIONS)
    rows = 0
    for archive in sorted(path.glob("*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if _canonical(name, "en") not in wanted:
                    continue
                with zipped.open(name) as handle:
                    rows += sum(1 for _ in csv.reader(io.TextIOWrapper(handle, encoding="utf-8")))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200, help="Timed searches and matches.")
    parser.add_argument("--esco", type=Path, default=ESCO)
    args = parser.parse_args(argv)
    settings = get_settings()
    search.configure(settings.vectors_dir, settings.embeddings)
    lines = []

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/bench.db"
        upgrade(url)
        database = Database(url)
        started = time.perf_counter()
        with database.session() as db:
            service.import_esco(db, args.esco)
        ours = time.perf_counter() - started
        database.dispose()
    started = time.perf_counter()
    rows = parse_only(args.esco)
    baseline = time.perf_counter() - started
    lines.append(
        f"ESCO v1.1.1 import (SQLite)      ours {ours:7.1f} s   csv parse only {baseline:6.1f} s"
        f"   ratio {ours / baseline:5.1f}x   ({rows:,} rows)"
    )

    database = Database(settings.resolved_database_url)
    with database.sessions() as db:
        labels = [label.casefold() for (label,) in db.execute(select(EscoSkill.preferred_label))]
        if not labels:
            print("No ESCO in the database at MICROCRED_DATABASE_URL: import it first.", file=sys.stderr)
            return 2
        index = search.skill_index(db)
        assert index is not None
        mode = "fused lexical+semantic" if index.vectors is not None else "lexical (no vectors)"
        queries = [QUERIES[i % len(QUERIES)] for i in range(args.queries)]
        search.search_skills(db, "warm up")
        ours_samples = timed(lambda query: search.search_skills(db, query, 10), queries)
        scan_samples = timed(lambda query: [label for label in labels if query in label], queries)
        (o50, o95), (b50, b95) = percentiles(ours_samples), percentiles(scan_samples)
        lines.append(
            f"skill search, {mode:<24} p50 {o50:6.2f} ms  p95 {o95:6.2f} ms   "
            f"substring scan p50 {b50:6.2f} ms  p95 {b95:6.2f} ms   p95 ratio {o95 / b95:5.2f}x"
        )

        profile_uris = [hit.uri for q in QUERIES[:12] for hit in search.search_skills(db, q, 1)]
        profile = {uri: 4 for uri in profile_uris}
        match_careers(db, profile)
        ours_samples = timed(lambda _: match_careers(db, profile, limit=20), queries)
        relations = list(
            db.execute(
                select(EscoOccupationSkill.occupation_uri, EscoOccupationSkill.skill_uri, EscoOccupationSkill.relation)
            )
        )

        def python_loop(_: object) -> list[tuple[float, str]]:
            totals: dict[str, list[float]] = {}
            for occupation, skill, relation in relations:
                weight = 2.0 if relation == "essential" else 1.0
                entry = totals.setdefault(occupation, [0.0, 0.0])
                entry[1] += weight
                if skill in profile:
                    entry[0] += weight * profile[skill] / 5
            return sorted(((have / total, occupation) for occupation, (have, total) in totals.items()), reverse=True)[
                :20
            ]

        loop_samples = timed(python_loop, queries[: max(5, args.queries // 20)])
        (o50, o95), (b50, b95) = percentiles(ours_samples), percentiles(loop_samples)
        lines.append(
            f"career matching, 3,007 careers   p50 {o50:6.2f} ms  p95 {o95:6.2f} ms   "
            f"python loop p50 {b50:6.1f} ms  p95 {b95:6.1f} ms   p95 ratio {o95 / b95:5.3f}x"
        )
    database.dispose()
    print("\n".join(lines))
    print(f"(search and matching: {len(queries)} timed runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
