"""One transaction per request (web.security.get_db) and one way to refuse a form (web.forms.refusing), tried on
routes added to the real app: what a handler wrote is kept only when it returns, a refused form shows what was
typed with nothing written, and a commit that loses a race is a 409, never a success or a 500."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts.models import Organisation, OrganisationKind
from microcred.errors import InvalidInput, MicrocredError
from microcred.store import Database
from microcred.web.forms import refusing
from microcred.web.security import DB, Anyone, SignedIn
from tests.conftest import World, log_in


def _organisation(slug: str) -> Organisation:
    return Organisation(slug=slug, legal_name=slug, name_key=slug, kind=OrganisationKind.PROVIDER, country="BE")


def _count(database: Database, slug: str) -> int:
    with database.sessions() as db:
        return db.scalar(select(func.count()).select_from(Organisation).where(Organisation.slug == slug)) or 0


def _shown_again(error: MicrocredError, request: Request, slug: str, **_: Any) -> Response:
    return JSONResponse({"again": True, "typed": slug, "error": error.detail}, status_code=422)


def _routes(app: FastAPI) -> None:
    @app.post("/api/test/write")
    def write(
        caller: Anyone, db: DB, slug: str = Body(embed=True), fail: bool = Body(False, embed=True)
    ) -> dict[str, str]:
        db.add(_organisation(slug))
        db.flush()
        if fail:
            raise InvalidInput("Refused after writing.", code="refused")
        return {"written": slug}

    @app.post("/api/test/form")
    @refusing(_shown_again)
    def form(request: Request, caller: Anyone, db: DB, slug: str = Body(embed=True)) -> Response:
        db.add(_organisation(slug))
        db.flush()
        if slug.startswith("bad"):
            raise InvalidInput(f"{slug} is not allowed.", code="refused")
        return JSONResponse({"saved": slug, "seen": db.scalar(select(func.count()).select_from(Organisation))})

    @app.post("/api/test/form-async")
    @refusing(_shown_again)
    async def form_async(request: Request, caller: Anyone, db: DB, slug: str = Body(embed=True)) -> Response:
        db.add(_organisation(slug))
        db.flush()
        raise InvalidInput("Always refused.", code="refused")

    @app.post("/api/test/twice")
    def twice(caller: Anyone, db: DB, slug: str = Body(embed=True)) -> dict[str, str]:
        # The second row breaks the unique slug only when the request's commit flushes it.
        db.add(_organisation(slug))
        db.add(
            Organisation(slug=slug, legal_name="x", name_key=slug + "-2", kind=OrganisationKind.PROVIDER, country="BE")
        )
        return {"answered": "before the commit"}

    @app.get("/test-page/twice")
    def twice_signed_in(caller: SignedIn, db: DB, slug: str) -> dict[str, str]:
        db.add(_organisation(slug))
        db.add(
            Organisation(slug=slug, legal_name="x", name_key=slug + "-2", kind=OrganisationKind.PROVIDER, country="BE")
        )
        return {"answered": "before the commit"}


def test_a_handler_that_returns_is_committed_and_one_that_raises_leaves_nothing(
    app: FastAPI, database: Database
) -> None:
    _routes(app)
    with TestClient(app) as client:
        assert client.post("/api/test/write", json={"slug": "kept"}).json() == {"written": "kept"}
        refused = client.post("/api/test/write", json={"slug": "gone", "fail": True})
    assert refused.status_code == 422 and refused.json()["error"] == "refused"
    assert _count(database, "kept") == 1
    assert _count(database, "gone") == 0


def test_a_refused_form_is_shown_again_with_what_was_typed_and_nothing_written(
    app: FastAPI, database: Database
) -> None:
    _routes(app)
    with TestClient(app) as client:
        again = client.post("/api/test/form", json={"slug": "bad-name"})
        again_async = client.post("/api/test/form-async", json={"slug": "async-name"})
        saved = client.post("/api/test/form", json={"slug": "good-name"})
    assert again.status_code == 422
    assert again.json() == {"again": True, "typed": "bad-name", "error": "bad-name is not allowed."}
    assert again_async.status_code == 422 and again_async.json()["typed"] == "async-name"
    assert saved.status_code == 200 and saved.json()["saved"] == "good-name"
    assert (_count(database, "bad-name"), _count(database, "async-name"), _count(database, "good-name")) == (0, 0, 1)


def test_a_commit_that_loses_a_race_is_a_409_and_writes_nothing(app: FastAPI, database: Database) -> None:
    _routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/test/twice", json={"slug": "twin"})
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "concurrent_change"
    assert _count(database, "twin") == 0


def test_refusing_needs_the_request_to_roll_back(database: Database) -> None:
    @refusing(lambda error, **_: Response(status_code=422))
    def handler(db: Session) -> Response:
        raise InvalidInput("no")

    try:
        handler(db=Session())
    except TypeError as error:
        assert "request" in str(error)
    else:
        raise AssertionError("a handler without the request was allowed to refuse")


def test_a_signed_in_page_whose_commit_loses_a_race_says_so_and_who_is_signed_in(
    app: FastAPI, database: Database, world: World
) -> None:
    _routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        log_in(client, "learner@a.example", world.passwords["learner@a.example"])
        response = client.get("/test-page/twice", params={"slug": "twin-page"})
    assert response.status_code == 409, response.text
    assert "changed by someone else at the same moment" in response.text
    assert "learner@a.example" in response.text or "Log out" in response.text  # the menu still knows the person
    assert _count(database, "twin-page") == 0
