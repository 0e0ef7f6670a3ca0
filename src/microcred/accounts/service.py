"""Organisations, people's accounts, and the membership that ties one to the other: creating, changing and finding
them, and who may act in which organisation.

Adding, changing and removing members is in `members`, invitations waiting for an answer in `invitations`.
Functions here add to the caller's transaction and never commit: the caller commits once, so a change
and its audit event land together or not at all.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from microcred.accounts import audit
from microcred.accounts.models import (
    Membership,
    Organisation,
    OrganisationIdentifier,
    OrganisationKind,
    Role,
    User,
)
from microcred.accounts.passwords import check_new_password, hash_password, one_time_password
from microcred.accounts.principal import Actor
from microcred.errors import Conflict, Forbidden, InvalidInput, NotFound
from microcred.inputs import has_control_characters, single_line
from microcred.store.base import utcnow

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _name_key(name: str) -> str:
    key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    if len(key) > 300:
        raise InvalidInput("The legal name is too long once folded for comparison.", code="invalid_name")
    return key


def _slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:56] or "organisation"


def check_email(email: str) -> str:
    normalized = normalize_email(email)
    if len(normalized) > 320 or not _EMAIL.match(normalized) or has_control_characters(normalized):
        raise InvalidInput(f"'{email}' is not an email address.", code="invalid_email")
    # Invisible characters (zero-width, direction overrides) and compatibility forms (full-width letters) would
    # make an account whose address reads as another one's.
    if unicodedata.normalize("NFKC", normalized) != normalized or any(
        unicodedata.category(c) == "Cf" for c in normalized
    ):
        raise InvalidInput(
            "The email address has invisible characters or look-alike forms of letters in it: type it plainly.",
            code="invalid_email",
        )
    return normalized


# Direction embeddings, overrides and isolates turn the text after a name around ("Nina (nina@…)" on staff pages).
_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")


def check_display_name(display_name: str, email: str) -> str:
    """The name a person goes by, or the email's local part when none is given."""
    if _DIRECTION.search(display_name):
        raise InvalidInput(
            "The display name has characters that change the direction of the text in it: type it plainly.",
            code="invalid_name",
        )
    return single_line(display_name or email.split("@")[0], field="display name", max_length=200, code="invalid_name")


# Organisations ------------------------------------------------------------------------------------


def create_organisation(
    db: Session,
    actor: Actor,
    *,
    legal_name: str,
    country: str,
    kind: OrganisationKind = OrganisationKind.AWARDING_BODY_AND_PROVIDER,
    homepage: str | None = None,
    identifiers: Mapping[str, str] | None = None,
    slug: str | None = None,
) -> Organisation:
    """Create an awarding body or provider; its legal name must be new (case and spacing aside)."""
    if not actor.is_platform_admin:
        raise Forbidden("Only a platform admin can create organisations.")
    legal_name = single_line(legal_name, field="legal name", min_length=2, max_length=300, code="invalid_name")
    existing = db.scalar(select(Organisation).where(Organisation.name_key == _name_key(legal_name)))
    if existing is not None:
        raise Conflict(
            f"An organisation named '{existing.legal_name}' already exists (slug '{existing.slug}').",
            code="organisation_exists",
        )
    if slug is not None:
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", slug):
            raise InvalidInput("A slug is 1-64 lowercase letters, digits and inner hyphens.", code="invalid_slug")
        if db.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
            raise Conflict(f"The slug '{slug}' is taken by another organisation.", code="slug_taken")
    organisation = Organisation(
        slug=slug or _free_slug(db, _slugify(legal_name)),
        legal_name=legal_name,
        name_key=_name_key(legal_name),
        kind=kind,
        country=_check_country(country),
        homepage=_check_homepage(homepage),
    )
    organisation.identifiers = [
        OrganisationIdentifier(scheme=scheme, value=value) for scheme, value in _check_identifiers(identifiers)
    ]
    db.add(organisation)
    db.flush()
    audit.record(
        db,
        actor,
        "organisation.created",
        object_type="organisation",
        object_id=organisation.id,
        organisation=organisation,
        summary=f"Created organisation {legal_name}",
    )
    return organisation


