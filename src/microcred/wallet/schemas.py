"""The JSON shapes of the wallet API: a verifier's request for a presentation, and the presentation it gets."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class PresentationRequest(BaseModel):
    """What the verifier asked for. Longer values than the wallet takes are refused by the wallet, by name."""

    challenge: str = Field(max_length=1000, description="The verifier's challenge, exactly as they gave it")
    domain: str = Field(max_length=1000, description="The verifier's host name or origin, as they gave it")


class HeldPresentation(BaseModel):
    """A W3C verifiable presentation (JSON-LD) of credentials the learner holds, signed by their holder key. It is
    answered exactly as signed: these are its main fields, and it has any others its credentials bring."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    context: list[str] = Field(alias="@context", description="The VC 2.0 context")
    id: str = Field(description="A fresh urn:uuid for this presentation")
    type: list[str] = Field(description='["VerifiablePresentation"]')
    holder: str = Field(description="The learner's holder key, as a did:key")
    verifiable_credential: list[dict[str, Any]] = Field(
        alias="verifiableCredential", description="The credentials presented, each as stored in the wallet"
    )
    proof: dict[str, Any] = Field(
        description="The holder's Data Integrity proof (eddsa-rdfc-2022, proofPurpose authentication) with the "
        "verifier's challenge and domain"
    )


class DeriveOptions(BaseModel):
    selectivePointers: list[Annotated[str, Field(max_length=1000)]] = Field(  # noqa: N815 (the VC-API's name)
        default_factory=list,
        max_length=256,
        description="JSON pointers to what to disclose besides what the issuer made mandatory",
    )


class DeriveIn(BaseModel):
    """W3C VC-API `POST /credentials/derive`: a credential with an ecdsa-sd-2023 base proof, and what to disclose."""

    verifiableCredential: dict[str, Any]  # noqa: N815 (the VC-API's name)
    options: DeriveOptions = Field(default_factory=DeriveOptions)


class DerivedCredential(BaseModel):
    """The disclosed credential: only the selected statements, with a derived proof any verifier checks."""

    model_config = ConfigDict(extra="allow")

    verifiableCredential: dict[str, Any]  # noqa: N815 (the VC-API's name)
