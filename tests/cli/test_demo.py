"""`microcred demo` against a database holding ESCO v1.1.1, as `make run` runs it: made once, with published
micro-credentials, a pathway, a cohort, a TEST seal certificate and the learner's sealed credentials; the
one-time passwords boxed last and in a file only its owner reads."""

from __future__ import annotations

import os
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts import demo, login, service
from microcred.accounts.principal import Actor
from microcred.cli.admin import write_private
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.models import CatalogueEntry, Specification
from microcred.issuing import credentials, documents, keys, seals
from microcred.issuing.models import IssuedCredential, SealCertificate
from microcred.issuing.sources import sources
from microcred.pathways import service as pathways
from microcred.pathways.models import Pathway
from microcred.skills import cohorts
from microcred.skills.models import Cohort
from microcred.store import Database
from microcred.trust import keystore
from microcred.verify import checks
from microcred.wallet import service as wallet
from microcred.web.app import create_app
from tests.cli.conftest import run
from tests.conftest import TEST_SECRET, csrf_from, log_in

BASE = "http://127.0.0.1:8000"  # the default base_url the command issues under


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def counts(db: Session) -> tuple[int, ...]:
    return tuple(
        int(db.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Specification, CatalogueEntry, Pathway, Cohort, SealCertificate, IssuedCredential)
    )


def master(tmp_path: Path) -> bytes:
    """The master key the command made in the data directory (MICROCRED_DATA_DIR is tmp_path)."""
    return keys.master_key(Settings(data_dir=tmp_path).resolved_master_key())


def test_the_demo_is_made_once_and_its_passwords_come_last_boxed_and_in_a_private_file(
    cli_env: str, tmp_path: Path
) -> None:
    accounts_file = tmp_path / "var" / "demo-accounts.txt"
    code, output = run("demo", "--accounts-file", str(accounts_file))
    assert code == 0, output
    lines = output.rstrip().splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("╭─ Demo accounts: one-time passwords"))
    assert lines[-1].startswith("╰") and lines[-1].endswith("╯")  # the box is the last thing printed
    assert all(line.startswith("│") for line in lines[top + 1 : -1])
    boxed = "\n".join(lines[top:])
    passwords = dict(re.findall(r"(\w+@demo\.example)\s+.*?\s(\S{16})\s+│", boxed))
    assert set(passwords) == {"admin@demo.example", "educator@demo.example", "learner@demo.example"}
    above = "\n".join(lines[:top])
    assert not any(password in above for password in passwords.values())  # shown once, in the box
    assert "4 published micro-credentials" in above and "a TEST seal certificate" in above
    assert str(accounts_file) in "".join(boxed.replace("│", "").split())  # a long path may be folded

    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    written = accounts_file.read_text()
    for email, password in passwords.items():
        assert re.search(rf"^{re.escape(email)}\t[^\t]+\t{re.escape(password)}$", written, re.M)
    code_in_output = re.search(r"cohort with the code ([A-Z2-9]{10})", above)
    assert code_in_output is not None

    database = Database(cli_env)
    with database.session() as db:
        assert login.authenticate(db, "educator@demo.example", passwords["educator@demo.example"])
        before = counts(db)
        assert before == (4, 4, 1, 1, 1, 2)
    stamp = accounts_file.stat().st_mtime_ns

    code, again = run("demo", "--accounts-file", str(accounts_file))
    assert code == 0 and "nothing changed" in again
    assert not any(password in again for password in passwords.values())
    assert again.rstrip().splitlines()[-1].startswith("╰")  # still ends with the box: the accounts, no passwords
    assert str(accounts_file) in "".join(again.replace("│", "").split())
    assert accounts_file.stat().st_mtime_ns == stamp and accounts_file.read_text() == written
    with database.session() as db:
        assert counts(db) == before
        assert cohorts.cohorts(db, service.organisation_by_slug(db, "demo"))[0][0].access_code == (
            code_in_output.group(1)
        )
    database.dispose()


