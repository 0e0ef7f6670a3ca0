"""The verification pipeline: any credential in, the EDC viewer's checks out, each with a plain sentence.

FORMAT · PROOF (Data Integrity) or SEAL (JAdES) · REVOCATION · VALIDITY · ACCREDITATION, each OK, WARNING,
ERROR or SKIPPED, with the technical detail kept apart for a toggle. The pipeline itself reads no database
and no network: keys, status lists and the registry of trusted issuers come through the `Sources` given,
so the page, the API, the command line and the wallet run exactly the same checks.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import pycountry
from cryptography import x509

from microcred.design import reading
from microcred.trust import TrustError, dataintegrity, jades, pkix, statuslist
from microcred.trust.jsonld import as_list, text_of
from microcred.trust.loader import document_loader
from microcred.trust.multikey import Key, key_from_multibase

log = logging.getLogger(__name__)
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_PRESENTED = 10  # credentials verified in one presentation
V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


EU_LANGUAGES = "http://publications.europa.eu/resource/authority/language/"


class Outcome(StrEnum):
    OK = "OK"
    WARNING = "WARNING"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


class Verdict(StrEnum):
    """What a report comes to, worst first. Only VALID is "valid": every check holds and the signer is tied
    to the issuer. UNCONFIRMED: the signature or seal is intact but nothing ties its signer to the issuer the
    credential names (a urn:uuid issuer, a seal that chains to no trust anchor), so the issuer's name is only
    what the document says of itself. STATUS_UNKNOWN: the issuer's status list could not be had (the
    Bitstring Status List's STATUS_RETRIEVAL_ERROR), so whether it was revoked is unknown."""

    INVALID = "invalid"
    UNCONFIRMED = "issuer-unconfirmed"
    STATUS_UNKNOWN = "status-unknown"
    VALID = "valid"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.INVALID: "Not valid",
    Verdict.UNCONFIRMED: "Signature intact, issuer not confirmed",
    Verdict.STATUS_UNKNOWN: "Signature intact, revocation status unknown",
    Verdict.VALID: "Valid",
}


@dataclass(frozen=True)
class Check:
    name: str  # FORMAT, PROOF, SEAL, REVOCATION, VALIDITY, ACCREDITATION, OWNER
    outcome: Outcome
    sentence: str  # for anyone
    detail: str = ""  # for the technically minded
    verdict: Verdict | None = None  # what a non-ERROR check holds the report's verdict down to

    def as_dict(self) -> dict[str, str]:
        return {"check": self.name, "outcome": self.outcome.value, "sentence": self.sentence, "detail": self.detail}


@dataclass
class Report:
    kind: str  # "open-badge", "verifiable-credential", "elm", "unknown"
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None  # the credential read (the payload, for a sealed one)
    issuer: str | None = None
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes the document carries, its own first
    issuer_name: str | None = None  # the issuer's name as the registry (or our own records) knows it, if it does

    @property
    def verdict(self) -> Verdict:
        if any(check.outcome == Outcome.ERROR for check in self.checks):
            return Verdict.INVALID
        held = [check.verdict for check in self.checks if check.verdict is not None]
        order = list(Verdict)
        return min(held, key=order.index) if held else Verdict.VALID

    @property
    def valid(self) -> bool:
        """Valid with nothing held back: no check failed, the signer is the issuer's, the status is known."""
        return self.verdict == Verdict.VALID

    @property
    def intact(self) -> bool:
        """No check failed (the verdict may still be held back: issuer unconfirmed, status unknown)."""
        return self.verdict != Verdict.INVALID

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.valid,
            "verdict": self.verdict.value,
            "verdictLabel": self.verdict.label,
            "kind": self.kind,
            "issuer": self.issuer,
            "checks": [check.as_dict() for check in self.checks],
        }


@dataclass(frozen=True)
class Trust:
    """What the registry of trusted issuers says of an issuer: None when it does not know it."""

    name: str
    accredited: bool
    problem: str | None = None  # an accreditation limit the credential breaks


class Unreachable(Exception):
    """What a source raises when it could not get what was asked: the sentence says why."""


@dataclass
class Sources:
    """Where the pipeline gets what a credential does not carry: keys, status lists, issuer trust."""

    # the key of a verification method when its controller lists it under the relationship given
    # (assertionMethod, authentication), else None
    key_for: Callable[[str, str], Key | None] = lambda _method, _relationship: None
    status_list: Callable[[str], dict[str, Any] | None] = lambda _url: None  # a BitstringStatusListCredential
    award_status: Callable[[str], dict[str, bool] | None] = lambda _url: None  # {"revoked": …, "suspended": …}
    trust: Callable[[str, dict[str, Any]], Trust | None] = lambda _issuer, _credential: None
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    anchors: Callable[[], pkix.Anchors] = lambda: pkix.Anchors()  # what seals and timestamps may chain to


