"""The demo educator logs in for the first time in a real browser and reaches the dashboard."""

from __future__ import annotations

import pytest

from microcred.accounts.demo import create_demo_organisation
from microcred.store import Database
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def test_demo_educator_logs_in_and_sees_the_dashboard(live_server: str, database: Database, page) -> None:  # type: ignore[no-untyped-def]
    with database.session() as db:
        accounts = create_demo_organisation(db)
    assert accounts is not None
    educator = next(account for account in accounts if account.email == "educator@demo.example")
    assert educator.one_time_password is not None

    page.goto(f"{live_server}/")
    # The first Tab lands on the skip link, visible when focused; following it moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Keyboard alone reaches the login form: the login link in the content, then the email field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Log in"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/login")
    # autofocus is applied after the page loads, later on a busy machine: wait for it, up to 5 s
    page.wait_for_function("document.activeElement && document.activeElement.id === 'email'", timeout=5000)

    page.get_by_label("Email").fill("educator@demo.example")
    page.get_by_label("Password").fill("a wrong password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "The email or password is not right."

    page.get_by_label("Password").fill(educator.one_time_password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server}/account/password")
    page.get_by_label("Current password").fill(educator.one_time_password)
    page.get_by_label("New password", exact=False).first.fill("my own passphrase 42")
    page.get_by_label("New password again").fill("my own passphrase 42")
    page.get_by_role("button", name="Save password").click()

    page.wait_for_url(f"{live_server}/dashboard*")
    assert page.get_by_role("status").first.inner_text().startswith("Password changed.")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    navigation = page.get_by_role("navigation", name="Main")
    assert navigation.get_by_role("link", name="Micro-credentials").is_visible()
    assert navigation.get_by_role("link", name="Members").count() == 0
    assert "Educator" in page.locator(".account").inner_text()
    assert "Demo Academy of Applied Skills" in page.get_by_role("main").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{database.engine.dialect.name}.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server}/login")
    page.goto(f"{live_server}/dashboard")
    assert page.url.startswith(f"{live_server}/login?next=")


def test_api_docs_render_offline_in_the_browser(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    outside_requests: list[str] = []
    page.on(
        "request", lambda request: None if request.url.startswith(live_server) else outside_requests.append(request.url)
    )
    page.goto(f"{live_server}/docs")
    page.get_by_text("/api/orgs/{org}/members", exact=True).first.wait_for(timeout=15000)
    assert outside_requests == []