def update_organisation(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    *,
    legal_name: str | None = None,
    country: str | None = None,
    homepage: str | None = None,
    identifiers: Mapping[str, str] | None = None,
) -> Organisation:
    require_role(db, actor, organisation, [Role.ORG_ADMIN])
    changes: dict[str, object] = {}
    if legal_name is not None and legal_name != organisation.legal_name:
        legal_name = single_line(legal_name, field="legal name", min_length=2, max_length=300, code="invalid_name")
        clash = db.scalar(
            select(Organisation).where(
                Organisation.name_key == _name_key(legal_name), Organisation.id != organisation.id
            )
        )
        if clash is not None:
            # Not echoing the other organisation's name: members of one must not learn about another.
            raise Conflict("Another organisation already uses this legal name.", code="organisation_exists")
        organisation.legal_name, organisation.name_key = legal_name, _name_key(legal_name)
        changes["legal_name"] = legal_name
    if country is not None:
        organisation.country = _check_country(country)
        changes["country"] = organisation.country
    if homepage is not None:
        organisation.homepage = _check_homepage(homepage)
        changes["homepage"] = organisation.homepage
    if identifiers is not None:
        checked = _check_identifiers(identifiers)
        organisation.identifiers.clear()
        db.flush()  # the old rows go before the new ones arrive, or (organisation, scheme) would clash
        organisation.identifiers.extend(OrganisationIdentifier(scheme=scheme, value=value) for scheme, value in checked)
        changes["identifiers"] = dict(identifiers)
    db.flush()
    if changes:
        audit.record(
            db,
            actor,
            "organisation.updated",
            object_type="organisation",
            object_id=organisation.id,
            organisation=organisation,
            summary="Updated " + ", ".join(changes),
            changes=changes,
        )
    return organisation


def organisation_by_slug(db: Session, slug: str) -> Organisation:
    """An organisation by its public slug (what its public pages and DID document are addressed by)."""
    found = db.scalar(select(Organisation).where(Organisation.slug == slug[:64]))
    if found is None:
        raise NotFound(f"There is no organisation '{slug[:64]}'.", code="organisation_not_found")
    return found


def organisation_for(db: Session, actor: Actor, slug: str) -> Organisation:
    """The organisation, if the actor belongs to it; otherwise NotFound, exactly as if it did not exist."""
    organisation = db.scalar(
        select(Organisation).options(selectinload(Organisation.identifiers)).where(Organisation.slug == slug)
    )
    if organisation is None or actor.role_in(db, organisation) is None:
        raise NotFound(f"There is no organisation '{slug}'.", code="organisation_not_found")
    return organisation


def organisations_visible_to(db: Session, actor: Actor) -> list[tuple[Organisation, Role]]:
    """Each organisation the actor may see, with the role it holds there, by name."""
    if actor.is_platform_admin:
        rows = db.scalars(select(Organisation).order_by(Organisation.legal_name))
        return [(organisation, Role.ORG_ADMIN) for organisation in rows]
    if actor.user is None:
        return []
    query = (
        select(Organisation, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == actor.user.id)
        .order_by(Organisation.legal_name)
    )
    if actor.token is not None:
        query = query.where(Organisation.id == actor.token.organisation_id)
    result: list[tuple[Organisation, Role]] = []
    for organisation, _role in db.execute(query):
        role = actor.role_in(db, organisation)
        if role is not None:
            result.append((organisation, role))
    return result


def require_role(db: Session, actor: Actor, organisation: Organisation, roles: Iterable[Role]) -> Role:
    allowed = set(roles)
    role = actor.role_in(db, organisation)
    if role is None:
        raise NotFound(f"There is no organisation '{organisation.slug}'.", code="organisation_not_found")
    if role not in allowed:
        needed = " or ".join(sorted(r.label.lower() for r in allowed))
        raise Forbidden(f"This needs the role {needed}; you are {role.label.lower()} here.")
    return role


def _free_slug(db: Session, base: str) -> str:
    slug, n = base, 1
    while db.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_country(country: str) -> str:
    code = country.strip().upper()
    if not _COUNTRY.match(code):
        raise InvalidInput(
            f"'{country}' is not a country code: use two letters (ISO 3166-1 alpha-2), such as BE or IE.",
            code="invalid_country",
        )
    return code


def _check_homepage(homepage: str | None) -> str | None:
    if homepage is None or not homepage.strip():
        return None
    homepage = homepage.strip()
    if len(homepage) > 500 or not _URL.match(homepage) or has_control_characters(homepage):
        raise InvalidInput(f"'{homepage}' is not a web address starting with http(s)://.", code="invalid_homepage")
    return homepage


def _check_identifiers(identifiers: Mapping[str, str] | None) -> list[tuple[str, str]]:
    checked = []
    for scheme, value in (identifiers or {}).items():
        checked.append(
            (
                single_line(scheme, field="identifier scheme", max_length=60, code="invalid_identifier"),
                single_line(value, field=f"value of identifier {scheme!r}", max_length=200, code="invalid_identifier"),
            )
        )
    schemes = [scheme.casefold() for scheme, _value in checked]
    if len(set(schemes)) != len(schemes):
        raise InvalidInput("Each identifier scheme may appear once.", code="invalid_identifier")
    return checked


