"""Pathways in a real browser: a learner's progress from real credentials claimed into the wallet (one counts,
one does not and says why, eligibility not yet reached, then reached after a second credential, and never an
award), and an educator building a fixed pathway through the builder form."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import claims, credentials, documents, keys
from microcred.pathways import service as pathways
from microcred.store import Database
from tests.conftest import World
from tests.design.fixtures import SKILL, annex_i_minimum
from tests.e2e.conftest import ARTIFACTS, log_in_as

pytestmark = pytest.mark.e2e


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def published(database: Database, world: World, title: str) -> uuid.UUID:
    """A micro-credential of 5 ECTS credits at EQF level 6, published by organisation A."""
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        content = annex_i_minimum(title=title, credits={"value": "5", "system": "ECTS"})
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(content))
        design.publish(db, Actor.operator(), organisation, spec.id)
        return spec.id


def claim_link(database: Database, world: World, settings: Settings, live_server: str, spec_id: uuid.UUID) -> str:
    """A awards the edition to its learner: the claim link the learner opens."""
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec_id,
            1,
            documents.Learner(name="Lena Learner", email="learner@a.example"),
            documents.Result(awarded=date(2026, 11, 20)),
            base_url=live_server,
            master=keys.master_key(settings.resolved_master_key()),
        )
        link, _expires = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=live_server)
        return link


def claim(page, live_server: str, link: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(link)
    page.get_by_role("button", name="Add it to my wallet").click()
    page.wait_for_url(f"{live_server}/wallet/*")


def test_a_learner_follows_progress_to_eligibility_in_the_browser(
    live_server: str,
    world: World,
    database: Database,
    settings: Settings,
    page,  # type: ignore[no-untyped-def]
) -> None:
    first = published(database, world, "Digital content for teams")
    second = published(database, world, "Team facilitation online")
    elsewhere = published(database, world, "Podcasting for beginners")
    with database.session() as db:
        pathways.create(
            db,
            Actor.operator(),
            db.merge(world.orgs["a"]),
            title="Towards the Certificate in Digital Teamwork",
            qualification="Certificate in Digital Teamwork",
            rules={"kind": "elective", "total_credits": 10, "approved": [str(first), str(second)]},
        )

    log_in_as(page, live_server, "learner@a.example", world.passwords["learner@a.example"])
    claim(page, live_server, claim_link(database, world, settings, live_server, first))
    claim(page, live_server, claim_link(database, world, settings, live_server, elsewhere))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pathways").click()
    card = page.locator("article.pathway", has_text="Towards the Certificate in Digital Teamwork")
    assert "Certificate in Digital Teamwork · Alpha Academy" in card.inner_text()
    assert "Elective: only the approved micro-credentials listed below count" in card.inner_text()
    card.get_by_role("link", name="My progress").click()
    page.wait_for_url(f"{live_server}/pathways/*/progress")
    progress = page.url

    assert page.locator("#credits-text").inner_text() == "5 of 10 credits"
    assert page.locator("#credits-bar").get_attribute("value") == "5"
    assert "Digital content for teams" in page.locator("#counted").inner_text()
    not_counted = page.locator("#not-counted").inner_text()
    assert "Podcasting for beginners" in not_counted
    assert "It is not one of the approved micro-credentials." in not_counted
    eligibility = page.locator("#eligibility").inner_text()
    assert "Not eligible yet." in eligibility and "5 more credits" in eligibility
    assert "never by this page" in eligibility
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pathway_progress.png"), full_page=True)

    # The enrolment date marks earlier awards as prior learning.
    page.get_by_label("When I enrolled").fill("2026-12-01")
    page.get_by_role("button", name="Show my progress").click()
    assert "Prior learning" in page.locator("#counted").inner_text()

    claim(page, live_server, claim_link(database, world, settings, live_server, second))
    page.goto(progress)
    assert page.locator("#credits-text").inner_text() == "10 of 10 credits"
    assert page.locator("#credits-bar").get_attribute("value") == "10"
    eligibility = page.locator("#eligibility").inner_text()
    assert "Eligible to apply" in eligibility
    assert "This is not the qualification: Alpha Academy decides on it and awards it." in " ".join(eligibility.split())
    assert "Team facilitation online" in page.locator("#counted").inner_text()
    page.screenshot(path=str(ARTIFACTS / "pathway_eligible.png"), full_page=True)


def test_an_educator_builds_a_fixed_pathway_through_the_form(
    live_server: str,
    world: World,
    database: Database,
    page,  # type: ignore[no-untyped-def]
) -> None:
    first = published(database, world, "Digital content for teams")
    second = published(database, world, "Team facilitation online")
    log_in_as(page, live_server, "educator@a.example", world.passwords["educator@a.example"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pathways", exact=True).click()
    page.get_by_role("link", name="New pathway").click()

    page.get_by_label("Title of the pathway").fill("Teamwork in sequence")
    page.get_by_label("Qualification").fill("Certificate in Digital Teamwork")
    page.get_by_label("Fixed sequence").check()
    page.get_by_label("Total credits needed").fill("10")
    page.get_by_label("Minimum EQF level").select_option("7")
    page.get_by_label("Maximum EQF level").select_option("3")
    page.get_by_role("button", name="Save pathway").click()

    # Refused beside the fields, with everything typed kept.
    assert "Minimum EQF level (7) is above Maximum EQF level (3)" in page.locator("#min_level-error-1").inner_text()
    assert "A fixed pathway needs its sequence of micro-credentials." in page.locator("#error-summary").inner_text()
    assert page.get_by_label("Title of the pathway").input_value() == "Teamwork in sequence"
    assert page.get_by_label("Fixed sequence").is_checked()
    assert page.get_by_label("Minimum EQF level").input_value() == "7"

    page.get_by_label("Minimum EQF level").select_option("5")
    page.get_by_label("Maximum EQF level").select_option("6")
    page.get_by_label("Find a skill by name").fill("stimulate creativity")
    page.get_by_label("Find a skill by name").press("Enter")  # Enter in a search box searches
    page.locator("#skill-hits").get_by_label("stimulate creativity in the team").check()
    page.get_by_label("Find published micro-credentials").fill("team")
    page.get_by_role("button", name="Find micro-credentials").click()
    hits = page.locator("#spec-hits")
    hits.get_by_label("Digital content for teams").check()
    hits.get_by_label("Team facilitation online").check()
    page.get_by_role("button", name="Find micro-credentials").click()  # nothing to find: the ticked ones settle
    assert page.locator("#required-skills").get_by_label("stimulate creativity in the team").is_checked()
    page.get_by_label("Position of Team facilitation online").fill("1")
    page.get_by_label("Position of Digital content for teams").fill("2")
    page.get_by_role("button", name="Save pathway").click()

    page.wait_for_url(re.compile(r".*/orgs/a/pathways/[0-9a-f-]{36}(\?done=pathway_saved)?$"))
    assert page.get_by_role("status").first.inner_text().startswith("Saved")
    rules = page.locator("#pathway-rules").inner_text()
    assert "Fixed sequence" in rules and "10 credits are needed in all." in rules
    assert "EQF levels 5 to 6" in rules and "stimulate creativity in the team" in rules
    steps = page.locator("ol.pathway-specs li").all_inner_texts()
    assert [step.split(" · ")[0] for step in steps] == ["Team facilitation online", "Digital content for teams"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pathway_builder.png"), full_page=True)
    with database.session() as db:
        (made,) = pathways.of_organisation(db, db.merge(world.orgs["a"]))
        assert made.rules["sequence"] == [str(second), str(first)] and made.rules["required_skills"] == [SKILL]
