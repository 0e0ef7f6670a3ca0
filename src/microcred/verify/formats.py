"""FORMAT: what the VC data model (1.1 or 2.0), Open Badges 3.0's required fields and the ELM structure the EDC
profile makes mandatory ask of a credential, each broken rule named in a sentence."""

from __future__ import annotations

from typing import Any

from microcred.trust.jsonld import as_list
from microcred.verify.checks import OB3_TYPES, V1, V2, date_of, issuer_id


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
    if issuer_id(credential) is None:
        problems.append("issuer must be a URL, or an object whose id is one.")
    subjects = as_list(credential.get("credentialSubject"))
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        problems.append("credentialSubject must be an object (or objects) saying something of the subject.")
    if "id" in credential and not (isinstance(credential["id"], str) and ":" in credential["id"]):
        problems.append("id must be a URL.")
    elm = "EuropeanDigitalCredential" in types
    starts, ends = ("validFrom", "validUntil") if first == V2 or elm else ("issuanceDate", "expirationDate")
    for name in (starts, ends, "issued"):
        if name in credential and date_of(credential[name]) is None:
            problems.append(f"{name} is not a date and time.")
    if first == V1 and not elm and "issuanceDate" not in credential:
        problems.append("issuanceDate is required by the VC 1.1 data model.")
    begin, end = date_of(credential.get(starts)), date_of(credential.get(ends))
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