def test_the_demo_catalogue_pathway_cohort_and_seal_work(cli_env: str, tmp_path: Path) -> None:
    code, output = run("demo", "--accounts-file", str(tmp_path / "accounts.txt"))
    assert code == 0, output
    database = Database(cli_env)
    key = master(tmp_path)
    with database.session() as db:
        organisation = service.organisation_by_slug(db, "demo")
        rows = design.specifications(db, organisation)
        assert sorted(row.spec.title for row in rows) == sorted(c["title"] for c in demo.SPECIFICATIONS)
        for row in rows:
            assert design.status(row.spec) == "published"
            content = design.content_of(row.spec)
            assert content.skill_uris() and not design.unknown_skills(db, content)  # ESCO v1.1.1's own skills
            assert design.report(db, organisation, row.spec).publishable

        [pathway] = pathways.of_organisation(db, organisation)
        assert sorted(pathway.rules["approved"]) == sorted(str(row.spec.id) for row in rows)
        assert len(pathway.rules["required_skills"]) == 3  # known to ESCO, so kept
        assert [p.title for p, _org in pathways.listed(db)] == ["Data analysis foundations"]

        [(cohort, _members)] = cohorts.cohorts(db, organisation)
        joiner, _password = service.create_user(
            db, Actor.operator(), email="newcomer@demo.example", display_name="Nico Newcomer"
        )
        assert cohorts.join_cohort(db, joiner, cohort.access_code.lower()).cohort_id == cohort.id

        certificate = seals.current(db, organisation)
        assert certificate is not None
        assert "TEST" in certificate.subject and demo.TEST_MARK in certificate.subject
        assert "TEST CA" in certificate.issuer and demo.TEST_MARK in certificate.issuer
        secret = keystore.unseal(certificate.private_sealed, key, str(certificate.id))
        assert secret not in certificate.private_sealed  # the key is kept sealed under the master key
        [leaf, ca] = seals.chain_of(certificate)
        assert leaf.issuer == ca.subject and ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

        here = sources(db, base_url=BASE, master=key)
        learner = service.user_by_email(db, "learner@demo.example")
        held = wallet.held(db, learner)
        assert len(held) == 2 and all(item.kind == "elm" for item in held)
        for item in held:
            report = checks.verify(item.document, here)
            assert report.valid, report.reason
            assert next(c for c in report.checks if c.name == "SEAL").outcome == checks.Outcome.OK

        # a new award of the demo's is sealed with the TEST certificate and verifies valid too
        spec = next(row.spec for row in rows if row.spec.title == "Data visualisation and reporting")
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec.id,
            1,
            documents.Learner(name="Vera Verifier", email="vera@demo.example"),
            documents.Result(awarded=date.today()),
            base_url=BASE,
            master=key,
        )
        assert issued.elm_document is not None
        report = checks.verify(issued.elm_document, sources(db, base_url=BASE, master=key))
        assert report.valid, report.reason
    database.dispose()


def test_the_demo_pages_show_the_test_certificate_and_the_shared_credential(cli_env: str, tmp_path: Path) -> None:
    code, output = run("demo", "--accounts-file", str(tmp_path / "accounts.txt"))
    assert code == 0, output
    passwords = dict(re.findall(r"(\w+@demo\.example)\s+.*?\s(\S{16})\s+│", output))
    share = re.search(r"share link for it: \S+(/share/\S+)", output)
    verify = re.search(r"to verify: \S+(/verify/[0-9a-f-]{36})", output)
    assert share is not None and verify is not None
    database = Database(cli_env)
    app = create_app(Settings(data_dir=tmp_path, database_url=cli_env, secret_key=TEST_SECRET), database)
    with TestClient(app) as client:
        shown = client.get(share.group(1))
        assert shown.status_code == 200 and 'data-verified="true"' in shown.text
        checked = client.get(verify.group(1))
        assert checked.status_code == 200 and 'data-verified="true"' in checked.text
        assert "Querying databases with SQL" in checked.text
        assert client.get("/catalogue?q=SQL").text.count("Querying databases with SQL") >= 1

        log_in(client, "admin@demo.example", passwords["admin@demo.example"])
        with database.session() as db:
            admin = service.user_by_email(db, "admin@demo.example")
            login.change_password(
                db,
                Actor.person(admin),
                admin,
                current_password=passwords["admin@demo.example"],
                new_password="a new demo password 2026",
                keep_session=None,
            )
        log_in(client, "admin@demo.example", "a new demo password 2026")
        signing = client.get("/orgs/demo/signing")
        assert signing.status_code == 200
        badge = re.search(r'<span class="test-material"[^>]*>([^<]+)</span>', signing.text)
        assert badge is not None and badge.group(1) == "Test certificate — not for real use"
        assert "TEST eSeal" in signing.text and "TEST CA" in signing.text
        assert csrf_from(signing.text)
    database.dispose()


def test_the_accounts_file_is_never_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "var" / "demo-accounts.txt"
    path.parent.mkdir()
    path.write_text("an older file anyone could read\n")
    path.chmod(0o644)
    previous = os.umask(0)  # even a permissive umask gives 0600
    try:
        write_private(path, "admin@demo.example\tOrganisation admin\tsecret-one-time\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "admin@demo.example\tOrganisation admin\tsecret-one-time\n"
    assert [p.name for p in path.parent.iterdir()] == ["demo-accounts.txt"]  # no temporary file left
