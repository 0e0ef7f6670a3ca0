"""The VC data model's rules, one implementation for issuer and verifier: URL ids, typed objects, language values,
dates, subjects, relatedResource digests and JSON Schemas (1EdTech's Open Badges 3.0 schema shipped)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from microcred.trust import vcmodel
from microcred.trust.loader import bundled

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
OB3_SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


def credential(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": [vcmodel.V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "name": "Ana"},
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("https://example.org/credentials/1", True),
        ("did:example:ebfeb1f712ebc6f1c276e12ec21", True),
        ("urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33", True),
        ("did:example:schemas/1", True),
        ("https://é.example/ü", True),  # an IRI
        ("https ://not-a-url/vcs/1", False),  # the W3C suite's: a space in the scheme
        ("https://x.org/a b", False),
        ("https://x.org/%zz", False),
        ("https://x.org:99x/", False),
        ("http://", False),
        ("nothing", False),
        ("", False),
        (["https://a.example"], False),
        (None, False),
        (2, False),
        ("https://a.example/" + "a" * 3000, False),
    ],
)
def test_urls_are_absolute_urls_with_a_scheme_and_no_forbidden_characters(value: Any, url: bool) -> None:
    assert vcmodel.is_url(value) is url


def test_a_credential_that_keeps_the_model_has_no_problems() -> None:
    assert vcmodel.credential_problems(credential()) == []
    v1 = credential(**{"@context": [vcmodel.V1], "issuanceDate": "2010-01-01T19:23:24"})  # VC 1.1: zone optional
    assert vcmodel.credential_problems(v1) == []
    assert (
        "issuanceDate is required"
        in vcmodel.credential_problems({k: v for k, v in v1.items() if k != "issuanceDate"})[0]
    )


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"@context": ["https://example.org/ctx"]}, "@context must be a list that starts with"),
        ({"@context": [vcmodel.V2, "https ://not-a-url/contexts/example/v1"]}, "is not a URL"),
        ({"@context": [vcmodel.V2, 123192875]}, "only URLs and context objects"),
        ({"type": ["Diploma"]}, "type must include VerifiableCredential"),
        ({"type": ["VerifiableCredential", 2]}, "type must be terms or URLs"),
        ({"id": "https ://not-a-url"}, "id must be a URL"),
        ({"id": ["urn:uuid:1", "urn:uuid:2"]}, "id must be a single URL"),
        ({"issuer": None}, "issuer is required"),
        ({"issuer": "not a url"}, "issuer must be a URL"),
        ({"issuer": {"id": None}}, "issuer must be a URL"),
        ({"credentialSubject": {}}, "credentialSubject must be an object"),
        ({"credentialSubject": [{"name": "a"}, {}]}, "credentialSubject must be an object"),
        ({"credentialSubject": {"id": ["did:example:1", "did:example:2"]}}, "credentialSubject.id must be a single"),
        ({"name": {"@value": "X", "@language": "en", "url": "x"}}, "property it may not have ('url')"),
        ({"description": [{"@value": "X"}, {"value": "Y"}]}, "description must be a string or a language value"),
        ({"name": {"@value": "X", "@language": "not a tag"}}, "must be a language tag"),
        ({"name": {"@value": "X", "@direction": "up"}}, "must be ltr or rtl"),
        ({"issuer": {"id": "did:example:i", "name": {"@value": "I", "x": 1}}}, "issuer.name is a language value"),
        ({"validFrom": "2026-01-01T00:00:00"}, "validFrom must be an XML Schema dateTimeStamp"),  # no zone
        ({"validUntil": "tomorrow"}, "validUntil must be an XML Schema dateTimeStamp"),
        ({"validFrom": "2026-02-30T00:00:00Z"}, "validFrom must be"),  # no such day
        ({"validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z"}, "validUntil is before"),
        ({"credentialStatus": {"id": "https://s.example/1"}}, "credentialStatus must state its type"),
        ({"credentialStatus": {"type": 2}}, "credentialStatus.type must be a term or a URL"),
        ({"credentialStatus": {"type": "X", "id": ["a:1", "a:2"]}}, "credentialStatus.id must be a single URL"),
        ({"termsOfUse": {"id": "https://t.example"}}, "termsOfUse must state its type"),
        ({"evidence": [{"type": "E"}, {}]}, "evidence[1] must state its type"),
        ({"evidence": ["https://e.example"]}, "evidence[0] must be an object, not str"),
        ({"refreshService": {"id": "https://r.example"}}, "refreshService must state its type"),
        ({"credentialSchema": {"id": "https://s.example"}}, "credentialSchema must state its type"),
        ({"credentialSchema": {"type": "JsonSchema"}}, "credentialSchema.id must be a URL"),
        ({"credentialSchema": {"type": "JsonSchema", "id": "https ://s"}}, "credentialSchema.id must be a URL"),
        ({"proof": {"cryptosuite": "eddsa-rdfc-2022"}}, "proof must state its type"),
        ({"relatedResource": ["https://r.example"]}, "relatedResource[0] must be an object with an id"),
        ({"relatedResource": {"digestSRI": "sha384-" + "A" * 64}}, "must name the resource"),
        ({"relatedResource": {"id": "https://r.example"}}, "must carry a digestSRI or a digestMultibase"),
        ({"relatedResource": {"id": "https://r.example", "digestSRI": "sha384-_rCV"}}, "digestSRI must be an SRI"),
        ({"relatedResource": {"id": "https://r.example", "digestSRI": "md5-" + "A" * 24}}, "digestSRI must be"),
        ({"relatedResource": {"id": "https://r.example", "digestMultibase": "xabc"}}, "digestMultibase must be"),
        ({"relatedResource": {"id": "https://r.example", "digestMultibase": "uAAAA"}}, "digestMultibase must be"),
        (
            {"relatedResource": [{"id": "https://r.example", "digestMultibase": "u" + "A" * 43}] * 2},
            "is listed twice",
        ),
    ],
)
def test_each_rule_broken_is_named(changes: dict[str, Any], why: str) -> None:
    problems = vcmodel.credential_problems(credential(**changes))
    assert any(why in problem for problem in problems), problems


def test_language_values_strings_and_objects_in_several_languages_are_accepted() -> None:
    for value in (
        "Dog",
        {"@value": "Dog", "@language": "en"},
        {"@value": "Dog", "@language": "en", "@direction": "ltr"},
        [{"@value": "Dog", "@language": "en"}, {"@value": "Chien", "@language": "fr-BE"}],
    ):
        assert vcmodel.credential_problems(credential(name=value, description=value)) == [], value
        assert vcmodel.credential_problems(credential(issuer={"id": "did:example:i", "name": value})) == []


def test_typed_objects_with_a_type_and_optional_url_ids_are_accepted() -> None:
    document = credential(
        credentialStatus={"id": "did:example:status", "type": "CredentialStatusList2017"},
        termsOfUse=[{"type": "OdrlPolicy2017", "id": "did:example:terms/1"}, {"type": "IssuerPolicy"}],
        evidence=[{"type": "DocumentVerification2018"}, {"type": ["Evidence"], "id": "https://e.example/1"}],
        refreshService={"type": "ManualRefreshService2018"},
        credentialSchema=[{"type": "JsonSchema", "id": "https://s.example/1"}, {"type": "X", "id": "did:example:s"}],
        proof={"type": "DataIntegrityProof"},
    )
    assert vcmodel.credential_problems(document) == []


def digests(content: bytes) -> dict[str, str]:
    sha384 = hashlib.sha384(content).digest()
    sha256 = hashlib.sha256(content).digest()
    return {
        "sri": "sha384-" + base64.b64encode(sha384).decode(),
        "raw": "u" + base64.urlsafe_b64encode(sha256).decode().rstrip("="),  # the W3C suite's form: bare SHA-256
        "multihash": "u" + base64.urlsafe_b64encode(bytes([0x12, 0x20]) + sha256).decode().rstrip("="),
    }


def test_related_resource_digests_are_checked_against_the_bytes() -> None:
    content = json.dumps(bundled()[vcmodel.V2]).encode()
    made = digests(content)
    for field, value in (
        ("digestSRI", made["sri"]),
        ("digestMultibase", made["raw"]),
        ("digestMultibase", made["multihash"]),
    ):
        entry = {"id": vcmodel.V2, field: value}
        assert vcmodel.related_resource_problems(entry) == []
        assert vcmodel.digest_problem(entry, content) is None
        changed = vcmodel.digest_problem(entry, content + b" ")
        assert changed is not None and "does not have the" in changed and "changed since it was issued" in changed
    both = {"id": vcmodel.V2, "digestSRI": made["sri"], "digestMultibase": digests(b"other")["raw"]}
    assert vcmodel.digest_problem(both, content) is not None  # every digest stated must hold
    assert vcmodel.multibase_digest("z" + "1" * 2) is None
    assert vcmodel.sri_digests(f"{made['sri']} sha256-{base64.b64encode(hashlib.sha256(content).digest()).decode()}")


def test_the_open_badges_schema_is_shipped_and_validates_1edtechs_examples() -> None:
    schema = vcmodel.bundled_schema(OB3_SCHEMA_URL)
    shared = json.loads((FIXTURES / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    assert schema == shared and vcmodel.bundled_schema(shared["$id"]) == shared
    assert vcmodel.bundled_schema("https://example.org/schema.json") is None
    complete = json.loads((FIXTURES / "ob3" / "1edtech" / "complete.json").read_text())
    assert [e["id"] for e in vcmodel.json_schemas(complete)] == [OB3_SCHEMA_URL]
    assert vcmodel.schema_problems(complete, schema, OB3_SCHEMA_URL) == []
    broken = {**complete, "credentialSubject": {**complete["credentialSubject"], "achievement": "a badge"}}
    [problem] = vcmodel.schema_problems(broken, schema, OB3_SCHEMA_URL)
    assert "breaks its schema" in problem and "credentialSubject.achievement" in problem


def test_json_schema_2020_12_is_the_default_and_bad_schemas_are_named() -> None:
    schema = {"type": "object", "properties": {"credentialSubject": {"required": ["age"]}}}
    [problem] = vcmodel.schema_problems(credential(), schema, "https://s.example/1")
    assert "'age' is a required property" in problem and "at credentialSubject" in problem
    assert vcmodel.schema_problems(credential(credentialSubject={"age": 3}), schema, "https://s.example/1") == []
    assert "not a valid JSON Schema" in vcmodel.schema_problems(credential(), {"type": 5}, "u")[0]
    remote = vcmodel.schema_problems(credential(), {"$ref": "https://elsewhere.example/s.json"}, "u")[0]
    assert "cannot be had" in remote  # never fetched by the validator
    wrapped = {"credentialSubject": {"jsonSchema": schema}}
    entry = {"id": "https://s.example/c", "type": "JsonSchemaCredential"}
    assert vcmodel.schema_of(entry, wrapped) == schema
    assert "is not a JSON Schema" in str(vcmodel.schema_of(entry, {"credentialSubject": {}}))


def test_types_the_contexts_do_not_define_are_found() -> None:
    from microcred.trust.loader import document_loader

    v1 = credential(**{"@context": [vcmodel.V1], "issuanceDate": "2020-03-16T22:37:26Z"})
    v1["type"] = ["VerifiableCredential", "InvalidType"]
    assert vcmodel.undefined_types(v1, document_loader()) == ["InvalidType"]
    v1["credentialSubject"] = {"id": "did:example:s", "type": "AlsoUndefined"}
    assert vcmodel.undefined_types(v1, document_loader()) == ["AlsoUndefined", "InvalidType"]
    examples = {**v1, "@context": [vcmodel.V1, "https://www.w3.org/ns/credentials/examples/v2"]}
    assert vcmodel.undefined_types(examples, document_loader()) == []  # its @vocab defines every term
    assert vcmodel.undefined_types({**v1, "type": ["VerifiableCredential", "https://e.org/T"]}, document_loader()) == [
        "AlsoUndefined"
    ]


def test_a_schemas_ref_is_never_fetched_by_the_validator() -> None:
    """A schema comes from the issuer's side: its `$ref` to a URL (here a server on loopback, as an internal
    service would be) must not make the verifier fetch it, bypassing the Fetcher's refusal of private addresses."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            asked.append(self.path)
            body = b'{"type": "object"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/internal/schema.json"
        [problem] = vcmodel.schema_problems(credential(), {"$ref": url}, "https://s.example/1")
        nested = {"properties": {"credentialSubject": {"$ref": url}}}
        assert vcmodel.schema_problems(credential(), nested, "https://s.example/1")
    finally:
        server.shutdown()
        server.server_close()
    assert asked == [] and "cannot be had" in problem


