"""Framework profiles an organisation switches on: the European MOOC Consortium's Common Microcredential
Framework and New Zealand's NZQA rules, reported rule by rule, each failure with its reason (see
../shared/seeds/ in development)."""

from __future__ import annotations

import re

from microcred.design.checks import MET, MISSING, WARNING, item
from microcred.design.schemas import CheckItemOut, ProfileOut, SpecificationContent
from microcred.design.sizing import number_text
from microcred.inputs import is_digits


def _rule(key: str, label: str, ok: bool, reason: str) -> CheckItemOut:
    return item(key, label, ok, "Met.", reason)


def _cmf(spec: SpecificationContent) -> list[CheckItemOut]:
    hours = spec.workload_hours
    a = spec.assessment
    return [
        _rule(
            "hours",
            "100–150 hours of study",
            hours is not None and 100 <= hours <= 150,
            "The CMF requires 100 to 150 hours; this has "
            + (f"{number_text(hours)} h." if hours is not None else "none."),
        ),
        _rule(
            "level",
            "EQF level 5, 6 or 8",
            spec.eqf_level in (5, 6, 8),
            "The CMF levels micro-credentials at EQF 5/6 or 8; this is "
            + (f"EQF {spec.eqf_level}." if spec.eqf_level else "not levelled."),
        ),
        _rule(
            "summative",
            "Summative assessment giving credit",
            a is not None and a.type not in ("none", "self", "peer") and spec.credits is not None,
            "The CMF needs a summative assessment (not self- or peer-assessment only) that awards credit.",
        ),
        _rule(
            "ects",
            "Credit in ECTS",
            spec.credits is not None and spec.credits.system == "ECTS",
            "The CMF awards credit in ECTS.",
        ),
        _rule(
            "id_verification",
            "Reliable ID verification at assessment",
            spec.supervision in ("supervised_online_id", "supervised_onsite_id"),
            "The CMF requires a reliable method of identity verification at the point of assessment.",
        ),
        _rule(
            "transcript",
            "Transcript: outcomes, hours, EQF level, credits",
            bool(spec.learning_outcomes)
            and hours is not None
            and spec.eqf_level is not None
            and spec.credits is not None,
            "The CMF transcript states the learning outcomes, study hours, EQF level and credits: give all four.",
        ),
    ]


def _nz(spec: SpecificationContent) -> list[CheckItemOut]:
    hours = spec.workload_hours
    nz_credits = (
        spec.credits.value
        if spec.credits and spec.credits.system == "NZ"
        else (hours / 10 if hours is not None else None)
    )
    nqf_level = spec.nqf.level if spec.nqf and re.search(r"new zealand|nzqcf|nzqf", spec.nqf.framework, re.I) else None
    return [
        _rule(
            "min_credit",
            "At least 1 credit (10 hours)",
            nz_credits is not None and nz_credits >= 1,
            "NZQA micro-credentials have at least one credit (10 learning hours)"
            + (f"; this has {number_text(nz_credits)}." if nz_credits is not None else "; give the workload."),
        ),
        CheckItemOut(
            key="typical_size",
            label="Typically 5–40 credits",
            status=MET if nz_credits is not None and 5 <= nz_credits <= 40 else WARNING,
            message="Met."
            if nz_credits is not None and 5 <= nz_credits <= 40
            else "NZ micro-credentials are typically 5 to 40 credits (50–400 hours); check that the size fits.",
        ),
        _rule(
            "level",
            "NZQCF level 1–10",
            nqf_level is not None and is_digits(nqf_level) and 1 <= int(nqf_level) <= 10,
            "List it at a New Zealand Qualifications and Credentials Framework level from 1 to 10 "
            "(national framework 'NZQCF').",
        ),
        _rule(
            "outcomes",
            "Learning outcomes stated",
            bool(spec.learning_outcomes),
            "NZQA requires clear learning outcomes.",
        ),
        _rule(
            "need",
            "Evidence of industry or community need",
            bool(spec.needs_evidence),
            "NZQA requires strong evidence of need from industry, employers, workers or the community.",
        ),
        _rule(
            "assessment",
            "Assessment component",
            spec.assessment is not None and spec.assessment.type != "none",
            "NZQA micro-credentials include an assessment component.",
        ),
    ]


PROFILES = {
    "cmf": ("European MOOC Consortium: Common Microcredential Framework", _cmf),
    "nz": ("New Zealand (NZQA) micro-credentials", _nz),
}


def profiles(spec: SpecificationContent, chosen: tuple[str, ...]) -> list[ProfileOut]:
    results = []
    for key in chosen:
        label, rules = PROFILES[key]
        items = rules(spec)
        results.append(ProfileOut(key=key, label=label, passed=all(i.status != MISSING for i in items), rules=items))
    return results
