"""The issuing stage's API shapes: signing keys and seal certificates, the W3C VC-API's issue and status
requests, issuing an edition (one learner or a batch), runs and claim links, and the documents it publishes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from microcred.issuing import batch, claims


class KeyOut(BaseModel):
    algorithm: str
    public_key_multibase: str
    did_key: str
    verification_method: str = Field(description="As credentials name it: the organisation's did:web and the key")
    created_at: datetime
    retired_at: datetime | None


class RotateIn(BaseModel):
    algorithm: str = Field(default="Ed25519", description="Ed25519 or P-256")


class SealCertificateOut(BaseModel):
    subject: str
    issuer: str
    serial: str = Field(description="Hexadecimal")
    algorithm: str = Field(description="The JAdES algorithm seals are made with: RS256 or ES256")
    not_before: datetime
    not_after: datetime
    chain_length: int
    created_at: datetime
    retired_at: datetime | None


class IssueOptions(BaseModel):
    cryptosuite: str | None = Field(default=None, description="eddsa-rdfc-2022 (default), eddsa-jcs-2022, …")


class IssueIn(BaseModel):
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


class StatusUpdate(BaseModel):
    type: str = Field(default="BitstringStatusListEntry")
    statusPurpose: str = Field(description="revocation or suspension")  # noqa: N815 (the VC-API's name)
    status: bool = Field(description="true revokes or suspends; false reinstates a suspended credential")


class StatusIn(BaseModel):
    credentialId: str = Field(max_length=300)  # noqa: N815
    credentialStatus: list[StatusUpdate] = Field(min_length=1, max_length=2)  # noqa: N815
    reason: str = Field(default="", max_length=500, description="Why: kept in the audit log")


class LearnerIn(BaseModel):
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    identifier: str | None = Field(default=None, max_length=100, description="The awarding body's learner number")


class ResultIn(BaseModel):
    awarded: date = Field(description="The date the learning was assessed and awarded")
    grade: str | None = Field(default=None, max_length=100)


class EditionIssueIn(BaseModel):
    learner: LearnerIn
    result: ResultIn
    cryptosuite: str | None = None


class IssuedOut(BaseModel):
    id: uuid.UUID
    credential: dict[str, Any] = Field(description="The Open Badges 3.0 credential with its Data Integrity proof.")
    elm: dict[str, Any] | None = Field(
        default=None,
        description="The European Digital Credential (ELM) sealed with JAdES, when the organisation has a seal "
        "certificate.",
    )


class BatchItemIn(BaseModel):
    learner: LearnerIn
    result: ResultIn
    key: str | None = Field(
        default=None,
        max_length=200,
        description="Idempotency key: an item whose key this organisation issued before is not issued again. "
        "Without one, the key is made from the edition, the learner's email or number and the award date.",
    )


class BatchIn(BaseModel):
    items: list[BatchItemIn] = Field(min_length=1, max_length=batch.MAX_ROWS)


class RunOut(BaseModel):
    id: uuid.UUID
    state: str = Field(description="queued, running, finished, or stopped (an error; re-send to continue)")
    total: int
    done: int
    detail: str | None = None
    created_at: datetime
    finished_at: datetime | None
    outcomes: list[dict[str, Any]] | None = Field(
        default=None, description="Once finished: per item, its line, key, status and credential id or error"
    )


class ClaimIn(BaseModel):
    days: int = Field(default=claims.DEFAULT_DAYS, ge=1, le=claims.MAX_DAYS, description="How long the link works")


class ClaimOut(BaseModel):
    url: str = Field(description="Send it to the learner: it is shown only now (only its hash is kept)")
    expires_at: datetime


# Documents published as they are (JSON-LD): described here, returned unfiltered -------------------------------


class DidDocument(BaseModel):
    """An organisation's did:web DID document: its keys as Multikey verification methods, all for assertions."""

    model_config = ConfigDict(extra="allow")

    context: list[Any] = Field(alias="@context")
    id: str = Field(description="did:web:<host>:orgs:<slug>")
    alsoKnownAs: list[str] = Field(description="The organisation's page in the catalogue")  # noqa: N815
    verificationMethod: list[dict[str, Any]]  # noqa: N815 (DID Core's name)
    assertionMethod: list[str]  # noqa: N815 (DID Core's name)


class StatusListCredential(BaseModel):
    """A BitstringStatusListCredential signed with the organisation's key (W3C Bitstring Status List)."""

    model_config = ConfigDict(extra="allow")

    context: list[Any] = Field(alias="@context")
    id: str
    type: list[str]
    issuer: str
    validFrom: str  # noqa: N815 (the VC data model's name)
    credentialSubject: dict[str, Any] = Field(  # noqa: N815 (the VC data model's name)
        description="type BitstringStatusList, its statusPurpose and the encodedList (GZIP, base64url)"
    )
    proof: dict[str, Any]


class AwardStatus(BaseModel):
    """One award's revocation and suspension, with its Bitstring Status List entries."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="urn:uuid:<credential id>")
    revoked: bool
    suspended: bool
    credentialStatus: list[dict[str, Any]]  # noqa: N815 (the VC data model's name)


class SignedCredential(BaseModel):
    """POST /credentials/issue: the credential with the organisation's Data Integrity proof."""

    model_config = ConfigDict(extra="allow")

    verifiableCredential: dict[str, Any]  # noqa: N815 (the VC-API's name)


class StatusChanged(BaseModel):
    """POST /credentials/status: the credential's status after the change."""

    credentialId: str  # noqa: N815 (the VC-API's name)
    revoked: bool
    suspended: bool
