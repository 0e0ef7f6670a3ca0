"""The engine: SQLite's checkpoints run on a thread of their own, after commits, and stop with the engine."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from microcred.issuing.models import StatusEntry
from microcred.store import Database
from microcred.store.engine import make_engine
from tests.store.test_bulk import a_list


def checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "microcred-checkpoint"]


def test_commits_are_checkpointed_by_a_thread_of_their_own_not_by_the_committer(tmp_path: Path) -> None:
    before = set(checkpointers())
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        # No commit copies the log into the database itself: a commit costs only its own rows.
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE pages (body TEXT)"))
    for _ in range(5):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO pages VALUES (:body)"), [{"body": "x" * 4000}] * 200)
    deadline = time.monotonic() + 10
    size = 0
    while time.monotonic() < deadline and size <= 4_000 * 1_000:  # until the rows reach the database file
        time.sleep(0.05)
        size = (tmp_path / "wal.db").stat().st_size
    assert size > 4_000 * 1_000  # nobody here checkpointed and no commit did: the thread copied the log
    assert len(set(checkpointers()) - before) == 1
    engine.dispose()
    assert set(checkpointers()) - before == set()  # it stops with the engine


def test_a_savepoint_as_the_first_write_is_undone_with_the_transaction(database: Database) -> None:
    """On SQLite a SAVEPOINT outside a transaction would start one of its own, committed on release: a
    session's rollback must still undo what a savepoint wrote first, and its commit must keep it."""
    for outcome in ("rollback", "commit"):
        with database.sessions() as db:
            lst = a_list(db, slug=f"sp-{outcome}")
            db.commit()
            with db.begin_nested():
                db.add(StatusEntry(list_id=lst.id, position=7, credential_id="urn:x", created_at=lst.created_at))
            getattr(db, outcome)()
            kept = db.scalar(select(func.count()).select_from(StatusEntry).where(StatusEntry.list_id == lst.id))
            assert kept == (1 if outcome == "commit" else 0), outcome
