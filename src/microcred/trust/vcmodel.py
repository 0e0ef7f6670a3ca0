"""The rules of the W3C VC data model (1.1 and 2.0) that need neither a network nor a JSON-LD processor, one
implementation for the issuer (refusing to sign what breaks them) and the verifier (FORMAT): ids that are URLs,
objects that must be typed, language values for `name` and `description`, dates, subjects, and the
well-formedness of `relatedResource` digests and `credentialSchema`.

What needs the resource a credential points at is here too, as pure functions over what was fetched: whether a
`relatedResource` digest matches the bytes (`digest_problem`), and whether the credential keeps a JSON Schema
(`schema_problems`, JSON Schema 2020-12 unless the schema names its draft). 1EdTech's Open Badges 3.0
AchievementCredential schema is shipped (`bundled_schema`), so it is known by its URL without a network.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from microcred.trust.jsonld import as_list

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
MAX_URL = 2048
MAX_PROBLEMS = 10

# An absolute URL (RFC 3986's URI, or an RFC 3987 IRI: characters beyond ASCII are allowed): a scheme, a colon,
# and no space, control character or character a URL never carries; every % starts an escape.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})")
# XML Schema dateTimeStamp (VC 2.0's validFrom, validUntil: a time zone is required) and dateTime (VC 1.1).
DATETIME_STAMP = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
DATETIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")

# The objects VC 2.0 (section 4.5) says MUST have a type, and whether their id is required.
TYPED = {"credentialStatus": False, "termsOfUse": False, "evidence": False, "refreshService": False}
TYPED_WITH_ID = {"credentialSchema": True}

# SRI hash algorithms and the multihash codes of the SHA-2 digests (code, length) -> hashlib name.
SRI_ALGORITHMS = {"sha256": 32, "sha384": 48, "sha512": 64}
MULTIHASH = {(0x12, 32): "sha256", (0x20, 48): "sha384", (0x13, 64): "sha512"}
RAW_DIGEST = {32: "sha256", 48: "sha384", 64: "sha512"}

JSON_SCHEMA_TYPES = ("JsonSchema", "JsonSchemaCredential", "1EdTechJsonSchemaValidator2019")


def is_url(value: Any) -> bool:
    """Whether `value` is one absolute URL (a DID and a urn:uuid are; "https ://x" and "nothing" are not)."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return False
    scheme, colon, rest = value.partition(":")
    if not colon or not rest or not _SCHEME.fullmatch(scheme) or _FORBIDDEN.search(rest):
        return False
    if scheme.lower() in ("http", "https"):
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (a port that is not a number raises)
        except ValueError:
            return False
        return rest.startswith("//") and bool(parts.hostname)
    return True


def is_datetime(value: Any, *, zone: bool) -> bool:
    """Whether `value` is an XML Schema dateTimeStamp (`zone`) or dateTime that names a real date and time."""
    if not isinstance(value, str) or not (DATETIME_STAMP if zone else DATETIME).fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").lstrip("-"))
    except ValueError:
        return len(value.split("-", 1)[0]) > 4  # years beyond 9999 are XML Schema's, not Python's
    return True


def when(value: Any) -> datetime | None:
    """A dateTime as an aware datetime (UTC when it names no zone), for comparing; None when it is not one."""
    if not isinstance(value, str) or not is_datetime(value, zone=False):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _id_problem(where: str, value: Any) -> str | None:
    if isinstance(value, list):
        return f"{where} must be a single URL, not a list."
    if not is_url(value):
        return f"{where} must be a URL ({str(value)[:80]!r} is not one)."
    return None


def _type_problem(where: str, entry: dict[str, Any]) -> str | None:
    types = entry.get("type")
    if types is None:
        return f"{where} must state its type."
    if not as_list(types) or not all(isinstance(t, str) and t for t in as_list(types)):
        return f"{where}.type must be a term or a URL (or a list of them)."
    return None


def _language_problem(where: str, value: Any) -> str | None:
    """VC 2.0 section 11.1: a string, a language value object (@value, with @language and @direction), or a
    list of them."""
    for item in value if isinstance(value, list) and value else [value]:
        if isinstance(item, str):
            continue
        if not isinstance(item, dict) or not isinstance(item.get("@value"), str):
            return f"{where} must be a string or a language value object ({{'@value': …, '@language': …}})."
        extra = sorted(set(item) - {"@value", "@language", "@direction"})
        if extra:
            return f"{where} is a language value object with a property it may not have ({extra[0][:40]!r})."
        language = item.get("@language")
        if language is not None and not (isinstance(language, str) and LANGUAGE_TAG.fullmatch(language)):
            return f"{where}.@language must be a language tag such as en or fr-BE."
        if item.get("@direction", "ltr") not in ("ltr", "rtl"):
            return f"{where}.@direction must be ltr or rtl."
    return None


