"""Bad input on every route that takes input is answered in plain sentences: every route of the app is sent
malformed input (wrong types, missing fields, a non-id where an id belongs, oversized text, a body of the wrong
shape or not JSON at all), pages as a signed-in person's form posts with a valid CSRF token and the API with a
bearer token, and every answer is read for internal names and validation jargon. An address whose id cannot
be one is a 404, and nothing is ever a 500."""

from __future__ import annotations

import enum
import inspect
import re
import types
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pydantic
import pytest
from fastapi import FastAPI, UploadFile
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import microcred
from microcred.accounts import service, tokens
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.store import Database
from microcred.web.app import api_routes, create_app
from microcred.web.errors import json_path
from microcred.web.security import Access, access_of
from tests.conftest import World, csrf_from, log_in
from tests.e2e.conftest import published_minimum

Response = Any  # what TestClient answers (httpx's or httpx2's Response)
BAD_TEXT = "not a number é"  # no dots, underscores or brackets of its own, so that what is found is ours
HUGE = "x" * 12_000  # longer than any field's limit, far below the body limit
BAD_ID = "not-an-id"
UNSAFE = {"/logout", "/docs"}  # a request here ends the session of the test, or takes no input

# What no sentence a person reads may contain.
JARGON: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:path|body|query|header|cookie|form)\.\w"), "where the value was sent"),
    (
        re.compile(
            r"Input should|Field required|String should|List should|Value error|Assertion failed|"
            r"value_error|type_error|validation error|Extra inputs|JSON decode",
            re.IGNORECASE,
        ),
        "validation jargon",
    ),
    (re.compile(r"\bloc\b|\bmsg\b|\bctx\b"), "validation jargon"),
    (re.compile(r"object at 0x|<[A-Za-z_]\w*(?:\.\w+)+(?:[ >(:]|$)|<class |<function "), "a Python repr"),
    (re.compile(r"\.;|(?<![.…])\.\.(?![.…])|;\s*\.|:\s*\."), "stray punctuation"),
]
# In an error sentence (not page content): a field's name as code spells it (codes such as "org_admin", which the
# API takes as values, may be named).
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _names_in_code(app: FastAPI) -> tuple[set[str], set[str]]:
    """The app's pydantic model classes (and pydantic's error classes), and the names of their fields and of the
    routes' parameters as code spells them (those with an underscore: "workload_hours", not "title")."""
    import importlib
    import pkgutil

    classes = {"ValidationError", "RequestValidationError", "BaseModel", "ValidationInfo"}
    fields: set[str] = set()
    for module_info in pkgutil.walk_packages(microcred.__path__, "microcred."):
        if "migrations" in module_info.name or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, pydantic.BaseModel) and value.__module__ == module.__name__:
                classes.add(name)
                fields.update(info.alias or field_name for field_name, info in value.model_fields.items())
    for _path, route in api_routes(app):
        dependant = route.dependant
        fields.update(p.alias for p in (*dependant.path_params, *dependant.query_params, *dependant.body_params))
    camel = {name for name in classes if re.search(r"[a-z][A-Z]|In$|Out$", name)}  # not plain words
    return camel, {name for name in fields if SNAKE.fullmatch(name)}


