"""Validation problems in plain sentences: what pydantic (or FastAPI, reading a request) found wrong, said as a
person would say it, naming each field by its label ("Workload (hours) must be a number."), never by where
it was sent or how code spells it ("body.workload_hours: Input should be a valid decimal").

Every stage that reads input with a pydantic model words its refusals here, so that the API, the pages and the
command line say the same thing the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

# Where FastAPI says a value was sent: never part of a label.
_SENT_IN = frozenset({"body", "query", "path", "header", "cookie", "form"})

# What a field is called when its name alone does not say it well (humanised otherwise: `needs_evidence` →
# "Needs evidence").
LABELS: dict[str, str] = {
    "workload_hours": "Workload (hours)",
    "hours_min": "Least workload (hours)",
    "hours_max": "Most workload (hours)",
    "eqf": "EQF level",
    "eqf_level": "EQF level",
    "eqf_levels": "EQF levels",
    "nqf": "National qualifications framework level",
    "qf_ehea_cycle": "QF-EHEA cycle",
    "isced_f": "Field (ISCED-F)",
    "field": "Field of study",
    "ects": "ECTS credits",
    "q": "Search text",
    "per_page": "Results per page",
    "page": "Page number",
    "id": "Identifier",
    "ids": "Identifiers",
    "uri": "Address (URI)",
    "url": "Web address",
    "homepage": "Home page",
    "email": "Email address",
    "learner_email": "Learner's email address",
    "owner_email": "Owner's email address",
    "display_name": "Name shown",
    "legal_name": "Legal name",
    "expires_in_days": "Valid for (days)",
    "valid_days": "Valid for (days)",
    "days": "Valid for (days)",
    "specification_id": "Micro-credential",
    "spec_id": "Micro-credential",
    "min_grade": "Lowest grade",
    "validity_years": "Validity (years)",
    "started_on": "Start date",
    "ended_on": "End date",
    "enrolled_on": "Enrolment date",
    "awarded": "Award date",
    "before": "Before",
    "limit": "Number of results",
    "vc": "Credential",
    "verifiableCredential": "Credential",
    "verifiablePresentation": "Presentation",
    "credentialStatus": "Credential status",
    "issuanceDate": "Issuance date",
    "validFrom": "Valid from",
    "validUntil": "Valid until",
    "credentialSubject": "Credential subject",
}

# What one entry of a list field is called: "Name of awarding body 2".
ITEM_LABELS: dict[str, str] = {
    "awarding_bodies": "awarding body",
    "learning_outcomes": "learning outcome",
    "outcomes": "learning outcome",
    "items": "item",
    "credits": "credit",
    "quality_assurance": "quality assurance entry",
    "languages": "language",
    "audiences": "audience",
    "skills": "skill",
    "specifications": "micro-credential",
    "sequence": "micro-credential in the sequence",
    "approved": "approved micro-credential",
    "required_skills": "required skill",
    "issuers": "issuer",
    "accreditations": "accreditation",
    "jurisdictions": "jurisdiction",
    "eqf_levels": "EQF level",
    "parties": "party",
    "programmes": "programme",
}

# Parts of a location that are pydantic's own (the branch of a union, a validator), not fields.
_TAG = re.compile(r"[\[\]<>]|^(?:str|int|float|bool|list|dict|tuple|set|none|decimal|date|datetime|uuid)$", re.I)
_QUOTED = re.compile(r"'([^']*)'")
_ALTERNATIVES = re.compile(r"^\^?\(?([\w-]+(?:\|[\w-]+)+)\)?\$?$")
_MUST = re.compile(r"^(?:Input|String|List|Value|Dictionary|Tuple|Set|Decimal|Object|Data|Date|Datetime) should ")


def humanised(name: str) -> str:
    """`workload_hours` → "workload hours", `validFrom` → "valid from"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    return " ".join(spaced.split()).lower() or "value"


def _name(part: str, labels: Mapping[str, str]) -> str:
    found = labels.get(part) or LABELS.get(part)
    return found if found else humanised(part)


