"""Issuance runs from a CSV file: every row is checked before anything is issued; each row has an
idempotency key, so running the same file again after a crash issues nothing twice.

Columns: `name` and `awarded` (YYYY-MM-DD) are required; `email` or `identifier` identifies the learner;
`grade` and `key` are optional. Without a `key`, a row's key is made from the edition, the learner's email
or number and the award date, so the same file gives the same keys.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred import csvfiles, plain
from microcred.accounts import audit
from microcred.accounts.models import Organisation, User
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import InvalidInput, MicrocredError, NotFound, Unavailable
from microcred.issuing import credentials, documents
from microcred.issuing.models import IssuanceRun, IssuedCredential
from microcred.store import Database
from microcred.store.base import utcnow

log = logging.getLogger(__name__)

MAX_ROWS = 100_000
CHUNK = 1000  # rows issued and written together, in one transaction
MAX_BYTES = 20 * 1024 * 1024
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
COLUMNS = ("name", "email", "identifier", "awarded", "grade", "key")


@dataclass(frozen=True)
class Row:
    line: int
    key: str
    learner: documents.Learner
    result: documents.Result


@dataclass(frozen=True)
class Outcome:
    line: int
    key: str
    status: str  # issued, already issued, failed
    credential_id: uuid.UUID | None = None
    detail: str = ""


def parse(raw: bytes, *, spec_id: uuid.UUID, edition: int, today: date | None = None) -> list[Row]:
    """Every row, checked; all the problems at once (by line) if there is any, and then nothing is issued."""
    if len(raw) > MAX_BYTES:
        raise InvalidInput(f"The CSV file is larger than {MAX_BYTES // (1024 * 1024)} MiB.", code="invalid_csv")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The CSV file is not UTF-8 text.", code="invalid_csv") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [column for column in ("name", "awarded") if column not in header]
    if missing:
        raise InvalidInput(
            f"The CSV file has no {' or '.join(missing)} column (columns: {', '.join(COLUMNS)}).", code="invalid_csv"
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(f"Unknown CSV column {unknown[0]!r} (columns: {', '.join(COLUMNS)}).", code="invalid_csv")
    twice = [h for n, h in enumerate(header) if h in header[:n]]
    if twice:
        raise InvalidInput(f"The CSV file has the column {twice[0]!r} twice.", code="invalid_csv")

    def records() -> Iterator[tuple[int, dict[str, str], bool]]:
        number = 1
        try:
            for number, record in enumerate(reader, start=2):  # noqa: B007 (the number is read after the loop)
                values = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
                yield number, values, None in record
        except csv.Error as error:
            raise InvalidInput(
                f"Nothing was issued: line {number + 1} cannot be read ({error}).", code="invalid_csv"
            ) from None

    return check(records(), spec_id=spec_id, edition=edition, today=today, what="The CSV file", code="invalid_csv")


def check(
    records: Iterable[tuple[int, dict[str, str], bool]],
    *,
    spec_id: uuid.UUID,
    edition: int,
    today: date | None,
    what: str,
    code: str,
    unit: str = "line",
) -> list[Row]:
    """Rows from (line, values by column, has extra values): all the problems at once, or every row.

    The problems are plain sentences, one per problem ("Line 4: the learner's name is missing."), kept whole in
    the refusal's `problems`; its `detail` says the first ten of them after "Nothing was issued."."""
    rows: list[Row] = []
    problems: list[str] = []
    keys: dict[str, int] = {}
    today = today or date.today()
    where = unit.capitalize()

    def problem(number: int, sentence: str) -> None:
        problems.append(plain.after(f"{where} {number}: ", sentence.strip().rstrip(".") + "."))

    for number, values, extra in records:
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(f"There are more than {MAX_ROWS:,} {unit}s: send at most {MAX_ROWS:,} at a time.")
            break
        if extra:
            problem(number, f"it has more values than there are columns ({', '.join(COLUMNS)})")
            continue
        typed = values.get("awarded", "")
        try:
            if not ISO_DATE.fullmatch(typed):
                raise ValueError
            awarded = date.fromisoformat(typed)
        except ValueError:
            problem(
                number,
                f"the award date {_quoted(typed)} is not a date written as YYYY-MM-DD"
                if typed
                else "the award date is missing (write it as YYYY-MM-DD)",
            )
            continue
        if awarded > today:
            problem(number, f"the award date {awarded.isoformat()} is in the future")
            continue
        try:
            learner = documents.check_learner(
                documents.Learner(
                    name=values.get("name", ""),
                    email=values.get("email") or None,
                    identifier=values.get("identifier") or None,
                )
            )
        except InvalidInput as error:
            problem(number, error.detail)
            continue
        grade = values.get("grade") or None
        try:
            documents.check_result(documents.Result(awarded=awarded, grade=grade))
        except InvalidInput as error:
            problem(number, error.detail)
            continue
        who = learner.email or f"id:{learner.identifier}"
        key = values.get("key") or hashlib.sha256(f"{spec_id}:{edition}:{who}:{awarded}".encode()).hexdigest()[:40]
        if len(key) > 200:
            problem(number, "the key is longer than 200 characters")
            continue
        if key in keys:
            problem(number, f"the same learner and award date (or the same key) as {unit} {keys[key]}")
            continue
        keys[key] = number
        rows.append(Row(number, key, learner, documents.Result(awarded=awarded, grade=grade)))
    if problems:
        raise InvalidInput(
            "Nothing was issued. " + " ".join(_first(problems, 10)), code=code, problems=_first(problems, MAX_LISTED)
        )
    if not rows:
        raise InvalidInput(f"{what} has no rows.", code=code)
    return rows


