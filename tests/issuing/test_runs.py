"""Issuing many from the JSON API and from the page (a CSV file), in the background with progress; claim links."""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from microcred.accounts.models import Role
from microcred.issuing.models import IssuanceRun, IssuedCredential
from microcred.store import Database
from microcred.store.base import utcnow
from tests.conftest import World, csrf_from, log_in
from tests.issuing.test_issue_edition import published
from tests.web.test_api import assert_error, bearer


def _items(count: int, *, bad: int | None = None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = [
        {"learner": {"name": f"Learner {n}", "email": f"l{n}@example.org"}, "result": {"awarded": "2026-11-20"}}
        for n in range(count)
    ]
    if bad is not None:
        items[bad] = {"learner": {"name": "No id"}, "result": {"awarded": "2026-11-20"}}
    return items


def _issued(database: Database) -> int:
    with database.session() as db:
        return int(db.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def test_a_json_batch_is_checked_whole_issued_in_the_background_and_never_twice(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials/batch"

    refused = assert_error(client.post(url, json={"items": _items(4, bad=2)}, headers=educator), 422, "invalid_batch")
    assert "item 3:" in refused["detail"] and "Nothing was issued" in refused["detail"]
    twice = _items(2) + _items(1)
    assert "the same learner and date" in client.post(url, json={"items": twice}, headers=educator).json()["detail"]
    assert _issued(database) == 0

    started = client.post(url, json={"items": _items(5)}, headers=educator)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["total"] == 5 and run["state"] == "queued"
    finished = client.get(f"/api/orgs/a/runs/{run['id']}", headers=educator).json()
    assert finished["state"] == "finished" and finished["done"] == 5
    assert [o["status"] for o in finished["outcomes"]] == ["issued"] * 5
    assert _issued(database) == 5
    result = client.get(f"/api/orgs/a/runs/{run['id']}/result.csv", headers=educator)
    lines = list(csv.DictReader(io.StringIO(result.text)))
    assert [line["status"] for line in lines] == ["issued"] * 5 and all(line["credential_id"] for line in lines)

    again = client.post(url, json={"items": _items(6)}, headers=educator).json()  # the same five and one more
    outcomes = client.get(f"/api/orgs/a/runs/{again['id']}", headers=educator).json()["outcomes"]
    assert [o["status"] for o in outcomes] == ["already issued"] * 5 + ["issued"]
    assert _issued(database) == 6

    learner = bearer(database, world, "a", Role.LEARNER)
    assert client.post(url, json={"items": _items(1)}, headers=learner).status_code == 403
    assert client.get(f"/api/orgs/a/runs/{run['id']}", headers=learner).status_code == 403


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
    assert refused.status_code == 422 and "line 3" in refused.text and _issued(database) == 0
    good = b"name,email,awarded,grade\nAna,ana@example.org,2026-11-20,Pass\nBo,bo@example.org,2026-11-19,\n"
    sent = client.post(
        f"/orgs/a/specifications/{spec_id}/issue-batch",
        data={"csrf_token": csrf},
        files={"file": ("learners.csv", good, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and "/orgs/a/runs/" in sent.headers["location"]
    shown = client.get(sent.headers["location"])
    assert re.search(r'<progress id="run-progress" max="2" value="2">', shown.text)
    assert "2 issued, 0 issued before, 0 failed." in shown.text and 'id="run-result"' in shown.text
    with database.session() as db:
        assert db.scalar(select(IssuanceRun.state)) == "finished"
    forged = client.post(
        f"/orgs/a/specifications/{spec_id}/issue-batch", files={"file": ("learners.csv", good, "text/csv")}
    )
    assert forged.status_code == 403  # no CSRF token, no run


def test_a_claim_link_shows_the_learner_their_credential_until_it_expires_or_is_replaced(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    body = {
        "learner": {"name": "Ana <b>Andromeda</b>", "email": "ana@example.org"},
        "result": {"awarded": "2026-11-20"},
    }
    issued = client.post(f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials", json=body, headers=educator)
    credential_id = issued.json()["id"]
    made = client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={"days": 7}, headers=educator)
    assert made.status_code == 201
    link = made.json()["url"]
    path = urlparse(link).path
    assert re.fullmatch(r"/claim/[A-Za-z0-9_-]{43}", path)

    anonymous = TestClient(client.app)
    page = anonymous.get(path)
    assert page.status_code == 200 and "Ana &lt;b&gt;Andromeda&lt;/b&gt;" in page.text
    assert anonymous.get(f"{path}/credential.json").json()["id"] == f"urn:uuid:{credential_id}"
    assert anonymous.get(f"{path}/credential.pdf").content.startswith(b"%PDF")
    assert anonymous.get(f"{path}/credential-elm.json").status_code == 404  # no seal certificate, no ELM
    with database.session() as db:
        row = db.get(IssuedCredential, uuid.UUID(credential_id))
        assert row is not None and row.claimed_at is not None and path.rsplit("/", 1)[1] not in (row.claim_hash or "")

    wrong = anonymous.get(path[:-1] + ("A" if path[-1] != "A" else "B"))
    assert wrong.status_code == 404 and "not valid or has expired" in wrong.text
    renewed = client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=educator).json()
    assert anonymous.get(path).status_code == 404  # the old link stopped
    new_path = urlparse(renewed["url"]).path
    assert anonymous.get(new_path).status_code == 200
    with database.session() as db:
        row = db.get(IssuedCredential, uuid.UUID(credential_id))
        assert row is not None
        row.claim_expires_at = utcnow() - timedelta(seconds=1)
    assert anonymous.get(new_path).status_code == 404
    assert_error(
        client.post(f"/api/orgs/a/credentials/{credential_id}/claim-link", json={"days": 400}, headers=educator),
        422,
        "invalid_request",
    )


def test_a_run_stops_whole_when_the_tsa_is_down_and_a_dead_run_shows_stopped(
    client: TestClient, database: Database, world: World
) -> None:
    from microcred.accounts.principal import Actor
    from microcred.issuing import seals
    from tests import pki
    from tests.issuing.test_seals import MASTER

    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec_id = published(client, educator)
    with database.session() as db:
        seals.import_pkcs12(db, Actor.operator(), db.merge(world.orgs["a"]), pki.seal_p12(pki.CA()), "secret", MASTER)
    app = client.app
    settings = app.state.settings  # type: ignore[attr-defined]
    master = SecretStr(base64.urlsafe_b64encode(MASTER).decode().rstrip("="))
    app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"tsa_url": "http://127.0.0.1:9/tsa", "master_key": master}
    )
    try:
        url = f"/api/orgs/a/specifications/{spec_id}/editions/1/credentials/batch"
        run = client.post(url, json={"items": _items(3)}, headers=educator).json()
        stopped = client.get(f"/api/orgs/a/runs/{run['id']}", headers=educator).json()
    finally:
        app.state.settings = settings  # type: ignore[attr-defined]
    assert stopped["state"] == "stopped" and "timestamp authority did not answer" in stopped["detail"]
    assert "127.0.0.1:9" not in stopped["detail"] and _issued(database) == 0

    with database.session() as db:
        job = db.get(IssuanceRun, uuid.UUID(run["id"]))
        assert job is not None
        job.state, job.updated_at, job.detail = "running", utcnow() - timedelta(minutes=11), None
    dead = client.get(f"/api/orgs/a/runs/{run['id']}", headers=educator).json()
    assert dead["state"] == "stopped" and "interrupted" in dead["detail"]


def test_claim_tokens_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from microcred.web.errors import install_log_redaction

    install_log_redaction()
    token = "zh1sNyHgi2UXrqy-_OUR1dNwhtVOqfociIiLd3FePu0"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/claim/{token}/credential.pdf", "1.1", 200
        )
    assert "/claim/[redacted]/credential.pdf" in caplog.text and token not in caplog.text
