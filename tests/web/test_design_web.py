"""The design stage over HTTP: the JSON API with roles, and the educator's pages (without a browser)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum
from tests.web.test_api import assert_error, bearer

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


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
        (annex_i_minimum(eqf_level=11), "eqf_level"),
        (annex_i_minimum(workload_hours=-3), "workload_hours"),
        (annex_i_minimum(credits={"value": 5}), "system"),
        (annex_i_minimum(learning_outcomes=[{"text": "x", "skills": ["not-a-uri"]}]), "skills"),
    ):
        response = client.post("/api/orgs/a/specifications", json=body, headers=educator)
        assert response.status_code == 422 and field in response.text, response.text
    bad_import = client.post("/api/orgs/a/specifications/import", content=b'{"type": "Person"}', headers=educator)
    assert_error(bad_import, 422, "invalid_document")
    assert client.get("/api/orgs/a/specifications", headers=educator).json() == []


def test_the_educator_pages_flag_a_missing_element_and_publish_once_fixed(client: TestClient, world: World) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    form_page = client.get("/orgs/a/specifications/new")
    assert (
        form_page.status_code == 200 and ">Alpha Academy | IE</textarea>" in form_page.text
    )  # prefilled awarding body
    form = {
        "csrf_token": csrf_from(form_page.text),
        "title": "Spreadsheets for small business",
        "issuer_country": "IE",
        "awarding_bodies": "Alpha Academy | IE",
        "outcome_0": "Build a cash-flow forecast in a spreadsheet",
        "outcome_1": "",
        "workload_hours": "30",
        "credit_system": "ECTS",
        "credit_value": "1",
        "eqf_level": "4",
        "assessment_type": "project",
        "participation": "online",
    }
    saved = client.post("/orgs/a/specifications", data=form)
    assert saved.status_code == 200 and "Saved." in saved.text
    assert "Type of quality assurance" in saved.text and 'id="blocking"' in saved.text
    edit_url = re.search(r'action="(/orgs/a/specifications/[0-9a-f-]+/edit)"', saved.text).group(1)  # type: ignore[union-attr]
    spec_url = edit_url.removesuffix("/edit")
    refused = client.post(f"{spec_url}/publish", data={"csrf_token": csrf_from(saved.text), "review_due": ""})
    assert refused.status_code == 422 and "cannot be published yet" in refused.text

    bad = client.post(edit_url, data={**form, "csrf_token": csrf_from(saved.text), "eqf_level": "9"})
    assert bad.status_code == 422 and "eqf_level" in bad.text and 'value="Spreadsheets for small business"' in bad.text
    fixed = client.post(edit_url, data={**form, "csrf_token": csrf_from(saved.text), "qa_type": "internal"})
    assert 'id="publishable"' in fixed.text
    published = client.post(f"{spec_url}/publish", data={"csrf_token": csrf_from(fixed.text), "review_due": ""})
    assert published.status_code == 200 and 'id="status">published<' in published.text
    assert "Edition 1" in published.text and "First edition." in published.text
    listing = client.get("/orgs/a/specifications")
    assert "Spreadsheets for small business" in listing.text and "Annex I complete" in listing.text
    edition = client.get(f"{spec_url}/editions/1")
    assert edition.status_code == 200 and "A published edition never changes" in edition.text


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
