"""Specifications as ELM and Open Badges 3.0 documents, and back; the Commission's Annex I sample imports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.design import documents, vocab
from microcred.design.schemas import SpecificationContent
from microcred.errors import InvalidInput

from .fixtures import OTHER_SKILL, SKILL, full

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
PROVIDER = documents.Provider(id="https://mc.example/catalogue/providers/uniz", name="University of Zed")


def back(document: dict[str, Any]) -> tuple[str, SpecificationContent]:
    kind, data = documents.from_document(json.loads(json.dumps(document)))
    return kind, SpecificationContent.model_validate(data)


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_a_full_specification_survives_the_round_trip(fmt: str) -> None:
    export = documents.to_elm if fmt == "elm" else documents.to_ob3
    kind, content = back(export(full(), provider=PROVIDER, skill_labels={SKILL: "stimulate creativity in the team"}))
    assert kind == fmt
    assert content == full()


contents = st.builds(
    SpecificationContent,
    title=st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=30).map(str.strip).filter(bool),
    eqf_level=st.none() | st.integers(1, 8),
    workload_hours=st.none() | st.decimals("0.1", "2999", places=1),
    participation=st.none() | st.sampled_from(list(vocab.PARTICIPATION)),
    supervision=st.none() | st.sampled_from(list(vocab.SUPERVISION)),
    field=st.none() | st.sampled_from(list(vocab.ISCED_F)),
    audiences=st.lists(st.sampled_from(list(vocab.AUDIENCES)), unique=True, max_size=3),
    languages=st.lists(st.sampled_from(["en", "fr", "de", "ga", "pl"]), unique=True, max_size=3),
    delivery=st.none() | st.sampled_from(list(vocab.DELIVERY)),
)


@settings(max_examples=60, deadline=None)
@given(content=contents, fmt=st.sampled_from(["elm", "ob3"]))
def test_any_specification_survives_the_round_trip(content: SpecificationContent, fmt: str) -> None:
    export = documents.to_elm if fmt == "elm" else documents.to_ob3
    assert back(export(content, provider=PROVIDER, skill_labels={}))[1] == content


def test_the_elm_export_has_the_shape_of_the_commission_sample() -> None:
    document = documents.to_elm(full(), provider=PROVIDER, skill_labels={SKILL: "stimulate creativity in the team"})
    assert document["@context"] == "http://data.europa.eu/snb/model/context/edc-ap"
    assert document["type"] == "LearningOpportunity"
    q = document["learningAchievementSpecification"]
    assert q["type"] == "Qualification"
    assert q["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
    assert q["volumeOfLearning"] == "PT62H30M"
    assert q["creditPoint"][0]["framework"]["id"] == "http://data.europa.eu/snb/education-credit/6fcec5c5af"
    assert q["learningOutcome"][0]["relatedESCOSkill"][0] == {
        "id": SKILL,
        "type": "Concept",
        "prefLabel": {"en": "stimulate creativity in the team"},
        "inScheme": {"id": documents.ESCO_SCHEME, "type": "ConceptScheme"},
    }
    assert q["language"][1]["id"] == "http://publications.europa.eu/resource/authority/language/FRA"
    assert document["providedBy"]["location"]["address"]["countryCode"]["id"].endswith("/country/IRL")
    ids = [node["id"] for node in _nodes(document) if isinstance(node.get("id"), str)]
    assert all(ids) and len(document["id"]) > 0


def _nodes(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found += _nodes(value)
    elif isinstance(node, list):
        for value in node:
            found += _nodes(value)
    return found


def test_every_elm_node_has_an_id_and_urn_ids_are_unique() -> None:
    document = documents.to_elm(full(), provider=PROVIDER, skill_labels={})
    nodes = [n for n in _nodes(document) if n.get("type") not in ("ConceptScheme",)]
    assert all("id" in node for node in nodes)
    urns = [n["id"] for n in nodes if n["id"].startswith("urn:epass:")]
    assert len(urns) == len(set(urns))


def test_the_ob3_achievement_validates_against_the_1edtech_schema() -> None:
    schema = json.loads((SHARED / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    achievement_schema = {**schema, "$ref": "#/$defs/Achievement"}
    achievement_schema.pop("properties", None)
    achievement_schema.pop("required", None)
    document = documents.to_ob3(full(), provider=PROVIDER, skill_labels={}, version=3)
    validator = jsonschema.Draft201909Validator(achievement_schema)
    assert list(validator.iter_errors(document)) == []
    assert document["achievementType"] == "MicroCredential" and document["version"] == "3"
    assert {a["targetType"] for a in document["alignment"]} >= {"ext:EQF", "ext:QualityAssurance", "ceasn:Competency"}
    broken = {**document, "achievementType": 7}
    assert list(validator.iter_errors(broken))


def test_the_commission_annex_i_sample_imports_with_its_annex_i_elements() -> None:
    sample = json.loads((SHARED / "elm" / "Sample-MC-Annex1-unsigned.jsonld").read_text())
    kind, content = back(sample)
    assert kind == "elm"
    assert content.title == "Digital micro-credential creation"
    assert content.issuer_country == "IE"
    assert [b.name for b in content.awarding_bodies] == ["University of Zed"]
    assert [o.text for o in content.learning_outcomes] == [
        "Communication, collaboration and creativity",
        "Developing digital content",
    ]
    assert content.learning_outcomes[1].skills == [OTHER_SKILL]
    assert len(content.learning_outcomes[0].skills) == 3
    assert content.workload_hours == 60 and content.credits is not None and content.credits.system == "ECTS"
    assert content.credits.value == 2
    assert content.eqf_level == 6 and content.nqf is not None and content.nqf.framework == "RQF"
    assert content.assessment is not None and content.assessment.type == "project"
    assert content.assessment.grading == "Standard grading"
    assert content.participation == "blended" and content.learning_setting == "non_formal"
    assert content.supervision == "unsupervised_no_id"
    assert content.prerequisites.startswith("The learner needs to have an EDC Online Credential Builder account")
    assert content.stackability is not None and not content.stackability.partial_qualification
    assert content.languages == ["en"] and content.field == "003"
    # The sample carries no quality assurance (no Accreditation on its Qualification): that stays missing.
    assert content.quality_assurance is None


def test_an_edubadges_micro_credential_imports() -> None:
    edubadge = json.loads((SHARED / "ob3" / "edubadges" / "theed_microcredential_full_ho.json").read_text())
    kind, content = back(edubadge)
    assert kind == "ob3"
    assert content.title.startswith("Minor: Jedi Mind Control")
    assert content.eqf_level == 4
    assert content.credits is not None and content.credits.system == "ECTS" and content.credits.value == 3
    assert content.participation == "blended" and content.supervision == "supervised_onsite_id"
    assert (
        content.quality_assurance is not None
        and content.quality_assurance.url == "https://data.example.com/decisions/AV-4223"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"type": "Person"}', "neither an ELM document"),
        (
            b'{"@context": "http://data.europa.eu/snb/model/context/edc-ap", "type": "LearningOpportunity"}',
            "learningAchievementSpecification",
        ),
        (b'{"type": ["VerifiableCredential", "EuropeanDigitalCredential"], "credentialSubject": {}}', "specifiedBy"),
        (
            b'{"type": "Qualification", "title": {"en": "x"}, "volumeOfLearning": "sixty hours"}',
            "volumeOfLearning",
        ),
        (b'{"type": "Qualification", "mode": {"id": "urn:x", "prefLabel": {"en": "telepathy"}}}', "mode"),
        (b'{"type": ["OpenBadgeCredential"], "credentialSubject": {"id": "x"}}', "achievement"),
        (b'{"type": "Qualification", "creditPoint": {"framework": "ECTS", "point": 2}}', "structure"),
        (b"{" + b'"a": 1,' * 1_000_000 + b'"b": 2}', "larger than"),
    ],
)
def test_documents_that_are_not_elm_or_ob3_are_refused_with_the_reason(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        documents.from_document(documents.load_document(raw))
    assert message in raised.value.detail


def test_durations() -> None:
    assert documents.duration_hours("PT60H", field="x") == 60
    assert documents.duration_hours("PT7H30M", field="x") == 7.5
    assert documents.duration_hours("P2W", field="x") == 336
    with pytest.raises(InvalidInput, match="x: 'P' is not"):
        documents.duration_hours("P", field="x")
