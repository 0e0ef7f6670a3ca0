"""The public catalogue over HTTP, with no account: the search API and page, a detail page, comparison, documents."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from tests.conftest import World
from tests.design.fixtures import annex_i_minimum
from tests.web.test_api import assert_error, bearer


def publish(client: TestClient, headers: dict[str, str], org: str, **changes: Any) -> str:
    created = client.post(f"/api/orgs/{org}/specifications", json=annex_i_minimum(**changes), headers=headers)
    assert created.status_code == 201, created.text
    spec_id: str = created.json()["id"]
    assert client.post(f"/api/orgs/{org}/specifications/{spec_id}/publish", json={}, headers=headers).status_code == 201
    return spec_id


def shelf(client: TestClient, database: Database, world: World) -> dict[str, str]:
    a = bearer(database, world, "a", Role.EDUCATOR)
    b = bearer(database, world, "b", Role.EDUCATOR)
    ids = {
        "teams": publish(client, a, "a", languages=["en"], price={"amount": "0", "currency": "EUR"}),
        "python": publish(
            client, a, "a", title="Data analysis with Python", eqf_level=5, languages=["en", "fr"], workload_hours="150"
        ),
        "care": publish(client, b, "b", title="Caring at home", eqf_level=4, languages=["fr"], participation="onsite"),
    }
    draft = client.post("/api/orgs/b/specifications", json=annex_i_minimum(title="Hidden draft"), headers=b)
    ids["draft"] = draft.json()["id"]
    return ids


def test_anyone_searches_filters_and_counts_over_the_api(client: TestClient, database: Database, world: World) -> None:
    ids = shelf(client, database, world)
    everything = client.get("/api/catalogue")
    assert everything.status_code == 200
    body = everything.json()
    assert body["total"] == 3 and ids["draft"] not in {item["id"] for item in body["items"]}
    assert {v["value"]: v["count"] for v in body["facets"]["provider"]} == {"a": 2, "b": 1}

    french = client.get("/api/catalogue", params=[("language", "fr"), ("language", "de"), ("sort", "level")]).json()
    assert [item["summary"]["title"] for item in french["items"]] == ["Caring at home", "Data analysis with Python"]
    assert {v["value"]: (v["count"], v["selected"]) for v in french["facets"]["language"]} == {
        "en": (2, False),
        "fr": (2, True),
        "de": (0, True),
    }
    found = client.get("/api/catalogue", params={"q": "python", "eqf": "5"}).json()
    assert [item["id"] for item in found["items"]] == [ids["python"]]
    assert found["sort"] == "relevance"

    assert_error(client.get("/api/catalogue", params={"eqf": "9"}), 422, "invalid_query")
    assert_error(client.get("/api/catalogue", params={"colour": "red"}), 422, "invalid_query")
    assert_error(client.get("/api/catalogue", params={"provider": "zzz"}), 422, "invalid_query")
    schema = client.get("/openapi.json").json()["paths"]["/api/catalogue"]["get"]
    assert {"q", "eqf", "language", "hours_min", "price_max", "sort"} <= {p["name"] for p in schema["parameters"]}


def test_a_listed_micro_credential_its_editions_and_documents(
    client: TestClient, database: Database, world: World
) -> None:
    ids = shelf(client, database, world)
    item = client.get(f"/api/catalogue/{ids['python']}").json()
    assert item["content"]["title"] == "Data analysis with Python" and item["listed"] is True
    assert item["provider"]["slug"] == "a" and item["size"] == "short_learning_programme"
    assert client.get(f"/api/catalogue/{ids['draft']}").status_code == 404
    for fmt, kind in (("elm", "LearningOpportunity"), ("ob3", "Achievement")):
        document = client.get(item["documents"][fmt])
        assert document.status_code == 200 and document.headers["content-type"] == "application/ld+json"
        assert kind in str(document.json()["type"])
        assert document.json()["id"].endswith(f"/catalogue/{ids['python']}/editions/1")
    # The edition's address, which the documents use as their id, gives JSON-LD to machines and a page to people.
    address = f"/catalogue/{ids['python']}/editions/1"
    assert client.get(address, headers={"Accept": "application/ld+json"}).json()["type"] == "LearningOpportunity"
    assert "<h1>Data analysis with Python</h1>" in client.get(address).text

    educator = bearer(database, world, "a", Role.EDUCATOR)
    client.post(f"/api/orgs/a/specifications/{ids['python']}/withdraw", headers=educator)
    assert client.get(f"/api/catalogue/{ids['python']}").status_code == 404
    assert client.get("/api/catalogue").json()["total"] == 2
    kept = client.get(f"/api/catalogue/{ids['python']}/editions/1").json()
    assert kept["listed"] is False  # issued credentials still point here
    assert "withdrawn this micro-credential" in client.get(address).text


def test_compare_up_to_four(client: TestClient, database: Database, world: World) -> None:
    ids = shelf(client, database, world)
    both = client.get("/api/catalogue/compare", params=[("id", ids["care"]), ("id", ids["teams"])]).json()
    assert [item["content"]["title"] for item in both] == ["Caring at home", "Digital content for teams"]
    five = [("id", ids["care"]), ("id", ids["teams"]), ("id", ids["python"])] + [("id", str(n)) for n in range(2)]
    assert_error(client.get("/api/catalogue/compare", params=five), 422, "invalid_compare")
    assert client.get("/api/catalogue/compare", params={"id": ids["draft"]}).status_code == 404

    page = client.get("/catalogue/compare", params=[("id", ids["care"]), ("id", ids["python"])])
    assert page.status_code == 200
    table = page.text[page.text.index('<table id="comparison"') :]
    assert "Caring at home" in table and "Data analysis with Python" in table
    assert "EQF 4" in table and "EQF 5" in table and "Type of quality assurance" not in table
    assert "Quality assurance" in table and "Short learning programme" in table
    assert client.get("/catalogue/compare", params=five).status_code == 422


def test_the_catalogue_page_needs_no_account(client: TestClient, database: Database, world: World) -> None:
    ids = shelf(client, database, world)
    page = client.get("/catalogue", params={"language": "fr"})
    assert page.status_code == 200
    assert 'href="/catalogue"' in page.text  # in the navigation for visitors
    assert re.search(r"<h2 id=\"results-heading\">2 micro-credentials</h2>", page.text)
    assert 'name="language" value="fr" checked' in page.text
    assert f'href="/catalogue/{ids["care"]}"' in page.text and "Hidden draft" not in page.text
    detail = client.get(f"/catalogue/{ids['care']}").text
    elements = ("Awarding body", "Learning outcomes", "Notional workload", "Type of assessment", "Quality assurance")
    for element in elements:
        assert f"<dt>{element}</dt>" in detail
    assert client.get("/catalogue", params={"eqf": "12"}).status_code == 422
    provider = client.get("/catalogue/providers/b", follow_redirects=False)
    assert provider.status_code == 303 and provider.headers["location"] == "/catalogue?provider=b"
    assert client.get("/catalogue/providers/nobody").status_code == 404
    paged = client.get("/catalogue", params={"per_page": "1", "sort": "title"})
    assert 'rel="next"' in paged.text and "page=2" in paged.text