MAX_LISTED = 1000  # problems listed one by one; past these, one sentence says how many more there are


def _first(problems: list[str], limit: int) -> list[str]:
    """The first `limit` problems, and a sentence saying how many more there are."""
    more = len(problems) - limit
    if more <= 0:
        return problems
    return [
        *problems[:limit],
        f"There {'is' if more == 1 else 'are'} {more:,} more {'problem' if more == 1 else 'problems'}.",
    ]


def _quoted(typed: str) -> str:
    return f"“{typed[:20]}{'…' if len(typed) > 20 else ''}”"


def run(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    spec_id: uuid.UUID,
    edition: int,
    rows: list[Row],
    *,
    base_url: str,
    master: bytes,
    tsa_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Issue the rows a chunk at a time (one transaction each, written in bulk); rows issued before (same key)
    are reported, not issued again. A chunk that fails is issued again row by row, to name each row's problem."""
    outcomes: list[Outcome] = []
    award: credentials.Award | None = None

    def prepared() -> credentials.Award:
        return credentials.Award(
            db, actor, organisation, spec_id, edition, base_url=base_url, master=master, tsa_url=tsa_url
        )

    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        existing = dict(
            db.execute(
                select(IssuedCredential.idempotency_key, IssuedCredential.id).where(
                    IssuedCredential.organisation_id == organisation.id,
                    IssuedCredential.idempotency_key.in_([row.key for row in chunk]),
                )
            ).all()
        )
        todo = [row for row in chunk if row.key not in existing]
        issued: dict[str, Outcome] = {}
        try:
            award = award or prepared()
            if todo:
                ids = award.issue([(row.learner, row.result, row.key) for row in todo])
                db.commit()
                issued = {row.key: Outcome(row.line, row.key, "issued", i) for row, i in zip(todo, ids, strict=True)}
        except Unavailable:  # the TSA or the master key: every row would fail the same way, so stop the run
            db.rollback()
            raise
        except (MicrocredError, IntegrityError):
            db.rollback()
            award = None
            issued = {row.key: _one(db, prepared, row) for row in todo}
        for row in chunk:
            if row.key in existing:
                outcomes.append(Outcome(row.line, row.key, "already issued", existing[row.key]))
            else:
                outcomes.append(issued[row.key])
        if progress:
            progress(min(start + CHUNK, len(rows)), len(rows))
    return outcomes


def _one(db: Session, prepared: Callable[[], credentials.Award], row: Row) -> Outcome:
    try:
        [credential_id] = prepared().issue([(row.learner, row.result, row.key)])
        db.commit()
        return Outcome(row.line, row.key, "issued", credential_id)
    except Unavailable:
        db.rollback()
        raise
    except MicrocredError as error:
        db.rollback()
        return Outcome(row.line, row.key, "failed", None, error.detail)
    except IntegrityError:  # the same key issued by a run going on at the same time
        db.rollback()
        return Outcome(row.line, row.key, "already issued")


def result_csv(outcomes: list[Outcome]) -> str:
    out = io.StringIO()
    writer = csvfiles.Writer(out)  # formula cells (a key or a name starting with "=") made plain text
    writer.writerow(["line", "key", "status", "credential_id", "detail"])
    for o in outcomes:
        writer.writerow([o.line, o.key, o.status, f"urn:uuid:{o.credential_id}" if o.credential_id else "", o.detail])
    return out.getvalue()


# Runs in the background (pages and API) ------------------------------------------------------------------

PROGRESS_EVERY_SECONDS = 0.5
STALE_AFTER = timedelta(minutes=10)  # a chunk takes seconds, even sealing and timestamping each credential


def from_items(
    items: list[dict[str, Any]], *, spec_id: uuid.UUID, edition: int, today: date | None = None
) -> list[Row]:
    """Rows from the JSON API's items ({learner: {name, email, identifier}, result: {awarded, grade}, key}),
    checked as a CSV file is: every problem at once, by item number."""
    records = (
        (
            number,
            {
                "name": str(item["learner"].get("name") or ""),
                "email": str(item["learner"].get("email") or ""),
                "identifier": str(item["learner"].get("identifier") or ""),
                "awarded": str(item["result"].get("awarded") or ""),
                "grade": str(item["result"].get("grade") or ""),
                "key": str(item.get("key") or ""),
            },
            False,
        )
        for number, item in enumerate(items, start=1)
    )
    return check(
        records, spec_id=spec_id, edition=edition, today=today, what="The batch", code="invalid_batch", unit="item"
    )


def _stored(row: Row) -> dict[str, Any]:
    return {
        "line": row.line,
        "key": row.key,
        "name": row.learner.name,
        "email": row.learner.email,
        "identifier": row.learner.identifier,
        "awarded": row.result.awarded.isoformat(),
        "grade": row.result.grade,
    }


def _restored(data: dict[str, Any]) -> Row:
    return Row(
        data["line"],
        data["key"],
        documents.Learner(name=data["name"], email=data["email"], identifier=data["identifier"]),
        documents.Result(awarded=date.fromisoformat(data["awarded"]), grade=data["grade"]),
    )


def start(
    db: Session, actor: Actor, organisation: Organisation, spec_id: uuid.UUID, edition: int, rows: list[Row]
) -> IssuanceRun:
    """A queued run of checked rows, after checking the edition can be issued at all."""
    spec = design.get(db, organisation, spec_id)
    design.find_edition(spec, edition)
    if spec.withdrawn_at is not None:
        raise InvalidInput("This micro-credential was withdrawn: it is no longer awarded.", code="withdrawn")
    job = IssuanceRun(
        organisation_id=organisation.id,
        specification_id=spec.id,
        edition_number=edition,
        started_by=actor.user.id if actor.user else None,
        total=len(rows),
        rows=[_stored(row) for row in rows],
    )
    db.add(job)
    db.flush()
    audit.record(
        db,
        actor,
        "issuance.started",
        object_type="issuance_run",
        object_id=job.id,
        organisation=organisation,
        summary=f"Started issuing {len(rows)} credentials of {spec.title[:100]}",
    )
    return job


def schedule(
    later: Callable[..., object],
    database: Database,
    job: IssuanceRun,
    *,
    base_url: str,
    master: bytes,
    tsa_url: str | None,
) -> None:
    """Have a queued run issued by `later` (a route's background tasks, run once the response is sent: the run it
    reads is committed with the request by then)."""
    later(execute, database, job.id, base_url=base_url, master=master, tsa_url=tsa_url)


def execute(database: Database, run_id: uuid.UUID, *, base_url: str, master: bytes, tsa_url: str | None) -> None:
    """Issue a queued run's rows, recording progress as it goes (meant for a background thread)."""
    with database.sessions() as db:
        job = db.get(IssuanceRun, run_id)
        if job is None or job.state != "queued":
            return
        job.state, job.updated_at = "running", utcnow()
        db.commit()
        organisation = db.get(Organisation, job.organisation_id)
        user = db.get(User, job.started_by) if job.started_by else None
        actor = Actor.person(user) if user else Actor.operator()
        last = time.monotonic()

        def progress(done: int, total: int) -> None:
            nonlocal last
            if done == total or time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                job.done, job.updated_at = done, utcnow()
                db.commit()
                last = time.monotonic()

        try:
            assert organisation is not None
            outcomes = run(
                db,
                actor,
                organisation,
                job.specification_id,
                job.edition_number,
                [_restored(data) for data in job.rows],
                base_url=base_url,
                master=master,
                tsa_url=tsa_url,
                progress=progress,
            )
        except Exception as error:  # the run stops; what it issued stays, and a re-run continues (same keys)
            db.rollback()
            why = error.detail if isinstance(error, MicrocredError) else "an unexpected error (it is in the log)"
            job.state, job.detail, job.finished_at = "stopped", why[:500], utcnow()
            job.updated_at = job.finished_at
            db.commit()
            log.exception("Issuance run %s stopped", run_id)
            return
        job.outcomes = [
            {
                "line": o.line,
                "key": o.key,
                "status": o.status,
                "credential_id": str(o.credential_id) if o.credential_id else None,
                "detail": o.detail,
            }
            for o in outcomes
        ]
        job.state, job.done, job.finished_at = "finished", job.total, utcnow()
        db.commit()


def forget_learners(db: Session, awards: list[IssuedCredential]) -> audit.Forgotten:
    """An erasure: the awards keep no name, email, copy of the credential or claim link (their status entries
    stay, so the issuer can still revoke them), nor do the issuance-run rows that issued them (same
    organisation, key and learner). What the audit log should forget of them. Awards already blanked (by
    another part of the same erasure) are left as they are."""
    awards = [award for award in awards if "erased" not in award.document]
    forgotten = audit.Forgotten()
    learners: dict[uuid.UUID, set[tuple[str, str, str | None]]] = {}
    for award in awards:
        forgotten.objects.add(f"urn:uuid:{award.id}")
        forgotten.names.add(award.learner_name)
        if award.learner_email:
            forgotten.emails.add(award.learner_email)
        if award.idempotency_key:
            learners.setdefault(award.organisation_id, set()).add(
                (award.idempotency_key, award.learner_name, award.learner_email)
            )
    for organisation_id, erased in learners.items():

        def is_erased(row: dict[str, Any], erased: set[tuple[str, str, str | None]] = erased) -> bool:
            return (row["key"], row["name"], row["email"] or None) in erased

        for job in db.scalars(select(IssuanceRun).where(IssuanceRun.organisation_id == organisation_id)):
            if any(is_erased(row) for row in job.rows):
                job.rows = [
                    {**row, "name": audit.ERASED, "email": None, "identifier": None} if is_erased(row) else row
                    for row in job.rows
                ]
    for award in awards:
        award.learner_name, award.learner_email = audit.ERASED, None
        award.document = {"id": award.document.get("id"), "erased": utcnow().isoformat()}
        award.elm_document, award.claim_hash, award.claim_expires_at = None, None, None
    return forgotten


def outcomes_of(job: IssuanceRun) -> list[Outcome]:
    return [
        Outcome(
            o["line"], o["key"], o["status"], uuid.UUID(o["credential_id"]) if o["credential_id"] else None, o["detail"]
        )
        for o in job.outcomes or []
    ]


def find_run(db: Session, organisation: Organisation, run_id: uuid.UUID) -> IssuanceRun:
    """The run; one that has not moved for STALE_AFTER died with its process and is shown stopped."""
    found = db.get(IssuanceRun, run_id)
    if found is None or found.organisation_id != organisation.id:
        raise NotFound("This organisation has no such issuance run.", code="run_not_found")
    if found.state in ("queued", "running") and found.updated_at < utcnow() - STALE_AFTER:
        found.state, found.finished_at = "stopped", found.updated_at
        found.detail = "it was interrupted (the server stopped or restarted)"
        db.flush()
    return found
