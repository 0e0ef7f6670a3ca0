"""The verify stage's API shapes: the VC-API's verification requests and results, the registry of trusted issuers,
and the link the verifier page's camera reads."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from microcred.design import vocab

# W3C VC-API: verifying ---------------------------------------------------------------------------------------


class VerifyIn(BaseModel):
    verifiableCredential: Any = Field(  # noqa: N815 (the VC-API's name)
        description="The credential: a JSON-LD verifiable credential, a JAdES-sealed ELM credential (JWS JSON), an "
        "EnvelopedVerifiableCredential (id data:application/vc+jwt,<jwt>), or a JWT as a string (VC-JOSE-COSE "
        "vc+jwt, or the VC-JWT of VC 1.1 and Open Badges 3.0)"
    )
    options: dict[str, Any] = Field(default_factory=dict)


class PresentationOptions(BaseModel):
    challenge: str | None = Field(default=None, max_length=500)
    domain: str | None = Field(default=None, max_length=500)


class PresentationIn(BaseModel):
    verifiablePresentation: Any = Field(  # noqa: N815 (the VC-API's name)
        description="The presentation: JSON-LD, an EnvelopedVerifiablePresentation (id "
        "data:application/vp+jwt,<jwt>), or a vp+jwt as a string (its nonce is the challenge, its aud the domain)"
    )
    options: PresentationOptions = Field(default_factory=PresentationOptions)


class CheckResult(BaseModel):
    """One check of a verification, as the EDC viewer shows it."""

    check: str = Field(description="FORMAT, PROOF, SEAL, REVOCATION, VALIDITY, ACCREDITATION or OWNER")
    outcome: Literal["OK", "WARNING", "ERROR", "SKIPPED"]
    sentence: str = Field(description="What it means, for anyone")
    detail: str = Field(description="The technical detail")


class VerificationResult(BaseModel):
    """A document's verification: its verdict and every check."""

    verified: bool = Field(description="Valid with nothing held back (the verdict is valid)")
    verdict: Literal["invalid", "issuer-unconfirmed", "status-unknown", "valid"]
    verdictLabel: str  # noqa: N815 (as the VC-API's results name things)
    kind: str = Field(description="open-badge, verifiable-credential, elm, presentation or unknown")
    issuer: str | None = Field(description="The issuer's id, or a seal certificate's sha256 fingerprint")
    checks: list[CheckResult]


class CredentialVerification(VerificationResult):
    """POST /credentials/verify: the verification with its errors and warnings as sentences (200 when valid, else
    400)."""

    errors: list[str]
    warnings: list[str]


class PresentationVerification(BaseModel):
    """POST /presentations/verify: the presentation's own checks and each credential's (200 when all are valid,
    else 400)."""

    verified: bool
    presentationResult: VerificationResult  # noqa: N815 (the VC-API's name)
    credentialResults: list[VerificationResult]  # noqa: N815 (the VC-API's name)
    errors: list[str]


# The registry of trusted issuers ---------------------------------------------------------------------------


class RegistryAccreditation(BaseModel):
    """What an accreditation covers; an empty limit covers anything."""

    accrediting_body: str = Field(min_length=1, max_length=300)
    decision: str = Field(default="", max_length=500, description="The decision's reference or address")
    valid_from: date | None = None
    valid_until: date | None = None
    eqf_levels: list[int] = Field(default_factory=list, description="Empty: any level")
    fields: list[str] = Field(default_factory=list, description="ISCED-F codes; empty: any field")
    jurisdictions: list[str] = Field(default_factory=list, description="ISO 3166 country codes; empty: anywhere")
    credential_types: list[str] = Field(default_factory=list, description="e.g. OpenBadgeCredential; empty: any")

    @model_validator(mode="after")
    def _consistent(self) -> RegistryAccreditation:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("the end of the accreditation is before its start")
        if any(not 1 <= level <= 8 for level in self.eqf_levels):
            raise ValueError("EQF levels go from 1 to 8")
        if any(code not in vocab.ISCED_F for code in self.fields):
            raise ValueError("fields of education must be ISCED-F codes")
        if any(vocab.country_name(code) is None for code in self.jurisdictions):
            raise ValueError("jurisdictions must be ISO 3166 country codes")
        return self


class RegistryEntry(BaseModel):
    """An issuer in the registry of trusted issuers, as imported and exported."""

    identifier: str = Field(
        min_length=3,
        max_length=500,
        description="A DID, a web address, or an X.509 seal: sha256:<certificate hex>, or a subject (trusted only "
        "under a trust anchor; sha256:<anchor hex>/<subject> under that anchor only)",
    )
    name: str = Field(min_length=1, max_length=300)
    accreditations: list[RegistryAccreditation] = Field(default_factory=list)

    @field_validator("identifier")
    @classmethod
    def _normalised(cls, value: str) -> str:
        """A DID with its scheme and method in lower case (as DID syntax writes them, and as credentials that
        verify carry them), a web address with its scheme and host in lower case; anything else as given."""
        scheme, _, rest = value.partition(":")
        if scheme.lower() == "did" and ":" in rest:
            method, _, specific = rest.partition(":")
            return f"did:{method.lower()}:{specific}"
        if scheme.lower() in ("http", "https") and rest.startswith("//"):
            host, slash, path = rest[2:].partition("/")
            return f"{scheme.lower()}://{host.lower()}{slash}{path}"
        return value


class Registry(BaseModel):
    """The registry of trusted issuers, as exported and imported."""

    issuers: list[RegistryEntry]


class RegistryImported(BaseModel):
    imported: int = Field(description="How many issuers were added or replaced")


# The verifier page's camera --------------------------------------------------------------------------------


class ScannedLink(BaseModel):
    link: str = Field(description="The text of the QR code in the picture: a link to the credential")
