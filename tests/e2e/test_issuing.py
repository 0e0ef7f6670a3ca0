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
    page.get_by_role("button", name="Make a claim link").click()
    link = page.locator("#claim-link code").inner_text().strip()
    assert "/claim/" in link

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
    finally:
        learner.close()
