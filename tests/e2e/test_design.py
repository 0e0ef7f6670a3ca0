"""An educator designs a micro-credential in a real browser: a missing Annex I element is flagged, fixed, published."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def test_educator_creates_sees_the_missing_element_fixes_it_and_publishes(
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
    page.get_by_label("Outcome 1").fill("Build a cash-flow forecast in a spreadsheet")
    page.get_by_label("Notional workload (hours)").fill("30")
    page.get_by_label("EQF level").select_option("4")
    page.get_by_label("Type of assessment").select_option("project")
    page.get_by_label("Form of participation").select_option("online")
    page.get_by_role("button", name="Save and check").click()

    blocking = page.locator("#blocking")
    assert "Type of quality assurance" in blocking.inner_text()
    assert page.locator('#annex-i li[data-key="quality_assurance"] .tag').inner_text() == "missing"
    assert page.locator('#annex-i li[data-key="title"] .tag').inner_text() == "met"

    page.get_by_label("Type of quality assurance").select_option("internal")
    page.get_by_role("button", name="Save and check").click()
    assert page.locator("#publishable").is_visible()
    assert page.locator("#blocking").count() == 0

    page.get_by_role("link", name="Preview and publish").click()
    assert page.locator("#status").inner_text() == "draft"
    page.get_by_role("button", name="Publish the first edition").click()
    assert page.locator("#status").inner_text() == "published"
    assert page.locator("#editions").get_by_role("link", name="Edition 1").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "specification-published.png"), full_page=True)
