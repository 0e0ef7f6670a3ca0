"""Specifications as ELM learning opportunities, and back; the Commission's Annex I sample imports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from microcred.design import elm
from microcred.errors import InvalidInput

from .fixtures import OTHER_SKILL, PROVIDER, SKILL, back, full

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def test_the_elm_export_has_the_shape_of_the_commission_sample() -> None:
    document = elm.to_elm(full(), provider=PROVIDER, skill_labels={SKILL: "stimulate creativity in the team"})
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
        "inScheme": {"id": elm.ESCO_SCHEME, "type": "ConceptScheme"},
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
    document = elm.to_elm(full(), provider=PROVIDER, skill_labels={})
    nodes = [n for n in _nodes(document) if n.get("type") not in ("ConceptScheme",)]
    assert all("id" in node for node in nodes)
    urns = [n["id"] for n in nodes if n["id"].startswith("urn:epass:")]
    assert len(urns) == len(set(urns))


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


def test_durations() -> None:
    assert elm.duration_hours("PT60H", field="x") == 60
    assert elm.duration_hours("PT7H30M", field="x") == 7.5
    assert elm.duration_hours("P2W", field="x") == 336
    with pytest.raises(InvalidInput, match="x: 'P' is not"):
        elm.duration_hours("P", field="x")


def test_elements_elm_has_no_property_for_are_notes_naming_them() -> None:
    document = elm.to_elm(full(), provider=PROVIDER, skill_labels={})
    q = document["learningAchievementSpecification"]
    notes = {note["subject"]["id"]: note["noteLiteral"]["en"] for note in q["additionalNote"]}
    assert notes["urn:microcred:note:supervision"] == "Supervised online with identity verification"
    assert notes["urn:microcred:note:towards"] == "stackable: MSc Data Science"
    assert notes["urn:microcred:note:nqf"] == "Irish NFQ Level 8"
    assert notes["urn:microcred:note:needs"] == "Employers in the region ask for data skills."
    assert {subject.removeprefix("urn:microcred:note:") for subject in notes} <= set(elm.NOTE_SUBJECTS)
    assert document["id"].startswith("urn:epass:learningOpportunity:")
    assert document["duration"] == "PT252H" and document["temporal"]["startDate"] == "2027-01-11T00:00:00Z"
