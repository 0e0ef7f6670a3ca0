"""Running and looking after the platform: `microcred serve`, `db`, `org`, `user`, `token` and `demo`."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from sqlalchemy import select

from microcred.accounts import demo, members, service, tokens
from microcred.accounts.models import OrganisationKind, Role, User
from microcred.accounts.principal import Actor
from microcred.cli.console import err, out, require_schema, transaction
from microcred.config import get_settings
from microcred.store.migrate import current_revision, head_revision, upgrade

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations: awarding bodies and providers.", no_args_is_help=True)
user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machine clients.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (MICROCRED_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (MICROCRED_PORT).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
) -> None:
    """Serve the web app and API (OpenAPI at /docs)."""
    import uvicorn

    settings = get_settings()
    require_schema()
    bind_host, bind_port = host or settings.host, port or settings.port
    out.print(f"microcred on http://{bind_host}:{bind_port}  (database: {_redacted(settings.resolved_database_url)})")
    uvicorn.run(
        "microcred.web.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        log_level=settings.log_level.lower(),
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations up to REVISION (default: the newest). Safe to run again."""
    url = get_settings().resolved_database_url
    before = current_revision(url)
    upgrade(url, revision)
    after = current_revision(url)
    if before == after:
        out.print(f"Database already at revision {after}.")
    else:
        out.print(f"Database upgraded from {before or 'empty'} to {after}.")
    if after == head_revision():
        from microcred.design import catalogue

        with transaction() as db:
            listed = catalogue.ensure(db)
        if listed is not None:
            out.print(f"Catalogue filled with {listed} published micro-credentials.")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    out.print(current_revision(get_settings().resolved_database_url) or "empty (no migrations applied)")


@org_app.command("create")
def org_create(
    legal_name: Annotated[str, typer.Argument(help="The organisation's legal name; must be new.")],
    country: Annotated[str, typer.Option(help="Country code, ISO 3166-1 alpha-2 (e.g. BE).")],
    kind: Annotated[OrganisationKind, typer.Option(help="Awarding body, provider, or both.")] = (
        OrganisationKind.AWARDING_BODY_AND_PROVIDER
    ),
    homepage: Annotated[str | None, typer.Option(help="https:// address of the homepage.")] = None,
    identifier: Annotated[
        list[str] | None, typer.Option(help="SCHEME=VALUE, e.g. 'VAT=BE0123456789'; repeatable.")
    ] = None,
    slug: Annotated[str | None, typer.Option(help="Short name in addresses; made from the name if unset.")] = None,
) -> None:
    """Create an organisation (awarding body and/or provider)."""
    identifiers = {}
    for item in identifier or []:
        scheme, sep, value = item.partition("=")
        if not sep:
            err.print(f"[red]Error:[/red] identifier '{item}' is not SCHEME=VALUE.")
            raise typer.Exit(2)
        identifiers[scheme] = value
    require_schema()
    with transaction() as db:
        organisation = service.create_organisation(
            db,
            Actor.operator(),
            legal_name=legal_name,
            country=country,
            kind=kind,
            homepage=homepage,
            identifiers=identifiers,
            slug=slug,
        )
        out.print(f"Created organisation '{organisation.legal_name}' with slug '{organisation.slug}'.")


@org_app.command("list")
def org_list() -> None:
    """List every organisation."""
    require_schema()
    with transaction() as db:
        table = Table("slug", "legal name", "country", "kind")
        for organisation, _role in service.organisations_visible_to(db, Actor.operator()):
            table.add_row(organisation.slug, organisation.legal_name, organisation.country, organisation.kind.value)
        out.print(table)