def _names(where: str, holder: dict[str, Any]) -> Iterator[str]:
    for name in ("name", "description"):
        if name in holder:
            problem = _language_problem(f"{where}{name}", holder[name])
            if problem:
                yield problem


def context_problems(document: dict[str, Any], first: tuple[str, ...] = (V2, V1)) -> list[str]:
    """@context: an ordered list whose first item is the base context, the rest URLs or context objects."""
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] not in first:
        return [f"@context must be a list that starts with {V2}" + (f" (or {V1})." if V1 in first else ".")]
    for item in contexts[1:]:
        if isinstance(item, str):
            if not is_url(item):
                return [f"@context holds {item[:80]!r}, which is not a URL."]
        elif not isinstance(item, dict):
            return ["@context may hold only URLs and context objects."]
    return []


def credential_problems(credential: dict[str, Any]) -> list[str]:
    """What breaks the VC data model in a credential (1.1 or 2.0, by its first context), each in a sentence.

    The `issuer` and a proof are judged by the caller too (the issuer fills in its own, the verifier checks the
    proof): here only their shape."""
    problems = context_problems(credential)
    contexts = credential.get("@context")
    v1 = isinstance(contexts, list) and bool(contexts) and contexts[0] == V1
    types = credential.get("type")
    if "VerifiableCredential" not in as_list(types):
        problems.append("type must include VerifiableCredential.")
    elif not all(isinstance(t, str) and t for t in as_list(types)):
        problems.append("type must be terms or URLs.")
    if "id" in credential:
        problems += filter(None, [_id_problem("id", credential["id"])])
    problems += _issuer_problems(credential)
    problems += _subject_problems(credential.get("credentialSubject"))
    problems += _names("", credential)
    problems += date_problems(credential, v1=v1)
    for name, needs_id in {**TYPED, **TYPED_WITH_ID}.items():
        problems += typed_problems(credential, name, needs_id=needs_id)
    problems += related_resource_problems(credential.get("relatedResource"))
    for index, proof in enumerate(as_list(credential.get("proof"))):
        if not isinstance(proof, dict):
            problems.append("proof must be an object (or a list of them).")
        elif "type" not in proof:
            problems.append(f"proof{_at(index, credential.get('proof'))} must state its type.")
    return problems[:MAX_PROBLEMS]


def _at(index: int, value: Any) -> str:
    return f"[{index}]" if isinstance(value, list) else ""


def _issuer_problems(credential: dict[str, Any]) -> list[str]:
    if "issuer" not in credential:
        return ["issuer is required."]
    issuer = credential["issuer"]
    if isinstance(issuer, dict):
        if not is_url(issuer.get("id")):
            return ["issuer must be a URL, or an object whose id is one."]
        return list(_names("issuer.", issuer))
    return [] if is_url(issuer) else ["issuer must be a URL, or an object whose id is one."]


def _subject_problems(subject: Any) -> list[str]:
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        return ["credentialSubject must be an object (or a list of objects) saying something of the subject."]
    problems: list[str] = []
    for index, entry in enumerate(subjects):
        if "id" in entry:
            problems += filter(None, [_id_problem(f"credentialSubject{_at(index, subject)}.id", entry["id"])])
    return problems


def date_problems(credential: dict[str, Any], *, v1: bool) -> list[str]:
    """validFrom/validUntil (VC 2.0: dateTimeStamp) or issuanceDate/expirationDate (VC 1.1: dateTime), in order."""
    starts, ends = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    problems = [
        f"{name} must be an XML Schema dateTime{'' if v1 else 'Stamp'} such as 2026-11-23T10:00:00Z."
        for name in (starts, ends, *(() if v1 else ("issuanceDate", "expirationDate")))
        if name in credential and not is_datetime(credential[name], zone=not v1)
    ]
    if v1 and "issuanceDate" not in credential:
        problems.append("issuanceDate is required by the VC 1.1 data model.")
    begin, end = when(credential.get(starts)), when(credential.get(ends))
    if begin and end and end < begin:
        problems.append(f"{ends} is before {starts}.")
    return problems