# Reading answers -------------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The text of a page's <main> (without scripts and what was typed back into fields), its error texts, and
    its forms: action → the names of their fields."""

    SKIP = frozenset({"script", "style", "textarea", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.forms: dict[str, set[str]] = {}
        self._main = 0
        self._skip = 0
        self._form: set[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "main":
            self._main += 1
        if tag in self.SKIP:
            self._skip += 1
        if tag == "form":
            self._form = self.forms.setdefault(found.get("action") or "", set())
        named = tag in ("input", "textarea", "select") and found.get("name")
        if named and self._form is not None and found.get("type") not in ("submit", "button"):
            self._form.add(str(found["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._main -= 1
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        if tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._main and not self._skip and data.strip():
            self.text.append(" ".join(data.split()))


def page_of(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def sentences_of(response: Response) -> tuple[list[str], bool]:
    """What a person reads in the answer, and whether it is an error sentence (held to the stricter check)."""
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        if response.status_code < 400:
            return [], True
        try:
            body = response.json()
        except ValueError:
            return [response.text], True
        found: list[str] = []

        def walk(value: Any, key: str = "") -> None:
            if isinstance(value, str) and key not in ("error", "code", "loc", "location", "field"):
                found.append(value)
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(v, str(k))
            elif isinstance(value, list):
                for v in value:
                    walk(v, key)

        walk(body)
        return found, True
    if "html" in kind:
        return page_of(response.text).text, response.status_code >= 400
    return [], False


@dataclass
class Finding:
    route: str
    sent: str
    status: int
    problem: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.route} [{self.sent}] {self.status}: {self.problem}: {self.sentence[:300]!r}"


@dataclass
class Scan:
    model_names: set[str]
    field_names: set[str]
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0

    def read(self, route: str, sent: str, response: Response, *, expect_404: bool = False) -> None:
        self.requests += 1
        status = response.status_code
        if status >= 500 and status != 503:
            self.findings.append(Finding(route, sent, status, "a server error", response.text[:300]))
            return
        if expect_404 and status not in (401, 403, 404):
            self.findings.append(Finding(route, sent, status, "a malformed id is not a 404", response.text[:300]))
        texts, strict = sentences_of(response)
        for text in texts:
            for pattern, problem in JARGON:
                if match := pattern.search(text):
                    self.findings.append(Finding(route, sent, status, f"{problem} {match.group(0)!r}", text))
            for name in self.model_names:
                if re.search(rf"\b{name}\b", text):
                    self.findings.append(Finding(route, sent, status, f"a class name {name!r}", text))
            if strict:
                for word in SNAKE.findall(text):
                    if word in self.field_names:
                        self.findings.append(Finding(route, sent, status, f"a field's name in code {word!r}", text))
                        break


# What to send ----------------------------------------------------------------------------------------------


def _plain(annotation: Any) -> Any:
    """The annotation without Optional, Annotated and unions with None."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = rest[0]
        else:
            return annotation


def wrong_value(annotation: Any) -> Any:
    """A JSON value of the wrong type for the annotation."""
    plain = _plain(annotation)
    origin = typing.get_origin(plain)
    if plain is str:
        return 12345
    if plain is bool:
        return "maybe"
    if plain in (int, float, Decimal):
        return BAD_TEXT
    if plain in (uuid.UUID, date, datetime) or (inspect.isclass(plain) and issubclass(plain, enum.Enum)):
        return BAD_TEXT
    if origin is typing.Literal:
        return BAD_TEXT
    if origin in (list, tuple, set, frozenset):
        return BAD_TEXT
    return BAD_TEXT if inspect.isclass(plain) and issubclass(plain, pydantic.BaseModel) else ["not", "this"]


def bodies_for(model: Any) -> Iterator[tuple[str, Any]]:
    """JSON bodies of the wrong shape for a model: each field wrong in turn, too long, or an empty nested model."""
    yield "an empty object", {}
    yield "a list", [1, 2]
    yield "a string", "text"
    yield "null", None
    plain = _plain(model)
    if not (inspect.isclass(plain) and issubclass(plain, pydantic.BaseModel)):
        return
    for name, info in plain.model_fields.items():
        key = info.alias or name
        yield f"{key} of the wrong type", {key: wrong_value(info.annotation)}
        inner = _plain(info.annotation)
        origin = typing.get_origin(inner)
        if inner is str or (origin in (list, tuple) and typing.get_args(inner)[:1] == (str,)):
            yield f"{key} too long", {key: HUGE if inner is str else [HUGE]}
        element = _plain(typing.get_args(inner)[0]) if origin in (list, tuple) and typing.get_args(inner) else inner
        if inspect.isclass(element) and issubclass(element, pydantic.BaseModel):
            nested = {} if element is inner else [{}]
            yield f"{key} empty inside", {key: nested}
            for sub, sub_info in element.model_fields.items():
                wrong = {sub_info.alias or sub: wrong_value(sub_info.annotation)}
                yield f"{key}.{sub} of the wrong type", {key: wrong if element is inner else [wrong]}


def path_value(name: str, annotation: Any, known: dict[str, str]) -> str:
    plain = _plain(annotation)
    if name in ("org", "slug"):
        return "a"
    if name in known:
        return known[name]
    if plain is uuid.UUID:
        return str(uuid.uuid4())
    if plain is int:
        return "1"
    return "unknown-thing"


