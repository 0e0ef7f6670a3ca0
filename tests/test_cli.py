"""The command line, in-process, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from microcred.accounts import login, service, tokens
from microcred.accounts.principal import Actor
from microcred.cli import app
from microcred.config import get_settings
from microcred.errors import Unauthenticated
from microcred.issuing.models import IssuedCredential
from microcred.store import Database
from microcred.store.migrate import head_revision
from microcred.trust import jades
from tests import pki

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Iterator[str]:
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


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


def test_demo_is_created_once_and_kept(cli_env: str) -> None:
    code, output = run("demo")
    assert code == 0
    passwords = dict(re.findall(r"(\w+@demo\.example)\s.*?\s(\S{16})\s", output))
    assert set(passwords) == {"admin@demo.example", "educator@demo.example", "learner@demo.example"}
    code, again = run("demo")
    assert code == 0 and "exists already" in again
    for value in passwords.values():
        assert value not in again
    database = Database(cli_env)
    with database.session() as db:
        assert login.authenticate(db, "educator@demo.example", passwords["educator@demo.example"])
        organisation = service.organisation_for(db, Actor.operator(), "demo")
        assert {m.user.email: m.role.value for m in service.members(db, organisation)} == {
            "admin@demo.example": "org_admin",
            "educator@demo.example": "educator",
            "learner@demo.example": "learner",
        }
    database.dispose()


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


def test_spec_import_check_and_export(cli_env: str, tmp_path: Path) -> None:
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
    assert run("org", "create", "Uni Zed", "--country", "IE", "--slug", "zed")[0] == 0
    code, output = run("spec", "import", str(shared / "elm" / "Sample-MC-Annex1-unsigned.jsonld"), "--org", "zed")
    assert code == 0, output
    spec_id = re.search(r"specification ([0-9a-f-]{36})", output).group(1)  # type: ignore[union-attr]
    assert "still missing: Type of quality assurance" in output

    code, output = run("spec", "check", spec_id, "--json")
    report = json.loads(output)
    assert code == 1 and report["publishable"] is False and report["blocking"][0].startswith("Type of quality")

    code, output = run("spec", "export", spec_id, "--format", "ob3")
    exported = json.loads(output)
    assert code == 0 and exported["achievementType"] == "MicroCredential"
    assert exported["name"] == "Digital micro-credential creation"
    exported["alignment"].append(
        {"type": ["Alignment"], "targetType": "ext:QualityAssurance", "targetName": "QQI", "targetCode": "external"}
    )
    again = tmp_path / "again.json"
    again.write_text(json.dumps(exported))
    code, output = run("spec", "import", str(again), "--org", "zed")
    assert code == 0 and "still missing" not in output, output
    second = re.search(r"specification ([0-9a-f-]{36})", output).group(1)  # type: ignore[union-attr]
    assert run("spec", "check", second)[0] == 0
    code, output = run("spec", "publish", spec_id)
    assert code == 1 and "cannot be published yet: Type of quality assurance" in output
    code, output = run("spec", "publish", second)
    assert code == 0 and "Published edition 1" in output, output
    code, output = run("spec", "publish", second)
    assert code == 1 and "Nothing changed since edition 1" in output
    code, output = run("spec", "reindex")
    assert code == 0 and "1 published micro-credentials listed" in output, output

    # Issuing the published edition: a CSV run, its re-run, one learner, and a file with a bad row.
    learners = tmp_path / "learners.csv"
    learners.write_text(
        "name,email,identifier,awarded,grade\nAna,ana@example.org,,2026-11-20,Pass\nBo,,S-42,2026-11-21,\n"
    )
    results = tmp_path / "results.csv"
    code, output = run("issue", second, "--org", "zed", "--csv", str(learners), "--out", str(results))
    assert code == 0 and "2 issued, 0 already issued, 0 failed" in output, output
    lines = results.read_text().splitlines()
    assert lines[0] == "line,key,status,credential_id,detail" and [line.split(",")[2] for line in lines[1:]] == [
        "issued",
        "issued",
    ]
    code, output = run("issue", second, "--org", "zed", "--csv", str(learners))
    assert code == 0 and "0 issued, 2 already issued" in output
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(pki.seal_p12(pki.CA()))
    code, output = run("org", "seal-certificate", "zed", str(p12), "--password", "wrong")
    assert code == 1 and "the password is wrong" in output
    code, output = run("org", "seal-certificate", "zed", str(p12), "--password", "secret")
    assert code == 0 and "VATBE-0123456789" in output and "(RS256)" in output, output
    code, output = run("issue", second, "--org", "zed", "--name", "Cy", "--email", "cy@example.org", "--grade", "8/10")
    assert code == 0 and "urn:uuid:" in output and "1 issued" in output
    with Database(cli_env).session() as db:
        sealed = db.scalars(select(IssuedCredential).where(IssuedCredential.learner_name == "Cy")).one().elm_document
    assert sealed is not None and jades.verify(sealed).payload["credentialSubject"]["fullName"] == {"en": "Cy"}
    learners.write_text("name,awarded\nNobody,2026-11-20\n")
    code, output = run("issue", second, "--org", "zed", "--csv", str(learners))
    assert code == 1 and "Nothing was issued: line 2: learner" in output

    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "Qualification", "eqfLevel": {"id": "http://data.europa.eu/snb/eqf/12"}}')
    code, output = run("spec", "import", str(bad), "--org", "zed")
    assert code == 1 and "eqf_level" in output and str(bad) in output
    assert run("spec", "export", spec_id, "--format", "pdf")[0] == 1
    assert run("spec", "check", "not-an-id")[0] == 2


def test_registry_import_and_export(cli_env: str, tmp_path: Path) -> None:
    assert run("db", "upgrade")[0] == 0
    good = tmp_path / "registry.json"
    entry = {
        "identifier": "did:web:uni.example",
        "name": "University of Example",
        "accreditations": [{"accrediting_body": "NVAO", "eqf_levels": [6, 7], "jurisdictions": ["NL"]}],
    }
    good.write_text(json.dumps({"issuers": [entry]}))
    assert run("registry", "import", str(good)) == (0, "Imported 1 trusted issuers.\n")
    code, output = run("registry", "export")
    exported = json.loads(output)["issuers"]
    assert code == 0 and exported[0]["identifier"] == "did:web:uni.example"
    assert exported[0]["accreditations"][0]["eqf_levels"] == [6, 7]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**entry, "accreditations": [{"accrediting_body": "X", "jurisdictions": ["XX"]}]}]))
    code, output = run("registry", "import", str(bad))
    assert code == 1 and "issuer 1: accreditations.0" in output and "ISO 3166" in output
