"""The issuing pages: an educator issues a published micro-credential from its page and revokes it (with a reason),
issues many from a CSV file with its progress shown; an admin manages keys and the seal certificate."""

from __future__ import annotations

import json
import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing.models import IssuanceRun
from microcred.store import Database
from microcred.web.flash import FLASH
from tests import pki
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum
from tests.issuing.test_batch import issued_count
from tests.issuing.test_credentials import published
from tests.web.test_api import bearer


def test_issue_from_the_page_then_revoke_it(client: TestClient, database: Database, world: World) -> None:
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(annex_i_minimum()))
        design.publish(db, Actor.operator(), organisation, spec.id)
        spec_id = spec.id
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get(f"/orgs/a/specifications/{spec_id}")
    assert 'id="issue-form"' in page.text and "Issue edition 1" in page.text
    form = {"csrf_token": csrf_from(page.text), "name": "Ana Andromeda", "awarded": "2026-11-20", "grade": "Pass"}

    refused = client.post(f"/orgs/a/specifications/{spec_id}/issue", data=form)
    assert refused.status_code == 422 and "give an email address or the learner&#39;s number" in refused.text.lower()
    # The form again, the refusal at the top linked to the box it is about, and what was typed kept.
    assert 'id="error-summary"' in refused.text and '<a href="#learner_email">' in refused.text
    assert 'value="Ana Andromeda"' in refused.text and 'value="Pass"' in refused.text
    assert refused.text.index('id="error-summary"') < refused.text.index('id="issue-form"')

    issued = client.post(
        f"/orgs/a/specifications/{spec_id}/issue", data={**form, "email": "ana@example.org"}, follow_redirects=False
    )
    assert issued.status_code == 303
    credential_url = issued.headers["location"].split("?")[0]
    shown = client.get(issued.headers["location"])
    assert re.search(r'<dd id="credential-status">Valid</dd>', shown.text) and "Ana Andromeda" in shown.text
    assert f'<div class="notice" role="status">{FLASH["issued"]}</div>' in shown.text  # it answers
    download = client.get(f"{credential_url}/credential.json")
    assert download.headers["content-type"].startswith("application/vc+ld+json")
    document = json.loads(download.text)
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"] and document["proof"][0]["proofValue"]
    assert "Ana Andromeda" in client.get("/orgs/a/credentials").text

    def act(action: str, reason: str = "Appeal under way", confirm: str = "revoke") -> str:
        csrf = csrf_from(client.get(credential_url).text)
        response = client.post(
            f"{credential_url}/status",
            data={"csrf_token": csrf, "action": action, "reason": reason, "confirm": confirm},
        )
        if response.status_code == 200 and action in ("revoke", "suspend", "reinstate"):  # answered after a redirect
            assert '<div class="notice" role="status">' in response.text
        return re.search(r'<dd id="credential-status">(\w+)</dd>', response.text).group(1)  # type: ignore[union-attr]

    assert 'id="suspension-hint"' in client.get(credential_url).text  # Open Badges: one status entry
    assert act("suspend", reason="") == "Valid"  # no reason, no change
    assert act("suspend") == "Suspended"
    assert act("reinstate", reason="Appeal upheld") == "Valid"
    assert act("revoke", reason="") == "Valid"  # no reason, no change
    assert act("revoke", reason="Plagiarism confirmed", confirm="") == "Valid"  # not confirmed, no change
    unconfirmed = client.post(
        f"{credential_url}/status",
        data={"csrf_token": csrf_from(shown.text), "action": "revoke", "reason": "Plagiarism confirmed"},
    )
    assert unconfirmed.status_code == 422 and '<a href="#revoke-confirm">Tick the box' in unconfirmed.text
    assert 'value="Plagiarism confirmed"' in unconfirmed.text  # the reason as typed, kept
    form_html = client.get(credential_url).text.split('id="revoke-form"', 1)[1].split("</form>", 1)[0]
    assert 'class="danger"' in form_html and re.search(r'name="confirm" value="revoke"\s+required', form_html)
    assert act("revoke", reason="Plagiarism confirmed") == "Revoked"
    assert "Change its status" not in client.get(credential_url).text


def test_an_admin_imports_a_seal_certificate_and_rotates_a_key_from_the_signing_page(
    client: TestClient, world: World
) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    assert client.get("/orgs/a/signing").status_code == 403  # keys and seals are the admin's
    client.cookies.clear()
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get("/orgs/a/signing")
    assert 'id="no-seal-certificate"' in page.text and "Signing" in page.text
    csrf = csrf_from(page.text)
    ca = pki.CA()
    wrong = client.post(
        "/orgs/a/signing/seal-certificate",
        data={"csrf_token": csrf, "password": "not it"},
        files={"file": ("seal.p12", pki.seal_p12(ca), "application/x-pkcs12")},
    )
    assert wrong.status_code == 422 and "password is wrong" in wrong.text and '<a href="#p12_password">' in wrong.text
    imported = client.post(
        "/orgs/a/signing/seal-certificate",
        data={"csrf_token": csrf, "password": "secret"},
        files={"file": ("seal.p12", pki.seal_p12(ca), "application/x-pkcs12")},
    )
    assert imported.status_code == 200 and 'id="seal-certificate"' in imported.text
    assert "VATBE-0123456789" in imported.text and "baseline-B" in imported.text and "PRIVATE" not in imported.text
    assert re.findall(r"did:key:(z\w+)", imported.text) == []  # a key is made on first signing
    assert FLASH["seal-imported"] in imported.text
    rotated = client.post("/orgs/a/signing/rotate", data={"csrf_token": csrf, "algorithm": "Ed25519"})
    assert len(re.findall(r"did:key:(z\w+)", rotated.text)) == 2  # the first one, retired, and its successor
    assert rotated.text.count('<td data-label="Retired">active</td>') == 1 and FLASH["key-rotated"] in rotated.text
    refused = client.post("/orgs/a/signing/rotate", data={"csrf_token": csrf, "algorithm": "RSA"})
    assert refused.status_code == 422 and "Unknown key algorithm" in refused.text
    assert '<a href="#algorithm">' in refused.text  # the refusal at the top, linked to its box


