"""Building a skills profile in a real browser: an experience added through its form, three suggested skills kept
in place (no reload, no jump to the top, each change announced, focus on the next suggestion), then shown on the
profile; and a career match leading to its gap to stack."""

from __future__ import annotations

import re

import pytest

from microcred.skills.match import occupation_matrix
from microcred.store import Database
from microcred.taxonomy import search
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, log_in_as

pytestmark = pytest.mark.e2e


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_a_learner_keeps_three_suggested_skills_without_a_reload(
    live_server: str,
    world: World,
    database: Database,
    page,  # type: ignore[no-untyped-def]
) -> None:
    with database.session() as db:  # built once per process, in about 20 s: not inside the browser's 30 s wait
        search.skill_index(db)
        occupation_matrix(db)
    log_in_as(page, live_server, "learner@a.example", world.passwords["learner@a.example"])
    page.goto(f"{live_server}/profile/experiences/new")
    page.get_by_label("Kind").select_option("job")
    page.get_by_label("Title").fill("Web developer")
    page.get_by_label("What did you do?").fill(
        "Built web shops in Scala and JavaScript with AJAX, wrote SQL queries and unit tests."
    )
    page.get_by_role("button", name="Save and suggest skills").click()
    # Reading skills from the text takes a second or two; on a loaded test machine, much longer.
    # ui.js drops ?done= from the address once the page shows it: the flash below is what says "added".
    page.wait_for_url(re.compile(r".*/profile/experiences/[0-9a-f-]+(\?done=experience-added)?$"), timeout=120_000)
    assert page.get_by_role("status").first.inner_text().startswith("Experience added.")

    suggestions = page.locator("#suggested-skills > li")
    waiting = suggestions.count()
    assert waiting >= 10
    # Anything a reload would lose: a value on the window, and the place the learner has scrolled to.
    page.evaluate("window.beforeKeeping = 'still here'")
    page.evaluate("document.getElementById('suggested-heading').scrollIntoView()")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 100

    kept = []
    for number in range(1, 4):
        row = suggestions.first
        label = row.locator(".skill-label").inner_text()
        row.locator("select[name=strength]").select_option(str(number + 2))
        row.get_by_role("button", name=f"Keep {label}").click()
        page.wait_for_function(
            "text => document.getElementById('skill-status').textContent === text", arg=f"Kept: {label}"
        )
        kept.append((label, number + 2))
        # The row is now among the kept skills, the counts follow, and focus is on the next suggestion's Keep.
        assert page.locator("#confirmed-skills > li .skill-label").all_inner_texts() == [k for k, _s in kept]
        assert page.locator("#confirmed-count").inner_text() == str(number)
        assert page.locator("#suggested-count").inner_text() == str(waiting - number)
        assert suggestions.count() == waiting - number
        focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert focused == f"Keep {suggestions.first.locator('.skill-label').inner_text()}"
    assert page.evaluate("window.beforeKeeping") == "still here"  # the page was never reloaded
    assert page.evaluate("window.scrollY") >= scrolled - 50  # and did not jump to the top
    assert page.get_by_role("button", name=f"Save the strength of {kept[0][0]}").is_visible()
    assert page.locator("#confirmed-empty").is_hidden()
    # On a laptop and on a phone: nothing wider than the window; screenshots for a reviewer.
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        if database.engine.dialect.name == "sqlite":
            folder = ARTIFACTS / "screens" / str(width)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / "experience-skills.png"), full_page=True)

    # Dismissing takes the row away in place, too.
    dismissed = suggestions.first.locator(".skill-label").inner_text()
    suggestions.first.get_by_role("button", name=f"Dismiss {dismissed}").click()
    page.wait_for_function(
        "text => document.getElementById('skill-status').textContent === text", arg=f"Dismissed: {dismissed}"
    )
    # by label, not by text: "SQL" may be dismissed while "SQL Server" stays
    assert dismissed not in page.locator("#suggested-skills > li .skill-label").all_inner_texts()
    # A kept skill's strength is saved in place; focus stays on its Save button.
    first = page.locator("#confirmed-skills > li").first
    first.locator("select[name=strength]").select_option("2")
    first.get_by_role("button", name=f"Save the strength of {kept[0][0]}").click()
    page.wait_for_function(
        "text => document.getElementById('skill-status').textContent === text",
        arg=f"Saved: {kept[0][0]}, strength 2 of 5",
    )
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Save the strength of {kept[0][0]}"
    kept[0] = (kept[0][0], 2)
    assert page.evaluate("window.beforeKeeping") == "still here"

    page.goto(f"{live_server}/profile")
    rows = page.locator("#profile-skills tbody tr")
    shown = {
        rows.nth(i).locator("td").first.inner_text(): rows.nth(i).locator(".strength").get_attribute("aria-label")
        for i in range(rows.count())
    }
    assert shown == {label: f"strength {strength} of 5" for label, strength in kept}
    assert dismissed not in shown
