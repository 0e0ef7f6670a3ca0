"""JSON routes of the accounts stage: who am I, organisations, members and invitations, API tokens, the audit log."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from microcred.accounts import audit, invitations, members, service, setup, tokens
from microcred.accounts.models import ApiToken, Invitation, Membership, Organisation, Role
from microcred.accounts.schemas import (
    AuditEventOut,
    InvitationOut,
    MemberCreated,
    MemberIn,
    MemberOut,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationUpdate,
    RoleChange,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from microcred.store.base import utcnow
from microcred.web.security import DB, Members, OrgAdmins, PendingPasswordOk, PlatformAdmins, SignedIn, settings_of

router = APIRouter(prefix="/api", tags=["accounts"])


def organisation_out(organisation: Organisation, role: Role | None = None) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.id,
        slug=organisation.slug,
        legal_name=organisation.legal_name,
        kind=organisation.kind,
        country=organisation.country,
        homepage=organisation.homepage,
        identifiers={identifier.scheme: identifier.value for identifier in organisation.identifiers},
        created_at=organisation.created_at,
        your_role=role,
    )


def member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=membership.user_id,
        email=membership.user.email,
        display_name=membership.user.display_name,
        role=membership.role,
        since=membership.created_at,
    )


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        role=token.role,
        owner=token.user.email,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


@router.get("/me", response_model=MeOut, summary="Who am I")
def me(caller: PendingPasswordOk, db: DB) -> MeOut:
    actor, user = caller.signed_in, caller.person
    return MeOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_platform_admin=actor.is_platform_admin,
        must_change_password=user.must_change_password,
        via="token" if actor.token else "session",
        organisations=[organisation_out(o, r) for o, r in service.organisations_visible_to(db, actor)],
    )


@router.get("/orgs", response_model=list[OrganisationOut], summary="Organisations I belong to")
def list_organisations(caller: SignedIn, db: DB) -> list[OrganisationOut]:
    return [organisation_out(o, r) for o, r in service.organisations_visible_to(db, caller.signed_in)]


@router.post("/orgs", response_model=OrganisationOut, status_code=201, summary="Create an organisation")
def create_organisation(body: OrganisationIn, caller: PlatformAdmins, db: DB) -> OrganisationOut:
    organisation = service.create_organisation(
        db,
        caller.signed_in,
        legal_name=body.legal_name,
        country=body.country,
        kind=body.kind,
        homepage=body.homepage,
        identifiers=body.identifiers,
        slug=body.slug,
    )
    return organisation_out(organisation)


@router.get("/orgs/{org}", response_model=OrganisationOut, summary="One organisation")
def get_organisation(org: str, caller: Members) -> OrganisationOut:
    return organisation_out(caller.org, caller.role)


@router.patch("/orgs/{org}", response_model=OrganisationOut, summary="Change an organisation's details")
def update_organisation(org: str, body: OrganisationUpdate, caller: OrgAdmins, db: DB) -> OrganisationOut:
    organisation = service.update_organisation(
        db,
        caller.signed_in,
        caller.org,
        legal_name=body.legal_name,
        country=body.country,
        homepage=body.homepage,
        identifiers=body.identifiers,
    )
    return organisation_out(organisation, caller.role)


@router.get("/orgs/{org}/members", response_model=list[MemberOut], summary="Members and their roles")
def list_members(org: str, caller: OrgAdmins, db: DB) -> list[MemberOut]:
    return [member_out(m) for m in members.members(db, caller.org)]


@router.post("/orgs/{org}/members", response_model=MemberCreated, status_code=201, summary="Add or invite a member")
def add_member(org: str, body: MemberIn, request: Request, caller: OrgAdmins, db: DB) -> MemberCreated:
    settings = settings_of(request)
    added, token = members.add_member(
        db,
        caller.signed_in,
        caller.org,
        email=body.email,
        role=body.role,
        display_name=body.display_name,
        setup_hours=settings.setup_link_hours,
    )
    if isinstance(added, Invitation):
        return MemberCreated(
            **invitation_as_member(added).model_dump(), status="invited", setup_link=None, setup_link_expires_at=None
        )
    return MemberCreated(
        **member_out(added).model_dump(),
        status="member",
        setup_link=setup.setup_url(settings.base_url, token) if token else None,
        setup_link_expires_at=added.created_at + timedelta(hours=settings.setup_link_hours) if token else None,
    )


def invitation_as_member(invitation: Invitation) -> MemberOut:
    # An invited account's own name is its holder's to show: the admin sees the email they typed.
    return MemberOut(
        user_id=invitation.user_id,
        email=invitation.user.email,
        display_name="",
        role=invitation.role,
        since=invitation.created_at,
    )


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        organisation=invitation.organisation.slug,
        organisation_name=invitation.organisation.legal_name,
        email=invitation.user.email,
        role=invitation.role,
        invited_by=invitation.invited_by,
        invited_at=invitation.created_at,
    )


@router.get("/orgs/{org}/invitations", response_model=list[InvitationOut], summary="Invitations not answered yet")
def list_invitations(org: str, caller: OrgAdmins, db: DB) -> list[InvitationOut]:
    return [invitation_out(i) for i in invitations.invitations_of(db, caller.org)]


@router.delete("/orgs/{org}/invitations/{invitation_id}", status_code=204, summary="Withdraw an invitation")
def cancel_invitation(org: str, invitation_id: uuid.UUID, caller: OrgAdmins, db: DB) -> Response:
    invitations.cancel_invitation(db, caller.signed_in, caller.org, invitation_id)
    return Response(status_code=204)


@router.get("/me/invitations", response_model=list[InvitationOut], summary="Invitations waiting for me")
def my_invitations(caller: SignedIn, db: DB) -> list[InvitationOut]:
    return [invitation_out(i) for i in invitations.my_invitations(db, caller.signed_in)]


@router.post("/me/invitations/{invitation_id}/accept", response_model=MemberOut, summary="Accept an invitation")
def accept_invitation(invitation_id: uuid.UUID, caller: SignedIn, db: DB) -> MemberOut:
    membership = invitations.accept_invitation(db, caller.signed_in, invitation_id)
    return member_out(membership)


@router.post("/me/invitations/{invitation_id}/decline", status_code=204, summary="Decline an invitation")
def decline_invitation(invitation_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    invitations.decline_invitation(db, caller.signed_in, invitation_id)
    return Response(status_code=204)


@router.get("/orgs/{org}/members/{user_id}", response_model=MemberOut, summary="One member")
def get_member(org: str, user_id: uuid.UUID, caller: OrgAdmins, db: DB) -> MemberOut:
    return member_out(members.member(db, caller.org, user_id))


@router.patch("/orgs/{org}/members/{user_id}", response_model=MemberOut, summary="Change a member's role")
def change_role(org: str, user_id: uuid.UUID, body: RoleChange, caller: OrgAdmins, db: DB) -> MemberOut:
    membership = members.change_role(db, caller.signed_in, caller.org, user_id, body.role)
    return member_out(membership)


@router.delete("/orgs/{org}/members/{user_id}", status_code=204, summary="Remove a member")
def remove_member(org: str, user_id: uuid.UUID, caller: OrgAdmins, db: DB) -> Response:
    members.remove_member(db, caller.signed_in, caller.org, user_id)
    return Response(status_code=204)


@router.post(
    "/orgs/{org}/members/{user_id}/setup-link",
    response_model=MemberCreated,
    summary="A new set-up link for a member this organisation created and nobody has set up yet",
)
def new_setup_link(org: str, user_id: uuid.UUID, request: Request, caller: OrgAdmins, db: DB) -> MemberCreated:
    settings = settings_of(request)
    user, token = members.new_setup_link(db, caller.signed_in, caller.org, user_id, hours=settings.setup_link_hours)
    return MemberCreated(
        **member_out(members.member(db, caller.org, user.id)).model_dump(),
        status="member",
        setup_link=setup.setup_url(settings.base_url, token),
        setup_link_expires_at=utcnow() + timedelta(hours=settings.setup_link_hours),
    )


@router.get("/orgs/{org}/tokens", response_model=list[TokenOut], summary="API tokens (admins see all)")
def list_tokens(org: str, caller: Members, db: DB) -> list[TokenOut]:
    return [token_out(t) for t in tokens.tokens_visible_to(db, caller.signed_in, caller.org)]


@router.post("/orgs/{org}/tokens", response_model=TokenCreated, status_code=201, summary="Create an API token")
def create_token(org: str, body: TokenIn, caller: Members, db: DB) -> TokenCreated:
    token, secret = tokens.create_api_token(
        db,
        caller.signed_in,
        caller.org,
        owner=caller.person,
        role=body.role,
        name=body.name,
        expires_in_days=body.expires_in_days,
    )
    return TokenCreated(**token_out(token).model_dump(), token=secret)


@router.delete("/orgs/{org}/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(org: str, token_id: uuid.UUID, caller: Members, db: DB) -> Response:
    tokens.revoke_api_token(db, caller.signed_in, caller.org, token_id)
    return Response(status_code=204)


@router.get("/orgs/{org}/audit", response_model=list[AuditEventOut], summary="The audit log, newest first")
def audit_log(
    org: str,
    caller: OrgAdmins,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Only events with a smaller id (paging)")
    ] = None,
) -> list[AuditEventOut]:
    events = audit.events_for_organisation(db, caller.org, limit=limit, before_id=before)
    return [AuditEventOut.model_validate(event) for event in events]
