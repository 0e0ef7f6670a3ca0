"""Rendering pages: the Jinja2 environment, the navigation that follows the caller's role, error pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from microcred.accounts import service
from microcred.accounts.models import Organisation, Role
from microcred.web.security import Caller, csrf_cookie_name, csrf_token, settings_of

PACKAGE = Path(__file__).parent.parent
# Each stage keeps its pages' templates in its own folder (microcred/<stage>/templates); the kit's own (the
# layout, error pages, macros) are in web/templates. Template names are unique across the stages.
TEMPLATE_FOLDERS = [PACKAGE / "web" / "templates", *sorted(PACKAGE.glob("*/templates"))]
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(list(dict.fromkeys(TEMPLATE_FOLDERS))), autoescape=select_autoescape())
)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str


def navigation(caller: Caller | None, organisation: Organisation | None, role: Role | None) -> list[NavLink]:
    """The main menu: what this person may reach, given their role in the organisation in view."""
    if caller is None or caller.actor is None:
        return [
            NavLink("Home", "/"),
            NavLink("Micro-credentials", "/catalogue"),
            NavLink("Careers", "/careers"),
            NavLink("Pathways", "/pathways"),
            NavLink("Verify", "/verify"),
            NavLink("Log in", "/login"),
        ]
    links = [
        NavLink("Dashboard", "/dashboard"),
        NavLink("My skills", "/profile"),
        NavLink("My credentials", "/wallet"),
        NavLink("My prior learning", "/rpl"),
        NavLink("My recognition", "/recognition"),
        NavLink("Catalogue", "/catalogue"),
        NavLink("Careers", "/careers"),
        NavLink("Pathways", "/pathways"),
        NavLink("Gap to stack", "/profile/gap"),
        NavLink("Verify", "/verify"),
    ]
    if organisation is not None and role is not None:
        base = f"/orgs/{organisation.slug}"
        links.append(NavLink("Organisation", base))
        if role in (Role.ORG_ADMIN, Role.EDUCATOR):
            links += [
                NavLink("Micro-credentials", f"{base}/specifications"),
                NavLink("Issued", f"{base}/credentials"),
                NavLink("Cohorts", f"{base}/cohorts"),
                NavLink("Pathway builder", f"{base}/pathways"),
            ]
        if role in (Role.ORG_ADMIN, Role.RECOGNITION_OFFICER, Role.EDUCATOR):
            links.append(NavLink("RPL cases", f"{base}/rpl"))
        if role in (Role.ORG_ADMIN, Role.RECOGNITION_OFFICER):
            links += [
                NavLink("Recognition", f"{base}/recognition"),
                NavLink("Agreements", f"{base}/agreements"),
            ]
        if role == Role.ORG_ADMIN:
            links += [
                NavLink("Members", f"{base}/members"),
                NavLink("Signing", f"{base}/signing"),
                NavLink("Audit log", f"{base}/audit"),
            ]
        if role != Role.LEARNER:  # a learner's wallet and profile need no token; the page stays reachable
            links.append(NavLink("API tokens", f"{base}/tokens"))
    if caller.actor.is_platform_admin:
        links.append(NavLink("All organisations", "/admin/organisations"))
    links.append(NavLink("Password", "/account/password"))
    return links


def render(
    request: Request,
    template: str,
    caller: Caller | None,
    *,
    db: Session | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    organisation, role = _organisation_in_view(caller, db)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "user": caller.actor.user if caller and caller.actor else None,
            "organisation": organisation,
            "role": role,
            "nav": navigation(caller, organisation, role),
            "csrf_token": csrf_token(request),
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
        headers=headers,
    )
    _set_csrf_nonce(request, response)
    return response


def render_error(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    titles = {
        401: "Please log in",
        403: "Not allowed",
        404: "Page not found",
        413: "Request too large",
        429: "Too many attempts",
        500: "Something went wrong",
    }
    caller = Caller(actor=getattr(request.state, "actor", None))
    return render(
        request,
        "error.html",
        caller,
        status_code=status,
        headers=headers,
        title=titles.get(status, "This did not work"),
        detail=detail,
        status=status,
    )


def _organisation_in_view(caller: Caller | None, db: Session | None) -> tuple[Organisation | None, Role | None]:
    if caller is None or caller.actor is None:
        return None, None
    if caller.organisation is not None:
        return caller.organisation, caller.role
    if db is not None:
        visible = service.organisations_visible_to(db, caller.actor)
        if len(visible) == 1:
            return visible[0]
    return None, None


def _set_csrf_nonce(request: Request, response: HTMLResponse) -> None:
    nonce = getattr(request.state, "new_csrf_nonce", None)
    if nonce:
        settings = settings_of(request)
        response.set_cookie(
            csrf_cookie_name(settings),
            nonce,
            httponly=True,
            secure=settings.secure_cookies,
            samesite="strict",
            path="/",
        )
