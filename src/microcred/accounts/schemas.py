"""The JSON shapes of the accounts API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from microcred.accounts.models import OrganisationKind, Role


class OrganisationIn(BaseModel):
    legal_name: str = Field(min_length=2, max_length=300)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code, e.g. BE")
    kind: OrganisationKind = OrganisationKind.AWARDING_BODY_AND_PROVIDER
    homepage: str | None = Field(default=None, max_length=500)
    identifiers: dict[str, str] = Field(default_factory=dict, description="scheme → value, e.g. {'VAT': 'BE0123'}")
    slug: str | None = Field(default=None, max_length=64)


class OrganisationUpdate(BaseModel):
    legal_name: str | None = Field(default=None, min_length=2, max_length=300)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    homepage: str | None = Field(default=None, max_length=500)
    identifiers: dict[str, str] | None = None


class OrganisationOut(BaseModel):
    id: uuid.UUID
    slug: str
    legal_name: str
    kind: OrganisationKind
    country: str
    homepage: str | None
    identifiers: dict[str, str]
    created_at: datetime
    your_role: Role | None = None


class MemberIn(BaseModel):
    email: str = Field(max_length=320)
    role: Role
    display_name: str = Field(default="", max_length=200)


class RoleChange(BaseModel):
    role: Role


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    since: datetime


class MemberCreated(MemberOut):
    status: Literal["member", "invited"] = Field(
        description="member: a new account, a member at once; invited: an existing account, which counts as a "
        "member only once its holder, logged in themselves, accepts"
    )
    setup_link: str | None = Field(
        description="Only for a new account: give it to the person, who chooses their password there. It works "
        "once, expires (setup_link_expires_at) and is not shown again."
    )
    setup_link_expires_at: datetime | None = None


class InvitationOut(BaseModel):
    id: uuid.UUID
    organisation: str = Field(description="The organisation's slug")
    organisation_name: str
    email: str
    role: Role
    invited_by: str
    invited_at: datetime


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    owner: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret, shown this once. Send it as 'Authorization: Bearer <token>'.")


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    summary: str
    ip: str | None
    redacted_at: datetime | None = None


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    is_platform_admin: bool
    must_change_password: bool
    via: str
    organisations: list[OrganisationOut]
