"""The design stage's pages, without a browser: the educator's specifications with their checks beside the
form, publishing and refusals shown on the form again; the public catalogue with no account."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import annex_i_minimum
from tests.design.test_api import shelf
from tests.web.test_api import bearer


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


def test_a_refused_action_shows_the_specification_again_and_changes_nothing(
    client: TestClient, database: Database, world: World
) -> None:
    educator = bearer(database, world, "a", Role.EDUCATOR)
    draft = client.post("/api/orgs/a/specifications", json=annex_i_minimum(), headers=educator).json()
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    url = f"/orgs/a/specifications/{draft['id']}"
    csrf = csrf_from(client.get(url).text)

    withdrawn = client.post(f"{url}/withdraw", data={"csrf_token": csrf})
    assert withdrawn.status_code == 409 and 'id="action-error"' in withdrawn.text
    assert "never published cannot be withdrawn" in withdrawn.text and 'id="status">draft<' in withdrawn.text
    reviewed = client.post(f"{url}/review", data={"csrf_token": csrf, "next_review": "", "note": "Looked at it."})
    assert reviewed.status_code == 409 and "publish it first" in reviewed.text
    too_late = client.post(f"{url}/publish", data={"csrf_token": csrf, "review_due": "2001-01-01"})
    assert too_late.status_code == 422 and "The review date must be in the future." in too_late.text
    assert 'id="status">draft<' in too_late.text
    after = client.get(f"/api/orgs/a/specifications/{draft['id']}", headers=educator).json()
    assert after["status"] == "draft" and after["editions"] == []

    published = client.post(f"{url}/publish", data={"csrf_token": csrf, "review_due": ""}, follow_redirects=False)
    assert published.status_code == 303 and published.headers["location"] == f"{url}?done=published"
    shown = client.get(published.headers["location"])
    assert '<div class="notice" role="status">Published.</div>' in shown.text  # the action answers
    # A published specification offers what fits its state: editing the draft, not publishing edition 2.
    assert "Publish edition 2" not in shown.text and 'id="published-note"' in shown.text
    assert "Published." not in client.get(f"{url}?done=<b>forged</b>").text  # no text is taken from the address
    other = bearer(database, world, "b", Role.EDUCATOR)
    theirs = client.post("/api/orgs/b/specifications", json=annex_i_minimum(), headers=other).json()
    for action in ("publish", "review", "withdraw"):
        refused = client.post(f"/orgs/a/specifications/{theirs['id']}/{action}", data={"csrf_token": csrf})
        assert refused.status_code == 404, action


def test_a_refused_new_specification_keeps_what_was_typed_and_saves_nothing(
    client: TestClient, database: Database, world: World
) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get("/orgs/a/specifications/new")
    typed = {
        "csrf_token": csrf_from(page.text),
        "title": "Bookkeeping basics",
        "outcome_0": "Record a month of sales in a ledger",
        "credit_value": "5",  # credits without their credit system
    }
    refused = client.post("/orgs/a/specifications", data=typed)
    assert refused.status_code == 422 and "credits need their credit system" in refused.text
    assert 'value="Bookkeeping basics"' in refused.text and "Record a month of sales in a ledger" in refused.text
    educator = bearer(database, world, "a", Role.EDUCATOR)
    assert client.get("/api/orgs/a/specifications", headers=educator).json() == []


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


def test_the_compare_page_shows_them_side_by_side(client: TestClient, database: Database, world: World) -> None:
    ids = shelf(client, database, world)
    five = [("id", ids["care"]), ("id", ids["teams"]), ("id", ids["python"])] + [("id", str(n)) for n in range(2)]
    page = client.get("/catalogue/compare", params=[("id", ids["care"]), ("id", ids["python"])])
    assert page.status_code == 200
    table = page.text[page.text.index('<table id="comparison"') :]
    assert "Caring at home" in table and "Data analysis with Python" in table
    assert "EQF 4" in table and "EQF 5" in table and "Type of quality assurance" not in table
    assert "Quality assurance" in table and "Short learning programme" in table
    assert client.get("/catalogue/compare", params=five).status_code == 422