def typed_problems(credential: dict[str, Any], name: str, *, needs_id: bool = False) -> list[str]:
    """Each entry of `name` is an object with a type; its id, required or not, a URL."""
    if name not in credential:
        return []
    value = credential[name]
    entries = as_list(value)
    if not entries:
        return [f"{name} must be an object or a list of objects."]
    problems = []
    for index, entry in enumerate(entries):
        where = f"{name}{_at(index, value)}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object, not {type(entry).__name__}.")
            continue
        problems += filter(None, [_type_problem(where, entry)])
        if "id" in entry or needs_id:
            problems += filter(None, [_id_problem(f"{where}.id", entry.get("id"))])
    return problems


def undefined_types(document: dict[str, Any], loader: Any) -> list[str]:
    """The type values the document's contexts do not define (nor are URLs): Data Integrity's safe mode refuses
    them (jsonld.js does; pyld would sign them as IRIs under a made-up base), and VC 1.1's context has no @vocab
    to define them. Empty when the document is not JSON-LD that expands: signing and verifying say why then."""
    from pyld import jsonld

    if not _maybe_undefined(document, loader):
        return []  # every type is a URL or a term some context of the document names: no expansion needed
    try:
        expanded = jsonld.expand(document, {"documentLoader": loader, "base": None})  # pyld would resolve against
        # its own example.org base otherwise, turning an undefined "InvalidType" into an IRI
    except Exception:  # noqa: BLE001 (pyld raises several kinds; the canonicalization names the problem)
        return []
    found: list[str] = []
    stack: list[Any] = [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            found += [t for t in as_list(value.get("@type")) if isinstance(t, str) and ":" not in t]
            stack.extend(v for k, v in value.items() if k != "@type")
    return sorted(set(found))


def _maybe_undefined(document: dict[str, Any], loader: Any) -> bool:
    """Whether some type value is neither a URL nor a key of any context the document uses (a quick superset
    test: a type it passes is defined somewhere in those contexts; one it fails is checked by expansion)."""
    types: set[str] = set()
    stack: list[Any] = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in ("type", "@type"):
                    types.update(t for t in as_list(item) if isinstance(t, str) and ":" not in t)
                elif key != "@context":
                    stack.append(item)
    if not types:
        return False
    known: set[str] = set()
    for context in as_list(document.get("@context")):
        found = getattr(loader, "known", {}).get(context) if isinstance(context, str) else {"@context": context}
        if not isinstance(found, dict):
            return True  # a context this loader does not hold: let the expansion decide
        top = found.get("@context")
        if isinstance(top, dict) and "@vocab" in top:
            return False  # a vocabulary defines every term
        bundled = isinstance(context, str) and bundled_context(context) is found
        known |= _keys_of_bundled(context) if bundled else _keys(found)
    return not types <= known


def bundled_context(url: str) -> Any:
    from microcred.trust.loader import bundled

    return bundled().get(url)


@cache
def _keys_of_bundled(url: str) -> frozenset[str]:
    return _keys(bundled_context(url))


def _keys(document: Any) -> frozenset[str]:
    keys: set[str] = set()
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            keys.update(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return frozenset(keys)


# relatedResource (VC 2.0 section 5.3) -------------------------------------------------------------------


def related_resource_problems(value: Any) -> list[str]:
    """Each related resource: an object with a URL id unique among them, and a well-formed digestSRI or
    digestMultibase (at least one)."""
    if value is None:
        return []
    entries = as_list(value)
    if not entries:
        return ["relatedResource must be an object or a list of objects."]
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"relatedResource{_at(index, value)}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object with an id and a digest, not {type(entry).__name__}.")
            continue
        if "id" not in entry:
            problems.append(f"{where} must name the resource (id).")
        else:
            problems += filter(None, [_id_problem(f"{where}.id", entry["id"])])
            if entry["id"] in seen:
                problems.append(f"{where}.id {str(entry['id'])[:80]} is listed twice: each resource once.")
            seen.add(str(entry["id"]))
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            problems.append(f"{where} must carry a digestSRI or a digestMultibase.")
        if "digestSRI" in entry and not sri_digests(entry["digestSRI"]):
            problems.append(f"{where}.digestSRI must be an SRI digest such as sha384-<base64>.")
        if "digestMultibase" in entry and multibase_digest(entry["digestMultibase"]) is None:
            problems.append(f"{where}.digestMultibase must be a multibase SHA-2 digest (multihash or raw).")
        if "mediaType" in entry and not (isinstance(entry["mediaType"], str) and "/" in entry["mediaType"]):
            problems.append(f"{where}.mediaType must be a media type such as application/ld+json.")
    return problems


def sri_digests(value: Any) -> list[tuple[str, bytes]]:
    """The (algorithm, digest) pairs of SRI metadata ("sha384-<base64>", several separated by spaces); empty
    when any is malformed."""
    if not isinstance(value, str) or not value.strip() or len(value) > 1024:
        return []
    found = []
    for expression in value.split():
        algorithm, dash, encoded = expression.partition("-")
        encoded = encoded.split("?", 1)[0]  # SRI allows options after the digest
        size = SRI_ALGORITHMS.get(algorithm)
        if not dash or size is None:
            return []
        try:
            digest = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return []
        if len(digest) != size:
            return []
        found.append((algorithm, digest))
    return found


def multibase_digest(value: Any) -> tuple[str, bytes] | None:
    """(algorithm, digest) of a multibase digest: base64url ("u") or base58btc ("z"), of a SHA-2 multihash or of
    the bare SHA-2 digest (its length says which); None when it is neither."""
    if not isinstance(value, str) or len(value) < 2 or len(value) > 200:
        return None
    try:
        if value[0] == "u":
            if not re.fullmatch(r"[A-Za-z0-9_-]+", value[1:]):
                return None
            raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        elif value[0] == "z":
            raw = _base58(value[1:])
        else:
            return None
    except (binascii.Error, ValueError):
        return None
    if len(raw) >= 2 and (raw[0], raw[1]) in MULTIHASH and len(raw) == raw[1] + 2:
        return MULTIHASH[(raw[0], raw[1])], raw[2:]
    algorithm = RAW_DIGEST.get(len(raw))
    return (algorithm, raw) if algorithm else None


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(text: str) -> bytes:
    number = 0
    for char in text:
        digit = _B58.find(char)
        if digit < 0:
            raise ValueError("not base58")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def digest_problem(entry: dict[str, Any], content: bytes) -> str | None:
    """Whether the resource's bytes have the digests its relatedResource entry states: a sentence if not."""
    stated = [*sri_digests(entry.get("digestSRI"))]
    multibase = multibase_digest(entry.get("digestMultibase"))
    if multibase:
        stated.append(multibase)
    for algorithm, digest in stated:
        if hashlib.new(algorithm, content).digest() != digest:
            return (
                f"The resource {str(entry.get('id'))[:120]} does not have the {algorithm} digest the credential "
                "states: it changed since it was issued."
            )
    return None


# credentialSchema --------------------------------------------------------------------------------------


# URL -> file in microcred/trust/schemas (see SOURCES.md there): 1EdTech publishes the schema under both paths.
SCHEMAS = {
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json": (
        "ob_v3p0_achievementcredential_schema.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json": (
        "ob_v3p0_achievementcredential_schema.json"
    ),
}


@cache
def _schema_file(name: str) -> str:
    return (resources.files("microcred.trust") / "schemas" / name).read_text(encoding="utf-8")


def bundled_schema(url: str) -> dict[str, Any] | None:
    """A JSON Schema shipped with microcred, by its URL; None for any other."""
    name = SCHEMAS.get(url)
    return json.loads(_schema_file(name)) if name else None


def json_schemas(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """The credentialSchema entries whose type says they are JSON Schemas to validate against (JsonSchema, a
    JsonSchemaCredential, 1EdTech's validator), each with a URL id."""
    return [
        entry
        for entry in as_list(credential.get("credentialSchema"))
        if isinstance(entry, dict)
        and is_url(entry.get("id"))
        and any(t in JSON_SCHEMA_TYPES for t in as_list(entry.get("type")))
    ]


def schema_of(entry: dict[str, Any], document: Any) -> dict[str, Any] | str:
    """The JSON Schema a credentialSchema entry names, from the document found at its id: the schema itself, or
    for a JsonSchemaCredential the one in its credentialSubject.jsonSchema; else why not."""
    if "JsonSchemaCredential" in as_list(entry.get("type")):
        subject = document.get("credentialSubject") if isinstance(document, dict) else None
        document = subject.get("jsonSchema") if isinstance(subject, dict) else None
    if not isinstance(document, dict):
        return f"The schema at {str(entry.get('id'))[:120]} is not a JSON Schema."
    return document


def schema_problems(credential: dict[str, Any], schema: dict[str, Any], url: str) -> list[str]:
    """Where the credential breaks the JSON Schema (2020-12 unless the schema's $schema names another draft)."""
    import jsonschema  # imported when a schema is met: it takes a while to load
    from referencing.exceptions import Unresolvable

    hazard = _pattern_hazard(schema)
    if hazard:
        return [f"The schema {url[:120]} cannot be checked safely: {hazard}"]
    try:
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        validator_class.check_schema(schema)
        checking = jsonschema.validators.extend(validator_class, {"uniqueItems": _unique_items})
        validator = checking(schema, registry=_offline_registry())
        errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.absolute_path))
    except jsonschema.SchemaError as error:
        return [f"The schema {url[:120]} is not a valid JSON Schema: {error.message[:200]}"]
    except Unresolvable as error:
        return [f"The schema {url[:120]} refers to a schema that cannot be had: {str(error)[:200]}"]
    except RecursionError:
        return [f"The schema {url[:120]} is too deeply nested to check."]
    return [
        f"The credential breaks its schema {url[:120]} at {_path(error)}: {error.message[:200]}" for error in errors[:3]
    ]


