"""The command line: `microcred serve`, `db`, `org`, `user`, `token`, `demo`, `taxonomy`, `skills`, `spec`,
`issue`, `verify`, `registry` and `trust`, one module per group of commands.

Every command reads the same settings as the app (MICROCRED_* variables). Errors print their sentence
and exit with status 1; nothing is half-written, since each command is one transaction.
"""

from __future__ import annotations

import sys

import typer

from microcred.cli import admin, credentials, taxonomy, trust

app = typer.Typer(help="microcred: micro-credentials end to end.", no_args_is_help=True, pretty_exceptions_enable=False)
# The commands of the top level first, then the groups: `microcred --help` lists them in this order.
app.command()(admin.serve)
app.command("demo")(admin.demo_create)
app.command("issue")(credentials.issue)
app.command("verify")(credentials.verify_command)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.org_app, name="org")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")
app.add_typer(taxonomy.taxonomy_app, name="taxonomy")
app.add_typer(taxonomy.skills_app, name="skills")
app.add_typer(taxonomy.occupations_app, name="occupations")
app.add_typer(credentials.spec_app, name="spec")
app.add_typer(trust.registry_app, name="registry")
app.add_typer(trust.trust_app, name="trust")


def main() -> None:  # pragma: no cover - console entry for `python -m microcred`
    sys.exit(app())
