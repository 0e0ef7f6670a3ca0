"""The kit's error mapping and logs: an address whose id cannot be one is a plain 404, and links with secrets in
them (share, join, claim, set-up) never reach a log line whole, whichever logger writes them and however the
path is spelled."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from microcred.web.errors import install_log_redaction
from tests.conftest import World, csrf_from, log_in

SHARE, JOIN, CLAIM, SETUP = "sHaReToKeN_0123456789abc", "JOINCODE42", "cLaImToKeN-9876543210xyz", "SeTuPtOkEn_5555"
EXCHANGE = "eXcHaNgE-IdOfFortyThreeCharacters_012345678"


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
        f"/workflows/claim/exchanges/{EXCHANGE}",  # a VCALM exchange: its id lets a wallet take part
        f"/workflows/issue/exchanges/{EXCHANGE}/protocols?iuv=1",
    ]
    with caplog.at_level(logging.INFO):
        for path in lines:
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
            ours.warning("opened %(path)s", {"path": path})
            ours.info(f"plain message about {path}")
    text = caplog.text
    assert text.count("[redacted]") == 3 * len(lines)
    for token in (SHARE, JOIN, CLAIM, SETUP, EXCHANGE):
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


def test_a_mistyped_id_is_not_found_whatever_else_was_sent(client: TestClient, world: World) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get("/orgs/a/members")
    form = {"csrf_token": csrf_from(page.text), "role": "boss"}  # the id cannot be one and the role is wrong too
    refused = client.post("/orgs/a/members/not-an-id/role", data=form)
    assert refused.status_code == 404 and "There is nothing at this address." in refused.text
    api = client.put("/api/orgs/a/specifications/not-an-id", json=[], headers={"x-csrf-token": form["csrf_token"]})
    assert api.status_code == 404 and api.json() == {
        "error": "not_found",
        "detail": "There is nothing at this address.",
    }


def test_bad_input_is_named_by_its_label_in_plain_sentences(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    csrf = csrf_from(client.get("/dashboard").text)
    api = client.post(
        "/api/orgs/a/specifications",
        json={"title": "x" * 301, "workload_hours": "lots", "eqf_level": 9, "colour": "red"},
        headers={"x-csrf-token": csrf},
    )
    assert api.status_code == 422 and set(api.json()) == {"error", "detail"}
    assert api.json()["detail"] == (
        "Title must be at most 300 characters long. Workload (hours) must be a number. EQF level must be at most 8. "
        "Colour is not one of the fields this accepts."
    )
    not_json = client.post(
        "/api/orgs/a/specifications",
        content=b'{"title": ',
        headers={"x-csrf-token": csrf, "content-type": "application/json"},
    )
    assert not_json.json()["detail"] == "The request body is not valid JSON."
    assert client.post("/api/orgs/a/specifications", json=[1], headers={"x-csrf-token": csrf}).json()["detail"] == (
        "The request body must be a JSON object with the fields described in the API documentation."
    )
    too_many = client.get("/api/skills", params={"q": "x" * 201})
    assert too_many.json()["detail"] == "Search text must be at most 200 characters long."
    page = client.post("/profile/experiences", data={"csrf_token": csrf, "kind": "dream", "title": "t" * 201})
    assert page.status_code == 422
    assert "Kind must be one of:" in page.text and "Title must be at most 200 characters long." in page.text
    for jargon in ("body.", "Input should", "Field required", "String should", ".;", "value_error"):
        assert jargon not in page.text and jargon not in api.text, jargon
