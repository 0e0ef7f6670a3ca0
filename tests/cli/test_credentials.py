"""Specifications and credentials from the command line: spec import, check, export and publish, issue, verify."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from microcred.accounts.principal import Actor
from microcred.config import get_settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import status
from microcred.issuing.models import IssuedCredential
from microcred.store import Database
from microcred.trust import jades
from tests import pki
from tests.cli.conftest import run
from tests.conftest import World
from tests.design.fixtures import annex_i_minimum


def test_spec_import_check_and_export(cli_env: str, tmp_path: Path) -> None:
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
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
    assert code == 1 and "Nothing was issued. Line 2: give an email" in output

    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "Qualification", "eqfLevel": {"id": "http://data.europa.eu/snb/eqf/12"}}')
    code, output = run("spec", "import", str(bad), "--org", "zed")
    assert code == 1 and "EQF level must be at most 8." in output and str(bad) in output
    assert run("spec", "export", spec_id, "--format", "pdf")[0] == 1
    assert run("spec", "check", "not-an-id")[0] == 2


def test_verify_reads_our_own_keys_and_status_lists_from_the_database(
    cli_env: str, tmp_path: Path, database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        content = SpecificationContent.model_validate(annex_i_minimum(title="Checked on the command line"))
        spec = design.create(db, Actor.operator(), organisation, content)
        design.publish(db, Actor.operator(), organisation, spec.id)
        spec_id = str(spec.id)
    code, output = run("issue", spec_id, "--org", "a", "--name", "Dee", "--email", "dee@example.org")
    assert code == 0 and "1 issued" in output, output
    with database.session() as db:
        document = db.scalars(select(IssuedCredential.document).where(IssuedCredential.learner_name == "Dee")).one()
    credential = tmp_path / "credential.json"
    credential.write_text(json.dumps(document))

    code, output = run("verify", str(credential), "--json")
    report = json.loads(output)
    assert code == 0 and report["verified"] is True, report
    assert {check["check"]: check["outcome"] for check in report["checks"]}["PROOF"] == "OK"
    code, output = run("verify", str(credential))
    assert code == 0 and "PROOF" in output and "Valid." in output, output

    with database.session() as db:
        status.change(
            db,
            Actor.operator(),
            db.merge(world.orgs["a"]),
            str(document["id"]),
            purpose="revocation",
            value=True,
            reason="Issued in error",
        )
    code, output = run("verify", str(credential), "--json")
    assert code == 1 and json.loads(output)["verified"] is False

    assert run("verify", str(tmp_path / "missing.json"))[0] == 2
    # Without our database the issuer's did:web cannot be resolved here: not valid.
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("MICROCRED_DATABASE_URL")
    get_settings.cache_clear()
    code, output = run("verify", str(credential), "--json")
    assert code == 1 and json.loads(output)["verified"] is False
