"""Specifications and the credentials issued from them: `microcred spec` (import, publish, reindex, check,
export), `issue` and `verify`."""

from __future__ import annotations

import csv
import io
import json
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from microcred.accounts import service
from microcred.accounts.principal import Actor
from microcred.cli.console import err, out, require_schema, transaction
from microcred.config import get_settings
from microcred.errors import MicrocredError
from microcred.store.migrate import current_revision

spec_app = typer.Typer(help="Micro-credential specifications: import, check, export.", no_args_is_help=True)


def _spec_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        err.print(f"[red]Error:[/red] '{value}' is not a specification id (a UUID).")
        raise typer.Exit(2) from None


@spec_app.command("import")
def spec_import(
    path: Annotated[
        Path, typer.Argument(help="An ELM (learning opportunity, qualification or credential) or OB3 file.")
    ],
    org: Annotated[str, typer.Option("--org", help="The organisation's slug.")],
) -> None:
    """Create a draft specification from an ELM or Open Badges 3.0 document; prints its id."""
    from microcred.design import service as design

    require_schema()
    try:
        raw = path.read_bytes()
    except OSError as error:
        err.print(f"[red]Error:[/red] cannot read {path}: {error.strerror}.")
        raise typer.Exit(1) from None
    with transaction() as db:
        organisation = service.organisation_for(db, Actor.operator(), org)
        try:
            kind, spec = design.import_document(db, Actor.operator(), organisation, raw)
        except MicrocredError as error:
            error.detail = f"{path}: {error.detail}"
            raise
        report = design.report(db, organisation, spec)
        spec_id = spec.id
    out.print(f"Imported {kind.upper()} as specification {spec_id}", highlight=False)
    for line in report.blocking:
        out.print(f"  still missing: {line}", highlight=False)


@spec_app.command("publish")
def spec_publish(spec_id: Annotated[str, typer.Argument(help="The specification's id.")]) -> None:
    """Publish the draft as the next edition and list it in the catalogue (refused while Annex I is incomplete)."""
    from microcred.design import service as design

    parsed = _spec_id(spec_id)
    require_schema()
    with transaction() as db:
        _spec, organisation = design.find(db, parsed)
        edition = design.publish(db, Actor.operator(), organisation, parsed)
        number, due = edition.number, edition.review_due
    out.print(f"Published edition {number}; review due by {due.isoformat()}.", highlight=False)


@spec_app.command("reindex")
def spec_reindex() -> None:
    """Rebuild the public catalogue from the published editions (after an ESCO import changed skill labels)."""
    from microcred.design import catalogue

    require_schema()
    with transaction() as db:
        listed = catalogue.rebuild(db)
    out.print(f"Catalogue rebuilt: {listed} published micro-credentials listed.")


