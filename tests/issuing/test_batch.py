"""Issuance runs from CSV: the whole file is checked first, and a re-run issues nothing twice."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.errors import InvalidInput
from microcred.issuing import batch, documents, status
from microcred.issuing.models import IssuedCredential, StatusEntry, StatusList
from microcred.trust.keystore import new_master_key, parse_master_key
from tests.design.fixtures import full

MASTER = parse_master_key(new_master_key())
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
    detail = raised.value.detail
    assert detail.startswith("Nothing was issued")
    for expected in (
        "line 2: awarded",
        "line 3: learner",
        "line 4: learner.name",
        "line 5: awarded 2999-01-01 is in the future",
        "line 7: the same learner and date (or key) as line 6",
    ):
        assert expected in detail, expected
    for raw, why in (
        (b"\xff\xfe", "not UTF-8"),
        (b"email,awarded\nx@y.z,2026-01-01\n", "no name column"),
        (b"name,awarded,colour\nA,2026-01-01,red\n", "Unknown CSV column 'colour'"),
        (b"name,email,awarded,email\nA,a@b.c,2026-01-01,d@e.f\n", "the column 'email' twice"),
        (b"name,email,awarded\nA,a@b.c,20260101\n", "line 2: awarded '20260101' is not a date"),
        (b"name,email,awarded\nA,a@b.c,2026-W01-1\n", "is not a date"),
        (b"name,email,awarded\n" + b"A" * 200_000 + b",a@b.c,2026-01-01\n", "line 2 cannot be read"),
        (b"name,awarded\n", "no rows"),
    ):
        with pytest.raises(InvalidInput, match=why):
            batch.parse(raw, spec_id=spec.id, edition=1)
    assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 0


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


def test_positions_are_random_free_and_a_list_three_quarters_full_gives_way_to_a_new_one(db: Session) -> None:
    org, _spec = published(db)
    [first] = status.allocate(db, org, ["urn:uuid:first"], "https://mc.example", ("revocation",))
    lst = db.scalars(select(StatusList)).one()
    lst.used = int(lst.size * status.FULL) - 3
    drawn = status.allocate(db, org, [f"urn:uuid:{n}" for n in range(500)], "https://mc.example", ("revocation",))
    urls = [d["revocation"]["statusListCredential"] for d in drawn]
    assert urls[:3] == [first["revocation"]["statusListCredential"]] * 3 and len(set(urls[3:])) == 1 != urls[0]
    indexes = [int(d["revocation"]["statusListIndex"]) for d in drawn[3:]]
    assert len(set(indexes)) == 497 and indexes != sorted(indexes)  # distinct, in no order
    assert max(indexes) > 100_000 and min(indexes) < 30_000  # spread over the list, not counted up
    places = db.execute(select(StatusEntry.list_id, StatusEntry.position)).all()
    assert len(places) == len(set(places)) == 501


@pytest.mark.parametrize("counted", [True, False], ids=["long-in-list", "whole-list-read"])
def test_positions_already_given_are_never_drawn_again(db: Session, counted: bool) -> None:
    """Half the list taken (every even position): a batch draws only odd ones, whether the taken positions
    are looked up by an IN list (a busy list) or read whole (a young list, or one whose count is behind)."""
    from microcred.store import bulk
    from microcred.store.base import utcnow

    org, _spec = published(db)
    status.allocate(db, org, ["urn:uuid:first"], "https://mc.example", ("revocation",))
    lst = db.scalars(select(StatusList)).one()
    first = db.scalars(select(StatusEntry.position)).one()
    now = utcnow()
    taken = [p for p in range(0, lst.size, 2) if p != first]
    rows = [{"list_id": lst.id, "position": p, "credential_id": "x", "created_at": now} for p in taken]
    bulk.insert_rows(db, StatusEntry, rows)
    lst.used = len(taken) + 1 if counted else 1
    drawn = status.allocate(db, org, [f"urn:uuid:{n}" for n in range(1000)], "https://mc.example", ("revocation",))
    indexes = {int(d["revocation"]["statusListIndex"]) for d in drawn}
    assert len(indexes) == 1000 and first not in indexes
    assert all(index % 2 == 1 for index in indexes)
