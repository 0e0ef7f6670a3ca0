"""The schema comes from Alembic alone, matches the models, and keeps the audit log append-only."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from microcred.accounts import audit
from microcred.accounts.principal import Actor
from microcred.store import Database
from microcred.store.base import Base
from microcred.store.migrate import alembic_config, current_revision, head_revision, include_object, upgrade
from tests.conftest import PG_SERVER_URL, _pg_admin_conninfo


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"include_object": include_object}), Base.metadata
        )
    assert differences == []


def test_health_ping_names_dialect_and_revision(database: Database) -> None:
    report = database.ping()
    assert report["ok"] is True
    assert report["revision"] == head_revision()
    assert report["dialect"] == database.engine.dialect.name


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"])
def test_audit_log_is_append_only_in_the_database(database: Database, statement: str) -> None:
    with database.session() as db:
        audit.record(db, Actor.operator(), "test.event", object_type="thing", object_id="1")
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(statement))
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_events")).scalars().all() == ["test.event"]


MARKED = "summary = '(erased)', redacted_at = occurred_at"


@pytest.mark.parametrize(
    "change",
    [
        "summary = 'forged'",  # not marked as a redaction
        f"{MARKED}, action = 'forged'",
        f"{MARKED}, object_id = '2'",
        f"{MARKED}, organisation_id = '00000000000000000000000000000001'",
        "summary = 'x', redacted_at = occurred_at, occurred_at = '2001-01-01 00:00:00'",
        f"{MARKED}, actor_user_id = '00000000000000000000000000000001'",  # pinned on someone else
        f"{MARKED}, ip = '6.6.6.6'",
        "summary = 'x', redacted_at = '1990-01-01 00:00:00'",  # marked before the event happened
        "summary = 'x', redacted_at = '2999-01-01 00:00:00'",  # or in the future
    ],
)
def test_only_a_marked_redaction_may_change_an_audit_event(database: Database, change: str) -> None:
    with database.session() as db:
        audit.record(db, Actor.operator(), "test.event", object_type="thing", object_id="1", summary="ana@x.example")
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(f"UPDATE audit_events SET {change}"))  # noqa: S608 (the test's own SQL)
    with database.engine.begin() as connection:
        connection.execute(text(f"UPDATE audit_events SET {MARKED}"))  # noqa: S608
        row = connection.execute(text("SELECT action, object_id, summary, redacted_at FROM audit_events")).one()
    assert row[:3] == ("test.event", "1", "(erased)") and row[3] is not None
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(f"UPDATE audit_events SET {MARKED}"))  # noqa: S608 (a mark moves forward only)


def test_sqlite_refuses_to_replace_an_audit_event(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'replace.db'}")
    upgrade(str(database.engine.url))
    try:
        with database.session() as db:
            event = audit.record(db, Actor.operator(), "test.event", object_type="thing", summary="real")
            db.flush()
            event_id = event.id
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT OR REPLACE INTO audit_events (id, occurred_at, actor, action, object_type, detail, summary)"
                    " VALUES (:id, CURRENT_TIMESTAMP, 'x', 'forged', 'thing', '{}', 'forged')"
                ),
                {"id": event_id},
            )
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT action FROM audit_events")).scalars().all() == ["test.event"]
    finally:
        database.dispose()


@pytest.mark.pg
def test_postgres_refuses_to_truncate_the_audit_log(pg_server_url: str) -> None:
    database = Database(pg_server_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_events"))
    finally:
        database.dispose()


def test_upgrade_is_idempotent_and_downgrade_reverses_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert current_revision(url) is None
    upgrade(url)
    upgrade(url)
    assert current_revision(url) == head_revision()
    command.downgrade(alembic_config(url), "base")
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()


@pytest.mark.pg
def test_postgres_upgrade_downgrade_on_a_fresh_database(pg_server_url: str) -> None:
    from alembic import command

    name = f"microcred_migr_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg_admin_conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
            upgrade(url)
            assert current_revision(url) == head_revision()
            command.downgrade(alembic_config(url), "base")
            database = Database(url)
            with database.engine.connect() as connection:
                tables = (
                    connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
                    .scalars()
                    .all()
                )
            database.dispose()
            assert set(tables) <= {"alembic_version"}
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.pg
def test_postgres_stores_signed_documents_compressed_with_lz4(pg_server_url: str) -> None:
    database = Database(pg_server_url)
    try:
        with database.engine.connect() as connection:
            methods = connection.execute(
                text(
                    "SELECT c.relname || '.' || a.attname, a.attcompression FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relname IN ('issued_credentials', 'wallet_credentials') "
                    "AND a.attname IN ('document', 'elm_document')"
                )
            ).all()
    finally:
        database.dispose()
    assert dict(methods) == {
        "issued_credentials.document": "l",
        "issued_credentials.elm_document": "l",
        "wallet_credentials.document": "l",
    }
