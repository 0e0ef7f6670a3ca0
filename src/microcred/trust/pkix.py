"""Certificate path validation (RFC 5280) of a seal's or a timestamp authority's certificate to trust anchors.

The path is built and its signatures, validity periods and names checked by cryptography's verifier (with
its TLS rules switched off: a seal certificate has no TLS extended key usage); our own policy adds key
usage (digitalSignature or nonRepudiation for a seal, the timeStamping purpose for a TSA, keyCertSign for
a CA), basic constraints (CA: true, path length). The certificate itself is checked first, so that an
expired certificate or one that may not sign is told apart from one that merely chains to no anchor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

SEAL = "seal"
TSA = "tsa"


def fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 of the certificate's DER, in lower-case hex."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """A certificate the deployment trusts, and how a sentence names it ("X on the Belgian trusted list")."""

    certificate: x509.Certificate
    name: str
    qualified: bool = False  # a trusted list says its certificates are qualified for electronic seals
    organisation: str | None = None  # one of our organisations' seal certificates: that organisation's legal name

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


@dataclass(frozen=True)
class Anchors:
    """What verification may validate to: anchors for seal certificates, and for timestamp authorities."""

    seals: tuple[Anchor, ...] = ()
    timestamps: tuple[Anchor, ...] = ()
    ours: tuple[Anchor, ...] = ()  # our organisations' seal certificates: matched by fingerprint only, never a root


@dataclass(frozen=True)
class Path:
    """What validation found: the anchor reached (None: none), why, and whether the certificate itself fails
    (not valid at the time, a key usage that does not allow this) whatever the anchors."""

    anchor: Anchor | None
    reason: str
    broken: bool = False
    chain: tuple[x509.Certificate, ...] = ()


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()[:200]


def _extension(certificate: x509.Certificate, kind: type[Any]) -> Any:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _own_problem(certificate: x509.Certificate, at: datetime, purpose: str) -> str | None:
    """Why the end certificate cannot do this at this time, whatever it chains to."""
    begin, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if not begin <= at <= end:
        return (
            f"its certificate ({common_name(certificate)}) was not valid on {at:%Y-%m-%d %H:%M} UTC: "
            f"it is valid from {begin:%Y-%m-%d} to {end:%Y-%m-%d}"
        )
    usage = _extension(certificate, x509.KeyUsage)
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        return "its certificate's key usage allows neither digitalSignature nor nonRepudiation"
    purposes = _extension(certificate, x509.ExtendedKeyUsage)
    if purpose == TSA:
        if purposes is None or ExtendedKeyUsageOID.TIME_STAMPING not in purposes:
            return "its certificate is not a timestamping certificate (no timeStamping extended key usage)"
    elif purposes is not None and set(purposes) <= {
        ExtendedKeyUsageOID.TIME_STAMPING,
        ExtendedKeyUsageOID.OCSP_SIGNING,
    }:
        return "its certificate is a timestamp authority's (or an OCSP responder's) and may not seal"
    return None


def _ca_basic_constraints(_policy: Any, _certificate: x509.Certificate, value: Any) -> None:
    if not value.ca:
        raise ValueError("a certificate in the chain is not a CA (basicConstraints CA: false)")


def _ca_key_usage(_policy: Any, _certificate: x509.Certificate, value: Any) -> None:
    if value is not None and not value.key_cert_sign:
        raise ValueError("a CA in the chain may not sign certificates (no keyCertSign)")


def _verifier(anchors: Sequence[Anchor], at: datetime) -> verification.ClientVerifier:
    agnostic = verification.Criticality.AGNOSTIC
    ca_policy = (
        verification.ExtensionPolicy.permit_all()
        .require_present(x509.BasicConstraints, agnostic, _ca_basic_constraints)
        .may_be_present(x509.KeyUsage, agnostic, _ca_key_usage)
    )
    return (
        verification.PolicyBuilder()
        .store(verification.Store([a.certificate for a in anchors]))
        .time(at)
        .max_chain_depth(8)
        .extension_policies(ca_policy=ca_policy, ee_policy=verification.ExtensionPolicy.permit_all())
        .build_client_verifier()
    )


def _path_length_problem(chain: Sequence[x509.Certificate]) -> str | None:
    """RFC 5280's pathLenConstraint: how many non-self-issued CAs may follow each CA down to the end certificate."""
    for position, ca in enumerate(chain[1:], start=1):
        constraints = _extension(ca, x509.BasicConstraints)
        below = sum(1 for c in chain[1:position] if c.issuer != c.subject)
        if constraints is not None and constraints.path_length is not None and below > constraints.path_length:
            return f"{common_name(ca)} allows {constraints.path_length} CA(s) below it, and the chain has {below}"
    return None