def label(loc: Sequence[Any], labels: Mapping[str, str] | None = None) -> str:
    """What a person calls the field at a location: ("body", "awarding_bodies", 1, "name") → "Name of awarding
    body 2"; "" for the whole of what was sent."""
    labels = labels or {}
    parts = [part for part in loc if not (isinstance(part, str) and _TAG.search(part))]
    if parts and parts[0] in _SENT_IN:
        parts = parts[1:]
    segments: list[str] = []
    previous: Any = None
    for part in parts:
        if isinstance(part, int):
            if isinstance(previous, str) and segments:
                item = labels.get(f"{previous}[]") or ITEM_LABELS.get(previous)
                segments[-1] = f"{item} {part + 1}" if item else f"item {part + 1} of {segments[-1]}"
            else:
                segments.append(f"item {part + 1}")
        else:
            segments.append(_name(str(part), labels))
        previous = part
    if not segments:
        return ""
    segments = [segments[0], *(s[:1].lower() + s[1:] if not _keeps_case(s) else s for s in segments[1:])]
    text = " of ".join(reversed(segments))
    return text[:1].upper() + text[1:]


def after(prefix: str, said: str) -> str:
    """A sentence going on after a prefix: "Line 4: " + "The learner's name is missing." → "Line 4: the learner's
    name is missing." (a first word in capitals, "EQF level", keeps them)."""
    first = said.split(" ", 1)[0]
    lowered = first[:1].isupper() and first[1:].islower()
    return prefix + (said[:1].lower() + said[1:] if lowered else said)


def _keeps_case(segment: str) -> bool:
    first = segment.split(" ", 1)[0]
    return len(first) > 1 and first.isupper()  # "EQF level", "QF-EHEA cycle"


def _choices(expected: str) -> str:
    return ", ".join(_QUOTED.findall(expected)) or expected


