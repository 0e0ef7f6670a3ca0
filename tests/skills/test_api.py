"""The skills API on the real ESCO v1.1.1: the learner's experiences, profile, matches and extraction; cohorts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from microcred.skills import cohorts
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.skills.fixtures import give_skills


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_profile_over_the_api(client: TestClient, world: World) -> None:
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    headers = {"X-CSRF-Token": csrf_from(client.get("/profile").text)}
    created = client.post(
        "/api/me/experiences",
        headers=headers,
        json={
            "kind": "volunteering",
            "title": "Literacy volunteer",
            "description": "I taught adults to read and write and planned weekly lessons.",
        },
    )
    assert created.status_code == 201, created.text
    experience = created.json()
    suggested = client.post(f"/api/me/experiences/{experience['id']}/suggestions", headers=headers).json()
    assert any(not s["confirmed"] for s in suggested["skills"])
    skill = suggested["skills"][0]
    bad = client.put(
        f"/api/me/experiences/{experience['id']}/skills/{skill['uri'].rsplit('/', 1)[-1]}",
        headers=headers,
        json={"strength": 9},
    )
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_strength"
    kept = client.put(
        f"/api/me/experiences/{experience['id']}/skills/{skill['uri'].rsplit('/', 1)[-1]}",
        headers=headers,
        json={"strength": 5},
    )
    assert kept.status_code == 200
    profile = client.get("/api/me/profile").json()
    assert [(p["uri"], p["strength"]) for p in profile] == [(skill["uri"], 5)]
    matches = client.get("/api/me/career-matches").json()
    assert matches["enough_skills"] is False and "Not enough skills yet" in matches["message"]
    extracted = client.post(
        "/api/skills/extract", headers=headers, json={"text": "Experienced in Python and SQL.", "top": 3}
    ).json()
    assert "Python (computer programming)" in [e["label"] for e in extracted]
    assert client.post("/api/skills/extract", headers=headers, json={"text": ""}).status_code == 422


def test_another_learners_experience_is_not_found(client: TestClient, world: World, database: Database) -> None:
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    headers = {"X-CSRF-Token": csrf_from(client.get("/profile").text)}
    mine = client.post("/api/me/experiences", headers=headers, json={"kind": "job", "title": "Cook"}).json()
    post_logout = client.get("/dashboard")
    client.post("/logout", data={"csrf_token": csrf_from(post_logout.text)})
    log_in(client, "learner@b.example", world.passwords["learner@b.example"])
    headers = {"X-CSRF-Token": csrf_from(client.get("/profile").text)}
    assert client.get(f"/api/me/experiences/{mine['id']}").json()["error"] == "experience_not_found"
    assert client.delete(f"/api/me/experiences/{mine['id']}", headers=headers).status_code == 404
    assert client.get(f"/profile/experiences/{mine['id']}").status_code == 404


def test_cohorts_over_the_api(client: TestClient, world: World, database: Database) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    headers = {"X-CSRF-Token": csrf_from(client.get("/orgs/a/cohorts").text)}
    created = client.post(
        "/api/orgs/a/cohorts", headers=headers, json={"name": "Evening ICT group", "description": "Digital skills"}
    )
    assert created.status_code == 201, created.text
    cohort = created.json()
    assert set(cohort) == {"id", "name", "description", "access_code", "open", "learners"}
    assert (cohort["name"], cohort["open"], cohort["learners"]) == ("Evening ICT group", True, 0)
    assert client.post("/api/orgs/a/cohorts", headers=headers, json={"name": ""}).status_code == 422

    with database.session() as db:
        for key in ("a_learner", "b_learner"):
            cohorts.join_cohort(db, db.merge(world.users[key]), cohort["access_code"], share_skills=key == "a_learner")
    give_skills(database, "learner@a.example", ["SQL", "JavaScript"])
    give_skills(database, "learner@b.example", ["SQL"])

    listed = client.get("/api/orgs/a/cohorts").json()
    assert [(c["id"], c["learners"]) for c in listed] == [(cohort["id"], 2)]
    learners = client.get(f"/api/orgs/a/cohorts/{cohort['id']}/learners").json()
    assert [(row["email"], row["skills"], row["experiences"]) for row in learners] == [
        ("learner@a.example", 2, 1),
        ("learner@b.example", None, 1),  # B does not share their skills
    ]
    assert learners[0]["shares"] == {"skills": True, "experiences": False, "careers": True}
    assert learners[0]["status"] == "in_progress" and learners[0]["last_activity"]
    filtered = client.get(f"/api/orgs/a/cohorts/{cohort['id']}/learners", params={"q": "b.example"}).json()
    assert [row["email"] for row in filtered] == ["learner@b.example"]
    bad = client.get(f"/api/orgs/a/cohorts/{cohort['id']}/learners", params={"status": "done"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_status"
    distribution = client.get(f"/api/orgs/a/cohorts/{cohort['id']}/skills-distribution").json()
    assert sorted((d["label"], d["users"]) for d in distribution) == [("JavaScript", 1), ("SQL", 1)]
    assert client.get(f"/api/orgs/b/cohorts/{cohort['id']}/learners").status_code in (403, 404)  # not B's educator
