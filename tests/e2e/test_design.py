"""An educator designs a micro-credential in a real browser: a skill added by name, a missing Annex I element
flagged, fixed, published, withdrawn; a visitor searches, filters and compares the catalogue on a laptop and a
phone."""

from __future__ import annotations

import pytest

from microcred.web.flash import FLASH
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


class TestOnEsco:
    """On the real ESCO v1.1.1, so that skills are found by name."""

    @pytest.fixture
    def database_url(self, esco_database_url: str) -> str:
        return esco_database_url

    def test_educator_creates_sees_the_missing_element_fixes_it_and_publishes(
        self,
        live_server: str,
        world: World,
        page,  # type: ignore[no-untyped-def]
    ) -> None:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill("educator@a.example")
        page.get_by_label("Password").fill(world.passwords["educator@a.example"])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}/dashboard")

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Micro-credentials").click()
        page.get_by_role("link", name="New micro-credential").click()
        page.get_by_label("Title").fill("Spreadsheets for small business")
        page.get_by_label("Outcome 1", exact=True).fill("Build a cash-flow forecast in a spreadsheet")
        # A skill by its name: the box offers ESCO's names as the person types, and saving links the best match.
        skill = page.get_by_label("Add a skill to outcome 1")
        skill.press_sequentially("spreadsheets soft", delay=20)
        page.locator('#skill-names option[value="use spreadsheets software"]').wait_for(state="attached")
        skill.fill("use spreadsheets software")
        page.get_by_label("Notional workload (hours)").fill("30")
        page.get_by_label("EQF level").select_option("4")
        page.get_by_label("Type of assessment").select_option("project")
        page.get_by_label("Form of participation").select_option("online")
        page.get_by_role("button", name="Save and check").click()

        assert page.locator("main > .notice").inner_text() == FLASH["specification-created"]
        assert page.get_by_label("use spreadsheets software").is_checked()
        blocking = page.locator("#blocking")
        assert "Type of quality assurance" in blocking.inner_text()
        assert page.locator('#annex-i li[data-key="quality_assurance"] .tag').inner_text() == "missing"
        assert page.locator('#annex-i li[data-key="title"] .tag').inner_text() == "met"
        # The checks sit beside the form on a laptop and below it on a phone, never over it.
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            form = page.locator("#specification-form").bounding_box()
            checks = page.locator("aside.checks-aside").bounding_box()
            assert form and checks
            beside = checks["x"] >= form["x"] + form["width"]
            below = checks["y"] >= form["y"] + form["height"]
            assert beside if width == 1366 else below, width
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "specification-form-390.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})

        page.get_by_label("Type of quality assurance").select_option("internal")
        page.get_by_role("button", name="Save and check").click()
        assert page.locator("main > .notice").inner_text() == FLASH["specification-saved"]
        assert page.locator("#publishable").is_visible()
        assert page.locator("#blocking").count() == 0

        page.get_by_role("link", name="Preview and publish").click()
        assert page.locator("#status").inner_text() == "draft"
        page.get_by_role("button", name="Publish the first edition").click()
        assert page.locator("main > .notice").inner_text() == FLASH["published"]
        assert page.locator("#status").inner_text() == "published"
        assert page.locator("#editions").get_by_role("link", name="Edition 1").is_visible()
        page.screenshot(path=str(ARTIFACTS / "specification-published.png"), full_page=True)

        # Withdrawing asks for the box to be ticked (the browser insists before the server does), then says so.
        withdraw = page.get_by_role("button", name="Withdraw from the catalogue")
        withdraw.click()
        assert page.locator("#status").inner_text() == "published"
        page.get_by_label("Yes, take it out of the catalogue").check()
        withdraw.click()
        assert page.locator("main > .notice").inner_text() == FLASH["withdrawn"]
        assert page.locator("#status").inner_text() == "withdrawn"
        assert page.get_by_role("button", name="Offer edition 1 again").is_visible()


def test_a_visitor_searches_filters_and_compares_in_the_catalogue(
    live_server: str,
    world: World,
    database,  # type: ignore[no-untyped-def]
    page,  # type: ignore[no-untyped-def]
) -> None:
    from microcred.accounts.principal import Actor
    from microcred.design import service as design
    from microcred.design.schemas import SpecificationContent
    from tests.design.fixtures import annex_i_minimum

    with database.session() as db:
        for org, title, language in (
            ("a", "Spreadsheets for small business", "en"),
            ("a", "Tableurs pour les petites entreprises", "fr"),
            ("b", "Bookkeeping with spreadsheets", "en"),
        ):
            organisation = world.orgs[org]
            content = SpecificationContent.model_validate(annex_i_minimum(title=title, languages=[language]))
            spec = design.create(db, Actor.operator(), db.merge(organisation), content)
            design.publish(db, Actor.operator(), db.merge(organisation), spec.id)

    page.goto(f"{live_server}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Micro-credentials").click()
    assert page.locator("#results-heading").inner_text() == "3 micro-credentials"
    page.get_by_label("Search words").fill("spreadsheets")
    page.get_by_role("button", name="Search", exact=True).click()
    assert page.locator("#results-heading").inner_text() == "2 micro-credentials for “spreadsheets”"

    page.locator("#facet-provider").get_by_label("Beta Institute").check()
    page.get_by_role("button", name="Apply filters").click()
    assert page.locator("#results-heading").inner_text() == "1 micro-credential for “spreadsheets”"
    assert page.locator("#facet-provider").get_by_label("Alpha Academy").is_visible()  # still offered, with its count
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "catalogue-search.png"), full_page=True)

    page.goto(f"{live_server}/catalogue")
    for label in page.get_by_label("Compare").all()[:2]:
        label.check()
    page.get_by_role("button", name="Compare the ticked ones").click()
    page.wait_for_url(f"{live_server}/catalogue/compare?*")
    assert page.locator("#comparison thead th").count() == 3
    assert "Notional workload" in page.locator("#comparison").inner_text()
    page.screenshot(path=str(ARTIFACTS / "catalogue-compare.png"), full_page=True)
    compare = page.url

    # On a phone: the results first, the filters folded after them (the summary counts those chosen, a link above
    # the results opens them), and the comparison scrolls sideways inside its box and says so.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/catalogue?language=en")
    results, filters = page.locator("section.results").bounding_box(), page.locator("#filters").bounding_box()
    assert results and filters and results["y"] < filters["y"]
    assert page.locator("#filters").evaluate("(details) => !details.open")
    assert "(1 chosen)" in page.locator("#filters > summary").inner_text()
    page.get_by_role("link", name="Filter results").click()
    assert page.locator("#filters").evaluate("(details) => details.open")
    page.goto(compare)
    assert page.locator(".scroll-hint").is_visible()
    assert page.locator(".table-scroll").evaluate("(box) => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
