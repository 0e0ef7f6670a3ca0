"""HTML routes of the accounts stage: log in and out, password, a new account's set-up link, invitations,
dashboard, organisation, members, tokens, audit log, and the platform admin's list of organisations."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microcred.accounts import audit, invitations, login, members, service, setup, tokens
from microcred.accounts.models import Invitation, OrganisationKind, Role, User
from microcred.accounts.principal import outranks_or_equals
from microcred.errors import InvalidInput, MicrocredError, Throttled, Unauthenticated
from microcred.store.base import utcnow
from microcred.web.dashboard import next_steps
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.forms import confirmed, refusing
from microcred.web.security import (
    DB,
    Anyone,
    Caller,
    Members,
    OrgAdmins,
    PendingPasswordOk,
    PlatformAdmins,
    SignedIn,
    client_ip,
    session_cookie_name,
    settings_of,
    start_browser_session,
)
from microcred.web.templating import organisation_in_view, render

router = APIRouter(include_in_schema=False)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce people to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/dashboard"
    return target


@router.get("/", response_class=HTMLResponse)
def home(request: Request, caller: Anyone) -> Response:
    if caller.actor is not None:
        return _redirect("/dashboard")
    return render(request, "home.html", caller, title="Micro-credentials, end to end")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, caller: Anyone, next: str = "/dashboard") -> Response:
    if caller.actor is not None and caller.actor.token is None:
        return _redirect(_safe_next(next))
    return render(request, "login.html", caller, title="Log in", next=_safe_next(next), email="")


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    caller: Anyone,
    db: DB,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/dashboard",
) -> Response:
    settings = settings_of(request)
    policy = login.ThrottlePolicy(
        settings.login_free_failures,
        settings.login_max_delay_seconds,
        address_free_failures=settings.login_address_free_failures,
    )
    try:
        user = login.authenticate(db, email, password, ip=client_ip(request), policy=policy)
    except (Unauthenticated, Throttled) as error:
        # Not a refusal that rolls back: the page returns normally, so the failure and its audit event are
        # committed with the request, and remembered even though the login is refused.
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
        return render(
            request,
            "login.html",
            caller,
            title="Log in",
            status_code=STATUS[error.kind],
            headers=headers,
            error=error.detail,
            email=email,
            next=_safe_next(next),
        )
    return signed_in_response(request, db, user, "/account/password" if user.must_change_password else _safe_next(next))


def signed_in_response(request: Request, db: DB, user: User, target: str) -> Response:
    """Start a browser session for the user (committed with whatever else the request did) and go on."""
    return start_browser_session(request, db, user, _redirect(target))


@router.post("/logout")
def logout(request: Request, caller: PendingPasswordOk, db: DB) -> Response:
    settings = settings_of(request)
    token = request.cookies.get(session_cookie_name(settings))
    if token:
        login.end_session(db, token, caller.signed_in)
    response = _redirect("/login")
    response.delete_cookie(session_cookie_name(settings), path="/")
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, caller: PendingPasswordOk) -> Response:
    return render(request, "password.html", caller, title="Choose a new password")


def _password_again(error: MicrocredError, request: Request, caller: Caller, **_: Any) -> Response:
    return render(
        request,
        "password.html",
        caller,
        title="Choose a new password",
        status_code=STATUS[error.kind],
        error=error.detail,
    )


@router.post("/account/password", response_class=HTMLResponse)
@refusing(_password_again)
def password_submit(
    request: Request,
    caller: PendingPasswordOk,
    db: DB,
    current_password: Annotated[str, Form(max_length=1000)],
    new_password: Annotated[str, Form(max_length=1000)],
    confirm_password: Annotated[str, Form(max_length=1000)],
) -> Response:
    actor, user = caller.signed_in, caller.person
    if new_password != confirm_password:
        raise InvalidInput("The two new passwords are not the same.", code="weak_password")
    login.change_password(
        db,
        actor,
        user,
        current_password=current_password,
        new_password=new_password,
        keep_session=request.cookies.get(session_cookie_name(settings_of(request))),
    )
    return done("/dashboard", "password")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, caller: SignedIn, db: DB) -> Response:
    memberships = service.organisations_visible_to(db, caller.signed_in)
    waiting = invitations.my_invitations(db, caller.signed_in)
    organisation, role = organisation_in_view(caller, db)
    return render(
        request,
        "dashboard.html",
        caller,
        db=db,
        title="Dashboard",
        memberships=memberships,
        invitations=waiting,
        steps=next_steps(db, caller.person, organisation, role),
    )


def _invitations_page(request: Request, caller: Caller, db: DB, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "invitations.html",
        caller,
        title="Your invitations",
        status_code=status_code,
        invitations=invitations.my_invitations(db, caller.signed_in),
        **context,
    )


@router.get("/account/invitations", response_class=HTMLResponse)
def invitations_page(request: Request, caller: SignedIn, db: DB) -> Response:
    return _invitations_page(request, caller, db)


def _invitations_again(error: MicrocredError, request: Request, caller: Caller, db: DB, **_: Any) -> Response:
    return _invitations_page(request, caller, db, status_code=STATUS[error.kind], error=error.detail)


@router.post("/account/invitations/{invitation_id}", response_class=HTMLResponse)
@refusing(_invitations_again)
def invitations_answer(
    request: Request,
    invitation_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    answer: Annotated[str, Form(max_length=10)],
) -> Response:
    if answer == "accept":
        membership = invitations.accept_invitation(db, caller.signed_in, invitation_id)
        flash = f"You are now {membership.role.label.lower()} of {membership.organisation.legal_name}."
    elif answer == "decline":
        invitations.decline_invitation(db, caller.signed_in, invitation_id)
        flash = "You declined the invitation."
    else:
        raise InvalidInput("Answer accept or decline.", code="invalid_answer")
    return _invitations_page(request, caller, db, flash=flash)


# A new account's set-up link: its holder chooses the password (the path is redacted in the logs).


def _setup_page(request: Request, caller: Caller, status_code: int = 200, **context: Any) -> Response:
    return render(request, "setup.html", caller, title="Set up your account", status_code=status_code, **context)


def _setup_again(error: MicrocredError, request: Request, caller: Caller, db: DB, token: str, **_: Any) -> Response:
    """A link that does not open is refused outright; a password refused shows the form again for the link's
    account (read again after the rollback, as it was before this request)."""
    try:
        link = setup.open_link(db, token)
    except MicrocredError as refused:
        return _setup_page(request, caller, status_code=STATUS[refused.kind], refused=refused.detail)
    return _setup_page(
        request, caller, status_code=STATUS[error.kind], error=error.detail, email=link.user.email, token=token
    )


@router.get("/account/setup/{token}", response_class=HTMLResponse)
@refusing(_setup_again)
def setup_form(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    link = setup.open_link(db, token)
    return _setup_page(request, caller, email=link.user.email, token=token)


@router.post("/account/setup/{token}", response_class=HTMLResponse)
@refusing(_setup_again)
def setup_submit(
    request: Request,
    token: str,
    caller: Anyone,
    db: DB,
    new_password: Annotated[str, Form(max_length=1000)],
    confirm_password: Annotated[str, Form(max_length=1000)],
) -> Response:
    setup.open_link(db, token)  # a link that does not open is refused before the passwords are compared
    if new_password != confirm_password:
        raise InvalidInput("The two new passwords are not the same.", code="weak_password")
    user = setup.set_up(db, token, password=new_password, ip=client_ip(request))
    return signed_in_response(request, db, user, "/dashboard")


@router.get("/orgs/{org}", response_class=HTMLResponse)
def organisation_page(request: Request, org: str, caller: Members) -> Response:
    return render(request, "organisation.html", caller, title=caller.org.legal_name)


def _members_page(request: Request, caller: Caller, db: DB, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "members.html",
        caller,
        title="Members",
        status_code=status_code,
        members=members.members(db, caller.org),
        invitations=invitations.invitations_of(db, caller.org),
        roles=list(Role),
        **context,
    )


@router.get("/orgs/{org}/members", response_class=HTMLResponse)
def members_page(request: Request, org: str, caller: OrgAdmins, db: DB) -> Response:
    return _members_page(request, caller, db)


def _members_again(error: MicrocredError, request: Request, caller: Caller, db: DB, **_: Any) -> Response:
    return _members_page(request, caller, db, status_code=STATUS[error.kind], error=error.detail)


def _member_form_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: DB,
    email: str = "",
    display_name: str = "",
    role: Role | None = None,
    **_: Any,
) -> Response:
    kept = {"email": email, "display_name": display_name, "role": role.value if role else ""}
    return _members_page(request, caller, db, status_code=STATUS[error.kind], error=error.detail, kept=kept)


@router.post("/orgs/{org}/members", response_class=HTMLResponse)
@refusing(_member_form_again)
def members_add(
    request: Request,
    org: str,
    caller: OrgAdmins,
    db: DB,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[Role, Form()],
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    settings = settings_of(request)
    added, token = members.add_member(
        db,
        caller.signed_in,
        caller.org,
        email=email,
        role=role,
        display_name=display_name,
        setup_hours=settings.setup_link_hours,
    )
    added_email = added.user.email
    if isinstance(added, Invitation):
        flash = f"Invited {added_email} as {role.label.lower()}: they become a member when they accept, logged in."
    else:
        flash = f"{added_email} is now {role.label.lower()}."
    return _members_page(
        request,
        caller,
        db,
        status_code=201,
        setup_link=setup.setup_url(settings.base_url, token) if token else None,
        setup_hours=settings.setup_link_hours,
        created_email=added_email,
        flash=flash,
    )


@router.post("/orgs/{org}/invitations/{invitation_id}/cancel", response_class=HTMLResponse)
@refusing(_members_again)
def members_cancel_invitation(
    request: Request,
    org: str,
    invitation_id: uuid.UUID,
    caller: OrgAdmins,
    db: DB,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    invitations.cancel_invitation(db, caller.signed_in, caller.org, invitation_id)
    # checked after: another organisation's id is a 404; the refusal rolls the change back
    confirmed(confirm, "Tick the box to confirm that the invitation is withdrawn.")
    return done(f"/orgs/{org}/members", "invitation_withdrawn")


@router.post("/orgs/{org}/members/{user_id}/role", response_class=HTMLResponse)
@refusing(_members_again)
def members_change_role(
    request: Request, org: str, user_id: uuid.UUID, caller: OrgAdmins, db: DB, role: Annotated[Role, Form()]
) -> Response:
    members.change_role(db, caller.signed_in, caller.org, user_id, role)
    return done(f"/orgs/{org}/members", "role_changed")


@router.post("/orgs/{org}/members/{user_id}/setup-link", response_class=HTMLResponse)
@refusing(_members_again)
def members_new_setup_link(request: Request, org: str, user_id: uuid.UUID, caller: OrgAdmins, db: DB) -> Response:
    settings = settings_of(request)
    user, token = members.new_setup_link(db, caller.signed_in, caller.org, user_id, hours=settings.setup_link_hours)
    return _members_page(
        request,
        caller,
        db,
        setup_link=setup.setup_url(settings.base_url, token),
        setup_hours=settings.setup_link_hours,
        created_email=user.email,
        renewed=True,
        flash=f"Made a new set-up link for {user.email}; earlier links for it no longer work.",
    )


def _tokens_page(request: Request, caller: Caller, db: DB, status_code: int = 200, **context: Any) -> Response:
    assert caller.role is not None
    return render(
        request,
        "tokens.html",
        caller,
        title="API tokens",
        status_code=status_code,
        tokens=tokens.tokens_visible_to(db, caller.signed_in, caller.org),
        grantable_roles=[r for r in Role if outranks_or_equals(caller.role, r)],
        now=utcnow(),
        **context,
    )


@router.get("/orgs/{org}/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, org: str, caller: Members, db: DB) -> Response:
    return _tokens_page(request, caller, db)


def _tokens_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: DB,
    name: str = "",
    role: Role | None = None,
    expires_in_days: str = "",
    **_: Any,
) -> Response:
    kept = {"name": name, "role": role.value if role else "", "expires_in_days": expires_in_days}
    return _tokens_page(request, caller, db, status_code=STATUS[error.kind], error=error.detail, kept=kept)


@router.post("/orgs/{org}/tokens", response_class=HTMLResponse)
@refusing(_tokens_again)
def tokens_create(
    request: Request,
    org: str,
    caller: Members,
    db: DB,
    name: Annotated[str, Form(max_length=100)],
    role: Annotated[Role, Form()],
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    actor = caller.signed_in
    try:
        days = int(expires_in_days) if expires_in_days.strip() else None
    except ValueError:
        raise InvalidInput("Expiry must be a whole number of days.", code="invalid_expiry") from None
    _token, secret = tokens.create_api_token(
        db, actor, caller.org, owner=caller.person, role=role, name=name, expires_in_days=days
    )
    return _tokens_page(request, caller, db, status_code=201, new_secret=secret)


@router.post("/orgs/{org}/tokens/{token_id}/revoke", response_class=HTMLResponse)
@refusing(_tokens_again)
def tokens_revoke(
    request: Request,
    org: str,
    token_id: uuid.UUID,
    caller: Members,
    db: DB,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    tokens.revoke_api_token(db, caller.signed_in, caller.org, token_id)
    # checked after: another organisation's id is a 404; the refusal rolls the change back
    confirmed(confirm, "Tick the box to confirm: a revoked token stops working at once.")
    return done(f"/orgs/{org}/tokens", "token_revoked")


@router.get("/orgs/{org}/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    org: str,
    caller: OrgAdmins,
    db: DB,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    events = audit.events_for_organisation(db, caller.org, limit=50, before_id=before)
    next_before = events[-1].id if len(events) == 50 else None
    return render(request, "audit.html", caller, title="Audit log", events=events, next_before=next_before)


def _admin_page(request: Request, caller: Caller, db: DB, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "admin_organisations.html",
        caller,
        db=db,
        title="All organisations",
        status_code=status_code,
        organisations=service.organisations_visible_to(db, caller.signed_in),
        kinds=list(OrganisationKind),
        **context,
    )


@router.get("/admin/organisations", response_class=HTMLResponse)
def admin_organisations(request: Request, caller: PlatformAdmins, db: DB) -> Response:
    return _admin_page(request, caller, db)


def _admin_again(error: MicrocredError, request: Request, caller: Caller, db: DB, **_: Any) -> Response:
    return _admin_page(request, caller, db, status_code=STATUS[error.kind], error=error.detail)


@router.post("/admin/organisations", response_class=HTMLResponse)
@refusing(_admin_again)
def admin_create_organisation(
    request: Request,
    caller: PlatformAdmins,
    db: DB,
    legal_name: Annotated[str, Form(max_length=300)],
    country: Annotated[str, Form(max_length=2)],
    kind: Annotated[OrganisationKind, Form()] = OrganisationKind.AWARDING_BODY_AND_PROVIDER,
    homepage: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    organisation = service.create_organisation(
        db, caller.signed_in, legal_name=legal_name, country=country, kind=kind, homepage=homepage or None
    )
    return _admin_page(request, caller, db, status_code=201, flash=f"Created {organisation.legal_name}.")
