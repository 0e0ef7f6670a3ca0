"""The design report: Annex I completeness, the ETF checklist, learning-outcome lint, size, framework profiles.

Only Annex I blocks publishing; the rest is advice (a framework profile an organisation switched on is reported
rule by rule, each failure with its reason). The sources are the Council Recommendation's Annex I, the ETF guide
(Table 2 for sizes, Table 3 for the checklist), the European MOOC Consortium's Common Microcredential
Framework and New Zealand's NZQA rules; see ../shared/seeds/ in development.
"""

from __future__ import annotations

from microcred.design.checks import MANDATORY, MISSING, Context, annex_i
from microcred.design.etf import etf_checklist
from microcred.design.outcome_lint import lint_outcomes
from microcred.design.profiles import profiles
from microcred.design.schemas import ReportOut, SpecificationContent
from microcred.design.sizing import size


def report(spec: SpecificationContent, context: Context) -> ReportOut:
    annex = annex_i(spec)
    blocking = [f"{item.label}: {item.message}" for item in annex if item.key in MANDATORY and item.status == MISSING]
    if context.unknown_skills:
        blocking.append("Learning outcomes name skills that are not in ESCO: " + ", ".join(context.unknown_skills[:5]))
    return ReportOut(
        publishable=not blocking,
        blocking=blocking,
        annex_i=annex,
        etf=etf_checklist(spec, context),
        outcomes=lint_outcomes(spec),
        size=size(spec),
        profiles=profiles(spec, context.profiles),
    )