@org_app.command("seal-certificate")
def org_seal_certificate(
    org: Annotated[str, typer.Argument(help="The organisation's slug.")],
    p12: Annotated[Path, typer.Argument(help="PKCS#12 file (.p12/.pfx) with the seal certificate and its key.")],
    password: Annotated[
        str,
        typer.Option(
            envvar="MICROCRED_P12_PASSWORD", prompt=True, hide_input=True, help="The file's password (may be empty)."
        ),
    ] = "",
) -> None:
    """Import the organisation's X.509 seal certificate: its credentials are then also sealed ELM credentials."""
    from microcred.issuing import keys, seals

    require_schema()
    try:
        data = p12.read_bytes()
    except OSError as error:
        err.print(f"[red]Error:[/red] cannot read {p12}: {error.strerror}.")
        raise typer.Exit(1) from None
    with transaction() as db:
        organisation = service.organisation_for(db, Actor.operator(), org)
        master = keys.master_key(get_settings().resolved_master_key())
        row = seals.import_pkcs12(db, Actor.operator(), organisation, data, password or None, master)
        out.print(
            f"Imported the seal certificate {row.subject} ({row.algorithm}), valid until {row.not_after:%Y-%m-%d}."
        )


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The person's email; it is their login.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    org: Annotated[str | None, typer.Option(help="Slug of the organisation to add them to.")] = None,
    role: Annotated[Role, typer.Option(help="Their role in --org.")] = Role.LEARNER,
    platform_admin: Annotated[bool, typer.Option(help="May manage every organisation.")] = False,
) -> None:
    """Create a user, optionally as a member of an organisation; prints a one-time password once. An existing
    account is only invited to --org (its holder accepts, logged in) and its password is never touched."""
    require_schema()
    with transaction() as db:
        operator = Actor.operator()
        organisation = service.organisation_for(db, operator, org) if org is not None else None
        where = f" as {role.label.lower()} of {organisation.legal_name}" if organisation is not None else ""
        existing = db.scalar(select(User).where(User.email == service.normalize_email(email)))
        password = None
        if existing is None:
            _user, password = service.create_user(
                db,
                operator,
                email=email,
                display_name=name,
                platform_admin=platform_admin,
                organisation=organisation,
                role=role if organisation is not None else None,
            )
        elif organisation is None:
            service.create_user(db, operator, email=email, display_name=name)  # says that it exists
        else:
            members.add_member(db, operator, organisation, email=email, role=role, display_name=name)
            if platform_admin:
                service.grant_platform_admin(db, operator, existing)
    if password is None:
        out.print(
            f"Invited the existing user {service.normalize_email(email)}{where}: they accept once logged in; "
            "their password is unchanged."
        )
    else:
        out.print(f"Created {service.normalize_email(email)}{where}.")
        out.print(f"One-time password (shown once, must be changed at first login): {password}", highlight=False)


@token_app.command("create")
def token_create(
    org: Annotated[str, typer.Option(help="Slug of the organisation the token acts in.")],
    user: Annotated[str, typer.Option(help="Email of the member the token acts for.")],
    role: Annotated[Role, typer.Option(help="Role the token acts with; at most the member's own.")],
    name: Annotated[str, typer.Option(help="What will use the token, e.g. 'LMS sync'.")],
    expires_in_days: Annotated[int | None, typer.Option(help="Days until it expires; never if unset.")] = None,
) -> None:
    """Create an API token and print its secret, once."""
    require_schema()
    with transaction() as db:
        operator = Actor.operator()
        organisation = service.organisation_for(db, operator, org)
        owner = service.user_by_email(db, user)
        token, secret = tokens.create_api_token(
            db, operator, organisation, owner=owner, role=role, name=name, expires_in_days=expires_in_days
        )
        token_id = token.id
    out.print(f"Created token {token_id}. Its secret, shown this once:")
    out.print(secret, highlight=False)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="The token's id, as `token create` printed.")]) -> None:
    """Revoke an API token; calls with it fail from now on."""
    try:
        parsed = uuid.UUID(token_id)
    except ValueError:
        err.print(f"[red]Error:[/red] '{token_id}' is not a token id (a UUID).")
        raise typer.Exit(2) from None
    require_schema()
    with transaction() as db:
        token = tokens.find_token(db, parsed)
        already = token.revoked_at is not None
        tokens.revoke_api_token(db, Actor.operator(), token.organisation, parsed)
    out.print(f"Token {parsed} {'was already revoked' if already else 'revoked'}.")


