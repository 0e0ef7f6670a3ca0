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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.errors import InvalidInput, MicrocredError
from microcred.issuing import credentials, documents
from microcred.issuing.models import IssuedCredential

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
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
    rows: list[Row] = []
    problems: list[str] = []
    keys: dict[str, int] = {}
    today = today or date.today()
    for number, record in enumerate(reader, start=2):
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(f"more than {MAX_ROWS:,} rows")
            break
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
        if None in record:
            problems.append(f"line {number}: more values than columns")
            continue
        try:
            awarded = date.fromisoformat(values.get("awarded", ""))
        except ValueError:
            problems.append(f"line {number}: awarded {values.get('awarded', '')[:20]!r} is not a date (YYYY-MM-DD)")
            continue
        if awarded > today:
            problems.append(f"line {number}: awarded {awarded.isoformat()} is in the future")
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
            problems.append(f"line {number}: {error.detail}")
            continue
        grade = values.get("grade") or None
        if grade and len(grade) > 100:
            problems.append(f"line {number}: grade is longer than 100 characters")
            continue
        who = learner.email or f"id:{learner.identifier}"
        key = values.get("key") or hashlib.sha256(f"{spec_id}:{edition}:{who}:{awarded}".encode()).hexdigest()[:40]
        if len(key) > 200:
            problems.append(f"line {number}: key is longer than 200 characters")
            continue
        if key in keys:
            problems.append(f"line {number}: the same learner and date (or key) as line {keys[key]}")
            continue
        keys[key] = number
        rows.append(Row(number, key, learner, documents.Result(awarded=awarded, grade=grade)))
    if problems:
        shown = "; ".join(problems[:10]) + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else "")
        raise InvalidInput(f"Nothing was issued: {shown}.", code="invalid_csv")
    if not rows:
        raise InvalidInput("The CSV file has no rows.", code="invalid_csv")
    return rows


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
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Issue each row in its own transaction; rows issued before (same key) are reported, not issued again."""
    outcomes = []
    for done, row in enumerate(rows, start=1):
        existing = db.scalar(
            select(IssuedCredential.id).where(
                IssuedCredential.organisation_id == organisation.id, IssuedCredential.idempotency_key == row.key
            )
        )
        if existing is not None:
            outcomes.append(Outcome(row.line, row.key, "already issued", existing))
        else:
            try:
                issued = credentials.issue_edition(
                    db,
                    actor,
                    organisation,
                    spec_id,
                    edition,
                    row.learner,
                    row.result,
                    base_url=base_url,
                    master=master,
                    idempotency_key=row.key,
                )
                issued_id = issued.id
                db.commit()
                outcomes.append(Outcome(row.line, row.key, "issued", issued_id))
            except MicrocredError as error:
                db.rollback()
                outcomes.append(Outcome(row.line, row.key, "failed", None, error.detail))
            except IntegrityError:  # the same key issued by a run going on at the same time
                db.rollback()
                outcomes.append(Outcome(row.line, row.key, "already issued"))
        if progress:
            progress(done, len(rows))
    return outcomes


def result_csv(outcomes: list[Outcome]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "key", "status", "credential_id", "detail"])
    for o in outcomes:
        writer.writerow([o.line, o.key, o.status, f"urn:uuid:{o.credential_id}" if o.credential_id else "", o.detail])
    return out.getvalue()
