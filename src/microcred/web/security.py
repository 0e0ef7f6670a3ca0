"""Who is calling, and whether they may: sessions, bearer tokens, CSRF, and each route's access declaration.

Every route depends on exactly one `Access`. `create_app` refuses to start if a route has none, so a new
route cannot be added without saying who may use it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from microcred.accounts import login, service, tokens
from microcred.accounts.login import client_key
from microcred.accounts.models import Organisation, Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.errors import Forbidden, Unauthenticated
from microcred.issuing import keys
from microcred.verify.fetch import Fetcher

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_UNRESOLVED = object()
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# What a page on another site may POST here without a CORS preflight.
CROSS_SITE_TYPES = FORM_TYPES | {"text/plain"}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def master_of(request: Request) -> bytes:
    """The configured master key, parsed (a 503 naming the problem when it is unusable)."""
    return keys.master_key(settings_of(request).resolved_master_key())


def fetcher_of(request: Request) -> Fetcher:
    """The app's fetcher of other issuers' documents (one cache for the process)."""
    fetcher: Fetcher = request.app.state.fetcher
    return fetcher


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix pins the cookie to this exact host over HTTPS, out of reach of sibling domains.
    return "__Host-mc_session" if settings.secure_cookies else "mc_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-mc_csrf" if settings.secure_cookies else "mc_csrf"


def start_browser_session(request: Request, db: Session, user: User, response: Response) -> Response:
    """Sign the user in on this browser, as logging in does (the session is committed with whatever else the
    request did): only the cookie holds the session's token, and the pre-login CSRF nonce goes, since the session
    binds the forms from now on."""
    settings = settings_of(request)
    token = login.start_session(
        db, user, hours=settings.session_hours, ip=client_ip(request), user_agent=request.headers.get("user-agent")
    )
    response.set_cookie(
        session_cookie_name(settings),
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",  # no Max-Age: the server ends idle and old sessions; the browser forgets it when closed
    )
    response.delete_cookie(csrf_cookie_name(settings), path="/")
    return response


def get_db(request: Request) -> Iterator[Session]:
    """The request's one transaction: it commits when the handler returns and rolls back when it raises, here
    and nowhere else (handlers never commit). The commit happens before the response is sent, so a commit that
    fails is the request's error, never a success the client was told of. A form refused by the domain rolls
    back in `web.forms.refusing` before the form is shown again."""
    with request.app.state.database.sessions() as db:  # closing it rolls back what was not committed
        request.state.db = db
        yield db  # on an error, closing without an explicit rollback keeps what was loaded for the error page
        try:
            db.commit()
        except BaseException:
            rolled_back(request, db)
            raise


def rolled_back(request: Request, db: Session) -> None:
    """Roll the request's work back. The rollback expires every loaded object, so the caller's own rows are read
    again at once: an error page, rendered after the session has closed, can still say who is signed in."""
    db.rollback()
    actor = getattr(request.state, "actor", None)
    try:
        for row in (getattr(actor, "user", None), getattr(actor, "token", None)):
            if row is not None:
                db.refresh(row)
    except SQLAlchemyError:  # the database itself failed: that error, not this one, is the request's answer
        pass


# scope="function": the exit runs when the handler returns, before the response goes out.
DB = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def resolve_actor(request: Request, db: Session) -> Actor | None:
    """The actor behind a bearer token or a session cookie, or None for an anonymous visitor.

    The sign-in bookkeeping (a token's last use, a session's sliding expiry) is committed here, before the
    handler starts its work: it holds whether or not the request then succeeds."""
    known = getattr(request.state, "actor", _UNRESOLVED)
    if known is not _UNRESOLVED:
        return cast(Actor | None, known)
    settings = settings_of(request)
    actor = None
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    # Other schemes (a proxy's Basic auth, say) are not ours to judge: the caller is simply not signed in.
    if scheme.lower() == "bearer":
        if not secret.strip():
            raise Unauthenticated("Send the API token as 'Authorization: Bearer <token>'.", code="invalid_token")
        token = tokens.authenticate_token(db, secret.strip())
        db.commit()  # last_used_at
        actor = Actor.machine(token, ip=client_ip(request))
    else:
        session_token = request.cookies.get(session_cookie_name(settings))
        if session_token:
            user = login.session_user(
                db, session_token, hours=settings.session_hours, max_days=settings.session_max_days
            )
            db.commit()  # sliding expiry
            if user is not None:
                actor = Actor.person(user, ip=client_ip(request))
    request.state.actor = actor
    return actor


@dataclass(frozen=True)
class Caller:
    """What a route learns from its access check: who calls, and in which organisation, with which role."""

    actor: Actor | None
    organisation: Organisation | None = None
    role: Role | None = None

    @property
    def signed_in(self) -> Actor:
        if self.actor is None:
            raise Unauthenticated("Log in first.")
        return self.actor

    @property
    def person(self) -> User:
        """The signed-in person (a token acts for its owner)."""
        user = self.signed_in.user
        assert user is not None, "signed-in callers are people or their tokens"
        return user

    @property
    def org(self) -> Organisation:
        """The organisation of a route declared with Access.members, which always resolves it."""
        assert self.organisation is not None, "only Access.members routes have an organisation"
        return self.organisation


class Access:
    """A route's declaration of who may use it.

    `Access.public()` anyone; `Access.signed_in()` any person or token; `Access.platform_admins()`;
    `Access.members(*roles)` members of the organisation named by the route's `{org}` slug with one of
    the roles. A non-member gets 404, exactly as for an organisation that does not exist.
    """

    def __init__(
        self,
        who: str,
        *,
        login_required: bool,
        roles: tuple[Role, ...] = (),
        platform_admin: bool = False,
        allow_pending_password: bool = False,
        token_organisation: bool = False,
    ) -> None:
        self.who = who
        self.token_organisation = token_organisation
        self.login_required = login_required
        self.roles = roles
        self.platform_admin = platform_admin
        self.allow_pending_password = allow_pending_password

    def __repr__(self) -> str:
        return f"Access({self.who})"

    @classmethod
    def public(cls) -> Access:
        return cls("anyone", login_required=False, allow_pending_password=True)

    @classmethod
    def signed_in(cls, *, allow_pending_password: bool = False) -> Access:
        return cls("any signed-in user", login_required=True, allow_pending_password=allow_pending_password)

    @classmethod
    def platform_admins(cls) -> Access:
        return cls("platform admins", login_required=True, platform_admin=True)

    @classmethod
    def members(cls, *roles: Role) -> Access:
        chosen = roles or tuple(Role)
        return cls("members: " + ", ".join(role.value for role in chosen), login_required=True, roles=chosen)

    @classmethod
    def tokens(cls, *roles: Role) -> Access:
        """API tokens only, acting in the token's organisation (routes without an {org}, such as the VC-API)."""
        return cls(
            "API tokens of: " + ", ".join(role.value for role in roles),
            login_required=True,
            roles=roles,
            token_organisation=True,
        )

    def __call__(self, request: Request, db: DB) -> Caller:
        actor = resolve_actor(request, db)
        if actor is None:
            if self.login_required:
                raise Unauthenticated("Log in, or send an API token, to use this.")
            return Caller(actor=None)
        if (
            actor.user is not None
            and actor.user.must_change_password
            and actor.token is None
            and not self.allow_pending_password
        ):
            raise Forbidden("Choose a new password before going on.", code="password_change_required")
        if self.platform_admin and not actor.is_platform_admin:
            raise Forbidden("Only a platform admin can do this.")
        if self.token_organisation:
            if actor.token is None:
                raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>'.", code="token_required")
            organisation = db.get(Organisation, actor.token.organisation_id)
            assert organisation is not None
            role = service.require_role(db, actor, organisation, self.roles)
            return Caller(actor=actor, organisation=organisation, role=role)
        if self.roles:
            organisation = service.organisation_for(db, actor, request.path_params["org"])
            role = service.require_role(db, actor, organisation, self.roles)
            return Caller(actor=actor, organisation=organisation, role=role)
        return Caller(actor=actor)


