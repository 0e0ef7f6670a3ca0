"""The command line: `microcred serve`, `db`, `org`, `user`, `token`, `demo`, `taxonomy`, `skills`, `spec`.

Every command reads the same settings as the app (MICROCRED_* variables). Errors print their sentence
and exit with status 1; nothing is half-written, since each command is one transaction.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import demo, service, tokens
from microcred.accounts.models import OrganisationKind, Role, User
from microcred.accounts.principal import Actor
from microcred.config import get_settings
from microcred.errors import MicrocredError
from microcred.store import Database
from microcred.store.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="microcred: micro-credentials end to end.", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations: awarding bodies and providers.", no_args_is_help=True)
user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machine clients.", no_args_is_help=True)
taxonomy_app = typer.Typer(help="The ESCO skills and occupations taxonomy.", no_args_is_help=True)
skills_app = typer.Typer(help="ESCO skills read from text.", no_args_is_help=True)
occupations_app = typer.Typer(help="ESCO occupations for job titles.", no_args_is_help=True)
spec_app = typer.Typer(help="Micro-credential specifications: import, check, export.", no_args_is_help=True)
registry_app = typer.Typer(help="The registry of trusted issuers and their accreditations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(skills_app, name="skills")
app.add_typer(occupations_app, name="occupations")
app.add_typer(spec_app, name="spec")
app.add_typer(registry_app, name="registry")
trust_app = typer.Typer(
    help="Trust anchors for seals and timestamps: ETSI trusted lists, operator CAs.", no_args_is_help=True
)
app.add_typer(trust_app, name="trust")

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


def _require_schema() -> None:
    from microcred.store.migrate import MIGRATIONS  # noqa: F401  (the package must ship its migrations)

    url = get_settings().resolved_database_url
    if current_revision(url) is None:
        err.print("[red]Error:[/red] the database has no schema yet: run `microcred db upgrade` first.")
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (MICROCRED_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (MICROCRED_PORT).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
) -> None:
    """Serve the web app and API (OpenAPI at /docs)."""
    import uvicorn

    settings = get_settings()
    _require_schema()
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
    _require_schema()
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
    _require_schema()
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

    _require_schema()
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
    _require_schema()
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
            service.add_member(db, operator, organisation, email=email, role=role, display_name=name)
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
    _require_schema()
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
    _require_schema()
    with transaction() as db:
        token = tokens.find_token(db, parsed)
        already = token.revoked_at is not None
        tokens.revoke_api_token(db, Actor.operator(), token.organisation, parsed)
    out.print(f"Token {parsed} {'was already revoked' if already else 'revoked'}.")


@app.command("demo")
def demo_create() -> None:
    """Create the demo organisation with an admin, an educator and a learner (once)."""
    _require_schema()
    with transaction() as db:
        accounts = demo.create_demo_organisation(db)
    if accounts is None:
        out.print("The demo organisation exists already; its one-time passwords were printed when it was created.")
        return
    out.print("Created the demo organisation 'demo'. One-time passwords, shown this once:")
    table = Table("email", "role", "one-time password")
    for account in accounts:
        table.add_row(account.email, account.role.label, account.one_time_password or "(existing account: invited)")
    out.print(table)


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

    _require_schema()
    started = time.perf_counter()
    with transaction() as db:
        report = taxonomy.import_esco(db, path, version=version, language=language, strict=strict)
    seconds = time.perf_counter() - started
    if report.unchanged:
        out.print(f"ESCO {report.version} is already imported; nothing changed ({seconds:.1f} s).")
        return
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
    """Compute the sentence vectors of every ESCO label for semantic matching (minutes; done once per release)."""
    _require_schema()
    _build_vectors()


def _build_vectors() -> None:
    from rich.progress import Progress

    from microcred.taxonomy import search

    settings = get_settings()
    search.configure(settings.vectors_dir, settings.embeddings)
    if settings.embeddings in ("", "off", "none"):
        out.print("Semantic matching is off (MICROCRED_EMBEDDINGS=off): no vectors to compute.")
        return
    started = time.perf_counter()
    with Progress(console=err, transient=True) as progress, transaction() as db:
        tasks: dict[str, object] = {}

        def report(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = progress.add_task(f"Encoding {kind} labels", total=total)
            progress.update(tasks[kind], completed=done)  # type: ignore[arg-type]

        built = search.build_vectors(db, report)
    if built:
        out.print(
            f"Sentence vectors ready for {built['skills']:,} skill and {built['occupations']:,} occupation "
            f"labels ({time.perf_counter() - started:.0f} s)."
        )


@taxonomy_app.command("ensure")
def taxonomy_ensure(
    vectors: Annotated[bool, typer.Option(help="Also compute missing sentence vectors before returning.")] = True,
) -> None:
    """Import ESCO from MICROCRED_ESCO_PATH if set (a no-op when unchanged), or say how to get it."""
    from microcred.taxonomy import service as taxonomy

    _require_schema()
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

    _require_schema()
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

    _require_schema()
    with transaction() as db:
        for number, line in enumerate(sys.stdin, start=1):
            title = line.strip()
            try:
                hits = search.search_occupations(db, title, top) if title else []
            except MicrocredError as error:
                err.print(f"line {number}: {error.detail}", highlight=False)
                hits = []
            _print_ranking([{"uri": h.uri, "label": h.label, "score": h.score} for h in hits], as_json)


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

    _require_schema()
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
    _require_schema()
    with transaction() as db:
        _spec, organisation = design.find(db, parsed)
        edition = design.publish(db, Actor.operator(), organisation, parsed)
        number, due = edition.number, edition.review_due
    out.print(f"Published edition {number}; review due by {due.isoformat()}.", highlight=False)


@spec_app.command("reindex")
def spec_reindex() -> None:
    """Rebuild the public catalogue from the published editions (after an ESCO import changed skill labels)."""
    from microcred.design import catalogue

    _require_schema()
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
    _require_schema()
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
    _require_schema()
    with transaction() as db:
        spec, organisation = design.find(db, parsed)
        document = design.export(
            db, organisation, spec, fmt=fmt, base_url=get_settings().base_url, edition_number=edition
        )
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _print_ranking(rows: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("; ".join(f"{row['label']} ({row['score']:.2f})" for row in rows) + "\n")
    sys.stdout.flush()


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:  # pragma: no cover - console entry for `python -m microcred`
    sys.exit(app())


@app.command("issue")
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
    _require_schema()
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


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="The credential: JSON (an Open Badge, a VC) or a sealed ELM one.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Verify a credential: format, proof or seal, revocation, validity, issuer trust. Exit 0 only when valid."""
    from microcred.issuing import keys
    from microcred.trust import TrustError
    from microcred.verify import checks
    from microcred.verify.fetch import Fetcher
    from microcred.verify.service import verify_here

    try:
        document = checks.parse(file.read_bytes())
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


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="JSON: a list of issuers (identifier, name, accreditations).")],
) -> None:
    """Add or replace trusted issuers by identifier; the whole file is checked before anything is written."""
    from microcred.verify import checks, registry

    _require_schema()
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

    _require_schema()
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

    _require_schema()
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

    _require_schema()
    data = _read_file(file)
    with transaction() as db:
        row = anchors.add_ca(db, Actor.operator(), anchors.certificate_from(data), tsa=tsa)
        out.print(f"Trusted {row.subject} for {'timestamps' if tsa else 'seals'}: sha256:{row.fingerprint}")


@trust_app.command("list")
def trust_list() -> None:
    """The trust anchors and the trusted lists they came from."""
    from microcred.verify import anchors

    _require_schema()
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

    _require_schema()
    with transaction() as db:
        count = anchors.remove(db, Actor.operator(), fingerprint)
    out.print(f"Removed {count} trust anchor(s).")
