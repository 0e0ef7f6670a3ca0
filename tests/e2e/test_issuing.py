"""An educator issues a published micro-credential to a CSV of learners in a real browser, follows the run's
progress to its outcomes, makes a claim link, and the learner opens it."""

from __future__ import annotations

import json

import pytest

from microcred.store import Database
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, log_in_as, published_minimum

pytestmark = pytest.mark.e2e
ROWS = 300


def test_a_csv_run_shows_its_progress_then_a_learner_claims_their_credential(
    live_server: str,
    world: World,
    database: Database,
    browser,  # type: ignore[no-untyped-def]
    page,  # type: ignore[no-untyped-def]
) -> None:
    spec_id = published_minimum(database, "a", world)
    log_in_as(page, live_server, "educator@a.example", world.passwords["educator@a.example"])

    page.goto(f"{live_server}/orgs/a/specifications/{spec_id}")
    rows = "".join(f"Learner {n},learner{n}@example.org,2026-11-20,Pass\n" for n in range(ROWS))
    page.get_by_label("CSV file").set_input_files(
        {"name": "learners.csv", "mimeType": "text/csv", "buffer": f"name,email,awarded,grade\n{rows}".encode()}
    )
    page.get_by_role("button", name="Check and issue").click()
    page.wait_for_url(f"{live_server}/orgs/a/runs/*")
    counts = page.locator("#run-counts")
    counts.wait_for(timeout=120_000)  # the page follows the run until it finishes, then shows the outcomes
    assert counts.inner_text() == f"{ROWS} issued, 0 issued before, 0 failed."
    progress = page.locator("#run-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == str(ROWS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "issuance-run.png"), full_page=True)

    page.locator("#run-outcomes a").first.click()
    credential_page = page.url
    page.get_by_role("button", name="Make a claim link").click()
    assert "Claim link made" in page.locator(".notice").inner_text()
    link = page.locator("#claim-link-url").input_value()  # shown in place, with its copy button
    assert "/claim/" in link and page.get_by_role("button", name="Copy").is_visible()
    page.screenshot(path=str(ARTIFACTS / "claim-link-made.png"), full_page=True)
    page.goto(credential_page)  # seen again: the link's state, never the link, and replacing it needs a ticked box
    assert page.locator("#claim-link-url").count() == 0 and "works until" in page.locator("#claim-state").inner_text()
    assert page.locator("#claim-replace-confirm").get_attribute("required") is not None
    page.screenshot(path=str(ARTIFACTS / "claim-link-live.png"), full_page=True)

    learner = browser.new_context()
    try:
        claim = learner.new_page()
        claim.goto(link)
        assert claim.locator("#claim-learner").inner_text().startswith("Learner ")
        assert claim.locator("#claim-status").inner_text() == "Valid"
        with claim.expect_download() as download:
            claim.locator("#claim-json").click()
        document = json.loads(download.value.path().read_text())
        assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"] and document["proof"]

        # A learner without an account signs up on the claim page, lands back on it signed in, and claims it.
        claim.screenshot(path=str(ARTIFACTS / "claim-page.png"), full_page=True)
        claim.get_by_label("Your name").fill("Nina Nova")
        claim.get_by_label("Email").fill("nina.nova@example.org")
        claim.get_by_label("Choose a password").fill("a long new passphrase")
        claim.get_by_role("button", name="Make my account").click()
        claim.locator("#claim-wallet").wait_for()
        assert claim.url.startswith(link) and "you are signed in" in claim.locator(".notice").inner_text()
        assert "Nina Nova" in claim.locator(".site-header").inner_text()
        claim.screenshot(path=str(ARTIFACTS / "claim-signed-up.png"), full_page=True)
        claim.get_by_role("button", name="Add it to my wallet").click()
        claim.wait_for_url(f"{live_server}/wallet/*")
        assert claim.locator(".notice").inner_text() == "Added to your wallet."
        claim.goto(link)  # the used link says where the credential went: to her, her wallet
        assert claim.locator("#claim-gone").inner_text().endswith("into your wallet.")
    finally:
        learner.close()
