"""One engine and session factory per database URL; SQLite and PostgreSQL behave alike from here up."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


def dumps(value: Any) -> str:
    """Compact JSON for the database: orjson (a tenth of the time for a signed credential), or the standard
    library for what orjson refuses (integers beyond 64 bits, keys that are not strings)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Checkpointer:
    """Copies a SQLite database's write-ahead log into the database file on a thread of its own, after
    commits, rather than in whichever commit crosses SQLite's threshold: that commit would also pay for the
    checkpoint, about as long as writing its rows took (an issuance run's chunk: several MiB and two fsyncs).
    Checkpoints are PASSIVE (they never block readers or writers) and at most one every INTERVAL seconds.
    """

    INTERVAL = 0.2

    def __init__(self, path: str) -> None:
        self.path = path
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping.is_set():
                    self._thread = threading.Thread(target=self._run, name="microcred-checkpoint", daemon=True)
                    self._thread.start()
        self._wanted.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            while True:
                self._wanted.wait()
                if self._stopping.is_set():
                    return
                self._wanted.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as error:  # the next commit asks again; the log is only longer meanwhile
                    log.warning("SQLite checkpoint of %s failed: %s", self.path, error)
                self._stopping.wait(self.INTERVAL)
        finally:
            connection.close()


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so that it acts like a server, and
    its checkpoints on a thread of their own (Checkpointer). JSON columns are written compact (signed
    credentials are stored as sent, a few KiB each)."""
    options.setdefault("json_serializer", dumps)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **options)
        checkpointer = Checkpointer(parsed.database) if parsed.database and parsed.database != ":memory:" else None

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # SQLite's advice with WAL: no corruption, fewer fsyncs
            cursor.execute("PRAGMA busy_timeout=30000")
            if checkpointer is not None:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _open_the_transaction_first(connection: Any, _name: str) -> None:
            # Python's sqlite3 opens a transaction before the first INSERT/UPDATE/DELETE, not before a SAVEPOINT;
            # a SAVEPOINT outside a transaction starts one of its own, and releasing it commits: a rollback of
            # the session would then keep what the savepoint wrote. So the outer transaction begins first.
            driver = connection.connection.driver_connection
            if driver is not None and not driver.in_transaction:
                driver.execute("BEGIN")

        if checkpointer is not None:
            event.listen(engine, "commit", lambda _connection: checkpointer.wake())
            event.listen(engine, "engine_disposed", lambda _engine: checkpointer.stop())
        return engine
    options.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **options)
    # Bulk inserts (issuance runs, ESCO imports) as multi-row INSERTs rather than one statement per row.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


class Database:
    """The engine and its session factory, created once per process and handed to whoever needs them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> dict[str, Any]:
        """What /health reports: can we reach the database, and which migration is it at."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return {"ok": True, "dialect": self.engine.dialect.name, "revision": revision}

    def dispose(self) -> None:
        self.engine.dispose()
