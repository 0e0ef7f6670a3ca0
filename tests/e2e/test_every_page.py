"""Every page, for the role it is made for, on a phone (390×844) and a laptop (1366×900): nothing wider than the
window, no form controls drawn over each other, no error status, and no axe-core violation. The pages come from
the app's own page routes, filled with the ids of a world that has something everywhere (tests/e2e/rich_world.py),
and together they must render every page template, so a new page without a visit fails here.

Every problem is collected, written one a line to test-artifacts/every-page.txt, and the test fails once at the
end with the list. Screenshots of the key pages go to test-artifacts/screens/<width>/<name>.png.

axe-core is injected by the browser itself (an init script through the DevTools protocol), so the pages keep
their strict Content-Security-Policy: what is checked is what people get, and a style or script that the CSP
refuses shows up here as a problem. SQLite only: the pages are the same on PostgreSQL, whose coverage is in
the other page tests."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.config import Settings
from microcred.store import Database
from microcred.web.app import api_routes, create_app
from microcred.web.security import Access, access_of
from microcred.web.templating import templates
from tests.conftest import TEST_SECRET, World
from tests.e2e import page_checks
from tests.e2e.conftest import ARTIFACTS, log_in_as
from tests.e2e.page_checks import Problem
from tests.e2e.rich_world import DIRECTOR, LEARNER, PLATFORM_ADMIN, PYTHON, Seeded, seed

pytestmark = pytest.mark.e2e

SOURCE = Path(__file__).resolve().parents[2] / "src" / "microcred"
WIDTHS = {390: 844, 1366: 900}
ROLES = ("anonymous", "learner", "educator", "recognition_officer", "org_admin", "platform_admin")
EMAILS = {
    "learner": LEARNER,
    "educator": "educator@a.example",
    "recognition_officer": "recognition_officer@a.example",
    "org_admin": "org_admin@a.example",
    "platform_admin": PLATFORM_ADMIN,
}
# Every signed-in role's own view of these, besides the role each page route is visited by.
EVERY_ROLE = ("/dashboard", "/orgs/a")
NO_SUCH = "00000000-0000-4000-8000-000000000000"
# A page route visited with a query: the page with results is the one worth seeing.
QUERIES = {
    "/search": "q=teacher",
    "/catalogue/compare": "id={spec}&id={second_spec}",
    "/profile/gap": f"occupation={DIRECTOR}",
    "/profile/experiences/{experience_id}": "q=digital+content",
}
# More views: (role, address, status expected).
EXTRAS = (
    ("learner", "/claim/{claim_token}", 200),  # the learner's own claim link, logged in
    ("learner", "/catalogue/{spec}", 200),  # with the link to ask for recognition of prior learning
    ("anonymous", "/verify/{revoked}", 200),  # a verdict that is not valid
    ("educator", "/orgs/a/specifications/{draft}/edit", 200),  # the form of a draft, with its checks
    ("anonymous", "/catalogue?q=data", 200),
    ("anonymous", f"/catalogue/{NO_SUCH}", 404),
    ("learner", f"/wallet/{NO_SUCH}", 404),
)
# Pages that only a form's answer shows: (role, address, the button pressed there, status of the page it leads to).
CLICKS = (("anonymous", "/claim/{claim_token}", "#claim-wallet-app button", 200),)  # a wallet app's code to scan
# Screenshots: (role, route or extra) -> name.
SCREENS = {
    ("anonymous", "/"): "home",
    **{(role, "/dashboard"): f"dashboard-{role}" for role in ROLES[1:]},
    ("educator", "/orgs/{org}/specifications/new"): "specification-form-new",
    ("educator", "/orgs/a/specifications/{draft}/edit"): "specification-form",
    ("educator", "/orgs/{org}/specifications/{spec_id}"): "specification",
    ("anonymous", "/catalogue"): "catalogue",
    ("anonymous", "/catalogue/{spec_id}"): "catalogue-item",
    ("anonymous", "/verify/{credential_id}"): "verify-result",
    ("anonymous", "/verify/{revoked}"): "verify-result-revoked",
    ("learner", "/wallet/{wallet_id}"): "wallet-item",
    ("anonymous", "/share/{token}"): "share",
    ("anonymous", "/claim/{token}"): "claim",
    ("learner", "/claim/{claim_token}"): "claim-logged-in",
    ("anonymous", "/claim/{claim_token}"): "claim-wallet-app",  # after pressing "Claim into a wallet app"
    ("learner", "/profile"): "profile",
    ("educator", "/orgs/{org}/pathways/{pathway_id}"): "pathway",
    ("learner", "/pathways/{pathway_id}/progress"): "pathway-progress",
    ("educator", "/orgs/{org}/credentials/{credential_id}"): "issued-credential",
}


@dataclass(frozen=True)
class Visit:
    role: str
    route: str  # the route's path, or the extra's address, before filling: what SCREENS names
    url: str  # path and query
    expected: int = 200
    shown: str = ""  # how the report names it: the route's path and query before filling, the same every run
    click: str = ""  # a button to press on the page, whose answer is the page checked


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_esco_template: Path) -> str:
    """A copy of the migrated SQLite database holding ESCO (careers, skills and gaps need it)."""
    path = tmp_path / "microcred.db"
    shutil.copy(sqlite_esco_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names of the templates the app loads (pages, the layouts they extend, what they include)."""
    names: set[str] = set()
    environment = templates.env
    load = environment.get_template

    def recorded(name: Any, *args: Any, **kwargs: Any) -> Any:
        template = load(name, *args, **kwargs)  # one that does not compile is not rendered
        names.add(str(template.name))
        return template

    monkeypatch.setattr(environment, "get_template", recorded)
    return names


