"""RDFC through templates gives pyld's bytes: on every W3C vector document, on Open Badges credentials
whose values and shape hypothesis varies, and where values steer the expansion (types, relative and
blank-node ids, terms)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.design.documents import Provider
from microcred.design.ob3 import to_ob3
from microcred.issuing.documents import Learner, Result, ob3_credential
from microcred.trust import TrustError, rdf_templates
from microcred.trust.canon import canonical_when_hashes_differ, rdfc, reference_rdfc
from microcred.trust.loader import document_loader
from tests.design.fixtures import full

W3C = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "w3c"
EXAMPLES = {
    "https://www.w3.org/ns/credentials/examples/v2": {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    }
}
LOADER = document_loader(EXAMPLES)
OB3_LOADER = document_loader()


def vector_documents() -> list[tuple[str, dict[str, Any]]]:
    """Every JSON-LD object among the W3C vectors, with and without its proof."""
    found = []
    for path in sorted(W3C.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "@context" in data:
            name = str(path.relative_to(W3C))
            found.append((name, data))
            if "proof" in data:
                found.append((name + " unsecured", {k: v for k, v in data.items() if k != "proof"}))
    return found


def no_pyld(_document: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError("pyld was asked to expand a document a template should have served")


def same_as_pyld(document: dict[str, Any], loader: Any = OB3_LOADER) -> None:
    try:
        expected = reference_rdfc(document, loader)
    except TrustError as error:
        with pytest.raises(type(error)):
            rdfc(document, loader)
        return
    assert [rdfc(document, loader) for _ in range(3)] == [expected] * 3


@pytest.mark.parametrize(("name", "document"), vector_documents(), ids=[n for n, _ in vector_documents()])
def test_every_w3c_vector_document_canonicalizes_as_pyld_does(name: str, document: dict[str, Any]) -> None:
    same_as_pyld(document, LOADER)


def test_a_shape_seen_before_is_served_from_its_template_without_pyld() -> None:
    unsigned = json.loads((W3C / "vc-di-eddsa" / "TestVectors" / "unsigned.json").read_text())
    same_as_pyld(unsigned, LOADER)
    other = copy.deepcopy(unsigned)
    other["id"] = "urn:uuid:7f3c2a54-3c43-4a53-9a6c-2f6d9b4a8a11"
    other["credentialSubject"]["alumniOf"] = 'The "Other" School\\\n'
    quads = rdf_templates.quads(other, LOADER, no_pyld)
    assert quads is not None and canonical_when_hashes_differ(quads) == reference_rdfc(other, LOADER)


def credential(**changes: Any) -> dict[str, Any]:
    achievement = to_ob3(
        full(),
        provider=Provider(id="https://mc.example/catalogue/providers/zed", name="Uni Zed", homepage=None),
        skill_labels={},
        achievement_id="https://mc.example/catalogue/1/editions/1",
        version=1,
    )
    document = ob3_credential(
        credential_id="urn:uuid:bb08272b-f09b-4b65-b500-ff8c26cedf3a",
        issuer={"id": "did:web:mc.example:orgs:zed", "type": ["Profile"], "name": "Uni Zed"},
        achievement=achievement,
        learner=Learner(name="Ana Andromeda", email="ana@example.org"),
        result=Result(awarded=date(2026, 11, 20), grade="Pass"),
        valid_from="2026-11-23T10:00:00Z",
    )
    document["credentialStatus"] = {
        "id": "https://mc.example/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://mc.example/status/1",
    }
    document.update(changes)
    return document


# Values that land in the RDF as written, and values that steer the expansion and must never be filled in.
IRIS = st.one_of(
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9/#]{0,12}", fullmatch=True),
    st.sampled_from(["relative/id", "_:b7", "Profile", "xsd:string", "did:web:mc.example:orgs:zed", "a b:c", ""]),
)
TEXT = st.text(max_size=30) | st.sampled_from(['"quoted"', "back\\slash", "line\nbreak", "tab\t", "Pass", "Ana"])
TYPES = st.lists(
    st.sampled_from(["Achievement", "Profile", "https://types.example/Badge", "ext:Thing", "Result"]),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    credential_id=IRIS,
    issuer_id=IRIS,
    name=TEXT,
    grade=st.none() | TEXT,
    email=st.booleans(),
    achievement_types=TYPES,
    valid_from=st.sampled_from(["2026-11-23T10:00:00Z", "not a date", "2026-01-01"]),
    status_index=st.integers(min_value=0, max_value=131_071).map(str) | TEXT,
)
def test_varied_open_badges_credentials_canonicalize_as_pyld_does(
    credential_id: str,
    issuer_id: str,
    name: str,
    grade: str | None,
    email: bool,
    achievement_types: list[str],
    valid_from: str,
    status_index: str,
) -> None:
    document = credential(id=credential_id, validFrom=valid_from)
    document["issuer"]["id"] = issuer_id
    subject = document["credentialSubject"]
    subject["identifier"][0]["identityHash"] = name
    if not email:
        subject["identifier"] = subject["identifier"][:1]
    if grade is None:
        subject.pop("result")
    else:
        subject["result"][0]["value"] = grade
    subject["achievement"]["type"] = achievement_types
    document["credentialStatus"]["statusListIndex"] = status_index
    same_as_pyld(document)


def test_values_that_steer_the_expansion_get_their_own_template() -> None:
    base = credential()
    same_as_pyld(base)
    for change in (
        lambda d: d["credentialSubject"]["achievement"].update(type=["Profile"]),  # another scoped context
        lambda d: d.update(id="relative-id"),  # a relative id: its quads are dropped
        lambda d: d["issuer"].update(id="_:issuer"),  # a blank node
        lambda d: d["issuer"].update(id="xsd:decimal"),  # a compact IRI a context defines
        lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64),
    ):
        changed = copy.deepcopy(base)
        change(changed)
        same_as_pyld(changed)


def test_equal_blank_nodes_are_left_to_the_full_algorithm() -> None:
    document = credential()
    twin = dict(document["credentialSubject"]["identifier"][0])
    document["credentialSubject"]["identifier"] = [twin, dict(twin)]  # two identical blank nodes
    same_as_pyld(document)
    quads = rdf_templates.quads(document, OB3_LOADER, no_pyld)
    assert quads is not None and canonical_when_hashes_differ(quads) is None


def test_embedded_contexts_and_foreign_loaders_are_left_to_pyld() -> None:
    embedded = credential()
    embedded["credentialSubject"]["@context"] = {"note": "https://example.org/note"}
    embedded["credentialSubject"]["note"] = "hello"
    same_as_pyld(embedded)
    assert rdf_templates.quads(embedded, OB3_LOADER, no_pyld) is None

    def foreign(url: str, options: Any = None) -> dict[str, Any]:
        return OB3_LOADER(url, options)

    plain = credential()
    same_as_pyld(plain, foreign)
    assert rdf_templates.quads(plain, foreign, no_pyld) is None


def test_json_literals_and_datatypes_are_never_filled_in() -> None:
    loader = document_loader(
        {
            "https://example.org/json-context": {
                "@context": {"data": {"@id": "https://example.org/data", "@type": "@json"}, "@vocab": "urn:v:"}
            }
        }
    )
    for value, datatype in (("first", "https://example.org/A"), ('second "one"', "https://example.org/B")):
        document = {
            "@context": ["https://example.org/json-context"],
            "@id": "urn:uuid:00000000-0000-0000-0000-000000000001",
            "data": {"text": value, "list": [value, 1]},
            "when": {"@value": value, "@type": datatype},
        }
        same_as_pyld(document, loader)


def test_numbers_typed_double_are_never_filled_in() -> None:
    """pyld writes a string typed xsd:double in canonical form ("8" → "8.0E0"): such values steer the output."""
    for score in ("8", "7.5", "8", "1e3", "not a number"):
        document = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {
                "id": "did:example:learner",
                "https://example.org/score": {"@value": score, "@type": "http://www.w3.org/2001/XMLSchema#double"},
            },
        }
        same_as_pyld(document, document_loader())
