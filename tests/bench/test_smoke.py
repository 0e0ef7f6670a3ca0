"""The benchmarks run end to end on tiny inputs (CI's smoke test; the figures come from `make bench`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from microcred.config import get_settings


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


@pytest.fixture
def bench_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", database_url)
    monkeypatch.setenv("MICROCRED_EMBEDDINGS", "off")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_quality_bench_prints_ours_beside_the_baseline(
    bench_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import skills_quality

    out = tmp_path / "quality.json"
    assert skills_quality.main(["--limit", "5", "--titles", "20", "--no-extractor-baseline", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "TECH validation: 5 sentences" in printed and "HOUSE validation: 5 sentences" in printed
    assert "TF-IDF baseline" in printed and "Job titles → occupations: 20 titles" in printed
    report = json.loads(out.read_text())
    ours = report["tech"]["results"]["microcred"]
    assert 0 <= ours["RP@5"] <= 100 and "RP@5 vs best baseline" in ours


def test_speed_bench_prints_ratios(bench_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import skills_speed

    assert skills_speed.main(["--queries", "20"]) == 0
    printed = capsys.readouterr().out
    assert "ESCO v1.1.1 import (SQLite)" in printed and "ratio" in printed
    assert "skill search, lexical (no vectors)" in printed and "career matching" in printed


@pytest.mark.pg
def test_catalogue_bench_prints_both_databases_beside_a_like_scan(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import catalogue_speed

    assert catalogue_speed.main(["--count", "300", "--queries", "12"]) == 0
    printed = capsys.readouterr().out
    assert "SQLite: 300 specifications" in printed and "PostgreSQL: 300 specifications" in printed
    assert printed.count("filtered full text") == 2 and "LIKE scan" in printed and "p95 ratio" in printed


@pytest.mark.pg
def test_issuing_bench_prints_our_rates_beside_the_ceiling(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import issuing_speed

    assert issuing_speed.main(["--batch", "20", "--seconds", "0.2", "--variants", "5", "--no-node"]) == 0
    printed = capsys.readouterr().out
    assert "raw Ed25519 signing (the ceiling)" in printed and "ours, eddsa-rdfc-2022" in printed
    assert "batch of 20 rows, SQLite" in printed and "batch of 20 rows, PostgreSQL" in printed


def test_verify_bench_prints_our_rates_and_the_endpoint_under_load(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import verify_speed

    assert verify_speed.main(["--quick", "--no-node"]) == 0
    printed = capsys.readouterr().out
    assert "ours, full pipeline" in printed and "ours, bare dataintegrity.verify_proof" in printed
    assert "ELM sealed, RS256 2048-bit, jades.verify" in printed and "ELM sealed, ES256, full pipeline" in printed
    assert "on a tampered copy: FORMAT OK PROOF ERROR" in printed
    assert "POST /credentials/verify under load" in printed
    for clients in verify_speed.CLIENTS:
        assert any(line.split()[:1] == [str(clients)] for line in printed.splitlines())


def test_jwt_bench_prints_our_rates_beside_jose(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import jwt_speed

    assert jwt_speed.main(["--quick"]) == 0
    printed = capsys.readouterr().out
    for alg in jwt_speed.ALGORITHMS:
        assert f"{alg}: ours, bare parse + verify" in printed and f"{alg}: ours, full pipeline" in printed
    assert "Node baseline:" in printed
    if shutil.which("node"):  # jose beside us, as ratios
        assert "ES256: jose.jwtVerify (Node)" in printed and "x\n" in printed, printed


def test_sd_bench_prints_our_rates_beside_digital_bazaars(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import sd_speed
    from tests.trust import sd_node

    assert sd_speed.main(["--seconds", "0.2"]) == 0
    printed = capsys.readouterr().out
    for step in ("base proof made (issuer)", "disclosure derived (holder)", "derived proof verified"):
        assert step in printed
    if sd_node.node_available():  # Node beside us, cross-checked, as ratios
        assert "cross-checked" in printed and printed.count("x\n") == 3, printed
