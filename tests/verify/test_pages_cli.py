"""The verifier page (no account), the page a PDF's QR code opens, and `microcred verify FILE --json`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.cli import app as cli
from microcred.issuing import keys, seals
from microcred.store import Database
from tests import pki
from tests.conftest import World, csrf_from
from tests.issuing.test_issue_edition import LEARNER, published
from tests.web.test_api import bearer

ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"


def verdicts(html: str) -> list[str]:
    return re.findall(r'data-verified="(true|false)"', html)


def test_the_qr_page_shows_both_forms_valid_and_the_verifier_catches_a_change(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with database.session() as db:
        master = keys.master_key(settings.resolved_master_key())
        seals.import_pkcs12(db, Actor.operator(), db.merge(world.orgs["a"]), pki.seal_p12(pki.CA()), "secret", master)
    body = {"learner": LEARNER, "result": {"awarded": "2026-11-20", "grade": "Pass"}}
    issued = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    credential_id, credential = issued.json()["id"], issued.json()["credential"]

    visitor = TestClient(client.app)
    page = visitor.get(f"/verify/{credential_id}")
    assert page.status_code == 200 and verdicts(page.text) == ["true", "true"]
    assert 'data-check="SEAL" data-outcome="OK"' in page.text and "Ana Andromeda" in page.text
    assert visitor.get("/verify/00000000-0000-4000-8000-000000000000").status_code == 404

    form = visitor.get("/verify")
    changed = json.dumps({**credential, "name": "Something else"}).encode()
    checked = visitor.post(
        "/verify",
        data={"csrf_token": csrf_from(form.text)},
        files={"file": ("credential.json", changed, "application/json")},
    )
    assert checked.status_code == 200 and verdicts(checked.text) == ["false"]
    assert 'data-check="PROOF" data-outcome="ERROR"' in checked.text
    pasted = visitor.post("/verify", data={"csrf_token": csrf_from(form.text), "document": json.dumps(credential)})
    assert verdicts(pasted.text) == ["true"]
    garbage = visitor.post("/verify", data={"csrf_token": csrf_from(form.text), "document": "{not json"})
    assert garbage.status_code == 422 and "not JSON" in garbage.text


def test_the_command_line_prints_the_report_and_exits_by_the_verdict(tmp_path: Path) -> None:
    runner = CliRunner()
    sample = ELM / "Sample-MC-Annex1-signed.jsonld"
    good = runner.invoke(cli, ["verify", str(sample), "--json"], env={"MICROCRED_DATA_DIR": str(tmp_path)})
    report = json.loads(good.output)
    assert good.exit_code == 0 and report["verified"] is True
    assert {c["check"]: c["outcome"] for c in report["checks"]}["SEAL"] == "OK"
    document = json.loads(sample.read_text())
    document["payload"] = document["payload"].replace("Ana", "Ann", 1)
    bad_file = tmp_path / "changed.json"
    bad_file.write_text(json.dumps(document))
    bad = runner.invoke(cli, ["verify", str(bad_file), "--json"], env={"MICROCRED_DATA_DIR": str(tmp_path)})
    assert bad.exit_code == 1 and json.loads(bad.output)["verified"] is False
    junk = tmp_path / "junk.json"
    junk.write_text("{")
    answer = runner.invoke(cli, ["verify", str(junk)], env={"MICROCRED_DATA_DIR": str(tmp_path)})
    assert answer.exit_code == 1 and "FORMAT" in answer.output and "Not valid" in answer.output
