"""The design stage's JSON API: an organisation's specifications with roles, checks, editions and documents,
and the public catalogue's search, listings, comparison and documents, with no account."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from tests.conftest import World
from tests.design.fixtures import annex_i_minimum
from tests.web.test_api import assert_error, bearer


def test_an_educator_designs_checks_publishes_and_exports_over_the_api(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    draft = annex_i_minimum(quality_assurance=None, learning_outcomes=[{"text": "Introduction to spreadsheets"}])
    created = client.post("/api/orgs/a/specifications", json=draft, headers=educator)
    assert created.status_code == 201, created.text
    spec = created.json()
    assert spec["status"] == "draft" and not spec["report"]["publishable"]
    assert spec["report"]["blocking"][0].startswith("Type of quality assurance")
    assert "topic heading" in spec["report"]["outcomes"][0]["problems"][0]
    url = f"/api/orgs/a/specifications/{spec['id']}"
    assert_error(client.post(f"{url}/publish", json={}, headers=educator), 422, "not_publishable")

    fixed = client.put(url, json=annex_i_minimum(), headers=educator)
    assert fixed.json()["report"]["publishable"] is True
    published = client.post(f"{url}/publish", json={}, headers=educator)
    assert published.status_code == 201 and published.json()["number"] == 1
    assert_error(client.post(f"{url}/publish", json={}, headers=educator), 409, "nothing_changed")
    assert client.get(f"{url}/editions/1", headers=educator).json()["title"] == "Digital content for teams"

    for fmt in ("elm", "ob3"):
        exported = client.get(f"{url}/export", params={"format": fmt}, headers=educator)
        assert exported.status_code == 200 and exported.headers["content-type"] == "application/ld+json"
        imported = client.post("/api/orgs/a/specifications/import", content=exported.content, headers=educator)
        assert imported.status_code == 201, imported.text
        assert imported.json()["content"] == client.get(url, headers=educator).json()["content"]
    listed = client.get("/api/orgs/a/specifications", headers=educator).json()
    assert {row["status"] for row in listed} == {"published", "draft"} and len(listed) == 3


def test_learners_cannot_design_and_only_admins_choose_profiles(
    client: TestClient, database: Database, world: World
) -> None:
    learner = bearer(database, world, "a", Role.LEARNER)
    educator = bearer(database, world, "a", Role.EDUCATOR)
    admin = bearer(database, world, "a", Role.ORG_ADMIN)
    assert client.get("/api/orgs/a/specifications", headers=learner).status_code == 403
    assert client.post("/api/orgs/a/specifications", json={}, headers=learner).status_code == 403
    assert client.put("/api/orgs/a/design/profiles", json={"profiles": ["cmf"]}, headers=educator).status_code == 403
    assert client.put("/api/orgs/a/design/profiles", json={"profiles": ["cmf"]}, headers=admin).json() == ["cmf"]
    assert_error(
        client.put("/api/orgs/a/design/profiles", json={"profiles": ["moon"]}, headers=admin), 422, "unknown_profile"
    )


def test_bad_specifications_are_refused_naming_the_field_and_nothing_is_saved(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    for body, field in (
        (annex_i_minimum(eqf_level=11), "EQF level must be at most 8."),
        (annex_i_minimum(workload_hours=-3), "Workload"),
        (annex_i_minimum(credits={"value": 5}), "System of credits is required."),
        (annex_i_minimum(learning_outcomes=[{"text": "x", "skills": ["not-a-uri"]}]), "skill"),
    ):
        response = client.post("/api/orgs/a/specifications", json=body, headers=educator)
        assert response.status_code == 422 and field in response.json()["detail"], response.text
    bad_import = client.post("/api/orgs/a/specifications/import", content=b'{"type": "Person"}', headers=educator)
    assert_error(bad_import, 422, "invalid_document")
    assert client.get("/api/orgs/a/specifications", headers=educator).json() == []


def test_overdue_reviews_are_listed_with_their_real_status(
    client: TestClient, database: Database, world: World
) -> None:
    from datetime import date, timedelta

    from sqlalchemy import update

    from microcred.design.models import Specification

    educator = bearer(database, world, "a", Role.EDUCATOR)
    spec = client.post("/api/orgs/a/specifications", json=annex_i_minimum(), headers=educator).json()
    client.post(f"/api/orgs/a/specifications/{spec['id']}/publish", json={}, headers=educator)
    assert client.get("/api/orgs/a/design/overdue-reviews", headers=educator).json() == []
    with database.session() as db:
        db.execute(update(Specification).values(review_due=date.today() - timedelta(days=1)))
    client.put(f"/api/orgs/a/specifications/{spec['id']}", json=annex_i_minimum(eqf_level=5), headers=educator)
    rows = client.get("/api/orgs/a/design/overdue-reviews", headers=educator).json()
    assert [(r["id"], r["status"], r["latest_edition"], r["publishable"]) for r in rows] == [
        (spec["id"], "changed", 1, True)
    ]


# The public catalogue ----------


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
