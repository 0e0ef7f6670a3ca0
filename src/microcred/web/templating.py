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
from microcred.web.flash import flash_of
from microcred.web.security import Caller, csrf_cookie_name, csrf_token, settings_of

PACKAGE = Path(__file__).parent.parent
# Each stage keeps its pages' templates in its own folder (microcred/<stage>/templates); the kit's own (the
# layout, error pages, macros) are in web/templates. Template names are unique across the stages.
TEMPLATE_FOLDERS = [PACKAGE / "web" / "templates", *sorted(PACKAGE.glob("*/templates"))]
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(list(dict.fromkeys(TEMPLATE_FOLDERS))), autoescape=select_autoescape())
)

# `roles | choices`: an enum's members as the (value, label) pairs the select macro takes.
templates.env.filters["choices"] = lambda members: [(member.value, member.label) for member in members]


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str


def navigation(caller: Caller | None, organisation: Organisation | None, role: Role | None) -> list[NavLink]:
    """The main menu: the few places this person's work happens, given their role in the organisation in view.

    Staff see their organisation's work; their own learning (wallet, skills) is in the account links. The
    organisation page leads to what is done rarely (members, signing, audit log, API tokens).
    """
    if caller is None or caller.actor is None:
        return [
            NavLink("Home", "/"),
            NavLink("Micro-credentials", "/catalogue"),
            NavLink("Careers", "/careers"),
            NavLink("Pathways", "/pathways"),
            NavLink("Verify", "/verify"),
            NavLink("Log in", "/login"),
        ]
    links = [NavLink("Dashboard", "/dashboard")]
    if organisation is None or role is None or role == Role.LEARNER:
        links += [
            NavLink("My credentials", "/wallet"),
            NavLink("My skills", "/profile"),
            NavLink("Catalogue", "/catalogue"),
            NavLink("Pathways", "/pathways"),
            NavLink("Careers", "/careers"),
            NavLink("Prior learning", "/rpl"),
            NavLink("Recognition", "/recognition"),
        ]
    else:
        base = f"/orgs/{organisation.slug}"
        if role in (Role.ORG_ADMIN, Role.EDUCATOR):
            links += [
                NavLink("Micro-credentials", f"{base}/specifications"),
                NavLink("Issued", f"{base}/credentials"),
                NavLink("Cohorts", f"{base}/cohorts"),
                NavLink("Pathways", f"{base}/pathways"),
            ]
        if role in (Role.ORG_ADMIN, Role.RECOGNITION_OFFICER):
            links.append(NavLink("Recognition", f"{base}/recognition"))
        if role == Role.RECOGNITION_OFFICER:
            links.append(NavLink("Agreements", f"{base}/agreements"))
        links.append(NavLink("RPL cases", f"{base}/rpl"))
        links.append(NavLink("Catalogue", "/catalogue"))
        links.append(NavLink("Organisation", base))
    links.append(NavLink("Verify", "/verify"))
    if caller.actor.is_platform_admin:
        links.append(NavLink("All organisations", "/admin/organisations"))
    return links


def account_links(caller: Caller | None, role: Role | None) -> list[NavLink]:
    """Beside the name: the person's own things. Staff reach their own learning here, not in the main menu."""
    if caller is None or caller.actor is None:
        return []
    own = [NavLink("My credentials", "/wallet"), NavLink("My skills", "/profile")]
    return [*(own if role is not None and role != Role.LEARNER else []), NavLink("Password", "/account/password")]


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
    organisation, role = organisation_in_view(caller, db)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "user": caller.actor.user if caller and caller.actor else None,
            "organisation": organisation,
            "role": role,
            "nav": navigation(caller, organisation, role),
            "account_links": account_links(caller, role),
            "csrf_token": csrf_token(request),
            "current_path": request.url.path,
            **context,
            "flash": context.get("flash") or flash_of(request),
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


def organisation_in_view(caller: Caller | None, db: Session | None) -> tuple[Organisation | None, Role | None]:
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
