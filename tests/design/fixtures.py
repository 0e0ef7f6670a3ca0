"""Specification contents the design tests share: one with every element, one with only what Annex I needs."""

from __future__ import annotations

from typing import Any

from microcred.design.schemas import SpecificationContent

SKILL = "http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9"  # stimulate creativity in the team
OTHER_SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"  # develop digital content


def annex_i_minimum(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Digital content for teams",
        "issuer_country": "IE",
        "awarding_bodies": [{"name": "University of Zed", "country": "IE"}],
        "learning_outcomes": [{"text": "Develop digital content for a team's project", "skills": [OTHER_SKILL]}],
        "workload_hours": "60",
        "eqf_level": 6,
        "assessment": {"type": "project"},
        "participation": "blended",
        "quality_assurance": {"type": "internal"},
    }
    data.update(changes)
    return data


def full() -> SpecificationContent:
    return SpecificationContent.model_validate(
        {
            "title": "Data analysis with Python",
            "description": "Hands-on analysis of real data sets.",
            "code": "DA-101",
            "languages": ["en", "fr"],
            "issuer_country": "IE",
            "issuer_region": "Leinster",
            "awarding_bodies": [
                {"name": "University of Zed", "country": "IE", "homepage": "https://uniz.example"},
                {"name": "Partner School", "country": "FR"},
            ],
            "learning_outcomes": [
                {"text": "Analyse a data set with pandas and report the findings", "skills": [SKILL, OTHER_SKILL]},
                {"text": "Explain the limits of a statistical summary", "skills": []},
            ],
            "workload_hours": "62.5",
            "credits": {"system": "ECTS", "value": "2.5"},
            "eqf_level": 6,
            "nqf": {"framework": "Irish NFQ", "level": "8"},
            "qf_ehea_cycle": "first",
            "assessment": {
                "type": "project",
                "description": "A project on a public data set, marked against a rubric.",
                "grading": "Pass/fail",
                "open_to_non_attendees": True,
            },
            "participation": "blended",
            "learning_setting": "formal",
            "delivery": "part_time",
            "duration_weeks": "1.5",
            "quality_assurance": {
                "type": "accredited",
                "body": "QQI",
                "description": "Validated by QQI.",
                "url": "https://qqi.example/decisions/1",
            },
            "prerequisites": "Basic Python.",
            "supervision": "supervised_online_id",
            "stackability": {"stackable": True, "partial_qualification": True, "towards": "MSc Data Science"},
            "further_information": "Counts towards the MSc.",
            "homepage": "https://uniz.example/da101",
            "field": "0613",
            "audiences": ["workers", "students"],
            "price": {"amount": "450.00", "currency": "EUR"},
            "needs_evidence": "Employers in the region ask for data skills.",
            "offer_start": "2027-01-11",
            "offer_end": "2027-06-30",
        }
    )