def page_templates() -> set[str]:
    """Every template that is a page or a layout: not a partial (_name.html)."""
    return {path.name for path in SOURCE.glob("*/templates/*.html") if not path.name.startswith("_")}


def visitor(access: Access) -> str:
    """The role a page is made for: the least one allowed, except members' pages, seen fullest by an admin."""
    if not access.login_required:
        return "anonymous"
    if access.platform_admin:
        return "platform_admin"
    roles = set(access.roles)
    if not roles:
        return "learner"
    if Role.EDUCATOR in roles and Role.RECOGNITION_OFFICER not in roles and Role.LEARNER not in roles:
        return "educator"
    if Role.RECOGNITION_OFFICER in roles and Role.LEARNER not in roles:
        return "recognition_officer"
    return "org_admin"


def filled(path: str, seeded: Seeded) -> str | None:
    """The route's path with the seeded ids, or None when a parameter is one this test does not know."""
    first = path.strip("/").split("/")[0]
    values: dict[str, object] = {
        "org": "a",
        "spec_id": seeded.second_spec if path.endswith("/rpl") else seeded.spec,  # no case on it yet
        "number": 1,
        "credential_id": seeded.credential,
        "run_id": seeded.run,
        "cohort_id": seeded.cohort,
        "user_id": seeded.learner,
        "wallet_id": seeded.wallet_item,
        "pathway_id": seeded.pathway,
        "experience_id": seeded.experience,
        "career_id": DIRECTOR,
        "skill_id": PYTHON,
        "code": seeded.cohort_code,
        "case_id": seeded.recognition_case if "/recognition/" in path else seeded.rpl_case,
        "slug": "teaching-education" if first == "careers" else "a",
    }
    tokens = {"account": seeded.setup_token, "claim": seeded.claim_token, "share": seeded.share_token}
    if first in tokens:
        values["token"] = tokens[first]
    try:
        return path.format(**values)
    except KeyError:
        return None


def visits(app: Any, seeded: Seeded) -> tuple[list[Visit], list[str]]:
    """Each GET page route (an HTML response from a pages module) for the role it is made for, every signed-in
    role's own views, and the extras; with the routes that could not be filled in."""
    found, unfilled = [], []
    ids = {name: str(value) for name, value in vars(seeded).items()}
    for path, route in api_routes(app):
        html = isinstance(route.response_class, type) and issubclass(route.response_class, HTMLResponse)
        if "GET" not in (route.methods or ()) or ".pages" not in route.endpoint.__module__ or not html:
            continue
        access = access_of(route)
        url = filled(path, seeded)
        if access is None or url is None:
            unfilled.append(path)
            continue
        query = QUERIES.get(path)
        if query:
            url += "?" + query.format(**ids)
        roles = list(ROLES[1:]) if path in EVERY_ROLE or url in EVERY_ROLE else [visitor(access)]
        shown = path + (f"?{query}" if query else "")
        found += [Visit(role, path, url, shown=shown) for role in roles]
    found += [Visit(role, address, address.format(**ids), status, address) for role, address, status in EXTRAS]
    found += [
        Visit(role, address, address.format(**ids), status, f"{address} pressing {button}", button)
        for role, address, button, status in CLICKS
    ]
    return sorted(found, key=lambda v: ROLES.index(v.role)), unfilled