def parse(raw: bytes | str) -> Any:
    """JSON from untrusted bytes; TrustError naming what is wrong with it."""
    if len(raw) > MAX_BYTES:
        raise TrustError(f"The document is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TrustError("The file is not JSON.") from None
    return bounded(document)


def bounded(document: Any) -> Any:
    """The document if it is nested at most MAX_DEPTH levels (deeper JSON is a denial of service, not a credential)."""
    if _depth(document) > MAX_DEPTH:
        raise TrustError(f"The document is nested more than {MAX_DEPTH} levels deep.")
    return document


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    found = issuer.get("id") if isinstance(issuer, dict) else issuer
    return found if isinstance(found, str) else None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# FORMAT ---------------------------------------------------------------------------------------------------


def format_problems(credential: Any, *, sealed: bool = False) -> list[str]:
    """What breaks the VC data model (1.1 or 2.0), Open Badges 3.0's required fields, or the ELM structure."""
    if not isinstance(credential, dict):
        return ["The credential is not a JSON object."]
    problems = []
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else None
    if first not in (V1, V2):
        problems.append(f"@context must be a list that starts with {V2} (or {V1}).")
    types = as_list(credential.get("type"))
    if "VerifiableCredential" not in types:
        problems.append("type must include VerifiableCredential.")
    if _issuer_id(credential) is None:
        problems.append("issuer must be a URL, or an object whose id is one.")
    subjects = as_list(credential.get("credentialSubject"))
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        problems.append("credentialSubject must be an object (or objects) saying something of the subject.")
    if "id" in credential and not (isinstance(credential["id"], str) and ":" in credential["id"]):
        problems.append("id must be a URL.")
    elm = "EuropeanDigitalCredential" in types
    starts, ends = ("validFrom", "validUntil") if first == V2 or elm else ("issuanceDate", "expirationDate")
    for name in (starts, ends, "issued"):
        if name in credential and _date(credential[name]) is None:
            problems.append(f"{name} is not a date and time.")
    if first == V1 and not elm and "issuanceDate" not in credential:
        problems.append("issuanceDate is required by the VC 1.1 data model.")
    begin, end = _date(credential.get(starts)), _date(credential.get(ends))
    if begin and end and end < begin:
        problems.append(f"{ends} is before {starts}.")
    if set(types) & OB3_TYPES:
        problems += _ob3_problems(credential, subjects)
    if elm:
        problems += _elm_problems(credential, sealed=sealed)
    return problems


def _ob3_problems(credential: dict[str, Any], subjects: list[Any]) -> list[str]:
    """The fields 1EdTech's JSON Schema requires (its `required` lists, held here; the tests compare)."""
    problems = [f"Open Badges 3.0 requires {name}." for name in OB3_REQUIRED["credential"] if name not in credential]
    issuer = credential.get("issuer")  # a URI, or a Profile with id and type
    if isinstance(issuer, dict) and any(name not in issuer for name in OB3_REQUIRED["profile"]):
        problems.append("Open Badges 3.0 requires the issuer as a URI or a Profile with id and type.")
    for subject in subjects:
        if not isinstance(subject, dict):
            continue
        missing = [name for name in OB3_REQUIRED["subject"] if name not in subject]
        if missing:
            problems.append(f"Open Badges 3.0 requires credentialSubject.{missing[0]}.")
            continue
        achievement = subject["achievement"]
        if not isinstance(achievement, dict):
            problems.append("credentialSubject.achievement must be an object.")
            continue
        problems += [
            f"Open Badges 3.0 requires credentialSubject.achievement.{name}."
            for name in OB3_REQUIRED["achievement"]
            if name not in achievement
        ]
    if "proof" in credential and not isinstance(credential["proof"], list | dict):
        problems.append("proof must be an object or a list of them.")
    return problems


OB3_REQUIRED = {
    "credential": ["@context", "id", "type", "credentialSubject", "issuer", "validFrom"],
    "profile": ["id", "type"],
    "subject": ["type", "achievement"],
    "achievement": ["id", "type", "criteria", "description", "name"],
}


def _elm_problems(credential: dict[str, Any], *, sealed: bool) -> list[str]:
    """The ELM structure the EDC profile makes mandatory (from its SHACL shapes: context, issued, validFrom,
    an issuer Organisation with its legal name, a learner with a claim)."""
    problems = []
    contexts = as_list(credential.get("@context"))
    if not any(isinstance(c, str) and "data.europa.eu/snb/model/context" in c for c in contexts):
        problems.append("A European Digital Credential needs the ELM context.")
    if sealed and "issued" not in credential:
        problems.append("A sealed European Digital Credential states when it was issued (issued).")
    if "validFrom" not in credential:
        problems.append("A European Digital Credential states validFrom.")
    issuer = credential.get("issuer")
    if not isinstance(issuer, dict) or not issuer.get("legalName"):
        problems.append("The issuer must be an Organisation with its legal name.")
    for subject in as_list(credential.get("credentialSubject")):
        if isinstance(subject, dict) and not subject.get("hasClaim"):
            problems.append("The learner (credentialSubject) has no claim (hasClaim): nothing was achieved.")
    return problems


# PROOF ----------------------------------------------------------------------------------------------------

CLOCK_SKEW = timedelta(minutes=5)  # how far in the future a proof's `created` may be: clocks differ a little
ASSERTION, AUTHENTICATION = "assertionMethod", "authentication"
DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]")  # DID syntax: prefix and method lower case