def _refuse_retrieval(uri: str) -> Any:
    """A schema's `$ref` to a URL is never fetched by the validator (jsonschema would, with urllib, to any
    address): what the schema names that is not in it, nor a JSON Schema metaschema, cannot be had."""
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@cache
def _offline_registry() -> Any:
    import referencing
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS  # type: ignore[import-untyped]

    return SPECIFICATIONS.combine(referencing.Registry(retrieve=_refuse_retrieval))  # type: ignore[call-arg]


def _frozen(value: Any) -> Any:
    """A hashable form of a JSON value under JSON Schema's equality (1 and 1.0 equal, true and 1 not, objects
    equal whatever their members' order)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return ("object", frozenset((name, _frozen(item)) for name, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_frozen(item) for item in value))
    return ("value", value)


def _unique_items(validator: Any, wanted: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """uniqueItems in linear time (jsonschema compares unhashable items pairwise: quadratic, a denial of service
    with a few thousand objects in an array)."""
    from jsonschema import ValidationError

    if wanted and validator.is_type(instance, "array"):
        seen: set[Any] = set()
        for item in instance:
            frozen = _frozen(item)
            if frozen in seen:
                yield ValidationError(f"{str(item)[:80]} is in the array more than once (it must have unique items)")
                return
            seen.add(frozen)


MAX_PATTERNS = 200


def _pattern_hazard(schema: Any) -> str | None:
    """Why a pattern of the schema (`pattern`, or a `patternProperties` name) could make matching take exponential
    time (ReDoS: a repetition of something that itself repeats or has alternatives, such as `(a+)+` or
    `(a|aa)*`); None when none could. Python's re has no time limit, so such a pattern is refused, not run."""
    # the parser of Python's own re: the pattern is read as re would read it
    import re._constants as sre  # type: ignore[import-not-found]
    import re._parser as sre_parse  # type: ignore[import-not-found]

    found: list[str] = []
    stack, seen = [schema], 0
    while stack and seen < 100_000:
        item, seen = stack.pop(), seen + 1
        if isinstance(item, dict):
            if isinstance(item.get("pattern"), str):
                found.append(item["pattern"])
            if isinstance(item.get("patternProperties"), dict):
                found += [name for name in item["patternProperties"] if isinstance(name, str)]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    if stack:
        return "it is too large to check (more than 100,000 values)."
    if len(found) > MAX_PATTERNS:
        return f"it has {len(found)} patterns (at most {MAX_PATTERNS} are checked)."

    def repeats(items: Any, inside: bool) -> bool:
        for op, value in items:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                many = value[1] > 1
                if many and inside:
                    return True
                if repeats(value[2], inside or many):
                    return True
            elif op is sre.BRANCH:
                if inside and len(value[1]) > 1:
                    return True
                if any(repeats(branch, inside) for branch in value[1]):
                    return True
            elif op is sre.SUBPATTERN:
                if repeats(value[-1], inside):
                    return True
            elif (
                op in (sre.ASSERT, sre.ASSERT_NOT)
                and repeats(value[-1], inside)
                or op is sre.ATOMIC_GROUP
                and repeats(value, inside)
            ):
                return True
        return False

    for pattern in found:
        try:
            if len(pattern) > 1000 or repeats(sre_parse.parse(pattern), False):
                return (
                    f"its pattern {pattern[:80]!r} repeats a repetition or alternatives, which can take unbounded time."
                )
        except (re.error, RecursionError, OverflowError):
            return f"its pattern {pattern[:80]!r} is not a regular expression."
    return None


def _path(error: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "the top level"
