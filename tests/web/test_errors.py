"""The kit's error mapping and logs: an address whose id cannot be one is a plain 404, and links with secrets in
them (share, join, claim, set-up) never reach a log line whole, whichever logger writes them and however the
path is spelled."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from microcred.web.errors import install_log_redaction
from tests.conftest import World, log_in

SHARE, JOIN, CLAIM, SETUP = "sHaReToKeN_0123456789abc", "JOINCODE42", "cLaImToKeN-9876543210xyz", "SeTuPtOkEn_5555"


def test_bearer_tokens_never_reach_the_logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    install_log_redaction()
    access = logging.getLogger("uvicorn.access")
    # A server started in-process by an earlier test (tests/e2e) configured uvicorn's loggers: its own handlers,
    # no propagation, level WARNING. Here the access log propagates at INFO, as a deployment's does.
    monkeypatch.setattr(access, "propagate", True)
    monkeypatch.setattr(access, "disabled", False)
    monkeypatch.setattr(access, "handlers", [])
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    ours = logging.getLogger("microcred.issuing.runs")  # any logger of ours, not only those with a filter
    lines = [
        f"/share/{SHARE}",
        f"/share/{SHARE}/credential.json",
        f"/join/{JOIN}",
        f"/join?code={JOIN}",
        f"/claim/{CLAIM}/credential.pdf",
        f"/account/setup/{SETUP}",
        f"/login?next=%2Fshare%2F{SHARE}%2Ffeedback",
        f"/login?next=/claim/{CLAIM}",
        f"/account/setup?token={SETUP}",
        f"/login?next=%252Fshare%252F{SHARE}",  # encoded twice
        f"/%73hare/{SHARE}",  # an encoded letter
        f"/Share/{SHARE}",  # another case
        f"//share//{SHARE}",  # repeated slashes
    ]
    with caplog.at_level(logging.INFO):
        for path in lines:
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
            ours.warning("opened %(path)s", {"path": path})
            ours.info(f"plain message about {path}")
    text = caplog.text
    assert text.count("[redacted]") == 3 * len(lines)
    for token in (SHARE, JOIN, CLAIM, SETUP):
        assert token not in text
    assert "/join/sign-up" in logging.Formatter().format(
        logging.getLogger("x").makeRecord("x", logging.INFO, "f", 1, "%s", ("/join/sign-up",), None)
    )


def test_an_address_whose_id_cannot_be_one_is_not_found_in_plain_words(client: TestClient, world: World) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    for url in ("/orgs/a/specifications/not-an-id", "/orgs/a/credentials/12345", "/wallet/x"):
        page = client.get(url)
        assert page.status_code == 404, (url, page.status_code)
        assert "There is nothing at this address." in page.text
        for jargon in ("path.", "Input should", "UUID"):
            assert jargon not in page.text, (url, jargon)
    api = client.get("/api/orgs/a/specifications/not-an-id")
    assert api.status_code == 404 and api.json() == {
        "error": "not_found",
        "detail": "There is nothing at this address.",
    }
    # Anyone else is asked to log in first, as for any address of an organisation, and bad input still names itself.
    client.cookies.clear()
    assert client.get("/api/orgs/a/specifications/not-an-id").status_code == 401
    assert client.get("/api/orgs/a/audit?before=99999999999999999999").status_code == 401