def proof_checks(credential: dict[str, Any], sources: Sources) -> Check:
    proofs = [p for p in as_list(credential.get("proof")) if isinstance(p, dict)]
    if not proofs:
        return Check("PROOF", Outcome.ERROR, "The credential carries no proof: anyone could have written it.")
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    loader = document_loader()
    details = []
    issuer = _issuer_id(credential) or ""
    unbound = []
    for proof in proofs:
        method = proof.get("verificationMethod")
        if not isinstance(method, str):
            return Check("PROOF", Outcome.ERROR, "The proof names no key.", "verificationMethod is missing.")
        broken = proof_rule_problem(proof, ASSERTION, sources.now())
        if broken:
            return Check("PROOF", Outcome.ERROR, broken[0], broken[1])
        key = _key(method, ASSERTION, sources)
        if key is None:
            return Check(
                "PROOF",
                Outcome.ERROR,
                "The key that signed the credential cannot be found among its controller's assertion keys, "
                "so its signature cannot be checked.",
                _unresolved(method),
            )
        if not _controlled(method, issuer) and _names_keys(issuer):
            return Check(
                "PROOF",
                Outcome.ERROR,
                "The credential was signed with a key that does not belong to its issuer.",
                f"{method[:200]} is not the issuer's ({issuer[:200]}).",
            )
        try:
            result = dataintegrity.verify_proof(unsecured, proof, key, loader)
        except TrustError as error:
            return Check("PROOF", Outcome.ERROR, "The proof cannot be checked.", str(error))
        if not result.verified:
            mismatch = not result.problem or "does not match" in result.problem
            return Check(
                "PROOF",
                Outcome.ERROR,
                "The signature does not match: the credential was changed after it was signed."
                if mismatch
                else "The proof cannot be checked: the credential is malformed.",
                f"{proof.get('cryptosuite')} proof by {method[:200]} does not verify: {result.problem}",
            )
        details.append(f"{proof.get('cryptosuite')} by {method[:200]}")
        if not _controlled(method, issuer):
            unbound.append(method)
    if unbound:  # a urn:uuid, an upper-case "DID:", an https profile signed by a did:key: nothing ties them
        return Check(
            "PROOF",
            Outcome.WARNING,
            "The signature is intact, but nothing ties the signing key to the issuer: who issued it is not confirmed.",
            f"{'; '.join(details)}; {_why_unbound(issuer)}",
            verdict=Verdict.UNCONFIRMED,
        )
    return Check("PROOF", Outcome.OK, "The issuer's signature is intact.", "; ".join(details))


def proof_rule_problem(proof: dict[str, Any], purpose: str, now: datetime) -> tuple[str, str] | None:
    """What breaks Data Integrity's rules for a proof made for `purpose` (assertionMethod for a credential,
    authentication for a holder's presentation): its stated purpose, `created` not in the future (beyond
    CLOCK_SKEW), `expires` not passed. A sentence and a detail, or None."""
    given = proof.get("proofPurpose")
    if given != purpose:
        stated = f"proofPurpose is {str(given)[:40]!r}" if given is not None else "proofPurpose is missing"
        return f"The proof was not made for this purpose: it must state proofPurpose {purpose}.", stated
    created = proof.get("created")
    if created is not None:
        when = _date(created)
        if when is None:
            return "The proof's creation date is not a date and time.", f"created is {str(created)[:40]!r}"
        if when > now + CLOCK_SKEW:
            return (
                "The proof says it was made in the future.",
                f"created {created[:40]} is later than now ({now:%Y-%m-%dT%H:%M:%SZ}) plus the "
                f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes allowed for clocks that differ.",
            )
    expires = proof.get("expires")
    if expires is not None:
        end = _date(expires)
        if end is None:
            return "The proof's expiry date is not a date and time.", f"expires is {str(expires)[:40]!r}"
        if end < now:
            return f"The proof expired on {end:%Y-%m-%d}.", f"expires {expires[:40]}"
    return None


