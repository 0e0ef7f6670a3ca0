"""The verification pipeline: any credential in, the EDC viewer's checks out, each with a plain sentence.

FORMAT · PROOF (Data Integrity) or SEAL (JAdES) · REVOCATION · VALIDITY · ACCREDITATION, each OK, WARNING,
ERROR or SKIPPED, with the technical detail kept apart for a toggle. The pipeline itself reads no database
and no network: keys, status lists and the registry of trusted issuers come through the `Sources` given,
so the page, the API, the command line and the wallet run exactly the same checks.

This module holds the pipeline's vocabulary (checks, verdicts, reports, sources), the pipeline itself and what a
report says for people; the checks it runs live beside it, one module each: `formats` (FORMAT), `proofs` (PROOF,
and a presentation's OWNER), `seals` (SEAL), `revocation` (REVOCATION).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pycountry

from microcred.design import reading
from microcred.trust import TrustError, depth, pkix
from microcred.trust.jsonld import as_list, text_of
from microcred.trust.multikey import Key

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
    def reason(self) -> str:
        """The verdict's reason in one sentence, for a page to lead with: the first check that failed, else the
        first that held the verdict back."""
        verdict = self.verdict
        for check in self.checks:
            failed = verdict == Verdict.INVALID and check.outcome == Outcome.ERROR
            if failed or (verdict != Verdict.INVALID and check.verdict == verdict):
                named = BY_ISSUER.get(check.sentence)
                return named.format(self.issuer_name) if named and self.issuer_name else check.sentence
        return "Every check passed."

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


# A status the issuer set, said with the issuer's name when the registry or our records know it.
BY_ISSUER = {
    "The issuer has revoked this credential.": "Revoked by {}.",
    "The issuer has suspended this credential for now.": "Suspended by {} for now.",
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
    # the bytes at a URL a credential links to (a relatedResource, a credentialSchema), or Unreachable
    resource: Callable[[str], bytes] = field(default=lambda url: _unreachable(url))


def _unreachable(url: str) -> bytes:
    raise Unreachable(f"Nothing is fetched here: {url[:200]} was not read.")


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
    if depth(document, MAX_DEPTH) > MAX_DEPTH:
        raise TrustError(f"The document is nested more than {MAX_DEPTH} levels deep.")
    return document


def issuer_id(credential: dict[str, Any]) -> str | None:
    """The issuer's id: `issuer` as a string, or its `id` when it is an object."""
    issuer = credential.get("issuer")
    found = issuer.get("id") if isinstance(issuer, dict) else issuer
    return found if isinstance(found, str) else None


def date_of(value: Any) -> datetime | None:
    """An ISO 8601 date and time as an aware datetime (UTC when it names no zone), or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def signer_confirmed(report: Report) -> bool:
    """Whether the report ties the credential's signer to its issuer: its PROOF or SEAL is OK, held by nothing."""
    signed = [check for check in report.checks if check.name in ("PROOF", "SEAL")]
    return bool(signed) and all(c.outcome == Outcome.OK and c.verdict is None for c in signed)


# VALIDITY -------------------------------------------------------------------------------------------------


def validity_check(credential: dict[str, Any], sources: Sources) -> Check:
    now = sources.now()
    begin = date_of(credential.get("validFrom") or credential.get("issuanceDate"))
    end = date_of(credential.get("validUntil") or credential.get("expirationDate"))
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
    return Report(kind, credential=credential, issuer=issuer_id(credential), languages=_languages(credential))


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
    # The checks build on this module's vocabulary (Check, Outcome, Sources), so they are imported as it runs.
    from microcred.verify.formats import format_problems, linked_check
    from microcred.verify.proofs import proof_checks
    from microcred.verify.revocation import status_check
    from microcred.verify.seals import seal_check

    sources = sources or Sources()
    from microcred.verify.envelopes import enveloped, verify_enveloped

    if enveloped(document):  # a JWT (VC-JOSE-COSE, VC-JWT), bare or as an EnvelopedVerifiableCredential
        return verify_enveloped(document, sources)
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
        report.checks[-1] = _safely("FORMAT", lambda: linked_check(credential, sources, report.checks[-1]))
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
    from microcred.verify.proofs import owner_check  # built on this module's vocabulary, as the checks of `verify`

    report.checks.append(_safely("OWNER", lambda: owner_check(document, sources, challenge, domain)))
    return report, [verify(credential, sources) for credential in as_list(held)]