@pytest.mark.parametrize(
    "schema",
    [
        {"properties": {"credentialSubject": {"properties": {"name": {"pattern": "^(a+)+$"}}}}},
        {"properties": {"credentialSubject": {"properties": {"name": {"pattern": "^(a|aa)*$"}}}}},
        {"properties": {"credentialSubject": {"patternProperties": {"^(a*)*$": {"type": "string"}}}}},
    ],
)
def test_a_schemas_catastrophic_pattern_is_refused_not_run(schema: dict[str, Any]) -> None:
    """ReDoS: a pattern with nested or ambiguous repetition, matched against a crafted value, backtracks for
    exponential time; the schema is named as one that cannot be checked safely instead."""
    import time

    hostile = credential(credentialSubject={"name": "a" * 28 + "!", "a" * 28 + "!": "x"})
    started = time.monotonic()
    [problem] = vcmodel.schema_problems(hostile, schema, "https://s.example/1")
    assert time.monotonic() - started < 1
    assert "pattern" in problem and "https://s.example/1" in problem
    plain = {"properties": {"credentialSubject": {"properties": {"name": {"pattern": "^[a-z]+@[a-z]+\\.[a-z]{2,}$"}}}}}
    [mismatch] = vcmodel.schema_problems(hostile, plain, "https://s.example/1")
    assert "does not match" in mismatch


def test_unique_items_is_checked_in_linear_time_with_json_schemas_equality() -> None:
    """jsonschema compares objects in an array pairwise: 5,000 of them took a minute. Equality stays JSON
    Schema's: 1 and 1.0 are the same, true and 1 are not, an object's member order does not matter."""
    import time

    schema = {"properties": {"credentialSubject": {"properties": {"l": {"uniqueItems": True}}}}}
    many = credential(credentialSubject={"l": [{"a": i} for i in range(5000)]})
    started = time.monotonic()
    assert vcmodel.schema_problems(many, schema, "https://s.example/1") == []
    assert time.monotonic() - started < 2
    for items, unique in [
        ([1, 1.0], False),
        ([True, 1], True),
        ([0, False], True),
        ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),
        ([[1], [True]], True),
        (["a", "b"], True),
    ]:
        problems = vcmodel.schema_problems(credential(credentialSubject={"l": items}), schema, "https://s.example/1")
        assert (problems == []) is unique, items
        assert unique or "more than once" in problems[0]
