"""What the design and catalogue pages show beside a specification: the Annex I elements in the order pages
list them, and every code list with its labels (built once per process)."""

from __future__ import annotations

import functools
from typing import Any

from microcred.design import vocab
from microcred.design.profiles import PROFILES

# What a specification page shows, in order: the Annex I elements first, then what learners also ask.
ANNEX_ELEMENTS = (
    ("title", "Title"),
    ("issuer", "Issuer country or region"),
    ("awarding_bodies", "Awarding body"),
    ("outcomes", "Learning outcomes"),
    ("workload", "Notional workload"),
    ("level", "Level"),
    ("assessment", "Type of assessment"),
    ("participation", "Form of participation"),
    ("quality_assurance", "Quality assurance"),
    ("prerequisites", "Prerequisites"),
    ("supervision", "Supervision and identity verification"),
    ("stackability", "Stackability"),
    ("further_information", "Further information"),
    ("languages", "Language(s)"),
    ("delivery", "Delivery and duration"),
    ("field", "Field (ISCED-F)"),
    ("audiences", "Audience"),
    ("price", "Price"),
    ("offered", "Offered"),
)


@functools.cache
def vocabularies() -> dict[str, Any]:
    """The code lists the design templates show, built once per process."""
    return {
        "countries": vocab.countries(),
        "country_name": vocab.country_name,
        "language_name": vocab.language_name,
        "annex_elements": ANNEX_ELEMENTS,
        "credit_systems": vocab.CREDIT_SYSTEMS,
        "cycles": vocab.QF_EHEA_LABELS,
        "assessment_types": vocab.ASSESSMENT_TYPES,
        "participation": vocab.PARTICIPATION,
        "settings": vocab.LEARNING_SETTINGS,
        "delivery": vocab.DELIVERY,
        "qa_types": vocab.QA_TYPES,
        "supervision": vocab.SUPERVISION,
        "audiences": vocab.AUDIENCES,
        "fields": vocab.ISCED_F,
        "profiles": {key: label for key, (label, _rules) in PROFILES.items()},
    }
