"""The platform's commands (serve, db, org, user, token, demo), in-process, against SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microcred.accounts import login, members, service, tokens
from microcred.accounts.principal import Actor
from microcred.config import get_settings
from microcred.errors import Unauthenticated
from microcred.store import Database
from microcred.store.migrate import head_revision
from tests.cli.conftest import run


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ([], "serve"),
        (["serve"], "Serve the web app"),
        (["db", "upgrade"], "Apply the migrations"),
        (["org", "create"], "--country"),
        (["user", "create"], "one-time password"),
        (["token", "create"], "--role"),
        (["token", "revoke"], "Revoke an API token"),
        (["demo"], "demo organisation"),
    ],
)
def test_every_command_explains_itself(command: list[str], expected: str) -> None:
    code, output = run(*command, "--help")
    assert code == 0
    assert expected in output


def test_db_upgrade_on_an_empty_database_then_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MICROCRED_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert run("db", "current") == (0, "empty (no migrations applied)\n")
        code, output = run("org", "list")
        assert code == 1 and "run `microcred db upgrade` first" in output
        assert run("db", "upgrade") == (0, f"Database upgraded from empty to {head_revision()}.\n")
        assert run("db", "upgrade") == (0, f"Database already at revision {head_revision()}.\n")
        assert (tmp_path / "data" / "microcred.db").exists()
    finally:
        get_settings.cache_clear()


def test_org_create_and_a_second_time_is_refused(cli_env: str) -> None:
    code, output = run(
        "org",
        "create",
        "Open Skills Institute",
        "--country",
        "NL",
        "--homepage",
        "https://osi.example",
        "--identifier",
        "Erasmus code=NL OSI01",
        "--identifier",
        "KvK=12345678",
    )
    assert code == 0, output
    assert "slug 'open-skills-institute'" in output
    code, output = run("org", "create", "open skills  institute", "--country", "NL")
    assert code == 1
    assert "An organisation named 'Open Skills Institute' already exists" in " ".join(output.split())
    database = Database(cli_env)
    with database.session() as db:
        organisations = service.organisations_visible_to(db, Actor.operator())
        assert [o.legal_name for o, _ in organisations] == ["Open Skills Institute"]
        assert {i.scheme: i.value for i in organisations[0][0].identifiers} == {
            "Erasmus code": "NL OSI01",
            "KvK": "12345678",
        }
    database.dispose()


def test_org_create_names_bad_input(cli_env: str) -> None:
    code, output = run("org", "create", "Somewhere", "--country", "Netherlands")
    assert code == 1 and "not a country code" in output
    code, output = run("org", "create", "Somewhere", "--country", "NL", "--identifier", "no-equals-sign")
    assert code == 2 and "is not SCHEME=VALUE" in output


def test_user_and_token_lifecycle(cli_env: str) -> None:
    assert run("org", "create", "Token College", "--country", "IE", "--slug", "tc")[0] == 0
    code, output = run(
        "user", "create", "Teacher@TC.example", "--name", "Tess Teacher", "--org", "tc", "--role", "educator"
    )
    assert code == 0, output
    password = re.search(r"One-time password .*: (\S+)", output)
    assert password is not None
    database = Database(cli_env)
    with database.session() as db:
        assert login.authenticate(db, "teacher@tc.example", password.group(1)).must_change_password

    code, output = run("user", "create", "teacher@tc.example")
    assert code == 1 and "already exists" in output

    code, output = run(
        "token", "create", "--org", "tc", "--user", "teacher@tc.example", "--role", "org_admin", "--name", "too much"
    )
    assert code == 1 and "cannot hold a token" in " ".join(output.split())
    code, output = run(
        "token",
        "create",
        "--org",
        "tc",
        "--user",
        "teacher@tc.example",
        "--role",
        "educator",
        "--name",
        "LMS",
        "--expires-in-days",
        "7",
    )
    assert code == 0, output
    token_id = re.search(r"Created token ([0-9a-f-]{36})", output).group(1)  # type: ignore[union-attr]
    secret = output.strip().splitlines()[-1]
    assert secret.startswith("mct_")
    with database.session() as db:
        assert tokens.authenticate_token(db, secret).name == "LMS"
    assert run("token", "revoke", token_id) == (0, f"Token {token_id} revoked.\n")
    assert run("token", "revoke", token_id) == (0, f"Token {token_id} was already revoked.\n")
    code, output = run("token", "revoke", "not-a-uuid")
    assert code == 2 and "is not a token id" in output
    code, output = run("token", "revoke", "00000000-0000-0000-0000-000000000000")
    assert code == 1 and "no API token" in output
    with database.session() as db, pytest.raises(Unauthenticated):
        tokens.authenticate_token(db, secret)
    database.dispose()


def test_demo_is_created_once_and_kept(cli_env: str, tmp_path: Path) -> None:
    code, output = run("demo")
    assert code == 0
    passwords = dict(re.findall(r"(\w+@demo\.example)\s.*?\s(\S{16})\s", output))
    assert set(passwords) == {"admin@demo.example", "educator@demo.example", "learner@demo.example"}
    written = (tmp_path / "demo-accounts.txt").read_text()  # in the data directory unless told otherwise
    assert all(password in written for password in passwords.values())
    code, again = run("demo")
    assert code == 0 and "exists already" in again
    for value in passwords.values():
        assert value not in again
    database = Database(cli_env)
    with database.session() as db:
        assert login.authenticate(db, "educator@demo.example", passwords["educator@demo.example"])
        organisation = service.organisation_for(db, Actor.operator(), "demo")
        assert {m.user.email: m.role.value for m in members.members(db, organisation)} == {
            "admin@demo.example": "org_admin",
            "educator@demo.example": "educator",
            "learner@demo.example": "learner",
        }
    database.dispose()