def signer_confirmed(report: Report) -> bool:
    """Whether the report ties the credential's signer to its issuer: its PROOF or SEAL is OK, held by nothing."""
    signed = [check for check in report.checks if check.name in ("PROOF", "SEAL")]
    return bool(signed) and all(c.outcome == Outcome.OK and c.verdict is None for c in signed)


def _unresolved(method: str) -> str:
    """Why a verification method gave no key: a DID method microcred does not resolve, or no such key."""
    scheme = re.match(r"did:([a-z0-9]+):", method)
    if scheme and scheme.group(1) not in ("key", "web"):
        return f"did:{scheme.group(1)} is not a DID method microcred resolves (did:key and did:web are): {method[:200]}"
    return f"Could not resolve {method[:200]}, or its controller does not list it as an assertion key."


def _key(method: str, relationship: str, sources: Sources) -> Key | None:
    """The key of `method` when its controller document lists it under `relationship`. A did:key's document
    is derived from the key and lists it under both assertionMethod and authentication, as #<the key> only."""
    if method.startswith("did:key:"):
        did, _, fragment = method.partition("#")
        multibase = did.removeprefix("did:key:")
        if fragment not in ("", multibase):
            return None
        try:
            return key_from_multibase(multibase)
        except TrustError:
            return None
    if method[:4].lower() == "did:" and not method.startswith("did:"):
        return None  # "DID:…" is no DID: the prefix and method name are lower case
    return sources.key_for(method, relationship)


def _names_keys(issuer: str) -> bool:
    """Whether the issuer id names its own keys, so a key from elsewhere is not its: a DID does."""
    return DID.fullmatch(issuer) is not None


def _controlled(method: str, issuer: str | None) -> bool:
    """Whether the verification method is the issuer's: a key in its DID document or under its https URL
    (compared exactly: `DID:web:…` is not `did:web:…`)."""
    if not issuer or not (_names_keys(issuer) or issuer.startswith(("https://", "http://"))):
        return False
    return method.split("#", 1)[0] == issuer


def _why_unbound(issuer: str) -> str:
    if issuer[:4].lower() == "did:" and not _names_keys(issuer):
        return (
            f"the issuer {issuer[:200]} is not a DID (the did: prefix and method name are lower case), "
            "so it names no keys."
        )
    if issuer.startswith(("https://", "http://")):
        return (
            f"the key is not under the issuer's address {issuer[:200]}, and microcred cannot read which keys it uses."
        )
    return f"the issuer {issuer[:200]} cannot name its keys."


# SEAL -----------------------------------------------------------------------------------------------------


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


# REVOCATION -----------------------------------------------------------------------------------------------


def status_check(credential: dict[str, Any], sources: Sources) -> Check:
    given = credential.get("credentialStatus")
    url = given.get("@value") if isinstance(given, dict) and "@value" in given else given
    if isinstance(url, str):  # the EDC profile's one status: a URL that answers the award's state
        return _award_status(url, sources)
    entries = [e for e in as_list(given) if isinstance(e, dict)]
    if not entries:
        return Check("REVOCATION", Outcome.SKIPPED, "The issuer gave this credential no way to revoke it.")
    seen = []
    for entry in entries:
        if entry.get("type") != "BitstringStatusListEntry":
            return Check(
                "REVOCATION",
                Outcome.WARNING,
                "The credential's revocation status is kept in a way microcred cannot read: whether it was "
                "revoked is unknown.",
                f"credentialStatus type {str(entry.get('type'))[:80]!r}",
                verdict=Verdict.STATUS_UNKNOWN,
            )
        url = entry.get("statusListCredential")
        try:
            list_credential = sources.status_list(url) if isinstance(url, str) else None
        except Unreachable as error:
            list_credential, why = None, f": {error}"
        else:
            why = ""
        if list_credential is None:
            return Check(
                "REVOCATION",
                Outcome.WARNING,
                "The issuer's revocation list could not be reached: whether it was revoked is unknown.",
                f"STATUS_RETRIEVAL_ERROR (Bitstring Status List): {str(url)[:200]}{why}",
                verdict=Verdict.STATUS_UNKNOWN,
            )
        problem = _list_problem(list_credential, credential, sources)
        if problem:
            return Check("REVOCATION", Outcome.ERROR, "The issuer's revocation list cannot be trusted.", problem)
        try:
            set_bit = statuslist.status_of(entry, list_credential)
        except TrustError as error:
            return Check("REVOCATION", Outcome.ERROR, "The credential's status entry cannot be read.", str(error))
        purpose = entry.get("statusPurpose")
        if set_bit:
            sentence = (
                "The issuer has revoked this credential."
                if purpose == "revocation"
                else "The issuer has suspended this credential for now."
            )
            return Check(
                "REVOCATION", Outcome.ERROR, sentence, f"{purpose} bit set at {url}#{entry.get('statusListIndex')}"
            )
        seen.append(str(purpose))
    return Check(
        "REVOCATION",
        Outcome.OK,
        "The issuer has neither revoked nor suspended it."
        if "suspension" in seen
        else "The issuer has not revoked it.",
        ", ".join(f"{p}: not set" for p in seen),
    )


