"""What every command shares: one transaction that writes all or nothing, and the check for a schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import select

from microcred.accounts import service
from microcred.accounts.models import Organisation
from microcred.accounts.principal import Actor
from microcred.cli.console import require_schema, transaction
from microcred.config import get_settings
from microcred.errors import Conflict
from microcred.store import Database
from tests.cli.conftest import run


def test_a_command_without_a_schema_is_told_to_upgrade(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MICROCRED_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(typer.Exit) as exited:
            require_schema()
        assert exited.value.exit_code == 1
        assert "the database has no schema yet: run `microcred db upgrade` first." in capsys.readouterr().err
        assert run("db", "upgrade")[0] == 0
        require_schema()  # now it passes
    finally:
        get_settings.cache_clear()


def test_a_command_s_transaction_writes_all_or_nothing(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("db", "upgrade")[0] == 0
    with transaction() as db:
        service.create_organisation(db, Actor.operator(), legal_name="Kept College", country="IE")
    with pytest.raises(typer.Exit) as exited, transaction() as db:
        service.create_organisation(db, Actor.operator(), legal_name="Dropped College", country="IE")
        raise Conflict("Not this time.")
    assert exited.value.exit_code == 1
    assert "Error: Not this time." in capsys.readouterr().err
    with pytest.raises(ZeroDivisionError), transaction() as db:  # not a refusal: it goes on, and nothing is kept
        service.create_organisation(db, Actor.operator(), legal_name="Broken College", country="IE")
        _ = 1 / 0
    database = Database(cli_env)
    with database.session() as db:
        assert db.scalars(select(Organisation.legal_name)).all() == ["Kept College"]
    database.dispose()