def _amount(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _plural(count: Any, one: str, many: str) -> str:
    return one if count == 1 else many


def sentence(error: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """One problem as a sentence ending with a full stop."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    loc = tuple(error.get("loc") or ())
    name = label(loc, labels)
    whole = not name
    subject = name or ("The request body" if loc[:1] == ("body",) or not loc else "The value")
    if kind in ("json_invalid", "json_type"):
        return "The request body is not valid JSON."
    if whole and kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type"):
        return "The request body must be a JSON object with the fields described in the API documentation."
    message: str
    if kind in ("missing", "missing_argument", "missing_keyword_only_argument", "missing_positional_only_argument"):
        message = f"{subject} is required"
    elif kind == "string_too_short":
        least = ctx.get("min_length", 1)
        message = (
            f"{subject} must not be empty"
            if least == 1
            else f"{subject} must be at least {_amount(least)} characters long"
        )
    elif kind == "string_too_long":
        most = ctx.get("max_length")
        message = f"{subject} must be at most {_amount(most)} {_plural(most, 'character', 'characters')} long"
    elif kind == "too_short":
        least = ctx.get("min_length", 1)
        message = f"{subject} must have at least {_amount(least)} {_plural(least, 'entry', 'entries')}"
    elif kind == "too_long":
        most = ctx.get("max_length")
        message = f"{subject} must have at most {_amount(most)} {_plural(most, 'entry', 'entries')}"
    elif kind in ("string_type", "string_sub_type", "string_unicode"):
        message = f"{subject} must be text"
    elif kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        message = f"{subject} must be a whole number"
    elif kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"):
        message = f"{subject} must be a number"
    elif kind == "decimal_max_places":
        places = ctx.get("decimal_places")
        message = f"{subject} must have at most {places} {_plural(places, 'decimal', 'decimals')}"
    elif kind in ("decimal_max_digits", "decimal_whole_digits"):
        message = f"{subject} has too many digits"
    elif kind == "greater_than":
        message = f"{subject} must be more than {ctx.get('gt')}"
    elif kind == "greater_than_equal":
        message = f"{subject} must be at least {ctx.get('ge')}"
    elif kind == "less_than":
        message = f"{subject} must be less than {ctx.get('lt')}"
    elif kind == "less_than_equal":
        message = f"{subject} must be at most {ctx.get('le')}"
    elif kind == "multiple_of":
        message = f"{subject} must be a multiple of {ctx.get('multiple_of')}"
    elif kind in ("bool_parsing", "bool_type"):
        message = f"{subject} must be yes or no (true or false)"
    elif kind.startswith("uuid_"):
        message = f"{subject} is not a valid id"
    elif kind.startswith("datetime_") or kind in ("timezone_naive", "timezone_aware"):
        message = f"{subject} must be a date and time (YYYY-MM-DDTHH:MM:SS)"
    elif kind.startswith("date_from_datetime") or kind in ("date_parsing", "date_type"):
        message = f"{subject} must be a date (YYYY-MM-DD)"
    elif kind == "date_future":
        message = f"{subject} must be in the future"
    elif kind == "date_past":
        message = f"{subject} must be in the past"
    elif kind in ("enum", "literal_error"):
        message = f"{subject} must be one of: {_choices(str(ctx.get('expected', '')))}"
    elif kind == "string_pattern_mismatch":
        pattern = _ALTERNATIVES.match(str(ctx.get("pattern", "")))
        message = (
            f"{subject} must be one of: {', '.join(pattern.group(1).split('|'))}"
            if pattern
            else f"{subject} is not written in the expected form"
        )
    elif kind.startswith("url_"):
        message = f"{subject} must be a web address (https://…)"
    elif kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type", "mapping_type"):
        message = f"{subject} must be a group of fields (a JSON object)"
    elif kind in ("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"):
        message = f"{subject} must be a list"
    elif kind == "extra_forbidden":
        message = f"{subject} is not one of the fields this accepts"
    elif kind in ("value_error", "assertion_error"):
        said = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        said = said.strip().rstrip(".")
        message = f"{name}: {said[:1].lower() + said[1:] if _lowered(said) else said}" if name else said
    elif kind in ("bytes_too_long", "bytes_too_short", "bytes_type"):
        message = f"{subject} is not a file of a size or kind this accepts"
    else:
        said = str(error.get("msg", "")).split(",")[0].strip().rstrip(".")
        message = _MUST.sub(f"{subject} must ", said) if _MUST.match(said) else f"{subject} is not valid"
    return message.rstrip(".") + "."


def _lowered(said: str) -> bool:
    """Whether a validator's own sentence may start in lower case after the field's label ("Title: the …")."""
    first = said.split(" ", 1)[0]
    return bool(first) and first[:1].isupper() and first[1:].islower() and first not in ("I", "ESCO", "EQF")


def sentences(
    errors: Iterable[Mapping[str, Any]], labels: Mapping[str, str] | None = None, *, limit: int = 5
) -> list[str]:
    """Each problem once, as a sentence; past `limit`, one sentence saying how many more there are."""
    said: list[str] = []
    for error in errors:
        found = sentence(error, labels)
        if found not in said:
            said.append(found)
    if len(said) > limit:
        more = len(said) - limit
        said = [
            *said[:limit],
            f"There {'is' if more == 1 else 'are'} {more} more {_plural(more, 'problem', 'problems')}.",
        ]
    return said


def describe(errors: Iterable[Mapping[str, Any]], labels: Mapping[str, str] | None = None, *, limit: int = 5) -> str:
    """The problems as one paragraph of sentences."""
    return " ".join(sentences(errors, labels, limit=limit)) or "The request is not valid."


def titles(model: type[BaseModel]) -> dict[str, str]:
    """The labels a model gives its fields (`Field(title=...)`), nested models' too, by field name."""
    found: dict[str, str] = {}
    seen: set[type[BaseModel]] = set()

    def walk(current: type[BaseModel]) -> None:
        if current in seen:
            return
        seen.add(current)
        for name, info in current.model_fields.items():
            if info.title:
                found.setdefault(info.alias or name, info.title)
            for inner in _models_in(info.annotation):
                walk(inner)

    walk(model)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in getattr(annotation, "__args__", ()) for model in _models_in(arg)]
