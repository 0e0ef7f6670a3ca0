"""The taxonomy API over the real ESCO v1.1.1: the release, career fields, careers and skills, and search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

DIRECTOR = "00030d09-2b3a-4efd-87cc-c4ea39d27c34"  # technical director


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_release_and_career_fields_cover_every_career(client: TestClient) -> None:
    release = client.get("/api/taxonomy").json()
    assert release["version"] == "1.1.1" and release["counts"]["occupations"] == 3007
    fields = client.get("/api/career-fields").json()
    assert {f["name"] for f in fields} >= {"Software & ICT", "Teaching & Education", "Health & Care"}
    assert sum(f["careers"] for f in fields) == 3007  # every career is in exactly one field
    assert all(f["careers"] > 0 for f in fields)


def test_a_field_lists_its_careers(client: TestClient) -> None:
    ict = client.get("/api/career-fields/software-ict").json()
    labels = {c["label"] for c in ict["career_list"]}
    assert {"software developer", "ICT security manager"} <= labels
    assert all(c["isco_group"][:2] in ("25", "35") for c in ict["career_list"])
    developer = next(c for c in ict["career_list"] if c["label"] == "software developer")
    detail = client.get(f"/api/careers/{developer['id']}").json()
    assert detail["essential_skills"] and detail["optional_skills"]
    assert client.get("/api/career-fields/astrology").json()["error"] == "career_field_not_found"


def test_career_detail_names_its_skills(client: TestClient) -> None:
    career = client.get(f"/api/careers/{DIRECTOR}").json()
    assert career["label"] == "technical director"
    assert career["isco_group"] == "2654" and career["isco_label"]
    assert "head of technical" in career["alt_labels"]
    assert "theatre techniques" in {s["label"] for s in career["essential_skills"]}
    assert not ({s["uri"] for s in career["essential_skills"]} & {s["uri"] for s in career["optional_skills"]})
    assert client.get("/api/careers/no-such-career").json()["error"] == "occupation_not_found"


def test_skill_detail_names_the_careers_that_need_it(client: TestClient) -> None:
    career = client.get(f"/api/careers/{DIRECTOR}").json()
    theatre = next(s for s in career["essential_skills"] if s["label"] == "theatre techniques")
    skill = client.get(f"/api/skills/{theatre['id']}").json()
    assert skill["label"] == "theatre techniques"
    assert "technical director" in {c["label"] for c in skill["essential_for"]}
    python = client.get("/api/skills/ccd0a1d9-afda-43d9-b901-96344886e14d").json()  # Python (programming)
    assert "digital" in python["collections"]


def test_search_api(client: TestClient) -> None:
    skills = client.get("/api/skills", params={"q": "welding", "limit": 3}).json()
    assert len(skills) == 3 and all({"uri", "id", "label", "score", "matched"} <= set(hit) for hit in skills)
    assert any("weld" in hit["label"] for hit in skills)
    careers = client.get("/api/careers", params={"q": "nurse"}).json()
    assert any("nurse" in hit["label"] for hit in careers)
    assert client.get("/api/skills", params={"q": ""}).json()["error"] == "invalid_request"
    assert client.get("/api/skills", params={"q": "a\x01"}).json()["error"] == "invalid_query"
