"""Claim links: the learner's way to their credential, shown only once, replaced by a new one, expiring."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.issuing.models import IssuedCredential
from microcred.store import Database
from microcred.store.base import utcnow
from tests.conftest import World
from tests.issuing.test_credentials import published
from tests.web.test_api import assert_error, bearer


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
