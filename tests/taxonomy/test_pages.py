"""The taxonomy pages over the real ESCO v1.1.1: career fields, careers, skills and search, open to everyone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

DIRECTOR = "00030d09-2b3a-4efd-87cc-c4ea39d27c34"  # technical director


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_pages_render_fields_careers_and_skills(client: TestClient) -> None:
    fields = client.get("/careers")
    assert fields.status_code == 200 and "Software &amp; ICT" in fields.text
    field = client.get("/careers/fields/teaching-education")
    assert field.status_code == 200 and "vocational teacher" in field.text
    career = client.get(f"/careers/{DIRECTOR}")
    assert career.status_code == 200
    assert "<h1>technical director</h1>" in career.text and "theatre techniques" in career.text
    assert client.get("/careers/nothing-here").status_code == 404


def test_search_page(client: TestClient) -> None:
    page = client.get("/search", params={"q": "teacher"})
    assert page.status_code == 200 and '<h2 id="career-results">Careers</h2>' in page.text
    assert "teacher" in page.text
    assert client.get("/search", params={"q": "x" * 300}).status_code == 422


def test_a_skill_page_names_the_careers_that_need_it(client: TestClient) -> None:
    page = client.get("/skills/ccd0a1d9-afda-43d9-b901-96344886e14d")  # Python (computer programming)
    assert page.status_code == 200 and "Python (computer programming)" in page.text
    assert client.get("/skills/no-such-skill").status_code == 404
