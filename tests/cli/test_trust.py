"""Whom verification trusts, from the command line: the registry of trusted issuers and trust anchors."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization

from microcred.store import Database
from microcred.verify import anchors
from tests import pki
from tests.cli.conftest import run


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
    assert code == 1 and "Issuer 1, accreditation 1: jurisdictions" in output and "ISO 3166" in output


def test_trust_add_ca_list_and_remove(cli_env: str, tmp_path: Path) -> None:
    assert run("db", "upgrade")[0] == 0
    ca = pki.CA("Operator Test Root")
    pem = tmp_path / "root.pem"
    pem.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    fingerprint = ca.certificate.fingerprint(hashes.SHA256()).hex()
    code, output = run("trust", "add-ca", str(pem))
    assert code == 0 and output == f"Trusted CN=Operator Test Root,C=BE for seals: sha256:{fingerprint}\n", output
    code, output = run("trust", "add-ca", str(pem), "--tsa")
    assert code == 0 and "for timestamps" in output
    code, output = run("trust", "list")  # a table as wide as the terminal: its cells may wrap
    assert code == 0 and "operator" in output, output
    database = Database(cli_env)
    with database.session() as db:
        assert sorted(
            (row.source, row.service_type) for row in anchors.listing(db) if row.fingerprint == fingerprint
        ) == [
            ("operator", "CA"),
            ("operator", "TSA"),
        ]
    assert run("trust", "remove", f"sha256:{fingerprint}") == (0, "Removed 2 trust anchor(s).\n")
    code, output = run("trust", "remove", f"sha256:{fingerprint}")
    assert code == 1 and "No trust anchor has this fingerprint." in output
    with database.session() as db:
        assert all(row.fingerprint != fingerprint for row in anchors.listing(db))
    database.dispose()
    code, output = run("trust", "add-ca", str(tmp_path / "missing.pem"))
    assert code == 1 and "cannot read" in output and "missing.pem" in output
