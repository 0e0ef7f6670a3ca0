"""Writing many rows at once: PostgreSQL's COPY, or multi-row INSERTs elsewhere.

Issuance runs write thousands of credentials with their status entries; on PostgreSQL, COPY takes them
several times faster than INSERT statements (no SQL to build and parse per row), and rows handed to a
`writer` go to the server as they come, so it stores them while the next ones are being signed. On SQLite
the rows go, a few hundred at a time, to a second thread that inserts them while the caller goes on: the
sqlite3 module lets go of the GIL while SQLite writes, so the writing overlaps the signing as the PostgreSQL
server's does. Rows are dicts with the same keys, every column given (COPY runs no Python-side defaults),
inside the session's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.store.base import Base
from microcred.store.engine import dumps

Row = dict[str, Any]
ROWS_PER_INSERT = 250  # SQLite: rows handed to the inserting thread at a time


@contextmanager
def writer(db: Session, model: type[Base]) -> Iterator[Callable[[Row], None]]:
    """A function that writes one row: streamed into a COPY on PostgreSQL, inserted by a second thread
    elsewhere. An exception in the block writes nothing. The caller must not use the session in the block."""
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        with _inserting_thread(db, model) as write:
            yield write
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    columns: list[str] = []
    try:
        with driver.cursor() as cursor, ExitStack() as stack:
            copy: Any = None

            def write(row: Row) -> None:
                nonlocal copy
                if copy is None:
                    columns.extend(row)
                    statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"  # our own names
                    copy = stack.enter_context(cursor.copy(statement))
                copy.write_row(
                    [dumps(value) if isinstance(value, dict | list) else value for value in map(row.get, columns)]
                )

            yield write
    except psycopg.IntegrityError as error:  # as SQLAlchemy reports it for INSERT, so callers catch one kind
        raise IntegrityError(f"COPY {model.__tablename__}", None, error) from error


@contextmanager
def _inserting_thread(db: Session, model: type[Base]) -> Iterator[Callable[[Row], None]]:
    """Rows inserted ROWS_PER_INSERT at a time by one worker thread, in order, inside a savepoint (so that an
    exception in the block undoes them); the last few, and a block of fewer rows, on the caller's thread."""
    statement = insert(cast(Table, model.__table__))  # Core's executemany: the ORM's bulk path adds nothing
    rows: list[Row] = []
    inserts: list[Future[object]] = []
    with ExitStack() as stack:
        savepoint = db.begin_nested()
        connection = db.connection()
        worker: ThreadPoolExecutor | None = None

        def write(row: Row) -> None:
            nonlocal worker, rows
            rows.append(row)
            if len(rows) >= ROWS_PER_INSERT:
                if worker is None:
                    worker = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="microcred-insert"))
                inserts.append(worker.submit(connection.execute, statement, rows))
                rows = []

        try:
            yield write
            for done in inserts:
                done.result()  # the first failure (an IntegrityError, say) is raised here
            if rows:
                connection.execute(statement, rows)
        except BaseException:
            for waiting in inserts:
                waiting.cancel()
            if worker is not None:
                worker.shutdown(wait=True)  # the connection is the caller's again before the rollback
            savepoint.rollback()
            raise
        savepoint.commit()


def insert_rows(db: Session, model: type[Base], rows: list[Row]) -> None:
    with writer(db, model) as write:
        for row in rows:
            write(row)