def validate(
    chain: Sequence[x509.Certificate],
    anchors: Sequence[Anchor],
    at: datetime,
    *,
    purpose: str = SEAL,
    pinned: Sequence[Anchor] = (),
) -> Path:
    """Whether `chain` (the end certificate first, then any intermediates it carries) validates at `at` to one
    of the anchors, which one, and a clause saying why or why not. A `pinned` certificate is recognised only as
    the end certificate itself (by its SHA-256 fingerprint), never as a root other certificates chain to."""
    try:
        for certificate in chain:
            _ = certificate.extensions  # parsed lazily: a malformed extension raises here, not deep inside
        return _validate(chain, anchors, at, purpose, pinned)
    except ValueError:
        whose = "timestamp's" if purpose == TSA else "seal's"
        return Path(None, f"a certificate in the {whose} chain cannot be read", broken=True)


_INDEXES: dict[int, tuple[Sequence[Anchor], dict[x509.Name, list[Anchor]]]] = {}


def _candidates(chain: Sequence[x509.Certificate], anchors: Sequence[Anchor]) -> Sequence[Anchor]:
    """The anchors a chain can end at: those whose subject issued one of its certificates (or is its end
    certificate's, for a certificate trusted as itself). A trusted list holds
    thousands, so each set of anchors is indexed by subject once (the caller keeps passing the same one)."""
    if len(anchors) <= 16:
        return anchors
    cached = _INDEXES.get(id(anchors))
    if cached is None or cached[0] is not anchors:
        index: dict[x509.Name, list[Anchor]] = {}
        for anchor in anchors:
            index.setdefault(anchor.certificate.subject, []).append(anchor)
        if len(_INDEXES) >= 16:
            _INDEXES.clear()
        _INDEXES[id(anchors)] = cached = (anchors, index)
    issuers = {certificate.issuer for certificate in chain} | {chain[0].subject}  # or the certificate itself
    return [anchor for name in issuers for anchor in cached[1].get(name, ())]


def _validate(
    chain: Sequence[x509.Certificate], anchors: Sequence[Anchor], at: datetime, purpose: str, pinned: Sequence[Anchor]
) -> Path:
    certificate = chain[0]
    problem = _own_problem(certificate, at, purpose)
    if problem:
        return Path(None, problem, broken=True)
    own = fingerprint(certificate)
    for anchor in pinned:
        if anchor.fingerprint == own:
            return Path(anchor, f"its certificate is {anchor.name}", chain=(certificate,))
    if not anchors:
        return Path(None, "its certificate chains to no trust anchor this server accepts (none are loaded)")
    anchors = _candidates(chain, anchors)
    for anchor in anchors:
        if anchor.fingerprint == own:  # the certificate itself is trusted (listed as such, or added by the operator)
            return Path(anchor, f"its certificate is itself a trust anchor: {anchor.name}", chain=(certificate,))
    if not anchors:
        return Path(None, "its certificate chains to no trust anchor this server accepts (none issued its chain)")
    try:
        verified = _verifier(anchors, at).verify(certificate, list(chain[1:]))
    except verification.VerificationError as error:
        why = str(error).removeprefix("validation failed: ").split(" (encountered", 1)[0][:200]
        return Path(None, f"its certificate chains to no trust anchor this server accepts ({why})")
    path = tuple(verified.chain)
    length = _path_length_problem(path)
    if length:
        return Path(None, f"its certificate chains to no trust anchor this server accepts ({length})")
    root = fingerprint(path[-1])
    anchor = next(a for a in anchors if a.fingerprint == root)
    return Path(anchor, f"its certificate chains to {anchor.name}", chain=path)
