"""What every command shares: the consoles it prints to, its one transaction, and the check that the database
has a schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from microcred.config import get_settings
from microcred.errors import MicrocredError
from microcred.store import Database
from microcred.store.migrate import current_revision

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def transaction() -> Iterator[Session]:
    """One transaction for the whole command; a domain error is printed and exits 1 with nothing written."""
    settings = get_settings()
    database = Database(settings.resolved_database_url)
    try:
        with database.session() as db:
            yield db
    except MicrocredError as error:
        err.print(f"[red]Error:[/red] {error.detail}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        database.dispose()


def require_schema() -> None:
    """Exit 1, saying what to run, when the database has no schema yet."""
    from microcred.store.migrate import MIGRATIONS  # noqa: F401  (the package must ship its migrations)

    url = get_settings().resolved_database_url
    if current_revision(url) is None:
        err.print("[red]Error:[/red] the database has no schema yet: run `microcred db upgrade` first.")
        raise typer.Exit(1)