def test_a_csv_file_from_the_page_shows_its_progress_and_result(
    client: TestClient, database: Database, world: World
) -> None:
    spec_id = published(client, bearer(database, world, "a", Role.EDUCATOR))
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get(f"/orgs/a/specifications/{spec_id}")
    assert 'id="batch-form"' in page.text
    csrf = csrf_from(page.text)
    bad = b"name,email,awarded\nAna,ana@example.org,2026-11-20\nBo,,2026-11-20\n"
    refused = client.post(
        f"/orgs/a/specifications/{spec_id}/issue-batch",
        data={"csrf_token": csrf},
        files={"file": ("learners.csv", bad, "text/csv")},
    )
    assert refused.status_code == 422 and "line 3" in refused.text.lower() and issued_count(database) == 0
    # The form again, the file's problems at the top one a line, each leading to the file box.
    assert 'id="batch-form"' in refused.text and "Nothing was issued: the file has problems" in refused.text
    problems = re.findall(r'<li><a href="#batch-file">([^<]+)</a></li>', refused.text)
    assert len(problems) == 1 and problems[0].startswith("Line 3: ")
    good = b"name,email,awarded,grade\nAna,ana@example.org,2026-11-20,Pass\nBo,bo@example.org,2026-11-19,\n"
    sent = client.post(
        f"/orgs/a/specifications/{spec_id}/issue-batch",
        data={"csrf_token": csrf},
        files={"file": ("learners.csv", good, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and "/orgs/a/runs/" in sent.headers["location"]
    shown = client.get(sent.headers["location"])
    assert FLASH["run-started"] in shown.text
    assert re.search(r'<progress id="run-progress" max="2" value="2">', shown.text)
    assert "2 issued, 0 issued before, 0 failed." in shown.text and 'id="run-result"' in shown.text
    with database.session() as db:
        assert db.scalar(select(IssuanceRun.state)) == "finished"
    forged = client.post(
        f"/orgs/a/specifications/{spec_id}/issue-batch", files={"file": ("learners.csv", good, "text/csv")}
    )
    assert forged.status_code == 403  # no CSRF token, no run


def test_a_refused_issue_says_why_and_another_organisations_specification_is_simply_not_found(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        content = SpecificationContent.model_validate(annex_i_minimum())
        draft = design.create(db, Actor.operator(), db.merge(world.orgs["a"]), content).id
        theirs = design.create(db, Actor.operator(), db.merge(world.orgs["b"]), content)
        design.publish(db, Actor.operator(), db.merge(world.orgs["b"]), theirs.id)
        theirs_id = theirs.id
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    csrf = csrf_from(client.get("/orgs/a/credentials").text)
    learner = {"csrf_token": csrf, "name": "Ana Andromeda", "email": "ana@example.org"}
    csv_file = {"file": ("learners.csv", b"name,email,awarded\nAna,ana@example.org,2026-11-20\n", "text/csv")}

    unpublished = client.post(f"/orgs/a/specifications/{draft}/issue", data=learner)
    assert unpublished.status_code == 422 and 'id="error-summary"' in unpublished.text
    assert "Publish the micro-credential before issuing it." in unpublished.text
    assert 'id="issue-unpublished"' in unpublished.text and 'id="issue-form"' not in unpublished.text
    batch = client.post(f"/orgs/a/specifications/{draft}/issue-batch", data={"csrf_token": csrf}, files=csv_file)
    assert batch.status_code == 422 and "Publish the micro-credential before issuing it." in batch.text
    assert client.get(f"/orgs/a/specifications/{draft}/issue").status_code == 200

    assert client.get(f"/orgs/a/specifications/{theirs_id}/issue").status_code == 404
    for path in (f"/orgs/a/specifications/{theirs_id}/issue", f"/orgs/a/specifications/{theirs_id}/issue-batch"):
        other = client.post(path, data=learner, files=csv_file if path.endswith("batch") else None)
        assert other.status_code == 404 and "<h1>Page not found</h1>" in other.text, path
    nobody = f"/orgs/a/credentials/{uuid.uuid4()}"
    for path, form in ((f"{nobody}/status", {"action": "revoke", "reason": "Error"}), (f"{nobody}/claim-link", {})):
        missing = client.post(path, data={"csrf_token": csrf, **form})
        assert missing.status_code == 404 and "<h1>Page not found</h1>" in missing.text, path
    assert issued_count(database) == 0