def _award_status(url: str, sources: Sources) -> Check:
    answer = sources.award_status(url)
    if answer is None:
        return Check(
            "REVOCATION",
            Outcome.WARNING,
            "The issuer's status service could not be reached: whether it was revoked is unknown.",
            f"STATUS_RETRIEVAL_ERROR: {url[:200]}",
            verdict=Verdict.STATUS_UNKNOWN,
        )
    if answer.get("revoked"):
        return Check("REVOCATION", Outcome.ERROR, "The issuer has revoked this credential.", url[:200])
    if answer.get("suspended"):
        return Check("REVOCATION", Outcome.ERROR, "The issuer has suspended this credential for now.", url[:200])
    return Check("REVOCATION", Outcome.OK, "The issuer has neither revoked nor suspended it.", url[:200])


def _list_problem(list_credential: dict[str, Any], credential: dict[str, Any], sources: Sources) -> str | None:
    """Why a status list credential is not to be believed (not the issuer's, or its proof fails)."""
    if _issuer_id(list_credential) != _issuer_id(credential):
        return "The status list was issued by someone else than the credential's issuer."
    check = proof_checks(list_credential, sources)
    return None if check.outcome == Outcome.OK else f"Its proof: {check.detail or check.sentence}"


# VALIDITY -------------------------------------------------------------------------------------------------


def validity_check(credential: dict[str, Any], sources: Sources) -> Check:
    now = sources.now()
    begin = _date(credential.get("validFrom") or credential.get("issuanceDate"))
    end = _date(credential.get("validUntil") or credential.get("expirationDate"))
    if begin and begin > now:
        return Check("VALIDITY", Outcome.ERROR, f"The credential is not valid yet: from {begin:%Y-%m-%d}.")
    if end and end < now:
        return Check("VALIDITY", Outcome.ERROR, f"The credential expired on {end:%Y-%m-%d}.")
    if end:
        return Check("VALIDITY", Outcome.OK, f"The credential is valid until {end:%Y-%m-%d}.")
    return Check("VALIDITY", Outcome.OK, "The credential is valid and does not expire.")


# ACCREDITATION --------------------------------------------------------------------------------------------


def trust_check(
    credential: dict[str, Any],
    issuer: str | None,
    sources: Sources,
    *,
    confirmed: bool = True,
    report: Report | None = None,
) -> Check:
    """What the registry says of the issuer, consulted only when the signer is `confirmed` to be the issuer
    (else a registered issuer's name would vouch for anyone who writes its id into a credential)."""
    if not confirmed:
        return Check(
            "ACCREDITATION",
            Outcome.WARNING,
            "Who issued it is not confirmed, so the registry of trusted issuers cannot vouch for it.",
            f"The credential names {str(issuer or 'no issuer')[:200]} as its issuer, unconfirmed.",
        )
    found = sources.trust(issuer, credential) if issuer else None
    if found is None:
        return Check(
            "ACCREDITATION",
            Outcome.WARNING,
            "The issuer is not in the registry of trusted issuers: check who they are before relying on it.",
            str(issuer or "no issuer")[:200],
        )
    if found.problem:
        return Check("ACCREDITATION", Outcome.ERROR, found.problem, found.name)
    if report is not None:
        report.issuer_name = found.name
    if found.accredited:
        return Check("ACCREDITATION", Outcome.OK, f"Issued by {found.name}, an accredited issuer.", str(issuer))
    return Check("ACCREDITATION", Outcome.OK, f"Issued by {found.name}, a registered issuer.", str(issuer))


# The pipeline ---------------------------------------------------------------------------------------------


def read(credential: dict[str, Any]) -> Report:
    """What a credential is and who issued it, unchecked (the report has no checks yet)."""
    types = set(as_list(credential.get("type")))
    kind = (
        "elm"
        if "EuropeanDigitalCredential" in types
        else "open-badge"
        if types & OB3_TYPES
        else "verifiable-credential"
    )
    return Report(kind, credential=credential, issuer=_issuer_id(credential), languages=_languages(credential))


