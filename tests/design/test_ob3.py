"""Specifications as Open Badges 3.0 achievements, and back; an edubadges micro-credential imports."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from microcred.design import ob3

from .fixtures import PROVIDER, SKILL, back, full

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def test_the_ob3_achievement_validates_against_the_1edtech_schema() -> None:
    schema = json.loads((SHARED / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    achievement_schema = {**schema, "$ref": "#/$defs/Achievement"}
    achievement_schema.pop("properties", None)
    achievement_schema.pop("required", None)
    document = ob3.to_ob3(full(), provider=PROVIDER, skill_labels={}, version=3)
    validator = jsonschema.Draft201909Validator(achievement_schema)
    assert list(validator.iter_errors(document)) == []
    assert document["achievementType"] == "MicroCredential" and document["version"] == "3"
    assert {a["targetType"] for a in document["alignment"]} >= {"ext:EQF", "ext:QualityAssurance", "ceasn:Competency"}
    broken = {**document, "achievementType": 7}
    assert list(validator.iter_errors(broken))


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


def test_annex_i_elements_ob3_has_no_term_for_are_extension_terms() -> None:
    document = ob3.to_ob3(full(), provider=PROVIDER, skill_labels={SKILL: "stimulate creativity in the team"})
    assert document["id"].startswith("urn:uuid:") and "version" not in document
    assert document["creator"]["address"] == {
        "type": ["Address"],
        "addressCountryCode": "IE",
        "addressCountry": "Ireland",
        "addressRegion": "Leinster",
    }
    assert (document["participationType"], document["supervisionType"], document["identityChecked"]) == (
        "blended",
        "supervised_online_id",
        True,
    )
    assert document["ECTS"] == 2.5 and document["studyLoad"] == "62.5" and document["creditsAvailable"] == 2.5
    skill = next(a for a in document["alignment"] if a["targetType"] == "ceasn:Competency")
    assert skill["targetName"] == "stimulate creativity in the team"
    assert all(value != [] for value in document.values())  # no empty lists: they would sign as nothing
    nqf = next(a for a in document["alignment"] if a["targetType"] == "ext:NQF")
    assert nqf["targetUrl"].startswith("urn:microcred:nqf:") and nqf["targetCode"] == "8"