def unseen(planned: list[Visit]) -> list[tuple[tuple[str, str], str]]:
    """The screenshots whose page no visit shows (its route changed, say)."""
    visited = {(visit.role, visit.route) for visit in planned}
    return [(key, name) for key, name in SCREENS.items() if key not in visited]


class Browsing:
    """One browser context per role and width, logged in once, each with a page that goes from address to
    address; what the page says on its console (a script error, a refused style) is kept for the visit."""

    def __init__(self, browser: Any, live_server: str, world: World) -> None:
        self.browser, self.live_server, self.world = browser, live_server, world
        self.axe = str(page_checks.axe_script())
        self.pages: dict[tuple[str, int], Any] = {}
        self.states: dict[str, Any] = {"anonymous": None}
        self.heard: list[str] = []

    def page(self, role: str, width: int) -> Any:
        if (role, width) not in self.pages:
            self.pages[(role, width)] = self._new(width, self._state(role))
        return self.pages[(role, width)]

    def _state(self, role: str) -> Any:
        """The role's cookies, from logging in once."""
        if role not in self.states:
            context = self.browser.new_context()
            try:
                email = EMAILS[role]
                log_in_as(context.new_page(), self.live_server, email, self.world.passwords[email])
                self.states[role] = context.storage_state()
            finally:
                context.close()
        return self.states[role]

    def _new(self, width: int, state: Any) -> Any:
        context = self.browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, storage_state=state)
        context.set_default_timeout(60_000)  # a loaded machine; the report lists the slowest
        context.add_init_script(path=self.axe)
        page = context.new_page()
        page.on("pageerror", lambda error: self.heard.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        return page

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.heard.append(f"console error: {message.text[:300]}")

    def _response(self, response: Any) -> None:
        request = response.request
        if response.status >= 400 and request.resource_type != "document" and not request.url.endswith("/favicon.ico"):
            self.heard.append(f"{request.resource_type} {request.url} answered {response.status}")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def browsing(browser, live_server: str, world: World) -> Iterator[Browsing]:  # type: ignore[no-untyped-def]
    browsing = Browsing(browser, live_server, world)
    yield browsing
    browsing.close()


def look(browsing: Browsing, visit: Visit, width: int) -> list[Problem]:
    """Open the page at the width, check it, and take its screenshot if it is a key page."""

    def problem(kind: str, detail: str) -> Problem:
        return Problem(kind, width, visit.role, visit.shown, detail)

    page = browsing.page(visit.role, width)
    browsing.heard.clear()
    try:
        response = page.goto(browsing.live_server + visit.url)
        if visit.click:
            with page.expect_navigation() as answered:
                page.click(visit.click)
            response = answered.value
    except Exception as error:  # a timeout, a download: say so and go on with the other pages
        return [problem("status", f"did not load: {str(error).splitlines()[0]}")]
    found = []
    status = response.status if response else 0
    if status != visit.expected:
        found.append(problem("status", f"answered {status}, not {visit.expected}"))
    try:
        found += page_checks.check(page, width=width, role=visit.role, path=visit.shown)
        name = SCREENS.get((visit.role, visit.route))
        if name:  # as it is first seen, before the disclosures are opened
            folder = ARTIFACTS / "screens" / str(width)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        found += page_checks.check_disclosed(page, found, width=width, role=visit.role, path=visit.shown)
    except Exception as error:  # the page went away under the checks (a script navigated, say)
        found.append(problem("status", f"could not be checked: {str(error).splitlines()[0]}"))
    found += [problem("console", heard) for heard in browsing.heard]
    return found


def test_every_page_at_phone_and_laptop_widths(
    live_server: str, world: World, database: Database, settings: Settings, browsing: Browsing, rendered: set[str]
) -> None:
    started = time.monotonic()
    seeded = seed(database, world, settings, live_server)
    planned, unfilled = visits(create_app(settings, database), seeded)

    problems: list[Problem] = []
    took: list[tuple[float, str]] = []
    for visit in planned:
        for width in WIDTHS:
            began = time.monotonic()
            problems += look(browsing, visit, width)
            took.append((time.monotonic() - began, f"{width}px {visit.role} {visit.shown}"))

    here = Path(__file__).name
    pages = page_templates()
    lines = [f"[harness] no ids for the route {path}: add them to filled() in {here}" for path in unfilled]
    lines += [f"[harness] no visit for the screenshot {name}: {key} in SCREENS" for key, name in unseen(planned)]
    lines += [
        f"[coverage] no visit rendered {name}: fill its route's ids (filled) or add an EXTRAS entry in {here}"
        for name in sorted(pages - rendered)
    ]
    lines += [found.line() for found in sorted(problems, key=lambda p: (p.kind, p.path, p.width, p.role))]
    report = [
        f"# Every page at {' and '.join(f'{w}x{h}' for w, h in WIDTHS.items())}: {len(planned)} pages, "
        f"{len(pages & rendered)} of {len(pages)} page templates rendered, {time.monotonic() - started:.0f}s",
        *(f"# {line}" for line in page_checks.summary(problems)),
        *lines,
        "",
        "# Visited:",
        *(f"#   {visit.role} {visit.shown}" for visit in planned),
        "# Slowest:",
        *(f"#   {seconds:.2f}s {what}" for seconds, what in sorted(took, reverse=True)[:10]),
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "every-page.txt").write_text("\n".join(report) + "\n")
    assert not lines, f"{len(lines)} problems (also in test-artifacts/every-page.txt):\n" + "\n".join(lines)


def test_the_route_list_reaches_every_role_and_fills_every_page_route(tmp_path: Path) -> None:
    """The plan itself, without a browser: each role has pages, and every page route's ids are known."""
    fake = Seeded(**{f.name: "x" if f.type == "str" else uuid.uuid4() for f in fields(Seeded)})  # type: ignore[arg-type]
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db", secret_key=TEST_SECRET))
    planned, unfilled = visits(app, fake)
    assert not unfilled and not unseen(planned)
    assert {visit.role for visit in planned} == set(ROLES)
    assert not [visit.url for visit in planned if "{" in visit.url]


def test_the_recorder_sees_each_page_and_the_layout_it_extends(rendered: set[str], tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db", secret_key=TEST_SECRET))
    with TestClient(app) as client:
        assert client.get("/login").status_code == 200
        assert client.get("/no/such/page").status_code == 404
    assert {"login.html", "error.html", "base.html"} <= rendered
    assert "login.html" in page_templates() and not any(name.startswith("_") for name in page_templates())


CHECKED = """<!doctype html><html lang="en"><head><title>Checks</title><style>
  body { margin: 0; } .row { position: relative; } .wide { width: 600px; }
  .over { position: absolute; left: 0; top: 0; width: 200px; height: 16px; padding: 0; }
</style></head><body><main>
  <h1>Checks</h1>
  <div class="row">
    <label for="a">First</label> <input id="a" name="a"><button type="button" class="over">Over</button>
  </div>
  <p><label><input type="checkbox" name="wrapped"> A label that wraps its box</label></p>
  <details><summary>Closed</summary>
    <div class="row"><input id="b" name="b"><label for="b" class="over">Over its box</label></div>
  </details>
  <div class="wide">Too wide for a phone</div>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""


def test_the_checks_find_overflow_overlap_and_axe_violations_and_nothing_else(browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        context.add_init_script(path=str(page_checks.axe_script()))
        page = context.new_page()
        page.set_content(CHECKED)
        found = page_checks.check(page, width=390, role="anonymous", path="/checks")
        disclosed = page_checks.check_disclosed(page, found, width=390, role="anonymous", path="/checks")
    finally:
        context.close()
    kinds = sorted((problem.kind, problem.detail.split(" ", 1)[0]) for problem in found)
    assert kinds == [("axe", "image-alt"), ("overflow", "the"), ("overlap", "input#a"), ("overlap", 'label[for="a"]')]
    overflow = next(problem for problem in found if problem.kind == "overflow")
    assert "600px wide in a 390px window; widest: div.wide" in overflow.detail
    # Inside the <details>, once it is open: only what is new there.
    [inside] = disclosed
    assert inside.detail.startswith('input#b and label[for="b"] "Over its box" overlap by ')
    assert inside.detail.endswith("px (once its disclosures are open)")