def _languages(credential: dict[str, Any]) -> list[str]:
    """The languages a credential says it is written in, its primary one first: ELM's displayParameter
    (EU language authority concepts), Open Badges' inLanguage (BCP 47)."""
    display = credential.get("displayParameter")
    display = display if isinstance(display, dict) else {}
    concepts = [display.get("primaryLanguage"), *as_list(display.get("language"))]
    codes = [_eu_language(c.get("id")) for c in concepts if isinstance(c, dict)]
    achievement = _first(credential.get("credentialSubject")).get("achievement")
    for value in (
        credential.get("inLanguage"),
        achievement.get("inLanguage") if isinstance(achievement, dict) else None,
    ):
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", value):
            codes.append(value.split("-")[0].lower())
    return list(dict.fromkeys(code for code in codes if code))


def _eu_language(uri: Any) -> str | None:
    """en for http://publications.europa.eu/resource/authority/language/ENG (ISO 639-2 codes, upper case)."""
    if not isinstance(uri, str) or not uri.startswith(EU_LANGUAGES):
        return None
    code = uri.removeprefix(EU_LANGUAGES).lower()
    found = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    return getattr(found, "alpha_2", None) if found else None


def verify(document: Any, sources: Sources | None = None) -> Report:
    """Every check of one credential: Data Integrity secured (VC 1.1/2.0, Open Badges 3.0) or JAdES sealed (ELM)."""
    sources = sources or Sources()
    if not isinstance(document, dict):
        return Report("unknown", [Check("FORMAT", Outcome.ERROR, "This is not a credential: not a JSON object.")])
    sealed = "payload" in document and "signatures" in document
    sealer = None
    if sealed:
        seal, credential, sealer = seal_check(document, sources)
        checks = [seal]
    else:
        credential, checks = document, []
    if credential is None:
        return Report("elm", [Check("FORMAT", Outcome.ERROR, "The sealed content is not a credential."), *checks])
    problems = format_problems(credential, sealed=sealed)
    report = read(credential)
    if sealed:  # a sealed credential's issuer is the holder of the seal certificate (its X.509 subject)
        report.issuer = sealer
    if problems:
        report.checks.append(
            Check("FORMAT", Outcome.ERROR, "The credential is not well formed.", " ".join(problems[:10]))
        )
    else:
        report.checks.append(Check("FORMAT", Outcome.OK, "The credential is well formed.", report.kind))
    if sealed:
        report.checks += checks
    elif problems and "VerifiableCredential" not in as_list(credential.get("type")):
        report.checks.append(Check("PROOF", Outcome.SKIPPED, "Not checked: this is not a credential."))
    else:
        report.checks.append(_safely("PROOF", lambda: proof_checks(credential, sources)))
    report.checks.append(_safely("REVOCATION", lambda: status_check(credential, sources)))
    report.checks.append(_safely("VALIDITY", lambda: validity_check(credential, sources)))
    confirmed = signer_confirmed(report)
    report.checks.append(
        _safely(
            "ACCREDITATION", lambda: trust_check(credential, report.issuer, sources, confirmed=confirmed, report=report)
        )
    )
    return report


def _safely(name: str, check: Callable[[], Check]) -> Check:
    """A check's verdict; a document that trips the checking code itself is an error of the document."""
    try:
        return check()
    except TrustError as error:
        return Check(name, Outcome.ERROR, "This could not be checked: the credential is malformed.", str(error))
    except Exception as error:  # noqa: BLE001 (untrusted input must end in a verdict, never a crash)
        log.warning("%s check failed on a malformed document: %r", name, error)
        return Check(
            name, Outcome.ERROR, "This could not be checked: the credential is malformed.", type(error).__name__
        )


# What the credential says, for people ------------------------------------------------------------------


def subject_ids(credential: dict[str, Any]) -> list[str]:
    """The ids a credential gives its subjects (`credentialSubject.id`): whom it was issued to, when it says."""
    subjects = as_list(credential.get("credentialSubject"))
    return [s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)]


def _first(value: Any) -> dict[str, Any]:
    found = next(iter(as_list(value)), None)
    return found if isinstance(found, dict) else {}


