"""The issuing stage's API shapes: signing keys and seal certificates, the W3C VC-API's issue and status
requests, issuing an edition (one learner or a batch), runs and claim links, and the documents it publishes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

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
    mandatoryPointers: list[Annotated[str, Field(max_length=1000)]] | None = Field(  # noqa: N815 (VC-API's name)
        default=None,
        max_length=256,
        description="ecdsa-sd-2023 only: JSON pointers to what every disclosure derived from the credential "
        "must reveal (the rest the holder may hide)",
    )
    format: str | None = Field(
        default=None,
        max_length=40,
        description="vc+jwt or vc+cose (or application/vc+jwt, application/vc+cose): secure it as a VC-JOSE-COSE "
        "JWT or COSE_Sign1, returned as an EnvelopedVerifiableCredential, instead of with a Data Integrity proof "
        "(also asked with Accept: application/vc+jwt or application/vc+cose)",
    )
    algorithm: str | None = Field(
        default=None, max_length=20, description="For vc+jwt and vc+cose: ES256 (default) or EdDSA"
    )
    credentialId: str | None = Field(  # noqa: N815 (VCALM's name)
        default=None,
        max_length=300,
        description="VCALM: a name to read the credential back by (GET /credentials/{id}) and to update its status "
        "with, when the credential has no id",
    )


class IssueIn(BaseModel):
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=500)
    type: str = Field(default="BitstringStatusListEntry", max_length=60)
    statusPurpose: str = Field(description="revocation or suspension", max_length=40)  # noqa: N815 (VCALM's name)
    status: bool | None = Field(
        default=None,
        description="true revokes or suspends; false reinstates a suspended credential (else the request's status)",
    )
    statusListIndex: str | int | None = None  # noqa: N815 (VCALM's name)
    statusListCredential: str | None = Field(default=None, max_length=500)  # noqa: N815 (VCALM's name)


class StatusIn(BaseModel):
    """VCALM's UpdateCredentialStatusRequest: one credentialStatus object and `status` (true when left out, as the
    Bitstring Status List suite sends it); a list of entries, each with its own `status`, is read too."""

    credentialId: str = Field(max_length=300)  # noqa: N815
    credentialStatus: StatusUpdate | list[StatusUpdate] = Field(  # noqa: N815
        description="The entry to change (type BitstringStatusListEntry, statusPurpose), or a list of them"
    )
    status: bool | None = Field(default=None, description="The new status: true sets it (the default)")
    reason: str | None = Field(default=None, max_length=500, description="Why: kept in the audit log")
    indexAllocator: str | None = Field(default=None, max_length=300)  # noqa: N815 (VCALM's name; unused here)


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


# Issuer identities and instances (VC-API) ----------------------------------------------------------------------


class IssuerKeyIn(BaseModel):
    algorithm: str = Field(default="Ed25519", description="Ed25519, P-256 or P-384")
    label: str = Field(max_length=100, description="What the organisation calls it")


class IssuerKeyOut(BaseModel):
    id: uuid.UUID
    algorithm: str
    label: str
    did: str = Field(description="did:key:<the public key>")
    verification_method: str = Field(description="did:key:<key>#<key>: what its proofs name")
    created_at: datetime
    retired_at: datetime | None


class InstanceIn(BaseModel):
    label: str = Field(max_length=100)
    identity: str = Field(
        default="did:web", max_length=200, description="did:web (the organisation's) or one of its did:key DIDs"
    )
    cryptosuite: str | None = Field(default=None, max_length=40, description="The default suite; it must fit the key")
    status: bool = Field(
        default=True,
        description="Whether what it issues gets revocation and suspension entries (without, it cannot be revoked)",
    )


class InstanceOut(BaseModel):
    id: str
    label: str
    issuer: str = Field(description="The DID it issues as")
    cryptosuite: str
    status: bool = Field(description="Whether what it issues gets revocation and suspension entries")
    endpoint: str = Field(description="POST a VC-API issue request here")
    created_at: datetime


class StoredCredentialOut(BaseModel):
    """GET /credentials/{id}: VCALM's VerifiableCredentialResponse."""

    model_config = ConfigDict(extra="allow")

    verifiableCredential: dict[str, Any]  # noqa: N815 (VCALM's name)


# VCALM exchanges -------------------------------------------------------------------------------------------------


class ExchangeIn(BaseModel):
    """VCALM's CreateExchangeRequest."""

    expires: str | None = Field(default=None, max_length=40, description="When it expires (at most a day away)")
    variables: dict[str, Any] = Field(
        default_factory=dict,
        description="issue: credential (to issue to the wallet's DID), issuer (an instance id), cryptosuite; "
        "verify: type (the credential type asked for), reason, acceptedIssuers",
    )


class ExchangeMade(BaseModel):
    id: str = Field(description="The exchange id: shown only now (only its hash is kept)")
    exchangeUrl: str  # noqa: N815
    interactionUrl: str = Field(description="For a QR code: answers GET with the protocols (VCALM)")  # noqa: N815
    walletLink: str = Field(description="The Learner Credential Wallet's deep link")  # noqa: N815
    expires: datetime


class ExchangeMessage(BaseModel):
    """A message of a VCALM exchange (either way): empty, a presentation request or a presentation."""

    model_config = ConfigDict(extra="allow")

    verifiablePresentationRequest: dict[str, Any] | None = None  # noqa: N815
    verifiablePresentation: dict[str, Any] | list[dict[str, Any]] | None = None  # noqa: N815


class ExchangeState(BaseModel):
    """VCALM's GetExchangeResponse: the exchange's state and what its step found."""

    model_config = ConfigDict(extra="allow")

    id: str
    sequence: int
    expires: str
    step: str
    state: str = Field(description="pending, active, complete or invalid (expired)")
    lastError: dict[str, Any] | None = None  # noqa: N815
    variables: dict[str, Any] | None = None


class ExchangeProtocols(BaseModel):
    protocols: dict[str, str]