# Users and memberships ---------------------------------------------------------------------------


def create_user(
    db: Session,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    platform_admin: bool = False,
    organisation: Organisation | None = None,
    role: Role | None = None,
) -> tuple[User, str]:
    """The operator's command line creates a person with a one-time password, returned once and never stored in
    clear (and, with `role`, makes them a member of `organisation`). Admins add people with add_member."""
    if not actor.is_operator:
        raise Forbidden("Only the operator's command line creates an account with a one-time password.")
    password = one_time_password()
    user = new_user(
        db,
        actor,
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        platform_admin=platform_admin,
        organisation=organisation,
    )
    if organisation is not None and role is not None:
        join(db, actor, organisation, user, role, "member.added", f"Added {user.email} as {role.label.lower()}")
    return user, password


def new_user(
    db: Session,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    password_hash: str,
    platform_admin: bool = False,
    organisation: Organisation | None = None,
) -> User:
    """A new account for `email` (refused if one exists, also one made meanwhile), audited; the caller decides how
    its holder gets in (a one-time password or a set-up link)."""
    email = check_email(email)
    exists = Conflict(f"A user with the email {email} already exists.", code="user_exists")
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise exists
    display_name = check_display_name(display_name, email)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=password_hash,
        must_change_password=True,
        is_platform_admin=platform_admin,
    )
    insert_unique(db, user, exists)
    audit.record(
        db,
        actor,
        "user.created",
        object_type="user",
        object_id=user.id,
        organisation=organisation,
        summary=f"Created user {email}" + (" (platform admin)" if platform_admin else ""),
        actor_user_id=actor.user.id if actor.user else user.id,
        platform_admin=platform_admin,
    )
    return user


def register(db: Session, *, email: str, display_name: str, password: str) -> User:
    """A person signing themselves up (invited by an open cohort's code): their own password, no admin rights."""
    email = check_email(email)
    check_new_password(password, email=email)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("There is already an account with this email: log in to join.", code="user_exists")
    display_name = check_display_name(display_name, email)
    user = User(
        email=email, display_name=display_name, password_hash=hash_password(password), must_change_password=False
    )
    insert_unique(
        db, user, Conflict("There is already an account with this email: log in to join.", code="user_exists")
    )
    audit.record(
        db,
        Actor.person(user),
        "user.registered",
        object_type="user",
        object_id=user.id,
        summary=f"{email} signed up",
        actor_user_id=user.id,
    )
    return user


def user_by_email(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"There is no user with the email {normalize_email(email)}.", code="user_not_found")
    return user


def grant_platform_admin(db: Session, actor: Actor, user: User) -> None:
    """Only a platform admin grants it, and only to an account whose holder has chosen their own password."""
    if not actor.is_platform_admin:
        raise Forbidden("Only a platform admin can make someone a platform admin.")
    if user.is_platform_admin:
        return
    if user.must_change_password:
        raise Conflict(
            f"{user.email} has not logged in and chosen their own password yet: "
            "only an account its holder has taken up can be made platform admin.",
            code="account_not_taken_up",
        )
    user.is_platform_admin = True
    audit.record(
        db,
        actor,
        "user.platform_admin_granted",
        object_type="user",
        object_id=user.id,
        actor_user_id=actor.user.id if actor.user else user.id,
        summary=f"Made {user.email} a platform admin",
    )


def insert_unique(db: Session, row: object, conflict: Conflict) -> None:
    """Add the row in a savepoint: a unique key another request took since we looked is `conflict`, not a 500, and
    the caller's transaction goes on."""
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError as error:
        raise conflict from error


def join(
    db: Session, actor: Actor, organisation: Organisation, user: User, role: Role, action: str, summary: str
) -> Membership:
    """Make the user a member with `role` (audited as `action`); a membership another request made meanwhile is a
    Conflict, as if it had come first."""
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role, created_at=utcnow())
    insert_unique(
        db,
        membership,
        Conflict(f"{user.email} is already a member of {organisation.legal_name}.", code="member_exists"),
    )
    audit.record(
        db,
        actor,
        action,
        object_type="user",
        object_id=user.id,
        organisation=organisation,
        summary=summary,
        role=role.value,
    )
    return membership


def membership_of(db: Session, organisation: Organisation, user_id: uuid.UUID) -> Membership | None:
    """The user's membership of the organisation, if any (with its user loaded)."""
    return db.scalar(
        select(Membership)
        .options(selectinload(Membership.user))
        .where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
    )