def summary(report: Report, language: str | None = None) -> list[tuple[str, str]]:
    """The credential's main facts, labelled, in `language` or else the document's own (its primary language,
    then English, where a text is given in several)."""
    credential = report.credential or {}
    lang = language or (report.languages[0] if report.languages else None)

    def text(value: Any) -> str:
        return text_of(value, lang)

    facts: list[tuple[str, str]] = []
    if report.kind == "elm":
        person: dict[str, Any] = _first(credential.get("credentialSubject"))
        claim: dict[str, Any] = _first(person.get("hasClaim"))
        awarding = _first(claim.get("awardedBy"))
        assessment: dict[str, Any] = _first(claim.get("provenBy"))
        qualification = _first(claim.get("specifiedBy"))
        issuer = _first(credential.get("issuer"))
        facts += [
            ("Learner", text(person.get("fullName"))),
            ("Title", text(claim.get("title"))),
            ("Awarded by", text(issuer.get("legalName"))),
            ("Awarded on", str(awarding.get("awardingDate") or credential.get("issued") or "")[:10]),
            ("Grade", text(_first(assessment.get("grade")).get("noteLiteral"))),
            ("Level", text(_first(qualification.get("eqfLevel")).get("prefLabel"))),
            ("Workload", _duration(qualification.get("volumeOfLearning"))),
            ("Credits", _credits(qualification.get("creditPoint"), lang)),
            ("Assessment", text(assessment.get("title") or _first(assessment.get("specifiedBy")).get("title"))),
            ("Form of participation", text(_first(qualification.get("mode")).get("prefLabel"))),
            ("Learning setting", text(_first(qualification.get("learningSetting")).get("prefLabel"))),
            ("Prerequisites", text(_first(qualification.get("entryRequirement")).get("noteLiteral"))),
        ]
        facts += [  # notes named by their subject: quality assurance, supervision, stackability, …
            (text(_first(note.get("subject")).get("prefLabel")) or "Note", text(note.get("noteLiteral")))
            for note in as_list(qualification.get("additionalNote"))
            if isinstance(note, dict)
        ]
        outcomes = [text(o.get("title")) for o in as_list(qualification.get("learningOutcome")) if isinstance(o, dict)]
    else:
        subject: dict[str, Any] = _first(credential.get("credentialSubject"))
        achievement = _first(subject.get("achievement"))
        issuer = _first(credential.get("issuer"))
        names = [
            i.get("identityHash")
            for i in as_list(subject.get("identifier"))
            if isinstance(i, dict) and i.get("identityType") == "name" and not i.get("hashed")
        ]
        results = [r.get("value") for r in as_list(subject.get("result")) if isinstance(r, dict)]
        facts += [
            ("Learner", str(names[0] if names else subject.get("name") or subject.get("id") or "")),
            ("Title", text(achievement.get("name") or credential.get("name"))),
            ("Awarded by", text(issuer.get("name"))),
            ("Awarded on", str(credential.get("awardedDate") or credential.get("validFrom") or "")[:10]),
            ("Grade", str(results[0] if results else "")),
            ("Description", text(achievement.get("description"))),
            *reading.elements(achievement, reading.alignments(achievement)),  # Annex I: level, workload, QA, …
        ]
        outcomes = [outcome.text for outcome in reading.outcomes(achievement, {})]
    facts += [("Learning outcome", outcome) for outcome in outcomes if outcome]
    if report.issuer_name is None:  # a name anyone can write: never shown as who awarded it
        why = "not in the registry of trusted issuers" if signer_confirmed(report) else "not confirmed"
        facts = [(ISSUER_UNCONFIRMED, f"Names itself {v} ({why})") if k == "Awarded by" else (k, v) for k, v in facts]
    else:  # the registry's name for the issuer, not the one the credential gives itself
        facts = [("Awarded by", report.issuer_name) if k == "Awarded by" else (k, v) for k, v in facts]
    return [(label, value) for label, value in facts if value]


ISSUER_UNCONFIRMED = "Issuer"  # the label of an issuer's self-declared name when nothing confirms it


def declared_issuer(report: Report, language: str | None = None) -> str:
    """The name the credential gives its issuer (its legal name, for ELM), as written: confirmed or not."""
    issuer = _first((report.credential or {}).get("issuer"))
    return text_of(issuer.get("legalName") if report.kind == "elm" else issuer.get("name"), language)


def _duration(value: Any) -> str:
    """ELM's volume of learning, an ISO 8601 duration: "PT150H" as "150 hours"."""
    found = re.fullmatch(r"P(?:T(\d+(?:\.\d+)?)H)", value) if isinstance(value, str) else None
    return f"{found.group(1)} hours" if found else str(value or "")


def _credits(value: Any, language: str | None) -> str:
    """ELM's credit points: "2 European Credit Transfer System"."""
    point = _first(value)
    if not point:
        return ""
    framework = text_of(_first(point.get("framework")).get("prefLabel"), language) or "credits"
    return f"{point.get('point', '')} {framework}".strip()


# Presentations ----------------------------------------------------------------------------------------------


