"""Catalogue search latency with many published specifications, beside a plain LIKE scan of the same rows.

    .venv/bin/python -m bench.catalogue_speed [--count 100000] [--queries 200] [--no-pg]

Generates COUNT specifications (titles, outcomes and skills drawn from the real ESCO labels when
../shared/esco is there, from a small built-in list otherwise), publishes them into the catalogue with the
code path publishing uses (`catalogue.flatten`, `catalogue.insert_flat`), on a fresh SQLite database and a
fresh PostgreSQL database, then times on each:

- ours: `catalogue.search()` as the API runs it (full text in the database, filters, count, first page and
  facet counts over the in-memory arrays), for filtered full-text queries, full-text queries alone and
  filters alone; and the time to build the arrays, which each process pays after any catalogue change;
- baseline: the same filters with the words matched by `title LIKE '%w%' OR body LIKE '%w%'` (count and
  first page, no facets, so the baseline does less work than we do).

Target (issue 4): p95 under 50 ms for a filtered full-text query on both databases.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import func, insert, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.principal import Actor
from microcred.design import catalogue, catalogue_index, vocab
from microcred.design.models import CatalogueEntry, Edition, Specification
from microcred.design.schemas import CatalogueQuery, SpecificationContent
from microcred.store import Database
from microcred.store.migrate import upgrade

ESCO = Path(__file__).resolve().parents[1].parent / "shared" / "esco" / "v1.1.1"
PG_SERVER = os.environ.get("MICROCRED_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FALLBACK_SKILLS = [
    "analyse data",
    "use spreadsheets software",
    "manage a team",
    "provide customer service",
    "apply health and safety standards",
    "develop digital content",
    "teach languages",
    "use Python",
    "perform first aid",
    "manage projects",
    "communicate with customers",
    "prepare food",
    "maintain machinery",
    "write reports",
    "negotiate contracts",
    "use social media marketing",
]
VERBS = ["Apply", "Analyse", "Design", "Evaluate", "Plan", "Use", "Explain", "Build", "Assess", "Present"]
FORMS = ["Foundations of {}", "{} in practice", "Advanced {}", "{} for professionals", "Introduction to {}", "{}"]
# Filtered full-text queries: words people type, with the filters they add.
FILTERED = [
    {"q": "data analysis", "eqf": [5, 6]},
    {"q": "customer", "language": ["fr"]},
    {"q": "safety", "mode": ["online"], "hours_max": 60},
    {"q": "manage", "field": ["04"], "sort": "newest"},
    {"q": "python", "price": ["free"]},
    {"q": "teach", "audience": ["teachers"], "eqf": [6]},
    {"q": "food hygiene", "mode": ["onsite", "blended"]},
    {"q": "digital", "qa": ["external", "accredited"], "credits_min": 2, "credits_max": 6},
    {"q": "marketing", "size": ["learning_unit"]},
    {"q": "machin", "language": ["de"], "sort": "workload"},
]
TEXT_ONLY = [{"q": "data"}, {"q": "manage team"}, {"q": "report"}, {"q": "social media"}, {"q": "welding"}]
FILTERS_ONLY = [{"eqf": [4]}, {"language": ["en"], "mode": ["online"]}, {"field": ["06"], "price": ["paid"]}, {}]


def esco_labels(path: Path, limit: int = 20000) -> list[tuple[str, str]]:
    """(URI, preferred label) of ESCO skills, from the official zip, or a small built-in list."""
    for archive in sorted(path.glob("*.zip")) if path.exists() else []:
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if name.rsplit("/", 1)[-1].startswith("skills_en"):
                    with zipped.open(name) as handle:
                        rows = csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8"))
                        return [(r["conceptUri"], r["preferredLabel"]) for r in rows][:limit]
    return [(f"http://data.europa.eu/esco/skill/{uuid.UUID(int=i)}", label) for i, label in enumerate(FALLBACK_SKILLS)]


def generate(count: int, skills: list[tuple[str, str]], seed: int = 7) -> Iterator[tuple[int, SpecificationContent]]:
    """COUNT valid, published-ready contents with a realistic spread of sizes, levels, languages and modes."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    fields = [code for code in vocab.ISCED_F if len(code) == 4]
    languages = ["en", "en", "en", "fr", "de", "es", "it", "nl", "pl", "pt"]
    for i in range(count):
        chosen = rng.sample(skills, rng.randint(2, 6))
        hours = rng.choice([6, 12, 25, 30, 50, 60, 90, 125, 150, 250, 400])
        outcomes = [
            {"text": f"{rng.choice(VERBS)} the way to {label} in a real setting", "skills": [uri]}
            for uri, label in chosen
        ]
        data: dict[str, Any] = {
            "title": rng.choice(FORMS).format(chosen[0][1]).capitalize()[:300],
            "description": f"A course on {chosen[0][1]} and {chosen[1][1]}.",
            "issuer_country": rng.choice(["IE", "FR", "DE", "NL", "ES", "IT", "PL", "BE"]),
            "awarding_bodies": [{"name": f"Awarding body {i % 97}"}],
            "learning_outcomes": outcomes,
            "workload_hours": str(hours),
            "eqf_level": rng.randint(3, 8),
            "assessment": {"type": rng.choice(list(vocab.ASSESSMENT_TYPES))},
            "participation": rng.choice(["online", "onsite", "blended"]),
            "delivery": rng.choice(list(vocab.DELIVERY)),
            "quality_assurance": {"type": rng.choice(list(vocab.QA_TYPES))},
            "languages": rng.sample(languages, rng.randint(1, 2)),
            "field": rng.choice(fields),
            "audiences": rng.sample(list(vocab.AUDIENCES), rng.randint(1, 2)),
        }
        if rng.random() < 0.6:
            data["credits"] = {"system": "ECTS", "value": str(max(1, round(hours / 27.5 * 2) / 2))}
        if rng.random() < 0.8:
            data["price"] = {"amount": "0" if rng.random() < 0.3 else str(rng.randint(20, 2000)), "currency": "EUR"}
        yield i, SpecificationContent.model_validate(data)