@spec_app.command("check")
def spec_check(
    spec_id: Annotated[str, typer.Argument(help="The specification's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="The whole report as JSON.")] = False,
) -> None:
    """The design report; exit status 0 only when the specification may be published."""
    from microcred.design import service as design

    parsed = _spec_id(spec_id)
    require_schema()
    with transaction() as db:
        spec, organisation = design.find(db, parsed)
        report = design.report(db, organisation, spec)
    if as_json:
        sys.stdout.write(report.model_dump_json() + "\n")
    else:
        out.print("Publishable." if report.publishable else "Not publishable yet:", highlight=False)
        for line in report.blocking:
            out.print(f"  - {line}", highlight=False)
        for dimension in report.etf:
            out.print(f"ETF {dimension.label}: {dimension.met}/{dimension.total}", highlight=False)
    raise typer.Exit(0 if report.publishable else 1)


@spec_app.command("export")
def spec_export(
    spec_id: Annotated[str, typer.Argument(help="The specification's id.")],
    fmt: Annotated[str, typer.Option("--format", help="elm or ob3.")] = "elm",
    edition: Annotated[int | None, typer.Option("--edition", help="An edition number (default: the latest).")] = None,
) -> None:
    """The latest edition (the draft if none was published) as ELM JSON-LD or an OB3 Achievement."""
    from microcred.design import service as design

    parsed = _spec_id(spec_id)
    require_schema()
    with transaction() as db:
        spec, organisation = design.find(db, parsed)
        document = design.export(
            db, organisation, spec, fmt=fmt, base_url=get_settings().base_url, edition_number=edition
        )
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def issue(
    spec_id: Annotated[str, typer.Argument(help="The specification's id.")],
    org: Annotated[str, typer.Option("--org", help="The organisation's slug.")],
    edition: Annotated[int | None, typer.Option("--edition", help="Edition number (default: the latest).")] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="A CSV of learners: name, email or identifier, awarded, grade, key.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="One learner's name (instead of --csv).")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    identifier: Annotated[
        str | None, typer.Option("--identifier", help="The learner's number at the awarding body.")
    ] = None,
    awarded: Annotated[str | None, typer.Option("--awarded", help="YYYY-MM-DD (default: today).")] = None,
    grade: Annotated[str | None, typer.Option("--grade")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the result file (CSV) here.")] = None,
) -> None:
    """Issue signed micro-credentials from a published edition (Open Badges 3.0, and sealed ELM credentials
    when the organisation has a seal certificate): one learner, or a CSV run.

    A CSV is checked whole before anything is issued; each row has an idempotency key, so running the
    same file again after an interruption issues nothing twice. Exit status 0 only when no row failed.
    """
    from rich.progress import Progress

    from microcred.design import service as design
    from microcred.issuing import batch, keys

    parsed = _spec_id(spec_id)
    require_schema()
    settings = get_settings()
    if (csv_file is None) == (name is None):
        err.print("[red]Error:[/red] give either --csv FILE or --name (with --email or --identifier).")
        raise typer.Exit(2)
    with transaction() as db:
        organisation = service.organisation_for(db, Actor.operator(), org)
        spec = design.get(db, organisation, parsed)
        number = edition or (spec.editions[-1].number if spec.editions else 0)
        master = keys.master_key(settings.resolved_master_key())
        if csv_file is not None:
            try:
                raw = csv_file.read_bytes()
            except OSError as error:
                err.print(f"[red]Error:[/red] cannot read {csv_file}: {error.strerror}.")
                raise typer.Exit(1) from None
        else:  # one learner: the same checks as a one-row file
            one = io.StringIO()
            writer = csv.writer(one)
            writer.writerow(["name", "email", "identifier", "awarded", "grade"])
            writer.writerow([name, email or "", identifier or "", awarded or date.today().isoformat(), grade or ""])
            raw = one.getvalue().encode()
        rows = batch.parse(raw, spec_id=parsed, edition=number)
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("Issuing", total=len(rows))
            outcomes = batch.run(
                db,
                Actor.operator(),
                organisation,
                parsed,
                number,
                rows,
                base_url=settings.base_url,
                master=master,
                tsa_url=settings.tsa_url,
                progress=lambda done, _total: progress.update(task, completed=done),
            )
    report = batch.result_csv(outcomes)
    if out is not None:
        out.write_text(report)
    counts = {
        status: sum(1 for o in outcomes if o.status == status) for status in ("issued", "already issued", "failed")
    }
    out_note = f"; results in {out}" if out else ""
    summary = (
        f"{counts['issued']} issued, {counts['already issued']} already issued, {counts['failed']} failed{out_note}."
    )
    if csv_file is None and outcomes and outcomes[0].credential_id:
        sys.stdout.write(f"urn:uuid:{outcomes[0].credential_id}\n")
    err.print(summary, highlight=False)
    for failed in (o for o in outcomes if o.status == "failed"):
        err.print(f"  line {failed.line}: {failed.detail}", highlight=False)
    raise typer.Exit(1 if counts["failed"] else 0)


def verify_command(
    file: Annotated[
        Path, typer.Argument(help="The credential: JSON (an Open Badge, a VC), a sealed ELM one, or a JWT (.jwt).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Verify a credential: format, proof or seal, revocation, validity, issuer trust. Exit 0 only when valid."""
    from microcred.issuing import keys
    from microcred.issuing.sources import verify_here
    from microcred.trust import TrustError
    from microcred.verify import checks, envelopes
    from microcred.verify.fetch import Fetcher

    try:
        document = envelopes.parse(file.read_bytes())  # JSON, or a JWT (a .jwt file)
    except OSError as error:
        err.print(f"[red]Error:[/red] cannot read {file}: {error.strerror}.")
        raise typer.Exit(2) from None
    except TrustError as error:
        document = None
        report = checks.Report("unknown", [checks.Check("FORMAT", checks.Outcome.ERROR, str(error))])
    if document is not None:
        settings = get_settings()
        if current_revision(settings.resolved_database_url) is not None:  # our own issuers' keys and lists
            with transaction() as db:
                master = keys.master_key(settings.resolved_master_key())
                report = verify_here(
                    db,
                    document,
                    base_url=settings.base_url,
                    master=master,
                    fetcher=Fetcher(enabled=settings.fetch, ports=settings.fetch_ports),
                )
        else:
            report = checks.verify(document)
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        table = Table("check", "outcome", "what it means")
        for check in report.checks:
            table.add_row(check.name, check.outcome.value, check.sentence)
        out.print(table)
        colour = "green" if report.valid else "red" if not report.intact else "yellow"
        out.print(f"[{colour}]{report.verdict.label}.[/{colour}]")  # unconfirmed issuer, unknown status: not valid
    raise typer.Exit(0 if report.valid else 1)
