"""Whom verification trusts: `microcred registry` (trusted issuers) and `trust` (anchors for seals and
timestamps)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from microcred.accounts.principal import Actor
from microcred.cli.console import err, out, require_schema, transaction

registry_app = typer.Typer(help="The registry of trusted issuers and their accreditations.", no_args_is_help=True)
trust_app = typer.Typer(
    help="Trust anchors for seals and timestamps: ETSI trusted lists, operator CAs.", no_args_is_help=True
)


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="JSON: a list of issuers (identifier, name, accreditations).")],
) -> None:
    """Add or replace trusted issuers by identifier; the whole file is checked before anything is written."""
    from microcred.verify import checks, registry

    require_schema()
    try:
        data = checks.parse(file.read_bytes())
    except OSError as error:
        err.print(f"[red]Error:[/red] cannot read {file}: {error.strerror}.")
        raise typer.Exit(1) from None
    except Exception as error:  # noqa: BLE001 (TrustError: not JSON, too large, too deep)
        err.print(f"[red]Error:[/red] {file}: {error}")
        raise typer.Exit(1) from None
    with transaction() as db:
        count = registry.import_entries(db, Actor.operator(), registry.parse_entries(data))
    out.print(f"Imported {count} trusted issuers.")


@registry_app.command("export")
def registry_export() -> None:
    """Print the registry as JSON (the same shape `registry import` reads)."""
    from microcred.verify import registry

    require_schema()
    with transaction() as db:
        out.print_json(json.dumps({"issuers": registry.export(db)}))


def _read_file(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        err.print(f"[red]Error:[/red] cannot read {file}: {error.strerror}.")
        raise typer.Exit(1) from None


@trust_app.command("import")
def trust_import(
    file: Annotated[
        Path, typer.Argument(help="An ETSI TS 119 612 trusted list (XML): the EU LOTL or a national list.")
    ],
    signer: Annotated[
        list[Path] | None,
        typer.Option(help="A certificate (PEM or DER) the list must be signed with; the LOTL needs the Commission's."),
    ] = None,
) -> None:
    """Check a trusted list's signature and date, then replace that territory's anchors with its services."""
    from microcred.verify import anchors

    require_schema()
    data = _read_file(file)
    with transaction() as db:
        signers = [anchors.certificate_from(_read_file(path)) for path in signer or []]
        count = anchors.import_list(db, Actor.operator(), data, signers)
    out.print(f"Imported the trusted list: {count} certificates.")


@trust_app.command("add-ca")
def trust_add_ca(
    file: Annotated[Path, typer.Argument(help="The CA certificate (PEM or DER).")],
    tsa: Annotated[bool, typer.Option(help="Trust it for timestamps (a TSA or its CA), not seals.")] = False,
) -> None:
    """Trust a CA (or a timestamp authority) the operator chooses."""
    from microcred.verify import anchors

    require_schema()
    data = _read_file(file)
    with transaction() as db:
        row = anchors.add_ca(db, Actor.operator(), anchors.certificate_from(data), tsa=tsa)
        out.print(f"Trusted {row.subject} for {'timestamps' if tsa else 'seals'}: sha256:{row.fingerprint}")


@trust_app.command("list")
def trust_list() -> None:
    """The trust anchors and the trusted lists they came from."""
    from microcred.verify import anchors

    require_schema()
    with transaction() as db:
        for imported in anchors.lists(db):
            out.print(
                f"List {imported.territory}: sequence {imported.sequence}, next update "
                f"{imported.next_update:%Y-%m-%d}, signed by sha256:{imported.signer_fingerprint}"
            )
        table = Table("fingerprint", "subject", "source", "type", "status", "qualified")
        for row in anchors.listing(db):
            table.add_row(
                f"sha256:{row.fingerprint}",
                row.subject,
                row.source,
                row.service_type,
                row.status,
                "yes" if row.qualified else "",
            )
        out.print(table)


@trust_app.command("remove")
def trust_remove(fingerprint: Annotated[str, typer.Argument(help="sha256:<hex> as `trust list` shows it.")]) -> None:
    """Stop trusting an anchor the operator added."""
    from microcred.verify import anchors

    require_schema()
    with transaction() as db:
        count = anchors.remove(db, Actor.operator(), fingerprint)
    out.print(f"Removed {count} trust anchor(s).")
