"""FORMAT: what the VC data model (1.1 or 2.0), Open Badges 3.0's required fields and the ELM structure the EDC
profile makes mandatory ask of a credential, each broken rule named in a sentence."""

from __future__ import annotations

from typing import Any

from microcred.trust import TrustError, vcmodel
from microcred.trust.jsonld import as_list
from microcred.trust.loader import document_loader
from microcred.verify.checks import (
    OB3_TYPES,
    V1,
    V2,
    Check,
    Outcome,
    Sources,
    Unreachable,
    date_of,
    issuer_id,
    parse,
)


def format_problems(credential: Any, *, sealed: bool = False) -> list[str]:
    """What breaks the VC data model (1.1 or 2.0: `trust.vcmodel`, the rules the issuer keeps too), a JSON Schema
    the credential names that microcred holds (1EdTech's Open Badges 3.0 schema), Open Badges 3.0's required
    fields, or the ELM structure."""
    if not isinstance(credential, dict):
        return ["The credential is not a JSON object."]
    types = as_list(credential.get("type"))
    if "EuropeanDigitalCredential" in types:
        return _generic_problems(credential) + _elm_problems(credential, sealed=sealed)
    problems = vcmodel.credential_problems(credential)
    problems += [
        f"The type {name[:100]!r} is not defined by the credential's contexts (nor a URL): no proof covers it."
        for name in vcmodel.undefined_types(credential, document_loader())[:1]
    ]
    for entry in vcmodel.json_schemas(credential):
        schema = vcmodel.bundled_schema(entry["id"])
        if schema is not None and "JsonSchemaCredential" not in as_list(entry.get("type")):
            problems += vcmodel.schema_problems(credential, schema, entry["id"])
    if set(types) & OB3_TYPES:
        problems += _ob3_problems(credential, as_list(credential.get("credentialSubject")))
    return problems


MAX_LINKED = 8  # linked resources and schemas read per credential: each costs a fetch from the request's budget


def linked_check(credential: dict[str, Any], sources: Sources, checked: Check) -> Check:
    """FORMAT (`checked`, well formed) with what the credential links to: each relatedResource's digests against
    the resource's bytes, and each JSON Schema in credentialSchema that microcred does not ship, fetched (through
    `sources.resource`, the verifier's Fetcher). A digest that does not match or a schema the credential breaks is
    an ERROR; a resource that cannot be had is a WARNING (nothing is known of it either way)."""
    related = [e for e in as_list(credential.get("relatedResource")) if isinstance(e, dict)]
    schemas = [
        entry
        for entry in vcmodel.json_schemas(credential)
        if vcmodel.bundled_schema(entry["id"]) is None or "JsonSchemaCredential" in as_list(entry.get("type"))
    ]
    if not related and not schemas:
        return checked
    errors: list[str] = []
    unread: list[str] = []
    for entry in related[:MAX_LINKED]:
        try:
            content = sources.resource(str(entry.get("id")))
        except Unreachable as error:
            unread.append(f"relatedResource {str(entry.get('id'))[:120]}: {error}")
            continue
        problem = vcmodel.digest_problem(entry, content)
        if problem:
            errors.append(problem)
    for entry in schemas[: max(0, MAX_LINKED - len(related))]:
        try:
            document = parse(sources.resource(entry["id"]))
        except (Unreachable, TrustError) as error:
            unread.append(f"credentialSchema {entry['id'][:120]}: {error}")
            continue
        schema = vcmodel.schema_of(entry, document)
        errors += [schema] if isinstance(schema, str) else vcmodel.schema_problems(credential, schema, entry["id"])
    left = len(related) + len(schemas) - MAX_LINKED
    if left > 0:
        unread.append(f"{left} more linked resources were not read (at most {MAX_LINKED} are).")
    if errors:
        return Check("FORMAT", Outcome.ERROR, "The credential does not match what it links to.", " ".join(errors[:5]))
    if unread:
        return Check(
            "FORMAT",
            Outcome.WARNING,
            "The credential is well formed, but what it links to could not be read, so it is not checked.",
            " ".join(unread[:5]),
        )
    return Check(
        "FORMAT",
        Outcome.OK,
        "The credential is well formed and matches what it links to.",
        f"{checked.detail}; {len(related)} related resource digests and {len(schemas)} fetched schemas hold.",
    )


def _generic_problems(credential: dict[str, Any]) -> list[str]:
    """What a sealed ELM credential keeps of the VC data model (its JSON is sealed, not read as JSON-LD)."""
    problems = []
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else None
    if first not in (V1, V2):
        problems.append(f"@context must be a list that starts with {V2} (or {V1}).")
    if issuer_id(credential) is None:
        problems.append("issuer must be a URL, or an object whose id is one.")
    subjects = as_list(credential.get("credentialSubject"))
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        problems.append("credentialSubject must be an object (or objects) saying something of the subject.")
    if "id" in credential and not vcmodel.is_url(credential["id"]):
        problems.append("id must be a URL.")
    for name in ("validFrom", "validUntil", "issued"):
        if name in credential and date_of(credential[name]) is None:
            problems.append(f"{name} is not a date and time.")
    begin, end = date_of(credential.get("validFrom")), date_of(credential.get("validUntil"))
    if begin and end and end < begin:
        problems.append("validUntil is before validFrom.")
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
