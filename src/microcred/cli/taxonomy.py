"""ESCO from the command line: `microcred taxonomy` (import, vectors, ensure), `skills extract` and
`occupations match`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.console import err, out, require_schema, transaction
from microcred.config import get_settings
from microcred.errors import MicrocredError

taxonomy_app = typer.Typer(help="The ESCO skills and occupations taxonomy.", no_args_is_help=True)
skills_app = typer.Typer(help="ESCO skills read from text.", no_args_is_help=True)
occupations_app = typer.Typer(help="ESCO occupations for job titles.", no_args_is_help=True)


@taxonomy_app.command("import")
def taxonomy_import(
    path: Annotated[
        Path, typer.Argument(help="The ESCO CSV export: its zip, a folder of its zips, or the unzipped folder.")
    ],
    version: Annotated[
        str | None, typer.Option(help="ESCO version, if the file names do not say (e.g. 1.2.0).")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of the labels to read.")] = "en",
    strict: Annotated[bool, typer.Option(help="Refuse relations that point at concepts the export lacks.")] = False,
    vectors: Annotated[
        bool, typer.Option(help="Also compute the sentence vectors (minutes, once per release).")
    ] = True,
) -> None:
    """Import (or update to) an ESCO release from the official CSV export. Safe to run again."""
    from microcred.taxonomy import service as taxonomy

    require_schema()
    started = time.perf_counter()
    with transaction() as db:
        report = taxonomy.import_esco(db, path, version=version, language=language, strict=strict)
    seconds = time.perf_counter() - started
    if report.unchanged:
        out.print(f"ESCO {report.version} is already imported; nothing changed ({seconds:.1f} s).")
        return
    from microcred.taxonomy import embeddings

    embeddings.forget_progress(get_settings().vectors_dir)  # the vectors of another release do not count
    counts = report.counts
    out.print(
        f"Imported ESCO {report.version} in {seconds:.1f} s: {counts['skills']:,} skills, "
        f"{counts['occupations']:,} occupations, {counts['isco_groups']:,} ISCO groups, "
        f"{counts['skill_groups']:,} skill groups, {counts['occupation_skills']:,} occupation-skill relations."
    )
    if vectors:
        _build_vectors()
    table = Table("what", "added", "changed", "retired or removed")
    for name, change in report.changes.items():
        table.add_row(
            name.replace("_", " "),
            f"{change['added']:,}",
            f"{change['changed']:,}",
            f"{change.get('retired', change.get('removed', 0)):,}",
        )
    out.print(table)
    if report.skipped:
        out.print(f"Skipped {len(report.skipped)} relations that point at concepts the export lacks, e.g.:")
        for line in report.skipped[:3]:
            out.print(f"  {line}", highlight=False)


ESCO_DOWNLOAD = "https://esco.ec.europa.eu/en/use-esco/download"


@taxonomy_app.command("vectors")
def taxonomy_vectors() -> None:
    """Compute the sentence vectors of every ESCO label for semantic matching (minutes; done once per release).
    Says how far it is every few percent, and writes it where /health reads it."""
    require_schema()
    _build_vectors()


def _build_vectors() -> None:
    from microcred.taxonomy import embeddings, search

    settings = get_settings()
    search.configure(settings.vectors_dir, settings.embeddings)
    if not embeddings.switched_on(settings.embeddings):
        out.print("Semantic matching is off (MICROCRED_EMBEDDINGS=off): no vectors to compute.")
        return
    started = time.perf_counter()
    progress = embeddings.BuildProgress(settings.vectors_dir, say=lambda line: out.print(line, highlight=False))
    try:
        with transaction() as db:
            built = search.build_vectors(db, progress)
    except BaseException as error:  # interrupted or failed: /health says so rather than "building" for ever
        progress.fail("Interrupted." if isinstance(error, KeyboardInterrupt) else _failure(error))
        raise
    if built:
        out.print(
            f"Sentence vectors ready for {built['skills']:,} skill and {built['occupations']:,} occupation "
            f"labels ({time.perf_counter() - started:.0f} s)."
        )


def _failure(error: BaseException) -> str:
    """What /health may say of a failed build: a domain error's sentence, else only the kind of failure."""
    if isinstance(error, MicrocredError):
        return error.detail
    if isinstance(error, typer.Exit):
        return "The build stopped with an error (see its log)."
    return f"The build failed ({type(error).__name__}); see its log."


@taxonomy_app.command("ensure")
def taxonomy_ensure(
    vectors: Annotated[bool, typer.Option(help="Also compute missing sentence vectors before returning.")] = True,
) -> None:
    """Import ESCO from MICROCRED_ESCO_PATH if set (a no-op when unchanged), or say how to get it."""
    from microcred.taxonomy import service as taxonomy

    require_schema()
    path = get_settings().esco_path
    if path is not None and path.exists():
        taxonomy_import(path, version=None, language="en", strict=False, vectors=vectors)
        if vectors:
            _build_vectors()  # quick when they exist; finishes an earlier interrupted run
        return
    with transaction() as db:
        current = taxonomy.release(db)
    if path is not None:
        err.print(f"[yellow]MICROCRED_ESCO_PATH is {path}, which does not exist.[/yellow]", highlight=False)
    if current is not None:
        out.print(f"Using ESCO {current.version}, imported {current.imported_at:%Y-%m-%d}.")
        return
    out.print(
        "No ESCO taxonomy yet: careers, skills and matching stay empty until you import it.\n"
        f"Download the ESCO CSV export (classification, English, CSV) from {ESCO_DOWNLOAD}\n"
        "and run `microcred taxonomy import PATH` (the zip or its folder), or set MICROCRED_ESCO_PATH\n"
        "to it and run `make run` again.",
        highlight=False,
    )


@skills_app.command("extract")
def skills_extract(
    top: Annotated[int, typer.Option(help="How many skills per text.", min=1, max=200)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list per input line.")] = False,
) -> None:
    """Read one text per line from standard input; print the ESCO skills of each, best first."""
    from microcred.skills.extract import extract_skills

    require_schema()
    with transaction() as db:
        for number, line in enumerate(sys.stdin, start=1):
            text = line.rstrip("\n")
            try:
                found = extract_skills(db, text, top=top) if text.strip() else []
            except MicrocredError as error:
                err.print(f"line {number}: {error.detail}", highlight=False)
                found = []
            rows = [{"uri": f.uri, "label": f.label, "score": f.score} for f in found]
            _print_ranking(rows, as_json)


@occupations_app.command("match")
def occupations_match(
    top: Annotated[int, typer.Option(help="How many occupations per title.", min=1, max=200)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list per input line.")] = False,
) -> None:
    """Read one job title per line from standard input; print the ESCO occupations of each, best first."""
    from microcred.taxonomy import search

    require_schema()
    with transaction() as db:
        for number, line in enumerate(sys.stdin, start=1):
            title = line.strip()
            try:
                hits = search.search_occupations(db, title, top) if title else []
            except MicrocredError as error:
                err.print(f"line {number}: {error.detail}", highlight=False)
                hits = []
            _print_ranking([{"uri": h.uri, "label": h.label, "score": h.score} for h in hits], as_json)


def _print_ranking(rows: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("; ".join(f"{row['label']} ({row['score']:.2f})" for row in rows) + "\n")
    sys.stdout.flush()
