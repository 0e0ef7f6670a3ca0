"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each run on fresh databases."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from microcred.accounts import service
from microcred.accounts.models import Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.store import Database
from microcred.store.base import Base
from microcred.store.migrate import upgrade
from microcred.web.app import create_app

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_SERVER_URL = os.environ.get("MICROCRED_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-not-for-production-0123456789"
os.environ["MICROCRED_FETCH"] = "false"  # no test reaches another site; tests/verify/test_fetch.py serves its own


@pytest.fixture(autouse=True, scope="session")
def cheaper_argon2() -> Iterator[None]:
    """Real argon2id with test-sized costs, so that hundreds of logins fit in a test run.

    tests/accounts/test_passwords.py checks the production parameters separately.
    """
    from argon2 import PasswordHasher

    from microcred.accounts import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    yield
    passwords._hasher = production


def _pg_admin_conninfo() -> str:
    url = make_url(PG_SERVER_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated, dropped at the end.

    A missing server fails the run: PostgreSQL is part of what we promise, not an optional extra.
    Only outside CI can MICROCRED_TEST_SKIP_PG=1 turn the failure into a skip.
    """
    name = f"microcred_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_pg_admin_conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at {PG_SERVER_URL}: {error}"
        if os.environ.get("MICROCRED_TEST_SKIP_PG") == "1" and os.environ.get("CI") != "true":
            pytest.skip(message)
        pytest.fail(message)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        try:
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _fresh_copy(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_fixture: str, pg_fixture: str, keep: tuple[str, ...] = ()
) -> str:
    if request.param == "sqlite":
        path = tmp_path / "microcred.db"
        shutil.copy(request.getfixturevalue(sqlite_fixture), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue(pg_fixture)
    database = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if not t.name.startswith(keep or "\0"))
    with database.engine.begin() as connection:
        # The audit log refuses TRUNCATE; a superuser in replica mode skips triggers to reset it for a test.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database: a copy of the SQLite template, or the run's PostgreSQL database emptied."""
    return _fresh_copy(request, tmp_path, "sqlite_template", "pg_server_url")


# The real ESCO v1.1.1, imported once per run into a template (SQLite) and a second database (PostgreSQL).

ESCO_V111 = SHARED / "esco" / "v1.1.1"


def _import_esco(url: str) -> None:
    from microcred.taxonomy import service as taxonomy

    database = Database(url)
    with database.session() as db:
        taxonomy.import_esco(db, ESCO_V111)
    database.dispose()


@pytest.fixture(scope="session")
def sqlite_esco_template(sqlite_template: Path) -> Path:
    path = sqlite_template.with_name("esco-template.db")
    shutil.copy(sqlite_template, path)
    _import_esco(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_esco_url(pg_server_url: str) -> Iterator[str]:
    name = f"microcred_esco_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(url)
            _import_esco(url)
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def esco_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database holding ESCO v1.1.1 and nothing else; override `database_url` with it."""
    return _fresh_copy(request, tmp_path, "sqlite_esco_template", "pg_esco_url", keep=("esco_",))


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    with database.sessions() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET)


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


# People and organisations -------------------------------------------------------------------------


class World:
    """Two organisations, A and B, each with an admin, an educator and a learner, and known passwords."""

    def __init__(self, database: Database) -> None:
        self.passwords: dict[str, str] = {}
        self.orgs: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        with database.session() as db:
            operator = Actor.operator()
            for key, name in (("a", "Alpha Academy"), ("b", "Beta Institute")):
                organisation = service.create_organisation(db, operator, legal_name=name, country="IE", slug=key)
                self.orgs[key] = organisation
                for role in Role:
                    email = f"{role.value}@{key}.example"
                    user, password = service.create_user(
                        db, operator, email=email, display_name="", organisation=organisation, role=role
                    )
                    user.must_change_password = False
                    self.passwords[email] = password
                    self.users[f"{key}_{role.value}"] = user


@pytest.fixture
def world(database: Database) -> World:
    return World(database)


CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token field"
    return match.group(1)


def log_in(client: TestClient, email: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
