"""The design stage's pages, without a browser: the educator's specifications with their checks beside the
form, publishing and refusals shown on the form again, skills added by name; the public catalogue with no
account."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.store import Database
from microcred.web.flash import FLASH
from tests.conftest import World, csrf_from, log_in
from tests.design.fixtures import OTHER_SKILL, annex_i_minimum
from tests.design.test_api import shelf
from tests.web.test_api import bearer

JARGON = ("path.", "body.", "Input should", "learning_outcomes.", "value_error", "credits.value")


def summary_of(html: str) -> str:
    """The error summary at the top of a page, as text with its links."""
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "no error summary"
    return unescape(found.group(0))


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
    assert saved.status_code == 200 and FLASH["specification-created"] in saved.text
    assert "Type of quality assurance" in saved.text and 'id="blocking"' in saved.text
    edit_url = re.search(r'action="(/orgs/a/specifications/[0-9a-f-]+/edit)"', saved.text).group(1)  # type: ignore[union-attr]
    spec_url = edit_url.removesuffix("/edit")
    refused = client.post(f"{spec_url}/publish", data={"csrf_token": csrf_from(saved.text), "review_due": ""})
    assert refused.status_code == 422 and "cannot be published yet" in refused.text

    bad = client.post(edit_url, data={**form, "csrf_token": csrf_from(saved.text), "eqf_level": "9"})
    assert bad.status_code == 422 and 'value="Spreadsheets for small business"' in bad.text
    assert '<a href="#eqf_level">EQF level must be 8 or less.</a>' in summary_of(bad.text)
    fixed = client.post(edit_url, data={**form, "csrf_token": csrf_from(saved.text), "qa_type": "internal"})
    assert 'id="publishable"' in fixed.text and FLASH["specification-saved"] in fixed.text
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

    unconfirmed = client.post(f"{url}/withdraw", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and '<a href="#withdraw-confirm">Tick the box' in summary_of(unconfirmed.text)
    withdrawn = client.post(f"{url}/withdraw", data={"csrf_token": csrf, "confirm": "yes"})
    assert withdrawn.status_code == 409 and 'id="error-summary"' in withdrawn.text
    assert "never published cannot be withdrawn" in withdrawn.text and 'id="status">draft<' in withdrawn.text
    reviewed = client.post(f"{url}/review", data={"csrf_token": csrf, "next_review": "", "note": "Looked at it."})
    assert reviewed.status_code == 409 and "publish it first" in reviewed.text
    too_late = client.post(f"{url}/publish", data={"csrf_token": csrf, "review_due": "2001-01-01"})
    assert too_late.status_code == 422 and "The review date must be in the future." in too_late.text
    assert '<a href="#review_due">' in summary_of(too_late.text) and 'id="status">draft<' in too_late.text
    after = client.get(f"/api/orgs/a/specifications/{draft['id']}", headers=educator).json()
    assert after["status"] == "draft" and after["editions"] == []

    published = client.post(f"{url}/publish", data={"csrf_token": csrf, "review_due": ""}, follow_redirects=False)
    assert published.status_code == 303 and published.headers["location"] == f"{url}?done=published"
    shown = client.get(published.headers["location"])
    assert f'<div class="notice" role="status">{FLASH["published"]}</div>' in shown.text  # the action answers
    # A published specification offers what fits its state: editing the draft, not publishing edition 2.
    assert "Publish edition 2" not in shown.text and 'id="published-note"' in shown.text
    assert f"{url}/publish" not in shown.text and 'id="withdraw-confirm"' in shown.text
    assert FLASH["published"] not in client.get(f"{url}?done=<b>forged</b>").text  # no text from the address
    noted = client.post(f"{url}/review", data={"csrf_token": csrf, "next_review": "", "note": "Still right."})
    assert noted.status_code == 200 and FLASH["reviewed"] in noted.text

    # Withdrawing is destructive: refused without the ticked box, nothing changed; then done, and said.
    kept = client.post(f"{url}/withdraw", data={"csrf_token": csrf})
    assert kept.status_code == 422 and 'id="status">published<' in kept.text
    assert client.get(f"/api/orgs/a/specifications/{draft['id']}", headers=educator).json()["status"] == "published"
    gone = client.post(f"{url}/withdraw", data={"csrf_token": csrf, "confirm": "yes"})
    assert gone.status_code == 200 and FLASH["withdrawn"] in gone.text and 'id="status">withdrawn<' in gone.text
    # A withdrawn one offers to be offered again, and nothing that cannot be done: no issuing, review, withdrawal.
    assert "Offer edition 1 again" in gone.text
    for absent in ('id="issue-form"', f"{url}/review", 'id="withdraw-confirm"', 'id="public-page"'):
        assert absent not in gone.text, absent
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
    assert refused.status_code == 422
    assert '<a href="#credit_system">Credits need their credit system' in summary_of(refused.text)
    assert 'value="Bookkeeping basics"' in refused.text and "Record a month of sales in a ledger" in refused.text
    educator = bearer(database, world, "a", Role.EDUCATOR)
    assert client.get("/api/orgs/a/specifications", headers=educator).json() == []


def test_every_problem_of_the_form_is_named_at_the_top_and_beside_its_box_in_plain_words(
    client: TestClient, database: Database, world: World
) -> None:
    log_in(client, "educator@a.example", world.passwords["educator@a.example"])
    page = client.get("/orgs/a/specifications/new")
    typed = {
        "csrf_token": csrf_from(page.text),
        "title": "Bookkeeping basics",
        "languages": "en, xx",
        "outcome_0": "",
        "add_skill_0": "Python",  # a skill for an outcome not written yet, and no ESCO here to find it by name
        "outcome_1": "Record a month of sales in a ledger",
        "workload_hours": "lots",
        "eqf_level": "9",
        "price_amount": "-1",
        "homepage": "uniz.example",
        "offer_start": "2027-01-01",
        "offer_end": "2026-01-01",
    }
    refused = client.post("/orgs/a/specifications", data=typed)
    assert refused.status_code == 422
    summary = summary_of(refused.text)
    for box, said in (
        ("outcome_0", "Write outcome 1 before adding a skill to it."),
        ("add_skill_0", "Outcome 1: skills cannot be found by name here yet"),
        ("languages", "Languages: 'xx' is not an ISO 639-1 language code"),
        ("workload_hours", "Notional workload must be a number, such as 30 or 2.5."),
        ("eqf_level", "EQF level must be 8 or less."),
        ("price_amount", "Price must be 0 or more."),
        ("homepage", "Web page must be a web address starting with https://."),
    ):
        assert f'<a href="#{box}">{said}' in summary, box
        assert f'id="{box}-error"' in refused.text, box  # and beside the box
    for word in JARGON:
        assert word not in unescape(refused.text), word
    # Everything typed is there again, the skill's name included.
    assert (
        'value="Python"' in refused.text and 'value="uniz.example"' in refused.text and 'value="lots"' in refused.text
    )
    # The dates are compared once the rest is well-formed.
    dates = {key: typed[key] for key in ("csrf_token", "title", "outcome_1", "offer_start", "offer_end")}
    backwards = client.post("/orgs/a/specifications", data=dates)
    assert backwards.status_code == 422
    assert '<a href="#offer_end">The offer ends before it starts' in summary_of(backwards.text)
    educator = bearer(database, world, "a", Role.EDUCATOR)
    assert client.get("/api/orgs/a/specifications", headers=educator).json() == []


def test_an_admin_switches_a_framework_profile_on_and_is_told(client: TestClient, world: World) -> None:
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get("/orgs/a/specifications")
    assert 'id="no-specifications"' in page.text  # an empty list says how to start
    saved = client.post("/orgs/a/design/profiles", data={"csrf_token": csrf_from(page.text), "profiles": "nz"})
    assert saved.status_code == 200 and FLASH["profiles-saved"] in unescape(saved.text)
    assert 'id="profile-nz" name="profiles" value="nz" checked' in saved.text
    assert 'id="profile-cmf" name="profiles" value="cmf">' in saved.text


class TestSkillsByName:
    """On the real ESCO v1.1.1: an outcome's skill added by typing its name."""

    @pytest.fixture
    def database_url(self, esco_database_url: str) -> str:
        return esco_database_url

    def test_a_name_links_the_best_skill_offers_close_ones_and_a_name_that_matches_nothing_is_refused(
        self, client: TestClient, database: Database, world: World
    ) -> None:
        log_in(client, "educator@a.example", world.passwords["educator@a.example"])
        page = client.get("/orgs/a/specifications/new")
        form = {
            "csrf_token": csrf_from(page.text),
            "title": "Scripting for analysts",
            "outcome_0": "Write scripts that clean a data set",
            "add_skill_0": "Python",
            "outcome_1": "Work with others on a data project",
            "add_skill_1": "teamwork",
            "outcome_2": "Publish the findings for a team",
            "add_skill_2": OTHER_SKILL,  # an ESCO address typed there still works
        }
        created = client.post("/orgs/a/specifications", data=form)
        assert created.status_code == 200 and FLASH["specification-created"] in created.text
        python = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        linked = re.compile(r'<input type="checkbox" id="skill-(\d)-\d" name="skills_\d" value="([^"]+)" checked>')
        assert {(int(row), uri) for row, uri in linked.findall(created.text)} >= {(0, python), (2, OTHER_SKILL)}
        assert "Python (computer programming)" in created.text
        # The best match for "teamwork" is linked to its outcome; the other close matches are offered, unticked.
        teamwork = [uri for row, uri in linked.findall(created.text) if row == "1"]
        assert len(teamwork) == 1
        offered = re.findall(r'id="close-1-\d" name="skills_1" value="([^"]+)"', created.text)
        assert offered and teamwork[0] not in offered and "(close match)" in created.text
        assert 'value="teamwork"' not in created.text  # the box is empty again: the skill is linked

        edit_url = re.search(r'action="(/orgs/a/specifications/[0-9a-f-]+/edit)"', created.text).group(1)  # type: ignore[union-attr]
        educator = bearer(database, world, "a", Role.EDUCATOR)
        spec_id = edit_url.split("/")[-2]
        before = client.get(f"/api/orgs/a/specifications/{spec_id}", headers=educator).json()
        again = {
            "csrf_token": csrf_from(created.text),
            "title": "Scripting for analysts, revised",
            "outcome_0": "Write scripts that clean a data set",
            "skills_0": python,
            "add_skill_0": "qqqqqq",
        }
        refused = client.post(edit_url, data=again)
        assert refused.status_code == 422
        assert '<a href="#add_skill_0">Outcome 1: no ESCO skill matches “qqqqqq”' in summary_of(refused.text)
        assert 'value="qqqqqq"' in refused.text and 'value="Scripting for analysts, revised"' in refused.text
        assert client.get(f"/api/orgs/a/specifications/{spec_id}", headers=educator).json() == before
        # The name box asks the search as the person types (static/design.js, with /api/skills), and works without.
        assert "data-skill-search" in refused.text and '<script src="/static/design.js"' in refused.text
        hits = client.get("/api/skills", params={"q": "pytho", "limit": 3}).json()
        assert hits[0]["label"] == "Python (computer programming)"


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
    # On phones the results come first (the stylesheet orders .catalogue-layout > .results), and the filters wait in
    # a disclosure, closed unless the script opens it on a wide screen, whose summary counts the filters chosen.
    filtered = client.get("/catalogue", params={"language": "fr", "hours_min": "10"}).text
    assert '<div class="catalogue-layout">' in filtered and '<section class="results"' in filtered
    assert '<details class="filters" id="filters">' in filtered and "(2 chosen)" in filtered
    assert "chosen)" not in client.get("/catalogue").text


def test_the_compare_page_shows_them_side_by_side(client: TestClient, database: Database, world: World) -> None:
    ids = shelf(client, database, world)
    five = [("id", ids["care"]), ("id", ids["teams"]), ("id", ids["python"])] + [("id", str(n)) for n in range(2)]
    page = client.get("/catalogue/compare", params=[("id", ids["care"]), ("id", ids["python"])])
    assert page.status_code == 200
    table = page.text[page.text.index('<table id="comparison"') :]
    # A wide table scrolls inside its box, and says so.
    assert 'class="scroll-hint"' in page.text and '<div class="table-scroll" role="region"' in page.text
    assert "Caring at home" in table and "Data analysis with Python" in table
    assert "EQF 4" in table and "EQF 5" in table and "Type of quality assurance" not in table
    assert "Quality assurance" in table and "Short learning programme" in table
    assert client.get("/catalogue/compare", params=five).status_code == 422
