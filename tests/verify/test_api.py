"""The verification API (W3C VC-API /credentials/verify and /presentations/verify, the registry): what it answers,
and the work it does per anonymous request bounded: a presentation carries at most ten credentials, a request's
fetches share one time budget, each address has a rate of verifications, bodies have a size."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.config import Settings
from microcred.store import Database
from microcred.verify import checks
from microcred.web.app import create_app
from microcred.web.security import RateLimit, client_key
from tests.conftest import csrf_from
from tests.verify.test_checks import outcomes
from tests.verify.test_fetch import Site, fetcher, publish_issuer, site  # noqa: F401 (site is a fixture)


def test_the_api_refuses_deep_documents_with_a_sentence(client: TestClient) -> None:
    deep: Any = {}
    for _ in range(200):
        deep = {"a": deep}
    answer = client.post("/credentials/verify", json={"verifiableCredential": deep})
    assert answer.status_code == 400 and "nested more than" in answer.json()["detail"]
    plain = client.post("/credentials/verify", json={"verifiableCredential": {"not": "a credential"}})
    assert plain.status_code == 400 and outcomes(plain.json())["FORMAT"] == "ERROR"


def test_json_ld_built_to_explode_canonicalization_is_refused(client: TestClient) -> None:
    nodes = 12
    clique = [
        {"id": f"_:b{i}", "https://example.org/p": [{"id": f"_:b{j}"} for j in range(nodes) if j != i]}
        for i in range(nodes)
    ]
    did = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:x", "https://example.org/knows": clique},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
            "proofValue": "z" + "1" * 86,
        },
    }
    answer = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert answer.status_code == 400
    proof = next(c for c in answer.json()["checks"] if c["check"] == "PROOF")
    assert proof["outcome"] == "ERROR" and "too entangled" in proof["detail"]


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
    # what costs CPU or rows and needs no account: deriving a disclosure, an exchange from a claim link
    derive = {"verifiableCredential": {}, "options": {"selectivePointers": ["/id"]}}
    assert client.post("/credentials/derive", json=derive).status_code == 429
    assert client.post(f"/api/claim/{'x' * 30}/exchange").status_code == 429
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
