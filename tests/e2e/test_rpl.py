"""Recognition of prior learning in real browsers: a learner asks from the catalogue and documents their
learning, a recognition officer takes the case, assesses it and certifies, and the learner claims the issued
credential into their wallet."""

from __future__ import annotations

import re

import pytest

from microcred.store import Database
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, log_in_as
from tests.recognition.test_rpl import a_pdf, published, with_a_profile

pytestmark = pytest.mark.e2e


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_a_case_through_its_four_stages_to_a_credential_the_learner_claims(
    live_server: str,
    world: World,
    database: Database,
    browser,  # type: ignore[no-untyped-def]
    page,  # type: ignore[no-untyped-def]
) -> None:
    with database.session() as db:
        spec_id = published(db, world)
        with_a_profile(db, world)

    # The learner asks from the catalogue: identification shows what their profile covers.
    log_in_as(page, live_server, "learner@a.example", world.passwords["learner@a.example"])
    page.goto(f"{live_server}/catalogue/{spec_id}")
    page.get_by_role("link", name="Ask Alpha Academy to recognise your prior learning").click()
    assert "The profile seems to cover it" in page.locator("#rpl-preview").inner_text()
    page.get_by_role("button", name="Open my case and share my profile").click()
    page.wait_for_url(re.compile(r".*/rpl/[0-9a-f-]{36}$"))
    case_url = page.url
    case_id = case_url.rsplit("/", 1)[1]
    assert page.locator("#rpl-state").get_attribute("data-state") == "identification"
    assert page.locator('#identification li[data-outcome="1"]').get_attribute("data-status") == "covered"

    # Documentation: a file that is not evidence is refused with the reason; a PDF is kept.
    page.get_by_role("button", name="Go on to documentation").click()
    page.get_by_label("Evidence file").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"<html><script>alert(1)</script></html>"}
    )
    page.get_by_label("1. Develop digital content for a team's project").check()
    page.get_by_role("button", name="Upload the evidence").click()
    assert "HTML or XML document" in page.locator("#error-summary").inner_text()
    page.goto(case_url)
    page.get_by_label("Evidence file").set_input_files(
        {"name": "portfolio.pdf", "mimeType": "application/pdf", "buffer": a_pdf()}
    )
    page.get_by_label("1. Develop digital content for a team's project").check()
    page.get_by_label("2. Stimulate creativity in a team's workshops").check()
    page.get_by_label("Note").fill("A year of the team's posts and the workshops I ran")
    page.get_by_role("button", name="Upload the evidence").click()
    assert "Evidence added." in page.locator("[role=status]").inner_text()
    assert "portfolio.pdf" in page.locator("#evidence").inner_text()
    page.get_by_role("button", name="Submit my evidence for assessment").click()
    assert page.locator("#rpl-state").get_attribute("data-state") == "assessment"

    # The recognition officer takes the case, reads the evidence, assesses and certifies.
    officer_context = browser.new_context()
    try:
        officer = officer_context.new_page()
        log_in_as(
            officer, live_server, "recognition_officer@a.example", world.passwords["recognition_officer@a.example"]
        )
        officer.get_by_role("link", name="RPL cases", exact=True).click()
        officer.locator(f'a[href="/orgs/a/rpl/{case_id}"]').click()
        officer.get_by_role("button", name="Take this case").click()
        assert "The case is yours now" in officer.locator("[role=status]").inner_text()
        assert "recognition_officer@a.example" in officer.locator("#rpl-owner").inner_text()
        with officer.expect_download() as download:
            officer.get_by_role("link", name="portfolio.pdf").click()
        assert download.value.suggested_filename == "portfolio.pdf"
        assert download.value.path().read_bytes().startswith(b"%PDF-")

        for number, method in ((1, "portfolio_review"), (2, "interview")):
            officer.locator(f"#demonstrated-{number}").select_option("yes")
            officer.locator(f"#method-{number}").select_option(method)
        officer.get_by_label("Comment on outcome 2").fill("Ran two workshops, described in the interview")
        officer.get_by_label("Result", exact=True).select_option("passed")
        officer.get_by_label("Grade").fill("Merit")
        officer.get_by_label("Reasons for the result").fill("Both outcomes shown by the portfolio and the interview.")
        officer.get_by_role("button", name="Record the assessment").click()
        assert "Passed" in officer.locator("#assessment-result").inner_text()
        officer.get_by_role("button", name="Move to certification").click()
        assert officer.locator("#rpl-state").get_attribute("data-state") == "certification"
        officer.get_by_role("button", name="Certify: issue the micro-credential").click()
        assert "Certified: the credential is issued" in officer.locator("[role=status]").inner_text()
        # The officer gets no claim link: only the learner makes it, from their own case page.
        assert "only they get its claim link" in officer.locator("#rpl-certified").inner_text()  # waits for it
        assert officer.locator("#rpl-state").get_attribute("data-state") == "certified"
        assert "/claim/" not in officer.content()
        # Every stage began and ended: four rows of two dates each.
        dates = officer.locator("#rpl-stages tbody td")
        assert dates.count() == 8
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", cell.inner_text()) for cell in dates.all())
        ARTIFACTS.mkdir(exist_ok=True)
        officer.screenshot(path=str(ARTIFACTS / "rpl_officer_case.png"), full_page=True)
    finally:
        officer_context.close()

    # The learner sees the decision and claims the credential into their wallet.
    page.goto(case_url)
    assert "Both outcomes shown" in page.locator("#assessment-result").inner_text()
    page.get_by_role("button", name="Claim my credential").click()
    page.wait_for_url(f"{live_server}/claim/*")
    page.get_by_role("button", name="Add it to my wallet").click()
    page.wait_for_url(f"{live_server}/wallet/*")
    assert "Valid" in page.locator("#item-verdict").inner_text()
    assert "Digital content for teams" in page.locator("h1").inner_text()
    page.goto(case_url)
    assert "It is in your wallet" in page.locator("#rpl-certified").inner_text()
    page.screenshot(path=str(ARTIFACTS / "rpl_learner_case.png"), full_page=True)