def demo_create(
    accounts_file: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the one-time passwords too (mode 0600); data_dir/demo-accounts.txt when unset."
        ),
    ] = None,
) -> None:
    """Create the demo organisation with an admin, an educator and a learner, published micro-credentials, a
    pathway, a cohort, a TEST seal certificate and the learner's sealed credentials (once)."""
    from microcred.issuing import keys

    settings = get_settings()
    require_schema()
    path = accounts_file or settings.data_dir / "demo-accounts.txt"
    with transaction() as db:
        made = demo.create_demo(db, base_url=settings.base_url, master=keys.master_key(settings.resolved_master_key()))
    if not made.changed:
        out.print("The demo exists already: nothing changed.")
        _demo_tips(made)
        out.print(_demo_box(made, path if path.exists() else None, settings.base_url), soft_wrap=False)
        return
    out.print("Created the demo: " + "; ".join(made.made) + ".", highlight=False)
    written = None
    if any(account.one_time_password for account in made.accounts):
        try:
            write_private(path, _accounts_text(made, settings.base_url))
            written = path
        except OSError as error:
            err.print(f"[yellow]Could not write {path}: {error.strerror}; the passwords are only below.[/yellow]")
    _demo_tips(made)
    out.print(_demo_box(made, written, settings.base_url), soft_wrap=False)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600) from the first byte: a new file is made with that
    mode and renamed over the old one, so no other user can ever open it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # whatever the umask
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _accounts_text(made: demo.Demo, base_url: str) -> str:
    lines = [
        f"# The microcred demo's accounts, made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"# Log in at {base_url.rstrip('/')}/login; each one-time password is replaced at first login.",
        "# Delete this file once you have logged in.",
        "",
    ]
    for account in made.accounts:
        password = account.one_time_password or "(an existing account: invited, its password unchanged)"
        lines.append(f"{account.email}\t{account.role.label}\t{password}")
    if made.cohort_code:
        lines += ["", f"Cohort join code: {made.cohort_code}"]
    if made.share_url:
        lines.append(f"The learner's shared credential: {made.share_url}")
    return "\n".join(lines) + "\n"


def _demo_box(made: demo.Demo, written: Path | None, base_url: str) -> Panel:
    """The accounts, boxed, last: what someone who ran `make run` needs to start."""
    if made.accounts:
        table = Table("email", "role", "one-time password", box=None, pad_edge=False)
        for account in made.accounts:
            table.add_row(account.email, account.role.label, account.one_time_password or "(existing account: invited)")
    else:
        table = Table("email", "role", box=None, pad_edge=False)
        for email, _name, role in demo.DEMO_PEOPLE:
            table.add_row(email, role.label)
    lines: list[Any] = [table, ""]
    login = f"{base_url.rstrip('/')}/login"
    if made.accounts:
        lines.append(f"Log in at {login}; each one-time password is replaced at first login.")
        if written is not None:
            lines.append(f"Also written to {written}, readable by you only: delete it once you have logged in.")
    else:
        lines.append(f"Log in at {login}.")
        lines.append(
            f"Their one-time passwords are in {written} until you delete it."
            if written is not None
            else "Their one-time passwords were shown when the demo was created."
        )
    title = "Demo accounts: one-time passwords, shown this once" if made.accounts else "Demo accounts"
    return Panel(Group(*lines), title=title, title_align="left", expand=False, highlight=False)


def _demo_tips(made: demo.Demo) -> None:
    """Where to look first, printed above the box (links are never wrapped or cut there)."""
    if made.cohort_code:
        out.print(f"Learners join the demo cohort with the code {made.cohort_code}.", highlight=False)
    if made.verify_url:
        out.print(f"A sealed credential of the learner's to verify: {made.verify_url}", highlight=False)
    if made.share_url:
        out.print(f"The learner's share link for it: {made.share_url}", highlight=False)
