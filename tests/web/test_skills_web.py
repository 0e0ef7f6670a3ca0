"""The learner's profile over the API and the pages, on the real ESCO v1.1.1."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from microcred.store import Database
from tests.conftest import World, csrf_from, log_in


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


def test_profile_pages_from_experience_to_matches(client: TestClient, world: World) -> None:
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    form = client.get("/profile/experiences/new")
    assert form.status_code == 200 and '<label for="description">' in form.text
    created = client.post(
        "/profile/experiences",
        data={
            "csrf_token": csrf_from(form.text),
            "kind": "job",
            "title": "Welder",
            "description": "I welded steel structures and read technical drawings.",
            "started_on": "2020-03-01",
            "ended_on": "",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "Suggested skills" in page.text and "operate welding equipment" in page.text
    skill_uri = page.text.split('name="skill" value="')[1].split('"')[0]
    kept = client.post(
        f"{created.headers['location']}/skills",
        data={"csrf_token": csrf_from(page.text), "skill": skill_uri, "strength": "4"},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    profile = client.get("/profile").text
    assert "Welder" in profile and 'aria-label="strength 4 of 5"' in profile
    careers = client.get("/profile/careers").text
    assert "Not enough skills yet." in careers
    bad_dates = client.post(
        "/profile/experiences",
        data={"csrf_token": csrf_from(form.text), "kind": "job", "title": "Welder", "started_on": "March"},
    )
    assert bad_dates.status_code == 422 and "must look like 2024-09-30" in bad_dates.text