def url_for(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values.get(m.group(1), "a"), path)


def query_values(annotation: Any) -> list[str]:
    plain = _plain(annotation)
    if plain is str:
        return [HUGE, ""]
    return [BAD_TEXT, "-1", "99999999999999999999", HUGE]


# Who asks --------------------------------------------------------------------------------------------------


@dataclass
class People:
    pages: dict[str, TestClient]  # role (or "platform") → a logged-in browser
    csrf: dict[str, str]
    bearers: dict[str, dict[str, str]]


def role_for(access: Access) -> str:
    if access.platform_admin:
        return "platform"
    for role in (Role.EDUCATOR, Role.ORG_ADMIN, Role.RECOGNITION_OFFICER, Role.LEARNER):
        if role in access.roles:
            return role.value
    return Role.LEARNER.value


def send_page(
    scan: Scan,
    client: TestClient,
    csrf: str,
    method: str,
    url: str,
    route: str,
    form: dict[str, Any],
    files: dict[str, Any] | None,
    sent: str,
    expect_404: bool = False,
) -> None:  # noqa: E501
    if method == "GET":
        response = client.get(url, params=form, follow_redirects=False)
    else:
        response = client.request(method, url, data={"csrf_token": csrf, **form}, files=files, follow_redirects=False)
    scan.read(f"{method} {route}", sent, response, expect_404=expect_404)


def form_fields(client: TestClient, url: str) -> set[str]:
    """The fields of the forms, on the page at `url` or near it, that post to `url`."""
    names: set[str] = set()
    candidates = [url, url + "/new", url.rsplit("/", 1)[0], url.rsplit("/", 2)[0]]
    for candidate in candidates:
        answer = client.get(candidate, follow_redirects=False)
        if answer.status_code == 200 and "html" in answer.headers.get("content-type", ""):
            names |= page_of(answer.text).forms.get(url, set())
    return names - {"csrf_token"}


def scan_page_route(scan: Scan, people: People, method: str, path: str, route: APIRoute, known: dict[str, str]) -> None:
    who = role_for(access_of(route) or Access.public())
    client, csrf = people.pages[who], people.csrf[who]
    dependant = route.dependant
    good = {p.name: path_value(p.name, p.field_info.annotation, known) for p in dependant.path_params}
    url = url_for(path, good)
    files_of = {p.alias for p in dependant.body_params if _plain(p.field_info.annotation) is UploadFile}
    declared = {p.alias: p for p in dependant.body_params if p.alias not in files_of}
    # A mistyped address: each id that cannot be one.
    for param in dependant.path_params:
        if _plain(param.field_info.annotation) in (uuid.UUID, int):
            bad = url_for(path, {**good, param.name: BAD_ID})
            send_page(scan, client, csrf, method, bad, path, {}, None, f"{param.name}={BAD_ID}", expect_404=True)
    for param in dependant.query_params:
        for value in query_values(param.field_info.annotation):
            send_page(scan, client, csrf, "GET", url, path, {param.alias: value}, None, f"?{param.alias}={value[:20]}")
    if method == "GET":
        return
    fields = set(declared) | form_fields(client, url)
    junk_file = {name: ("junk.bin", b"\x00\xffnot what was asked", "application/octet-stream") for name in files_of}
    send_page(scan, client, csrf, method, url, path, {}, None, "an empty form")
    send_page(
        scan, client, csrf, method, url, path, dict.fromkeys(fields, BAD_TEXT), junk_file or None, "junk in every field"
    )
    for name in sorted(fields):
        send_page(scan, client, csrf, method, url, path, {name: HUGE}, junk_file or None, f"{name} too long")


