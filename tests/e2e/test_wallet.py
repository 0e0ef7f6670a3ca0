"""A learner in a real browser: claims a credential into their wallet, presents it to a verifier as a signed
presentation, shares it without the grade, an employer opens the link, the learner withdraws it and downloads
everything."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.issuing import claims, credentials, documents, keys
from microcred.store import Database
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, log_in_as, published_minimum
from tests.e2e.page_checks import OVERFLOW

pytestmark = pytest.mark.e2e


def test_claim_share_withdraw_and_export_in_the_browser(
    live_server: str,
    world: World,
    database: Database,
    settings: Settings,
    browser,  # type: ignore[no-untyped-def]
    page,  # type: ignore[no-untyped-def]
) -> None:
    spec_id = published_minimum(database, "a", world)
    with database.session() as db:
        organisation = db.merge(world.orgs["a"])
        issued = credentials.issue_edition(
            db,
            Actor.operator(),
            organisation,
            spec_id,
            1,
            documents.Learner(name="Ana Andromeda", email="learner@a.example"),
            documents.Result(awarded=date(2026, 11, 20), grade="Distinction"),
            base_url=live_server,
            master=keys.master_key(settings.resolved_master_key()),
        )
        link, _expires = claims.new_link(db, Actor.operator(), organisation, issued.id, base_url=live_server)

    log_in_as(page, live_server, "learner@a.example", world.passwords["learner@a.example"])
    page.goto(link)
    page.get_by_role("button", name="Add it to my wallet").click()
    page.wait_for_url(f"{live_server}/wallet/*")
    assert "Valid" in page.locator("#item-verdict").inner_text()
    item = page.url

    asked = {"challenge": "9f1c2e7a-the-verifier's-nonce", "domain": "employer.example"}
    page.get_by_label("Challenge").fill(asked["challenge"])
    page.get_by_label("Domain").fill(asked["domain"])
    with page.expect_download() as made:
        page.get_by_role("button", name="Make the presentation").click()
    assert made.value.suggested_filename.startswith("presentation-")
    presentation = json.loads(made.value.path().read_bytes())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wallet_presentation.png"), full_page=True)
    assert presentation["proof"]["challenge"] == asked["challenge"] and presentation["holder"].startswith("did:key:")
    verifier = browser.new_context()  # the employer's side: no session here
    try:
        checked = verifier.request.post(
            f"{live_server}/presentations/verify",
            data=json.dumps({"verifiablePresentation": presentation, "options": asked}),
            headers={"content-type": "application/json"},
        )
        assert checked.status == 200, checked.text()
        assert checked.json()["verified"] is True
        assert {c["check"]: c["outcome"] for c in checked.json()["presentationResult"]["checks"]}["OWNER"] == "OK"
    finally:
        verifier.close()

    page.get_by_label("Valid for (days)").fill("3")
    page.get_by_label("Grade").check()
    page.get_by_role("button", name="Make a share link").click()
    assert "Share link made: it works until" in page.locator(".notice").inner_text()
    shared = page.locator("#share-link-url").input_value().strip()
    # On a phone the new link is in sight at the top, with its copy button, and nothing is wider than the window.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator("#share-link-url").bounding_box()["y"] < 844  # type: ignore[index]
    assert page.get_by_role("button", name="Copy").is_visible() and page.evaluate(OVERFLOW) is None
    page.screenshot(path=str(ARTIFACTS / "wallet-share-made-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    employer = browser.new_context()
    try:
        view = employer.new_page()
        view.goto(shared)
        assert "Valid" in view.locator("#share-verdict").inner_text()
        assert view.locator("#share-reason").inner_text() == "Every check passed."
        assert "Distinction" not in view.content() and "Grade" in view.locator("#share-hidden").inner_text()
        page.goto(item)  # not a reload: that would post the share form again
        assert page.locator("#shares .views").inner_text().startswith("1 time")
        page.get_by_label("Yes, withdraw this link").check()  # a withdrawal is confirmed first
        page.get_by_role("button", name="Withdraw").click()
        assert page.locator(".notice").inner_text() == "Share link withdrawn: it no longer opens."
        assert "withdrawn" in page.locator("#shares").inner_text().lower()
        assert view.goto(shared).status == 404
    finally:
        employer.close()

    page.goto(f"{live_server}/wallet")
    with page.expect_download() as download:
        page.locator("#export").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    index = json.loads(archive.read("credentials.json"))
    assert index[0]["shares"][0]["revoked_at"] and index[0]["shares"][0]["hidden"] == ["Grade"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wallet.png"), full_page=True)
