"""Extracting ESCO skills from a text (a CV, a course description, a job ad), over the real ESCO v1.1.1."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from microcred.errors import InvalidInput
from microcred.skills.extract import extract_skills, sentences


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_extraction_ranks_skills_and_skips_boilerplate(db: Session) -> None:
    text = (
        "Competitive salary and 30 days holiday. Apply now!\n"
        "You will weld steel structures and read technical drawings."
    )
    assert sentences(text) == ["You will weld steel structures and read technical drawings."]
    found = extract_skills(db, text, top=5)
    assert found[0].label == "operate welding equipment"
    assert "technical drawings" in [f.label for f in found]
    assert all(f.evidence.startswith("You will weld") for f in found)
    for bad, code in (("", "empty_text"), ("x" * 100_001, "text_too_long"), ("a\x00b", "invalid_text")):
        with pytest.raises(InvalidInput) as problem:
            extract_skills(db, bad)
        assert problem.value.code == code


def test_cli_reads_lines_and_prints_one_json_ranking_each(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from microcred.cli import app
    from microcred.config import get_settings

    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            ["skills", "extract", "--top", "3", "--json"],
            input="Python developer with SQL\n\nwelding and blueprints\n",
        )
        lines = result.stdout.splitlines()
        assert result.exit_code == 0 and len(lines) == 3
        first, empty, third = (json.loads(line) for line in lines)
        assert first[0]["label"] == "Python (computer programming)" and len(first) == 3
        assert set(first[0]) == {"uri", "label", "score"}
        assert empty == [] and "blueprints" in [row["label"] for row in third]
        result = CliRunner().invoke(app, ["occupations", "match", "--top", "2", "--json"], input="software engineer\n")
        assert json.loads(result.stdout.splitlines()[0])[0]["label"] == "software developer"
    finally:
        get_settings.cache_clear()