def scan_api_route(scan: Scan, people: People, method: str, path: str, route: APIRoute, known: dict[str, str]) -> None:
    access = access_of(route) or Access.public()
    who = role_for(access)
    if who == "platform":  # a platform admin acts through the browser session only, with the CSRF header
        client = people.pages["platform"]
        headers = {"x-csrf-token": people.csrf["platform"]}
    else:
        client = people.pages["anyone"]
        headers = people.bearers[who]
    dependant = route.dependant
    good = {p.name: path_value(p.name, p.field_info.annotation, known) for p in dependant.path_params}
    url = url_for(path, good)
    name = f"{method} {path}"

    def send(target: str, sent: str, *, expect_404: bool = False, **kwargs: Any) -> None:
        response = client.request(method, target, headers={**headers, **kwargs.pop("headers", {})}, **kwargs)
        scan.read(name, sent, response, expect_404=expect_404)

    for param in dependant.path_params:
        if _plain(param.field_info.annotation) in (uuid.UUID, int):
            bad = url_for(path, {**good, param.name: BAD_ID})
            send(bad, f"{param.name}={BAD_ID}", expect_404=True, json={})
    for param in dependant.query_params:
        for value in query_values(param.field_info.annotation):
            send(url, f"?{param.alias}={value[:20]}", params={param.alias: value})
    if method == "GET":
        return
    files_of = {p.alias for p in dependant.body_params if _plain(p.field_info.annotation) is UploadFile}
    if files_of:  # multipart
        fields = [p for p in dependant.body_params if p.alias not in files_of]
        send(url, "an empty form", data={"unexpected": BAD_TEXT})
        junk = {n: ("junk.bin", b"\x00\xffjunk", "application/octet-stream") for n in files_of}
        send(url, "junk in every field", data={p.alias: BAD_TEXT for p in fields}, files=junk)
        for p in fields:
            send(url, f"{p.alias} too long", data={p.alias: HUGE}, files=junk)
        return
    send(url, "not JSON", content=b'{"title": ', headers={"content-type": "application/json"})
    send(url, "a form instead of JSON", data={"title": BAD_TEXT})
    for p in dependant.body_params:
        for sent, body in bodies_for(p.field_info.annotation):
            send(url, sent, json=body)


# The test --------------------------------------------------------------------------------------------------


@pytest.fixture
def roomy_app(settings: Settings, database: Database) -> FastAPI:
    """The app with room for every request of the scan (the verifier's rate limit would refuse most)."""
    return create_app(settings.model_copy(update={"verify_rate_per_minute": 1_000_000}), database)


def test_every_route_answers_bad_input_in_plain_sentences(roomy_app: FastAPI, database: Database, world: World) -> None:
    spec_id = published_minimum(database, "a", world)
    known = {"spec_id": str(spec_id)}
    with database.session() as db:
        world.users["a_org_admin"] = db.merge(world.users["a_org_admin"])
        world.users["a_org_admin"].is_platform_admin = True
        organisation = service.organisation_for(db, Actor.operator(), "a")
        bearers = {}
        for role in Role:
            owner = db.merge(world.users[f"a_{role.value}"])
            _token, secret = tokens.create_api_token(
                db, Actor.operator(), organisation, owner=owner, role=role, name="plain language"
            )
            bearers[role.value] = {"Authorization": f"Bearer {secret}"}
    pages: dict[str, TestClient] = {}
    csrf: dict[str, str] = {}
    clients = []
    try:
        for who, email in (
            *((role.value, f"{role.value}@a.example") for role in Role),
            ("platform", "org_admin@a.example"),
            ("anyone", None),
        ):
            client = TestClient(roomy_app, raise_server_exceptions=False)
            clients.append(client.__enter__())
            if email:
                log_in(client, email, world.passwords[email])
                csrf[who] = csrf_from(client.get("/dashboard").text)
            else:
                csrf[who] = csrf_from(client.get("/login").text)
            pages[who] = client
        people = People(pages, csrf, bearers)
        scan = Scan(*_names_in_code(roomy_app))
        routes = 0
        for path, route in api_routes(roomy_app):
            dependant = route.dependant
            for method in sorted((route.methods or set()) - {"HEAD"}):
                takes_input = dependant.path_params or dependant.query_params or dependant.body_params
                if path in UNSAFE or (method == "GET" and not takes_input):
                    continue
                routes += 1
                if json_path(path):
                    scan_api_route(scan, people, method, path, route, known)
                else:
                    scan_page_route(scan, people, method, path, route, known)
    finally:
        for client in clients:
            client.__exit__(None, None, None)
    assert routes > 200 and scan.requests > 1000, (routes, scan.requests)
    seen: set[tuple[str, str, str]] = set()
    report = []
    for finding in scan.findings:
        key = (finding.route, finding.problem, finding.sentence)
        if key not in seen:
            seen.add(key)
            report.append(str(finding))
    assert not report, f"{len(report)} answers in jargon or worse:\n" + "\n".join(report)
