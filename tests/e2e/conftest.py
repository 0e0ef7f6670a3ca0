"""A real server on a free local port and Debian's chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from microcred.config import Settings
from microcred.store import Database
from microcred.web.app import create_app
from tests.conftest import World

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"base_url": base_url}), database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start within 15 seconds")
        time.sleep(0.05)
    yield base_url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def driver():  # type: ignore[no-untyped-def]
    """Playwright, once per run (a second sync instance cannot start while one runs)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch(driver, *extra: str):  # type: ignore[no-untyped-def]
    """Debian's chromium, headless, with the run's flags and any `extra` ones (a fake camera, say)."""
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra], headless=True)


@pytest.fixture(scope="session")
def browser(driver):  # type: ignore[no-untyped-def]
    browser = launch(driver)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def published_minimum(database: Database, organisation_slug: str, world: World) -> uuid.UUID:
    """A specification with the Annex I minimum, published by the organisation: its id."""
    from microcred.accounts.principal import Actor
    from microcred.design import service as design
    from microcred.design.schemas import SpecificationContent
    from tests.design.fixtures import annex_i_minimum

    with database.session() as db:
        organisation = db.merge(world.orgs[organisation_slug])
        spec = design.create(db, Actor.operator(), organisation, SpecificationContent.model_validate(annex_i_minimum()))
        design.publish(db, Actor.operator(), organisation, spec.id)
        return spec.id


def log_in_as(page, live_server: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/dashboard")
