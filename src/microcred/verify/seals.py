"""SEAL: a JAdES-sealed credential (ELM) checked by its seal's signature, its certificate's path to a trust anchor
at the time a trusted timestamp vouches for, and whether that certificate is the issuer the credential names."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from cryptography import x509

from microcred.trust import TrustError, jades, pkix
from microcred.trust.jsonld import as_list
from microcred.verify.checks import Check, Outcome, Sources, Verdict

log = logging.getLogger(__name__)


class Sealer(str):
    """A seal's signer as a report names it: "sha256:<hex>", its certificate's fingerprint, never its subject
    (anyone can copy a DN into a certificate of their own). The subject and the anchor the chain validated to
    (None: none) ride along for the registry, which may trust a subject only under an anchor."""

    subject: str
    anchor: pkix.Anchor | None

    def __new__(cls, certificate_fingerprint: str, subject: str, anchor: pkix.Anchor | None) -> Sealer:
        sealer = super().__new__(cls, f"sha256:{certificate_fingerprint}")
        sealer.subject, sealer.anchor = subject, anchor
        return sealer


def _trusted_time(seal: jades.Seal, anchors: pkix.Anchors, now: datetime) -> tuple[datetime, str]:
    """When the seal counts as made: its timestamp's time when the TSA chains to a timestamp anchor (checked at
    that time), else now (`sigT` is only what the sealer wrote); and a clause saying which and why."""
    if seal.stamp is None:
        written = f" (it says {str(seal.signing_time)[:40]}, which nothing vouches for)" if seal.signing_time else ""
        return now, f"it has no timestamp, so its certificate must be valid now{written}"
    path = pkix.validate(seal.stamp.certificates, anchors.timestamps, seal.stamp.time, purpose=pkix.TSA)
    if path.anchor is None:
        return now, (
            f"its timestamp ({seal.stamp.time:%Y-%m-%d %H:%M} UTC) is from an authority this server does not trust "
            f"({path.reason}), so its certificate must be valid now"
        )
    return seal.stamp.time, f"timestamped {seal.stamp.time:%Y-%m-%d %H:%M} UTC by {path.anchor.name}"


def seal_check(document: dict[str, Any], sources: Sources) -> tuple[Check, dict[str, Any] | None, str | None]:
    """The seal's signature, then its certificate's path to a trust anchor at the trusted time: OK when it
    validates, WARNING (issuer unconfirmed) when it chains to no anchor, ERROR when the signature fails or the
    certificate was not valid then or may not seal."""
    try:
        seal = jades.verify(document)
    except TrustError as error:
        changed = "changed after sealing" in str(error)
        return (
            Check(
                "SEAL",
                Outcome.ERROR,
                "The seal does not match: the credential was changed after it was sealed."
                if changed
                else "The seal cannot be checked.",
                str(error),
            ),
            _payload(document),
            None,
        )
    now = sources.now()
    anchors = sources.anchors()  # outside the try: our own failure to read anchors is no verdict on the seal
    try:
        signed_at, when = _trusted_time(seal, anchors, now)
        path = pkix.validate(seal.chain, anchors.seals, signed_at, pinned=anchors.ours)
    except Exception as error:  # noqa: BLE001 (a hostile certificate must end in a verdict, never a crash)
        log.warning("seal certificate validation failed on a malformed document: %r", error)
        return (
            Check("SEAL", Outcome.ERROR, "The seal's certificate cannot be read.", "Its chain is malformed."),
            seal.payload,
            None,
        )
    sealer = Sealer(pkix.fingerprint(seal.chain[0]), seal.subject, path.anchor)
    detail = f"{seal.algorithm} by {seal.subject[:300]}, certificate {sealer} by {seal.issuer[:300]}; {when}; " + (
        path.reason
    )
    if path.broken:
        return (
            Check(
                "SEAL",
                Outcome.ERROR,
                f"The seal's signature holds, but {path.reason}"
                + ("." if signed_at != now else ", and no trusted timestamp vouches for an earlier signing time."),
                detail,
            ),
            seal.payload,
            sealer,
        )
    if path.anchor is None:
        return (
            Check(
                "SEAL",
                Outcome.WARNING,
                "The seal is intact, but its certificate chains to no trust anchor this server accepts: who sealed "
                "it is not confirmed.",
                detail,
                verdict=Verdict.UNCONFIRMED,
            ),
            seal.payload,
            sealer,
        )
    mismatch = _not_the_issuer(seal.chain[0], path.anchor, seal.payload)
    if mismatch:
        return (
            Check(
                "SEAL",
                Outcome.WARNING,
                f"The seal's signature holds, but {mismatch}: who issued it is not confirmed.",
                detail,
                verdict=Verdict.UNCONFIRMED,
            ),
            seal.payload,
            sealer,
        )
    return (
        Check("SEAL", Outcome.OK, f"The issuer's electronic seal is intact: {path.reason}.", detail),
        seal.payload,
        sealer,
    )


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _texts(value: Any) -> list[str]:
    """Every string of a language map ({"en": "…"} or {"en": ["…"]}), a string or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _not_the_issuer(
    certificate: x509.Certificate, anchor: pkix.Anchor | None, credential: dict[str, Any]
) -> str | None:
    """Why the seal certificate is not the issuer the sealed credential names, or None when they agree. One of
    our organisations' certificates (recognised by fingerprint) must seal that organisation's credentials: its
    legal name, as our documents write it, and no legal identifier other than the certificate's. Any other's
    organizationIdentifier (2.5.4.97) must be one of the issuer's legal identifiers (eIDASIdentifier, as EDC
    writes it, or legalIdentifier); a certificate without one is tied to no organisation."""
    issuer = credential.get("issuer")
    named: dict[str, Any] = issuer if isinstance(issuer, dict) else {}
    names = {_fold(t) for t in _texts(named.get("legalName"))}
    identifiers = {
        _fold(str(i["notation"]))
        for key in ("eIDASIdentifier", "legalIdentifier")
        for i in as_list(named.get(key))
        if isinstance(i, dict) and isinstance(i.get("notation"), (str, int))
    }
    subject = certificate.subject
    ids = {_fold(str(a.value)) for a in subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)}
    orgs = [str(a.value) for a in subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)]
    ours = anchor.organisation if anchor is not None else None
    holder = ours or (orgs[0] if orgs else subject.rfc4514_string())
    wrong = f"the seal belongs to {holder[:200]} and not to the issuer the credential names"
    if ours is not None:
        agrees = _fold(ours) in names and (not identifiers or not ids or bool(ids & identifiers))
    elif ids:
        agrees = bool(ids & identifiers)
    else:  # a legal person's certificate names it (ETSI EN 319 412-1); an O alone may be a person's employer
        return (
            f"its certificate ({holder[:200]}) names no organisation identifier (organizationIdentifier), so it "
            "cannot be tied to the issuer the credential names"
        )
    return None if agrees else wrong


def _payload(document: dict[str, Any]) -> dict[str, Any] | None:
    try:
        payload = json.loads(document["payload"])
    except (ValueError, TypeError, KeyError):
        return None
    return payload if isinstance(payload, dict) else None
