"""The application factory: settings in, a FastAPI app out, with every route's access declared."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import fastapi_offline
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import microcred
from microcred.accounts import api as accounts_api
from microcred.accounts import pages as accounts_pages
from microcred.config import Settings, get_settings
from microcred.design.api import catalogue as catalogue_api
from microcred.design.api import specifications as design_api
from microcred.design.pages import catalogue as catalogue_pages
from microcred.design.pages import specifications as design_pages
from microcred.issuing import api as issuing_api
from microcred.issuing import pages as issuing_pages
from microcred.issuing import sources as verification_sources
from microcred.pathways import api as pathways_api
from microcred.pathways import pages as pathways_pages
from microcred.quality import api as quality_api
from microcred.quality import pages as quality_pages
from microcred.quality import service as quality
from microcred.recognition import cases as recognition
from microcred.recognition import rpl
from microcred.recognition.api import cases as recognition_api
from microcred.recognition.api import rpl as rpl_api
from microcred.recognition.pages import cases as recognition_pages
from microcred.recognition.pages import rpl as rpl_pages
from microcred.skills import api as skills_api
from microcred.skills import pages as skills_pages
from microcred.store import Database
from microcred.taxonomy import api as taxonomy_api
from microcred.taxonomy import embeddings, search
from microcred.taxonomy import pages as taxonomy_pages
from microcred.verify import api as verify_api
from microcred.verify import pages as verify_pages
from microcred.verify.fetch import Fetcher
from microcred.wallet import api as wallet_api
from microcred.wallet import pages as wallet_pages
from microcred.web.errors import install_error_handlers, install_log_redaction
from microcred.web.flows import Flows, Verified
from microcred.web.middleware import BodySizeLimit, FetchBudget, SecurityHeaders, VerifyRateLimit
from microcred.web.security import Anyone, access_of, verify_csrf

log = logging.getLogger("microcred.web")
# Swagger UI 5 (for OpenAPI 3.1), as the fastapi-offline package ships it.
SWAGGER_UI_FILES = Path(fastapi_offline.__file__).parent / "static"


class DatabaseHealth(BaseModel):
    """Whether the database answers, and the migration it is at."""

    ok: bool
    dialect: str
    revision: str | None = None
    detail: str | None = None


class VectorsHealth(BaseModel):
    """The sentence vectors semantic search uses: being built (done of total ESCO labels), ready, absent (none
    built yet, or semantic matching is off: search is lexical meanwhile) or failed (run `microcred taxonomy
    vectors` again)."""

    state: Literal["building", "ready", "absent", "failed"] = Field(description="building, ready, absent or failed")
    done: int = Field(ge=0, description="ESCO labels encoded so far")
    total: int = Field(ge=0, description="ESCO labels to encode in all")


class Health(BaseModel):
    """The app's version, whether it reaches its database, and how far the ESCO sentence vectors are."""

    status: Literal["ok", "unavailable"]
    version: str
    database: DatabaseHealth
    vectors: VectorsHealth


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app. A given `database` is used as is (and left open); otherwise one is made from settings."""
    settings = settings or get_settings()
    install_log_redaction()
    owns_database = database is None
    database = database or Database(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_database:
            database.dispose()

    app = FastAPI(
        title="microcred",
        version=microcred.__version__,
        description="Micro-credentials end to end: skills, design, issuing, verification, recognition.",
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.fetcher = Fetcher(
        enabled=settings.fetch, budget=settings.fetch_budget_seconds, ports=settings.fetch_ports
    )
    app.state.secret_key = secret_key = settings.resolved_secret_key()
    search.configure(settings.vectors_dir, settings.embeddings)

    def count_for_quality(db: Session, seen: Verified) -> None:
        quality.record_verification(
            db, seen.document, seen.report, channel=seen.channel, address=seen.address, secret=secret_key
        )

    app.state.flows = Flows(
        sources=verification_sources.sources,
        # Recognition cases keep their decisions without the learner's name; RPL cases and evidence go.
        learner_erasure=(recognition.forget_learner, rpl.forget_learner),
        verified=(count_for_quality,),
    )

    semantic = embeddings.switched_on(settings.embeddings)

    def vectors() -> dict[str, Any]:
        """A read of the small progress file `microcred taxonomy vectors` keeps: no database, no model."""
        found = embeddings.read_progress(settings.vectors_dir if semantic else None)
        return {"state": found.state, "done": found.done, "total": found.total}

    @app.get(
        "/health",
        tags=["health"],
        summary="Is the app up, can it reach its database, and are the sentence vectors built",
        description="The version; the database's dialect and migration (503 when it cannot be reached); and the "
        "ESCO sentence vectors: `building` with `done` of `total` labels encoded, `ready`, `absent` (search is "
        "lexical until they are built) or `failed`.",
        response_model=Health,
        responses={503: {"model": Health, "description": "The database cannot be reached"}},
    )
    def health(caller: Anyone) -> JSONResponse:
        try:
            return JSONResponse(
                {"status": "ok", "version": microcred.__version__, "database": database.ping(), "vectors": vectors()}
            )
        except SQLAlchemyError as error:
            log.warning("health check: database unreachable: %s", type(error).__name__)
            return JSONResponse(
                {
                    "status": "unavailable",
                    "version": microcred.__version__,
                    "database": {
                        "ok": False,
                        "dialect": database.engine.dialect.name,
                        "detail": "The database cannot be reached.",
                    },
                    "vectors": vectors(),
                },
                status_code=503,
            )

    @app.get("/docs", include_in_schema=False)
    def docs(caller: Anyone) -> HTMLResponse:
        """Swagger UI from files shipped in a package, so the docs work with no network."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="microcred API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    app.include_router(accounts_api.router)
    app.include_router(accounts_pages.router)
    app.include_router(taxonomy_api.router)
    app.include_router(taxonomy_pages.router)
    app.include_router(skills_api.router)
    app.include_router(skills_pages.router)
    app.include_router(design_api.router)
    app.include_router(design_pages.router)
    app.include_router(catalogue_api.router)
    app.include_router(catalogue_pages.router)
    app.include_router(issuing_api.router)
    app.include_router(issuing_pages.router)
    app.include_router(verify_api.router)
    app.include_router(verify_pages.router)
    app.include_router(wallet_api.router)
    app.include_router(wallet_api.holder_router)
    app.include_router(wallet_pages.router)
    app.include_router(pathways_api.router)
    app.include_router(pathways_pages.router)
    app.include_router(recognition_api.router)
    app.include_router(recognition_pages.router)
    app.include_router(rpl_api.router)
    app.include_router(rpl_pages.router)
    app.include_router(quality_api.router)
    app.include_router(quality_pages.router)
    app.mount("/static/docs", StaticFiles(directory=SWAGGER_UI_FILES), name="docs-static")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    install_error_handlers(app)
    app.add_middleware(FetchBudget, fetcher=app.state.fetcher)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(VerifyRateLimit, per_minute=settings.verify_rate_per_minute)
    app.add_middleware(SecurityHeaders)  # outermost, so even a 413 carries the headers
    check_access_declared(app)
    return app


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every FastAPI route with its full path, through included routers (FastAPI no longer flattens them)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield context.path or route.path, route


def check_access_declared(app: FastAPI) -> None:
    """Refuse to build an app with a route that does not say who may use it."""
    undeclared = [
        f"{sorted(route.methods or ())} {path}" for path, route in api_routes(app) if access_of(route) is None
    ]
    if undeclared:
        raise RuntimeError("routes without an Access declaration: " + ", ".join(undeclared))


def route_access_table(app: FastAPI) -> list[dict[str, Any]]:
    """Every route with who may use it, for the README and for review."""
    table = []
    for path, route in api_routes(app):
        access = access_of(route)
        table.append({"methods": sorted(route.methods or ()), "path": path, "who": access.who if access else None})
    return table
