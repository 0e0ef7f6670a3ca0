"""FORMAT: the fields Open Badges 3.0 requires are 1EdTech's JSON Schema's `required` lists, our verdict agrees with
that schema, and each element the EDC profile makes mandatory is missed by name."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from microcred.verify import checks, formats
from tests.verify.test_checks import ELM, FIXTURES, ONE_EDTECH
from tests.verify.test_fetch import Site, fetcher, site  # noqa: F401, F811 (the fixture serving linked resources)


def test_the_open_badges_fields_we_require_are_the_schemas_required_lists() -> None:
    schema = json.loads((FIXTURES / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    definitions = schema["$defs"]
    assert {
        "credential": schema["required"],
        "profile": definitions["Profile"]["required"],
        "subject": definitions["AchievementSubject"]["required"],
        "achievement": definitions["Achievement"]["required"],
    } == formats.OB3_REQUIRED


def test_each_required_elm_element_missing_is_a_format_error() -> None:
    sealed = checks.parse((ELM / "Sample-MC-Annex1-signed.jsonld").read_bytes())
    payload = json.loads(sealed["payload"])
    assert formats.format_problems(payload, sealed=True) == []
    for name in ("issued", "validFrom", "issuer", "credentialSubject", "@context"):
        broken = {k: v for k, v in payload.items() if k != name}
        assert formats.format_problems(broken, sealed=True), name
    no_claim = {**payload, "credentialSubject": {**payload["credentialSubject"], "hasClaim": []}}
    assert "no claim" in " ".join(formats.format_problems(no_claim, sealed=True))


def test_our_format_verdict_agrees_with_one_edtechs_json_schema() -> None:
    import jsonschema

    schema = json.loads((FIXTURES / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    documents = [
        *(checks.parse(p.read_bytes()) for p in sorted(ONE_EDTECH.glob("*.json"))),
        *(
            checks.parse(p.read_bytes())
            for p in sorted((FIXTURES / "ob3" / "edubadges").glob("*_microcredential_*.json"))
        ),
    ]
    broken = [
        {k: v for k, v in documents[0].items() if k != "validFrom"},
        {**documents[0], "credentialSubject": {"type": ["AchievementSubject"]}},
        {**documents[0], "issuer": "https://example.com/issuers/876543"},  # a URI will do
        {**documents[0], "issuer": {"id": "https://example.com/issuers/876543"}},  # a Profile needs its type
    ]
    for document in [*documents, *broken]:
        ours = not formats.format_problems(document)
        assert ours == validator.is_valid(document), (ours, document.get("id"))


# The VC data model's rules at verify (trust.vcmodel, the issuer's too) and what a credential links to -----------

V2 = "https://www.w3.org/ns/credentials/v2"
OB3_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


def plain(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Ana"},
    }
    data.update(changes)
    return data


def format_of(document: dict[str, Any], sources: checks.Sources | None = None) -> checks.Check:
    return next(c for c in checks.verify(document, sources).checks if c.name == "FORMAT")


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"id": "https ://not-a-url"}, "id must be a URL"),
        ({"evidence": {"id": "https://e.example"}}, "evidence must state its type"),
        ({"termsOfUse": [{"type": "IssuerPolicy"}, {}]}, "termsOfUse[1] must state its type"),
        ({"refreshService": {"id": "https://r.example"}}, "refreshService must state its type"),
        ({"credentialSchema": {"id": "https://s.example"}}, "credentialSchema must state its type"),
        ({"credentialStatus": {"id": "https://s.example/1#1"}}, "credentialStatus must state its type"),
        ({"proof": {"proofValue": "z1"}}, "proof must state its type"),
        ({"name": {"@value": "X", "extra": 1}}, "name is a language value object with a property"),
        ({"relatedResource": {"id": "https://r.example"}}, "must carry a digestSRI or a digestMultibase"),
        ({"validFrom": "2026-01-01"}, "validFrom must be an XML Schema dateTimeStamp"),
        (
            {"@context": ["https://www.w3.org/2018/credentials/v1"], "issuanceDate": "2026-01-01T00:00:00Z"}
            | {"type": ["VerifiableCredential", "InvalidType"], "credentialSubject": {"id": "did:example:s"}},
            "The type 'InvalidType' is not defined",
        ),
    ],
)
def test_each_model_rule_broken_is_a_format_error_at_verify(changes: dict[str, Any], why: str) -> None:
    found = format_of(plain(**changes))
    assert found.outcome == checks.Outcome.ERROR and why in found.detail, found


def test_related_resource_digests_are_checked_against_the_fetched_resource(site: Site) -> None:  # noqa: F811
    content = b'{"@context": {"ex": "https://example.org/"}}\n'
    url = site.serve("/resources/context.jsonld", content)
    sri = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
    sources = checks.Sources(resource=fetcher(site).raw)
    held = format_of(plain(relatedResource=[{"id": url, "digestSRI": sri}]), sources)
    assert held.outcome == checks.Outcome.OK and "matches what it links to" in held.sentence, held
    wrong = "u" + base64.urlsafe_b64encode(hashlib.sha256(b"another").digest()).decode().rstrip("=")
    changed = format_of(plain(relatedResource=[{"id": url, "digestMultibase": wrong}]), sources)
    assert changed.outcome == checks.Outcome.ERROR and "changed since it was issued" in changed.detail, changed
    missing = site.origin + "/resources/gone.jsonld"
    unread = checks.verify(plain(relatedResource=[{"id": missing, "digestSRI": sri}]), sources)
    found = next(c for c in unread.checks if c.name == "FORMAT")
    assert found.outcome == checks.Outcome.WARNING and "could not be read" in found.sentence
    assert "404" in found.detail
    offline = format_of(plain(relatedResource=[{"id": url, "digestSRI": sri}]))  # no fetcher: not checked, said
    assert offline.outcome == checks.Outcome.WARNING and "Nothing is fetched here" in offline.detail


def test_a_json_schema_the_credential_names_is_fetched_and_applied(site: Site) -> None:  # noqa: F811
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"credentialSubject": {"type": "object", "required": ["age"]}},
    }
    url = site.serve("/schemas/age.json", schema)
    sources = checks.Sources(resource=fetcher(site).raw)
    entry = {"id": url, "type": "JsonSchema"}
    broken = format_of(plain(credentialSchema=entry), sources)
    assert broken.outcome == checks.Outcome.ERROR and "'age' is a required property" in broken.detail, broken
    kept = plain(credentialSchema=entry, credentialSubject={"id": "did:example:subject", "age": 21})
    assert format_of(kept, sources).outcome == checks.Outcome.OK
    wrapped = site.serve("/schemas/age-credential.json", {"credentialSubject": {"jsonSchema": schema}})
    as_credential = plain(credentialSchema={"id": wrapped, "type": "JsonSchemaCredential"})
    assert "'age' is a required property" in format_of(as_credential, sources).detail


def test_1edtechs_open_badges_schema_is_applied_without_a_network() -> None:
    complete = checks.parse((ONE_EDTECH / "complete.json").read_bytes())
    assert [e["id"] for e in complete["credentialSchema"]] == [OB3_SCHEMA]
    assert formats.format_problems(complete) == []
    broken = {**complete, "awardedDate": 2024}  # only 1EdTech's schema says what awardedDate is: a string
    problems = formats.format_problems(broken)
    assert any("breaks its schema" in p and "awardedDate" in p for p in problems), problems
