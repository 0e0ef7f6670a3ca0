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
from microcred.issuing import batch
from microcred.issuing.models import IssuedCredential
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
    assert [o.status for o in first] == ["issued", "issued"] and seen == [(1, 2), (2, 2)]
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
