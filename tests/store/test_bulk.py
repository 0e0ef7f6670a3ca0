"""Bulk writes: COPY on PostgreSQL, executemany elsewhere, the same outcome and the same errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.accounts import service as accounts
from microcred.accounts.principal import Actor
from microcred.issuing.models import StatusEntry, StatusList
from microcred.store import bulk
from microcred.store.base import utcnow


def a_list(db: Session, slug: str = "bulk") -> StatusList:
    organisation = accounts.create_organisation(db, Actor.operator(), legal_name=slug.title(), country="BE", slug=slug)
    lst = StatusList(organisation_id=organisation.id, purpose="revocation", size=131_072, bits=bytes(16_384))
    db.add(lst)
    db.flush()
    return lst


def entry(lst: StatusList, position: int) -> dict[str, object]:
    return {
        "list_id": lst.id,
        "position": position,
        "credential_id": f"urn:{position}",
        "created_at": utcnow(),
    }


def test_rows_written_as_they_come_are_all_there(db: Session) -> None:
    lst = a_list(db)
    with bulk.writer(db, StatusEntry) as write:
        for position in range(2_500):
            write(entry(lst, position))
    assert db.scalar(select(func.count()).select_from(StatusEntry)) == 2_500


def test_a_duplicate_is_sqlalchemys_integrity_error_and_nothing_of_the_block_stays(db: Session) -> None:
    lst = a_list(db)
    db.commit()
    with pytest.raises(IntegrityError):
        bulk.insert_rows(db, StatusEntry, [entry(lst, 1), entry(lst, 2), entry(lst, 1)])
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StatusEntry)) == 0


@pytest.mark.parametrize("rows", [1, 757])
def test_an_exception_in_the_block_writes_nothing(db: Session, rows: int) -> None:
    lst = a_list(db)
    with pytest.raises(ValueError, match="stop"), bulk.writer(db, StatusEntry) as write:
        for position in range(rows):
            write(entry(lst, position))
        raise ValueError("stop")
    if db.connection().dialect.name == "postgresql":
        db.rollback()  # a failed COPY aborts the whole transaction there
    else:  # the block's own savepoint is undone; what came before it stays in the transaction
        assert db.get(StatusList, lst.id) is not None
    assert db.scalar(select(func.count()).select_from(StatusEntry)) == 0


def test_a_duplicate_far_into_a_long_block_is_an_integrity_error_and_the_block_leaves_nothing(db: Session) -> None:
    lst = a_list(db)
    db.commit()
    with pytest.raises(IntegrityError), bulk.writer(db, StatusEntry) as write:
        for position in range(1_000):
            write(entry(lst, position))
        write(entry(lst, 5))
        for position in range(1_000, 1_500):
            write(entry(lst, position))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StatusEntry)) == 0