def fill(db: Session, count: int, skills: list[tuple[str, str]], batch: int = 2000) -> None:
    labels = dict(skills)
    providers = []
    for n in range(40):
        providers.append(
            accounts.create_organisation(
                db, Actor.operator(), legal_name=f"Provider {n} Academy", country="IE", slug=f"provider-{n}"
            )
        )
    db.flush()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    pending: list[tuple[dict[str, Any], dict[str, Any], catalogue.Flat]] = []

    def flush() -> None:
        db.execute(insert(Specification), [p[0] for p in pending])
        db.execute(insert(Edition), [p[1] for p in pending])
        catalogue.insert_flat(db, [p[2] for p in pending])
        pending.clear()

    for i, content in generate(count, skills):
        organisation = providers[i % len(providers)]
        spec_id, dumped = uuid.uuid4(), content.model_dump(mode="json")
        published = start + timedelta(minutes=i)
        edition = Edition(specification_id=spec_id, number=1, content=dumped, published_at=published)
        spec = {"id": spec_id, "organisation_id": organisation.id, "title": content.title, "draft": dumped}
        row = {
            "id": uuid.uuid4(),
            "specification_id": spec_id,
            "number": 1,
            "content": dumped,
            "changes": ["First edition."],
            "published_at": published,
            "review_due": (published + timedelta(days=365)).date(),
        }
        pending.append((spec, row, catalogue.flatten(spec_id, organisation, edition, content, labels)))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()


