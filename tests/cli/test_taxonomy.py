"""The ESCO commands: taxonomy import and ensure, skills extract, occupations match."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from microcred.config import get_settings
from tests.cli.conftest import run


def test_taxonomy_import_and_ensure(cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.taxonomy.test_importer import mini_export

    monkeypatch.delenv("MICROCRED_ESCO_PATH", raising=False)
    get_settings.cache_clear()
    code, output = run("taxonomy", "ensure")
    assert code == 0 and "No ESCO taxonomy yet" in output and "esco.ec.europa.eu" in output
    assert "microcred taxonomy import PATH" in output

    folder = mini_export(tmp_path / "v1.2.0")
    code, output = run("taxonomy", "import", str(folder))
    assert code == 0, output
    assert "Imported ESCO 1.2.0" in output and "3 skills, 2 occupations" in output
    assert run("taxonomy", "import", str(folder))[1].startswith("ESCO 1.2.0 is already imported; nothing changed")

    monkeypatch.setenv("MICROCRED_ESCO_PATH", str(folder))
    get_settings.cache_clear()
    code, output = run("taxonomy", "ensure")
    assert code == 0 and "already imported" in output
    code, output = run("taxonomy", "import", str(tmp_path / "missing"))
    assert code == 1 and "does not exist" in output


@pytest.fixture
def esco_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, esco_database_url: str) -> Iterator[str]:
    """The command line's settings pointing at a database that holds ESCO."""
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", esco_database_url)
    get_settings.cache_clear()
    yield esco_database_url
    get_settings.cache_clear()


def test_occupations_match_prints_a_ranking_per_line_and_names_a_refused_line(esco_env: str) -> None:
    code, output = run("occupations", "match", "--top", "2", stdin="software engineer\nsoft\x07ware\n\n")
    assert code == 0, output
    lines = output.splitlines()
    ranking = next(line for line in lines if line.startswith("software developer ("))
    assert re.fullmatch(r"software developer \(\d\.\d\d\); [^;]+ \(\d\.\d\d\)", ranking), ranking
    assert "line 2: The search contains control characters." in lines
    assert lines.count("") == 2  # the refused line and the empty one print an empty ranking


def test_taxonomy_commands_need_a_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MICROCRED_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        for command in (["taxonomy", "ensure"], ["taxonomy", "vectors"], ["skills", "extract"]):
            code, output = run(*command, stdin="")
            assert code == 1 and "run `microcred db upgrade` first" in output, command
    finally:
        get_settings.cache_clear()


def test_taxonomy_vectors_logs_its_progress_and_health_reads_it(cli_env: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from microcred.config import Settings
    from microcred.taxonomy import search
    from microcred.web.app import create_app
    from tests.conftest import TEST_SECRET
    from tests.taxonomy.test_importer import mini_export

    settings = Settings(data_dir=tmp_path, database_url=cli_env, secret_key=TEST_SECRET)
    try:
        code, output = run("taxonomy", "import", str(mini_export(tmp_path / "v1.2.0")), "--no-vectors")
        assert code == 0, output
        with TestClient(create_app(settings)) as client:
            assert client.get("/health").json()["vectors"] == {"state": "absent", "done": 0, "total": 0}
            code, output = run("taxonomy", "vectors")
            assert code == 0, output
            assert re.search(r"^vectors: 6 of 6 skill labels \(100%\)", output, re.M)
            assert re.search(r"^vectors: 4 of 4 occupation labels \(100%\)", output, re.M)
            assert "Sentence vectors ready for 6 skill and 4 occupation labels" in output
            assert client.get("/health").json()["vectors"] == {"state": "ready", "done": 10, "total": 10}
            # a new release's import forgets the old release's progress until its own vectors are built
            changed = mini_export(tmp_path / "v1.2.1", relabel=True)
            code, output = run("taxonomy", "import", str(changed), "--version", "1.2.1", "--no-vectors")
            assert code == 0, output
            assert client.get("/health").json()["vectors"]["state"] == "absent"
    finally:
        search.configure(None, "off")
