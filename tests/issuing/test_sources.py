"""The verification sources issuing implements: our organisations' did:web keys, status lists, award status and
seal certificates read from the database, others' through the fetcher; and `microcred verify FILE --json`, which
verifies with them."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from microcred.accounts.principal import Actor
from microcred.cli import app as cli
from microcred.issuing import keys, seals, sources, status
from microcred.trust import jades, pkix
from microcred.verify.checks import Trust
from microcred.verify.fetch import Fetcher
from tests import pki
from tests.issuing.test_batch import MASTER
from tests.issuing.test_status import BASE, awarded

ELM = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "elm"


def test_the_command_line_prints_the_report_and_exits_by_the_verdict(tmp_path: Path) -> None:
    runner = CliRunner()
    sample = ELM / "Sample-MC-Annex1-signed.jsonld"
    env = {"MICROCRED_DATA_DIR": str(tmp_path)}
    unanchored = runner.invoke(cli, ["verify", str(sample), "--json"], env=env)
    report = json.loads(unanchored.output)  # its certificate expired in 2025, and no trusted TSA vouches for 2023
    assert unanchored.exit_code == 1 and report["verified"] is False
    assert {c["check"]: c["outcome"] for c in report["checks"]}["SEAL"] == "ERROR"
    seal = jades.verify(json.loads(sample.read_bytes()))
    assert seal.stamp is not None
    (tmp_path / "tsa.pem").write_bytes(seal.stamp.certificates[-1].public_bytes(serialization.Encoding.PEM))
    (tmp_path / "seal.pem").write_bytes(seal.chain[0].public_bytes(serialization.Encoding.PEM))
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(cli, ["trust", "add-ca", str(tmp_path / "tsa.pem"), "--tsa"], env=env).exit_code == 0
    assert runner.invoke(cli, ["trust", "add-ca", str(tmp_path / "seal.pem")], env=env).exit_code == 0
    listed = runner.invoke(cli, ["trust", "list"], env=env)
    assert "operator" in listed.output and "TSA" in listed.output
    good = runner.invoke(cli, ["verify", str(sample), "--json"], env=env)
    seal_check = next(c for c in json.loads(good.output)["checks"] if c["check"] == "SEAL")
    assert seal_check["outcome"] == "OK" and "trust anchor" in seal_check["sentence"]
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


def test_our_keys_status_and_organisations_come_from_the_database(db: Session) -> None:
    org, row = awarded(db)
    ours = sources.sources(db, base_url=BASE, master=MASTER, fetcher=Fetcher(enabled=False))
    [key] = keys.keys(db, org)
    method = keys.verification_method(org, key, BASE)
    found = ours.key_for(method, "assertionMethod")
    assert found is not None and found.public_multibase == key.public_multibase
    assert ours.key_for(method, "authentication") is None  # our DID documents list no authentication keys
    assert ours.key_for(f"{keys.did_web_prefix(BASE)}nobody#{key.public_multibase}", "assertionMethod") is None
    assert ours.key_for(f"{keys.did_web(org, BASE)}#zNotOurs", "assertionMethod") is None
    assert ours.key_for(f"did:web:elsewhere.example#{key.public_multibase}", "assertionMethod") is None  # no fetching

    assert sources.verify_here(db, row.document, base_url=BASE, master=MASTER).valid  # key, list, trust: all ours
    url = status.credential_status_url(BASE, row.id)
    assert ours.award_status(url) == {"revoked": False, "suspended": False}
    status.change(db, Actor.operator(), org, f"urn:uuid:{row.id}", purpose="suspension", value=True, reason="Checking")
    assert ours.award_status(url) == {"revoked": False, "suspended": True}
    assert ours.award_status(f"{BASE}/status/credentials/not-a-uuid") is None
    assert ours.award_status(f"https://elsewhere.example/status/credentials/{row.id}") is None  # no standard form

    _state, entries = status.entries_of(db, row.id, BASE)
    listed = ours.status_list(entries[0]["statusListCredential"])
    assert listed is not None and listed["id"] == entries[0]["statusListCredential"]
    assert ours.status_list(f"{BASE}/status/{row.id}") is None  # no list has this id

    assert ours.trust(keys.did_web(org, BASE), {}) == Trust(org.legal_name, accredited=False)
    assert ours.trust("did:web:elsewhere.example", {}) is None
    status.change(db, Actor.operator(), org, f"urn:uuid:{row.id}", purpose="revocation", value=True, reason="Error")
    assert ours.award_status(url) == {"revoked": True, "suspended": True}
    revoked = sources.verify_here(db, row.document, base_url=BASE, master=MASTER)  # the list signed again, read here
    assert {c.name: c.sentence for c in revoked.checks}["REVOCATION"] == "The issuer has revoked this credential."


def test_our_seal_certificates_are_recognised_by_fingerprint_never_as_roots(db: Session) -> None:
    org, _row = awarded(db)
    assert sources.ours(db) == []
    seals.import_pkcs12(db, Actor.operator(), org, pki.seal_p12(pki.CA()), "secret", MASTER)
    [anchor] = sources.ours(db)
    assert anchor.organisation == org.legal_name and f"the seal certificate of {org.legal_name}" in anchor.name
    [certificate] = seals.certificates(db, org)
    assert pkix.fingerprint(anchor.certificate) == pkix.fingerprint(seals.chain_of(certificate)[0])
    anchors = sources.sources(db, base_url=BASE, master=MASTER).anchors()
    fingerprint = pkix.fingerprint(anchor.certificate)
    assert [pkix.fingerprint(a.certificate) for a in anchors.ours] == [fingerprint]
    assert fingerprint not in {pkix.fingerprint(a.certificate) for a in anchors.seals}  # never a root to chain to