def like_scan(db: Session, query: CatalogueQuery) -> int:
    """The baseline: the same filters, the words by LIKE over title and body, count and first page."""
    dialect = db.get_bind().dialect.name
    conditions = catalogue.sql_conditions(dialect, query.model_copy(update={"q": ""}))
    for word in query.words():
        pattern = f"%{word}%"
        conditions.append(or_(CatalogueEntry.title.ilike(pattern), CatalogueEntry.body.ilike(pattern)))
    total = db.scalar(select(func.count()).select_from(CatalogueEntry).where(*conditions)) or 0
    rows = db.execute(
        select(CatalogueEntry.specification_id, CatalogueEntry.summary)
        .where(*conditions)
        .order_by(CatalogueEntry.published_at.desc())
        .limit(query.per_page)
    ).all()
    return total + len(rows)


def percentiles(samples: list[float]) -> tuple[float, float]:
    return 1000 * float(np.percentile(samples, 50)), 1000 * float(np.percentile(samples, 95))


def timed(function: Callable[[CatalogueQuery], object], queries: list[CatalogueQuery]) -> list[float]:
    samples = []
    for query in queries:
        started = time.perf_counter()
        function(query)
        samples.append(time.perf_counter() - started)
    return samples


def measure(database: Database, name: str, count: int, skills: list[tuple[str, str]], runs: int) -> list[str]:
    started = time.perf_counter()
    with database.session() as db:
        fill(db, count, skills)
    loaded = time.perf_counter() - started
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    else:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    with database.sessions() as db:
        started = time.perf_counter()
        catalogue_index.load(db)
        arrays = time.perf_counter() - started
    lines = [
        f"{name}: {count:,} specifications generated and listed in {loaded:.1f} s; "
        f"in-memory arrays built in {arrays:.2f} s (after each change to the catalogue)"
    ]
    with database.sessions() as db:
        for label, shapes in (
            ("filtered full text", FILTERED),
            ("full text alone", TEXT_ONLY),
            ("filters alone", FILTERS_ONLY),
        ):
            queries = [CatalogueQuery.model_validate(shapes[i % len(shapes)]) for i in range(runs)]
            for query in queries[: len(shapes)]:  # warm the caches once per shape
                catalogue.search(db, query)
                like_scan(db, query)
            ours = timed(lambda query: catalogue.search(db, query), queries)
            core = timed(lambda query: catalogue.search(db, query.model_copy(update={"facets": False})), queries)
            baseline = timed(lambda query: like_scan(db, query), queries[: max(len(shapes), runs // 4)])
            (o50, o95), (_c50, c95), (b50, b95) = percentiles(ours), percentiles(core), percentiles(baseline)
            lines.append(
                f"  {label:<19} ours p50 {o50:6.1f} ms  p95 {o95:6.1f} ms (without facets p95 {c95:6.1f} ms)   "
                f"LIKE scan p50 {b50:7.1f} ms  p95 {b95:7.1f} ms   p95 ratio {o95 / b95:5.3f}x"
            )
        matched = [catalogue.search(db, q).total for q in (CatalogueQuery.model_validate(s) for s in FILTERED)]
        lines.append(f"  (filtered full-text queries match {min(matched):,} to {max(matched):,} specifications)")
    return lines


@contextmanager
def fresh_postgres() -> Iterator[str]:
    name = f"microcred_bench_{uuid.uuid4().hex[:10]}"
    server = make_url(PG_SERVER)
    conninfo = f"host={server.host} port={server.port or 5432} user={server.username or 'postgres'} dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="Specifications to generate.")
    parser.add_argument("--queries", type=int, default=200, help="Timed searches per kind of query.")
    parser.add_argument("--esco", type=Path, default=ESCO)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only.")
    args = parser.parse_args(argv)
    skills = esco_labels(args.esco)
    lines = [f"Catalogue search, {args.count:,} specifications, {args.queries} timed queries per kind"]
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/catalogue.db"
        upgrade(url)
        database = Database(url)
        try:
            lines += measure(database, "SQLite", args.count, skills, args.queries)
        finally:
            database.dispose()
    if not args.no_pg:
        with fresh_postgres() as url:
            upgrade(url)
            database = Database(url)
            try:
                lines += measure(database, "PostgreSQL", args.count, skills, args.queries)
            finally:
                database.dispose()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
