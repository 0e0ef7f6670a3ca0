"""A recognition case in a real browser: the officer opens it from a learner's share link, judges the e-VALUATE
criteria and decides with reasons; the learner sees the decision and appeals it once; the officer's final
decision is what the learner then reads, with no second appeal offered."""

from __future__ import annotations

import pytest

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.pathways import service as pathways
from microcred.store import Database
from microcred.wallet import service as wallet
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, log_in_as
from tests.recognition.test_cases import in_wallet, published

pytestmark = pytest.mark.e2e


def test_an_officer_decides_a_case_and_the_learner_appeals_in_the_browser(
    live_server: str,
    world: World,
    database: Database,
    settings: Settings,
    browser,  # type: ignore[no-untyped-def]
    page,  # type: ignore[no-untyped-def]
) -> None:
    served = settings.model_copy(update={"base_url": live_server})
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(served, db, world, spec_id, grade="Merit")
        token, _link = wallet.share(db, db.merge(world.users["a_learner"]), item.id, days=7, hidden=[])
        pathways.create(
            db,
            Actor.operator(),
            db.merge(world.orgs["b"]),
            title="Bachelor of Digital Teamwork, year 1",
            qualification="Bachelor of Digital Teamwork",
            rules={"kind": "open", "total_credits": 20},
        )

    # The officer opens the case from the share link the learner gave them.
    officer = "recognition_officer@b.example"
    log_in_as(page, live_server, officer, world.passwords[officer])
    page.goto(f"{live_server}/orgs/b/recognition")
    page.get_by_label("Or a share link").fill(f"{live_server}/share/{token}")
    page.get_by_label("Towards").select_option(
        label="Bachelor of Digital Teamwork, year 1 (Bachelor of Digital Teamwork)"
    )
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(f"{live_server}/orgs/b/recognition/cases/*")
    case_page = page.url
    assert "Valid" in page.locator("#case-verdict").inner_text()
    assert page.locator("#unverified-flag").count() == 0
    assert page.locator("#criteria [data-criterion]").count() == 7
    assert "Merit" in page.locator("#credential-facts").inner_text()
    assert "this case may recognise up to 10" in page.locator("#allowance").inner_text()

    page.get_by_label("Judgement on identification").select_option("not_met")
    page.get_by_label("Comment on identification").fill("Taken at home, with no identity check.")
    page.get_by_role("button", name="Save the assessment").click()
    assert "The assessment is saved." in page.locator("[role=status]").inner_text()
    assert page.get_by_label("Judgement on identification").input_value() == "not_met"

    page.get_by_role("radio", name="Recognised partly").check()
    page.get_by_label("Credits recognised").fill("3")
    page.get_by_label("Reasons").fill("The outcomes match the first module, but identity was not checked.")
    page.get_by_role("button", name="Record the decision").click()
    assert "The decision is recorded." in page.locator("[role=status]").inner_text()
    assert "Recognised partly, 3 credits" in page.locator("#decisions").inner_text()
    assert page.locator("#decision-form").count() == 0
    assert page.get_by_role("link", name="Decide").count() == 0  # decided: nothing to decide
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "recognition_case.png"), full_page=True)

    # The learner reads the decision and appeals it, once.
    learner_context = browser.new_context()
    try:
        mine = learner_context.new_page()
        log_in_as(mine, live_server, "learner@a.example", world.passwords["learner@a.example"])
        mine.goto(f"{live_server}/recognition")
        card = mine.locator("#my-cases article").first
        assert "Recognised partly, 3 credits" in card.inner_text()
        assert "identity was not checked" in card.locator(".reasons").inner_text()
        card.get_by_label("Grounds of your appeal").fill("The exam was proctored online: the provider's page says so.")
        card.get_by_role("button", name="Appeal this decision").click()
        assert "Your appeal is sent." in mine.locator("[role=status]").inner_text()
        card = mine.locator("#my-cases article").first
        assert "Appealed: waiting for the final decision" in card.locator(".case-state").inner_text()
        assert card.get_by_role("button", name="Appeal this decision").count() == 0

        # The officer sees the appeal and records the final decision.
        page.goto(case_page)
        assert "proctored online" in page.locator("#appeal").inner_text()
        page.get_by_role("radio", name="Recognised fully").check()
        page.get_by_label("Reasons").fill("On appeal: the online proctoring checked identity, so all 5 credits count.")
        # The decision after the appeal is final: the browser asks for the box first, the page says so after.
        page.get_by_role("button", name="Record the decision").click()
        assert (
            page.locator("#decision-confirm:invalid").count() == 1
            and "Appealed" in page.locator("#case-state").inner_text()
        )
        page.get_by_label("I understand: this decision is final").check()
        page.get_by_role("button", name="Record the decision").click()
        assert "It is final" in page.locator("[role=status]").inner_text()
        assert "Final decision" in page.locator("#case-state").inner_text()

        mine.goto(f"{live_server}/recognition")
        card = mine.locator("#my-cases article").first
        assert "Final decision" in card.locator(".case-state").inner_text()
        final = card.locator(".decision").last.inner_text()
        assert "Recognised fully, 5 credits" in final and "final, after your appeal" in final
        assert card.get_by_role("button", name="Appeal this decision").count() == 0
        mine.screenshot(path=str(ARTIFACTS / "recognition_mine.png"), full_page=True)
    finally:
        learner_context.close()