# Who may call, declared once; a route takes one of these as its caller parameter.
Anyone = Annotated[Caller, Depends(Access.public())]
SignedIn = Annotated[Caller, Depends(Access.signed_in())]
PendingPasswordOk = Annotated[Caller, Depends(Access.signed_in(allow_pending_password=True))]
PlatformAdmins = Annotated[Caller, Depends(Access.platform_admins())]
Members = Annotated[Caller, Depends(Access.members())]
OrgAdmins = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN))]
Educators = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.EDUCATOR))]
Officers = Annotated[Caller, Depends(Access.members(Role.RECOGNITION_OFFICER, Role.ORG_ADMIN))]
Staff = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.RECOGNITION_OFFICER, Role.EDUCATOR))]
IssuingTokens = Annotated[Caller, Depends(Access.tokens(Role.ORG_ADMIN, Role.EDUCATOR))]


def access_of(route: APIRoute) -> Access | None:
    """The Access a route declared, looked for through its whole dependency tree."""

    def walk(dependant: Dependant) -> Access | None:
        for dependency in dependant.dependencies:
            if isinstance(dependency.call, Access):
                return dependency.call
            found = walk(dependency)
            if found is not None:
                return found
        return None

    return walk(route.dependant)


# CSRF ------------------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token a form must send back: an HMAC of the session (or, before login, of a nonce cookie).

    Bound to the session, a token lifted from another browser is worthless; the nonce covers the login form.
    """
    settings = settings_of(request)
    basis = request.cookies.get(session_cookie_name(settings)) or request.cookies.get(csrf_cookie_name(settings))
    if basis is None:
        basis = getattr(request.state, "new_csrf_nonce", None) or secrets.token_urlsafe(32)
        request.state.new_csrf_nonce = basis
    return _csrf_digest(request, basis)


def _csrf_digest(request: Request, basis: str) -> str:
    key = request.app.state.secret_key
    return hmac.new(key, b"csrf:" + basis.encode(), hashlib.sha256).hexdigest()


async def verify_csrf(request: Request) -> None:
    """Refuse state-changing requests that a page on another site could make with this browser.

    Applied to every route. Such a request either rides on the session cookie, or (for the login form)
    uses one of the content types a cross-site page may send without asking: both need this site's token.
    Bearer-token calls, and JSON calls without a session cookie, carry nothing a foreign page could abuse.
    """
    if request.method in SAFE_METHODS or request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    settings = settings_of(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    session_token = request.cookies.get(session_cookie_name(settings))
    if session_token is None and media_type not in CROSS_SITE_TYPES:
        return
    basis = session_token or request.cookies.get(csrf_cookie_name(settings))
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and media_type in FORM_TYPES:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if basis is None or sent is None or not hmac.compare_digest(sent, _csrf_digest(request, basis)):
        raise Forbidden(
            "This form has expired or did not come from this site: reload the page and try again.",
            code="csrf_failed",
        )


class RateLimit:
    """A token bucket per client (`client_key`: an IPv6 client by its /64), in this process: `per_minute`
    requests at once, then one each 60/per_minute seconds.

    At most MAX_CLIENTS buckets are kept. When the table is full, the fullest tenth goes: a full bucket carries
    nothing (a new one starts full), so a client who has spent its requests keeps its empty bucket however many
    addresses others pass through, and the work of making room is done once per MAX_CLIENTS/10 new clients.
    """

    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # client: (tokens, when)
        self._lock = threading.Lock()

    def wait(self, address: str) -> int:
        """Take one request from the address's bucket: 0 if it may go on, else the seconds until it may."""
        rate = self.per_minute / 60.0
        now = time.monotonic()
        key = client_key(address)
        with self._lock:
            tokens = self._level(self._buckets.get(key), now)
            if tokens >= 1.0:
                tokens -= 1.0
                waited = 0
            else:
                waited = max(1, math.ceil((1.0 - tokens) / rate))
            if key not in self._buckets and len(self._buckets) >= self.MAX_CLIENTS:
                self._make_room(now)
            self._buckets[key] = (tokens, now)
            return waited

    def _level(self, bucket: tuple[float, float] | None, now: float) -> float:
        """The tokens in a bucket by now (a client not in the table has a full one)."""
        if bucket is None:
            return float(self.per_minute)
        tokens, when = bucket
        return min(float(self.per_minute), tokens + (now - when) * self.per_minute / 60.0)

    def _make_room(self, now: float) -> None:
        emptiest = sorted(self._buckets.items(), key=lambda item: self._level(item[1], now))
        self._buckets = dict(emptiest[: self.MAX_CLIENTS * 9 // 10])
