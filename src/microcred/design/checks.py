"""The checks of a specification every design report starts from: Annex I completeness, the only part that
blocks publishing, and the item every check gives (met, missing, a warning, or for information).

Every item says what is met or missing and why it matters, in words an educator can act on. The source is the
Council Recommendation's Annex I; `report.py` puts the whole design report together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microcred.design import vocab
from microcred.design.schemas import CheckItemOut, SpecificationContent
from microcred.design.sizing import number_text

MET, MISSING, WARNING, INFO = "met", "missing", "warning", "info"


@dataclass
class Context:
    """What the checks need beyond the content: the specification's history and the organisation's choices."""

    today: date
    editions: int = 0  # editions published so far
    review_due: date | None = None
    profiles: tuple[str, ...] = ()
    unknown_skills: tuple[str, ...] = ()  # skill URIs that are not in the imported ESCO release


def item(key: str, label: str, ok: bool, met: str, missing: str, *, soft: bool = False) -> CheckItemOut:
    return CheckItemOut(
        key=key, label=label, status=MET if ok else (WARNING if soft else MISSING), message=met if ok else missing
    )


# Annex I ----------


def annex_i(spec: SpecificationContent) -> list[CheckItemOut]:
    """The Annex I elements, mandatory first; learner and date of issuing are filled in when issuing."""
    hours = spec.workload_hours is not None
    return [
        CheckItemOut(
            key="learner",
            label="Identification of the learner",
            status=INFO,
            message="Filled in for each learner when the credential is issued.",
        ),
        item("title", "Title", bool(spec.title), f"“{spec.title}”.", "Give the micro-credential a title."),
        item(
            "issuer_country",
            "Country or region of the issuer",
            spec.issuer_country is not None,
            f"{vocab.country_name(spec.issuer_country or '')}"
            + (f", {spec.issuer_region}" if spec.issuer_region else "")
            + ".",
            "Say in which country (or region) the issuer is established.",
        ),
        item(
            "awarding_bodies",
            "Awarding body or bodies",
            bool(spec.awarding_bodies),
            ", ".join(body.name for body in spec.awarding_bodies) + ".",
            "Name the body or bodies that award the micro-credential.",
        ),
        CheckItemOut(
            key="date_of_issuing",
            label="Date of issuing",
            status=INFO,
            message="Set on each credential when it is issued.",
        ),
        item(
            "learning_outcomes",
            "Learning outcomes",
            bool(spec.learning_outcomes),
            f"{len(spec.learning_outcomes)} learning outcome(s).",
            "State what the learner knows, understands and can do after completing it.",
        ),
        item(
            "workload",
            "Notional workload",
            hours or spec.credits is not None,
            _workload_text(spec),
            "Give the notional workload in hours (and in ECTS credits where possible).",
        ),
        item(
            "level",
            "Level (EQF, NQF, QF-EHEA cycle)",
            spec.eqf_level is not None or spec.nqf is not None,
            _level_text(spec),
            "Give the level: an EQF level 1–8, and the national framework's level if there is one.",
        ),
        item(
            "assessment",
            "Type of assessment",
            spec.assessment is not None,
            vocab.ASSESSMENT_TYPES[spec.assessment.type].label + "." if spec.assessment else "",
            "Say how the learning outcomes are assessed.",
        ),
        item(
            "participation",
            "Form of participation",
            spec.participation is not None,
            vocab.PARTICIPATION[spec.participation].label + "." if spec.participation else "",
            "Say whether learners take part online, onsite, blended, at work or as volunteers.",
        ),
        item(
            "quality_assurance",
            "Type of quality assurance",
            spec.quality_assurance is not None,
            vocab.QA_TYPES[spec.quality_assurance.type].label + "." if spec.quality_assurance else "",
            "Say which quality assurance underpins it (internal, external review, accreditation, …).",
        ),
        _optional("prerequisites", "Prerequisites", spec.prerequisites),
        _optional(
            "supervision",
            "Supervision and identity verification",
            vocab.SUPERVISION[spec.supervision].label if spec.supervision else "",
        ),
        CheckItemOut(
            key="grade", label="Grade achieved", status=INFO, message="Recorded for each learner when issued."
        ),
        _optional(
            "stackability",
            "Integration and stackability",
            stack_text(spec) if spec.stackability else "",
        ),
        _optional("further_information", "Further information", spec.further_information or (spec.homepage or "")),
    ]


MANDATORY = (
    "title",
    "issuer_country",
    "awarding_bodies",
    "learning_outcomes",
    "workload",
    "level",
    "assessment",
    "participation",
    "quality_assurance",
)


def _optional(key: str, label: str, value: str) -> CheckItemOut:
    if value:
        return CheckItemOut(key=key, label=label + " (optional)", status=MET, message=value[:200])
    return CheckItemOut(key=key, label=label + " (optional)", status=INFO, message="Not given (optional).")


def _workload_text(spec: SpecificationContent) -> str:
    parts = []
    if spec.workload_hours is not None:
        parts.append(f"{number_text(spec.workload_hours)} hours")
    if spec.credits is not None:
        parts.append(f"{number_text(spec.credits.value)} {spec.credits.system} credits")
    return " = ".join(parts) + "."


def _level_text(spec: SpecificationContent) -> str:
    parts = []
    if spec.eqf_level is not None:
        parts.append(f"EQF {spec.eqf_level}")
    if spec.nqf is not None:
        parts.append(f"{spec.nqf.framework} level {spec.nqf.level}")
    if spec.qf_ehea_cycle:
        parts.append(vocab.QF_EHEA_LABELS[spec.qf_ehea_cycle])
    return ", ".join(parts) + "."


def stack_text(spec: SpecificationContent) -> str:
    stack = spec.stackability
    assert stack is not None
    if not stack.stackable:
        return "Stand-alone."
    return "Stackable" + (f" towards {stack.towards}" if stack.towards else "") + "."