def verify_presentation(
    document: Any,
    sources: Sources | None = None,
    *,
    challenge: str | None = None,
    domain: str | None = None,
) -> tuple[Report, list[Report]]:
    """The presentation's own checks (FORMAT, OWNER: the holder's proof, challenge and domain) and a report
    per credential it carries."""
    sources = sources or Sources()
    report = Report("presentation")
    if not isinstance(document, dict):
        report.checks.append(Check("FORMAT", Outcome.ERROR, "This is not a presentation: not a JSON object."))
        return report, []
    contexts = document.get("@context")
    problems = []
    if not isinstance(contexts, list) or not contexts or contexts[0] not in (V1, V2):
        problems.append(f"@context must be a list that starts with {V2} (or {V1}).")
    if "VerifiablePresentation" not in as_list(document.get("type")):
        problems.append("type must include VerifiablePresentation.")
    held = document.get("verifiableCredential", [])
    if not isinstance(held, list | dict):
        problems.append("verifiableCredential must be a credential or a list of them.")
        held = []
    report.checks.append(
        Check("FORMAT", Outcome.ERROR, "The presentation is not well formed.", " ".join(problems))
        if problems
        else Check("FORMAT", Outcome.OK, "The presentation is well formed.")
    )
    report.credential, report.issuer = (
        document,
        document.get("holder") if isinstance(document.get("holder"), str) else None,
    )
    if len(as_list(held)) > MAX_PRESENTED:  # each costs CPU and fetches: refused before any is checked
        report.checks[-1] = Check(
            "FORMAT",
            Outcome.ERROR,
            f"The presentation carries {len(as_list(held))} credentials: at most {MAX_PRESENTED} are verified "
            "in one presentation.",
            " ".join(problems),
        )
        return report, []
    report.checks.append(_safely("OWNER", lambda: _owner(document, sources, challenge, domain)))
    return report, [verify(credential, sources) for credential in as_list(held)]


def _owner(document: dict[str, Any], sources: Sources, challenge: str | None, domain: str | None) -> Check:
    """Whether the holder signed this presentation for this request, and whether the credentials it carries
    were issued to that holder: when they name their subject (`credentialSubject.id`, read from the payload
    of a sealed one) it must be the holder; when they name none, the proof shows who presents them only."""
    proofs = [p for p in as_list(document.get("proof")) if isinstance(p, dict)]
    if not proofs:
        if challenge or domain:
            return Check("OWNER", Outcome.ERROR, "The presentation is not signed by its holder, as was asked.")
        return Check("OWNER", Outcome.SKIPPED, "The presentation is not signed: who presents it is not proven.")
    proof = proofs[0]
    if proof.get("proofPurpose") != AUTHENTICATION:
        return Check("OWNER", Outcome.ERROR, "The presentation's proof is not an authentication by its holder.")
    broken = proof_rule_problem(proof, AUTHENTICATION, sources.now())
    if broken:
        return Check("OWNER", Outcome.ERROR, f"The holder's proof: {broken[0]}", broken[1])
    if challenge is not None and proof.get("challenge") != challenge:
        return Check("OWNER", Outcome.ERROR, "The presentation answers another request (its challenge differs).")
    if domain is not None and proof.get("domain") != domain:
        return Check("OWNER", Outcome.ERROR, "The presentation was made for another site (its domain differs).")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return Check("OWNER", Outcome.ERROR, "The presentation's proof names no key.")
    key = _key(method, AUTHENTICATION, sources)
    if key is None:
        return Check(
            "OWNER",
            Outcome.ERROR,
            "The holder's key cannot be found among its controller's authentication keys.",
            method[:200],
        )
    holder = document.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder  # VC 2.0 allows {"id": …} too
    if isinstance(holder, str) and method.split("#", 1)[0] != holder:
        return Check("OWNER", Outcome.ERROR, "The presentation was signed by someone else than its holder.")
    carried = [c for c in as_list(document.get("verifiableCredential")) if isinstance(c, dict)]
    if any("payload" in c and "signatures" in c for c in carried):
        return Check(
            "OWNER",
            Outcome.ERROR,
            "A sealed European Digital Credential is in this presentation, and a holder's proof cannot cover it "
            "(its JAdES seal is no JSON-LD): present it on its own.",
        )
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if not dataintegrity.verify_proof(unsecured, proof, key, document_loader()).verified:
        return Check("OWNER", Outcome.ERROR, "The presentation was changed after its holder signed it.")
    presenter = holder if isinstance(holder, str) else method.split("#", 1)[0]
    named = [subject_ids(c) for c in carried]
    stranger = next((ids for ids in named if ids and presenter not in ids), None)
    if stranger is not None:
        return Check(
            "OWNER",
            Outcome.ERROR,
            "A credential in this presentation is presented by someone else than the person it was issued to.",
            f"It was issued to {stranger[0][:200]}; the presentation's holder is {presenter[:200]}.",
        )
    detail = str(method)[:200]
    unnamed = sum(1 for ids in named if not ids)
    if unnamed:
        which = (
            "The credential does not name its holder"
            if len(named) == 1
            else f"{unnamed} of the {len(named)} credentials do not name their holder"
        )
        detail += (
            f". {which} (no credentialSubject.id), so this proof shows who presents it, "
            "not that they are the learner it was issued to."
        )
    return Check("OWNER", Outcome.OK, "The holder signed this presentation for this request.", detail)
