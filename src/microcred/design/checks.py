"""The design report: Annex I completeness, the ETF checklist, learning-outcome lint, size, framework profiles.

Every item says what is met or missing and why it matters, in words an educator can act on. Only Annex I
blocks publishing; the rest is advice (a framework profile an organisation switched on is reported rule by
rule, each failure with its reason). The sources are the Council Recommendation's Annex I, the ETF guide
(Table 2 for sizes, Table 3 for the checklist), the European MOOC Consortium's Common Microcredential
Framework and New Zealand's NZQA rules; see ../shared/seeds/ in development.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from microcred.design import vocab
from microcred.design.schemas import (
    CheckItemOut,
    DimensionOut,
    OutcomeLintOut,
    ProfileOut,
    ReportOut,
    SizeOut,
    SpecificationContent,
)
from microcred.inputs import is_digits

MET, MISSING, WARNING, INFO = "met", "missing", "warning", "info"


@dataclass
class Context:
    """What the checks need beyond the content: the specification's history and the organisation's choices."""

    today: date
    editions: int = 0  # editions published so far
    review_due: date | None = None
    profiles: tuple[str, ...] = ()
    unknown_skills: tuple[str, ...] = ()  # skill URIs that are not in the imported ESCO release


def _item(key: str, label: str, ok: bool, met: str, missing: str, *, soft: bool = False) -> CheckItemOut:
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
        _item("title", "Title", bool(spec.title), f"“{spec.title}”.", "Give the micro-credential a title."),
        _item(
            "issuer_country",
            "Country or region of the issuer",
            spec.issuer_country is not None,
            f"{vocab.country_name(spec.issuer_country or '')}"
            + (f", {spec.issuer_region}" if spec.issuer_region else "")
            + ".",
            "Say in which country (or region) the issuer is established.",
        ),
        _item(
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
        _item(
            "learning_outcomes",
            "Learning outcomes",
            bool(spec.learning_outcomes),
            f"{len(spec.learning_outcomes)} learning outcome(s).",
            "State what the learner knows, understands and can do after completing it.",
        ),
        _item(
            "workload",
            "Notional workload",
            hours or spec.credits is not None,
            _workload_text(spec),
            "Give the notional workload in hours (and in ECTS credits where possible).",
        ),
        _item(
            "level",
            "Level (EQF, NQF, QF-EHEA cycle)",
            spec.eqf_level is not None or spec.nqf is not None,
            _level_text(spec),
            "Give the level: an EQF level 1–8, and the national framework's level if there is one.",
        ),
        _item(
            "assessment",
            "Type of assessment",
            spec.assessment is not None,
            vocab.ASSESSMENT_TYPES[spec.assessment.type].label + "." if spec.assessment else "",
            "Say how the learning outcomes are assessed.",
        ),
        _item(
            "participation",
            "Form of participation",
            spec.participation is not None,
            vocab.PARTICIPATION[spec.participation].label + "." if spec.participation else "",
            "Say whether learners take part online, onsite, blended, at work or as volunteers.",
        ),
        _item(
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
            _stack_text(spec) if spec.stackability else "",
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
        parts.append(f"{_num(spec.workload_hours)} hours")
    if spec.credits is not None:
        parts.append(f"{_num(spec.credits.value)} {spec.credits.system} credits")
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


def _stack_text(spec: SpecificationContent) -> str:
    stack = spec.stackability
    assert stack is not None
    if not stack.stackable:
        return "Stand-alone."
    return "Stackable" + (f" towards {stack.towards}" if stack.towards else "") + "."


# Size and credits ----------

# ETF Table 2. The bands touch at 25 h and 150 h; a boundary belongs to the larger band, because a
# 25-hour course is a full ECTS credit's work and 150 hours is where ETF's short programmes begin.
SIZES = (
    ("skill_credential", "Skill credential", Decimal(1), Decimal(25)),
    ("learning_unit", "Learning unit", Decimal(25), Decimal(150)),
    ("short_learning_programme", "Short learning programme", Decimal(150), Decimal(1500)),
)


def _num(value: Decimal | float | int) -> str:
    """A number as people write it: no trailing zeros, never rounded."""
    text = format(Decimal(value).normalize(), "f")
    return text


def _ratio(hours: Decimal, per_credit: Decimal) -> tuple[str, bool]:
    """hours / per_credit to two decimals, and whether that was exact."""
    exact = hours / per_credit
    shown = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return _num(shown), shown == exact


def conversions(hours: Decimal) -> list[str]:
    """The workload in each credit system, as a range where the system has one; rounding marked with ≈."""
    lines = []
    for system in vocab.CREDIT_SYSTEMS.values():
        low, high = Decimal(system.hours_low), Decimal(system.hours_high)
        fewest, exact_low = _ratio(hours, high)
        most, exact_high = _ratio(hours, low)
        sign = "=" if exact_low and exact_high else "≈"
        amount = fewest if low == high else f"{fewest}–{most}"
        per = _num(low) if low == high else f"{_num(low)}–{_num(high)}"
        lines.append(f"{system.code}: {sign} {amount} credits ({per} h per credit)")
    return lines


def credit_range(credits_value: Decimal, system: str) -> tuple[Decimal, Decimal]:
    found = vocab.CREDIT_SYSTEMS[system]
    return credits_value * Decimal(found.hours_low), credits_value * Decimal(found.hours_high)


def size(spec: SpecificationContent) -> SizeOut:
    hours = spec.workload_hours
    estimated = False
    if hours is None and spec.credits is not None:
        low, high = credit_range(spec.credits.value, spec.credits.system)
        hours, estimated = (low + high) / 2, True
    if hours is None:
        return SizeOut(typology=None, label="Unknown", explanation="Give the workload to see the size.", conversions=[])
    basis = f"{'about ' if estimated else ''}{_num(hours)} hours{' (from the credits)' if estimated else ''}"
    for key, label, low, high in SIZES:
        if low <= hours < high or (key == "short_learning_programme" and hours == high):
            explanation = f"{basis}: ETF's {label.lower()} band is {_num(low)}–{_num(high)} hours."
            return SizeOut(typology=key, label=label, explanation=explanation, conversions=conversions(hours))
    if hours < SIZES[0][2]:
        explanation = f"{basis}: below the smallest band (skill credentials start at 1 hour)."
        return SizeOut(typology=None, label="Below 1 hour", explanation=explanation, conversions=conversions(hours))
    explanation = f"{basis}: above 1,500 hours, larger than a short learning programme; is this a full qualification?"
    return SizeOut(typology=None, label="Above 1,500 hours", explanation=explanation, conversions=conversions(hours))


def credits_consistent(spec: SpecificationContent) -> str | None:
    """A sentence when the hours and the credits disagree under the credit system's hours per credit."""
    if spec.workload_hours is None or spec.credits is None:
        return None
    low, high = credit_range(spec.credits.value, spec.credits.system)
    if low <= spec.workload_hours <= high:
        return None
    return (
        f"{_num(spec.credits.value)} {spec.credits.system} credits mean {_num(low)}"
        + (f"–{_num(high)}" if high != low else "")
        + f" hours, but the workload says {_num(spec.workload_hours)} hours."
    )


# Learning outcomes ----------

# A project convention from general practice in writing outcomes (Bloom-style action verbs), not a rule of the
# Recommendation: an outcome starts with an observable verb, after an optional lead-in.
_VERBS = """
adapt administer advise allocate analyse analyze annotate apply appraise argue arrange assemble assess audit
build calculate categorise categorize choose cite classify code collaborate collect combine communicate
compare compile compose compute conduct configure construct contrast convert coordinate create critique debate
debug decide defend define demonstrate deploy describe design detect determine develop diagnose differentiate
discuss distinguish document draft draw edit estimate evaluate examine execute explain formulate generate
identify illustrate implement improve inspect install integrate interpret investigate justify label lead list
maintain manage map measure mediate model monitor negotiate name operate organise organize outline perform
plan predict prepare present prioritise prioritize produce program propose prototype provide recognise
recognize recommend reconcile record reflect repair report research resolve review revise run schedule select
solve sort specify structure summarise summarize supervise synthesise synthesize teach test translate
troubleshoot use validate verify write
"""
ACTION_VERBS = frozenset(_VERBS.split())
VAGUE_VERBS = {
    "understand": "explain, interpret or apply",
    "know": "list, describe or identify",
    "learn": "the thing the learner will then be able to do",
    "appreciate": "justify, evaluate or discuss",
    "comprehend": "explain or summarise",
    "grasp": "explain or apply",
    "be aware": "identify or describe",
    "be familiar": "describe or use",
    "become familiar": "describe or use",
    "gain": "what the learner will be able to do",
}
LEAD_IN = re.compile(
    r"^(?:(?:the\s+)?(?:learners?|students?|participants?|graduates?)\s+(?:will\s+)?(?:be\s+able\s+to|can|is\s+able\s+to|are\s+able\s+to)"
    r"|(?:be\s+)?able\s+to|can)\s+",
    re.IGNORECASE,
)
TOPIC = re.compile(
    r"^(?:an?\s+)?(?:introduction|intro|overview|basics|fundamentals|principles|foundations|essentials|history)\b"
    r"|^(?:module|unit|chapter|lesson|week|session|part)\s+\d",
    re.IGNORECASE,
)
TEACHER_SIDE = re.compile(
    r"^(?:this\s+(?:course|module|unit|programme|program)|the\s+(?:course|module|teacher|trainer)|we\s+will|"
    r"(?:students|learners|participants)\s+will\s+(?:be\s+)?(?:taught|shown|introduced|given|exposed))\b",
    re.IGNORECASE,
)


def lint_outcome(text: str) -> list[str]:
    problems = []
    words = text.split()
    if TEACHER_SIDE.search(text):
        problems.append("Written from the teacher's side (what is taught): say what the learner can do.")
    if TOPIC.search(text):
        problems.append("Reads like a topic heading (“Introduction to …”): say what the learner can do with it.")
    stripped = LEAD_IN.sub("", text.strip()).lower()
    for vague, better in VAGUE_VERBS.items():
        if re.match(rf"{vague}\b", stripped):
            problems.append(f"“{vague}” cannot be observed or assessed; use a verb such as {better}.")
            break
    else:
        first = re.sub(r"[^a-z-]", "", stripped.split(" ", 1)[0]) if stripped else ""
        if not problems and first not in ACTION_VERBS:
            problems.append(
                "Start with a measurable action verb (analyse, design, apply, explain…); "
                f"“{first or text[:20]}” is not one."
            )
    if len(words) < 3:
        problems.append("Too short to tell what the learner can do, in which context, to what standard.")
    if len(words) > 60:
        problems.append("Long: split it into outcomes that can each be assessed.")
    return problems


def lint_outcomes(spec: SpecificationContent) -> list[OutcomeLintOut]:
    return [
        OutcomeLintOut(index=i, text=outcome.text, problems=lint_outcome(outcome.text))
        for i, outcome in enumerate(spec.learning_outcomes)
    ]


# The ETF design checklist ----------


@dataclass
class Dimension:
    key: str
    label: str
    why: str
    items: list[CheckItemOut] = field(default_factory=list)

    def out(self) -> DimensionOut:
        scored = [item for item in self.items if item.status != INFO]
        met = sum(1 for item in scored if item.status == MET)
        return DimensionOut(key=self.key, label=self.label, why=self.why, items=self.items, met=met, total=len(scored))


EXTERNAL_QA = {"external", "accredited", "institutional", "industry"}


def etf_checklist(spec: SpecificationContent, context: Context) -> list[DimensionOut]:
    qa = spec.quality_assurance
    assessment = spec.assessment
    unlinked = [str(i + 1) for i, outcome in enumerate(spec.learning_outcomes) if not outcome.skills]
    inconsistent = credits_consistent(spec)
    overdue = context.review_due is not None and context.review_due < context.today
    dimensions = [
        Dimension(
            "quality_assurance",
            "Quality assurance",
            "Quality assurance lets learners count on a good learning opportunity and lets others recognise it "
            "for further learning or employment.",
            [
                _item(
                    "qa_type",
                    "Quality assurance named",
                    qa is not None,
                    "Named.",
                    "Say which quality assurance underpins it.",
                ),
                _item(
                    "qa_external",
                    "External quality assurance",
                    qa is not None and qa.type in EXTERNAL_QA,
                    f"{qa.body or 'An external body'} reviews it." if qa else "",
                    "Only internal QA: ETF asks for regular review by an external QA body, accreditor or standard.",
                    soft=True,
                ),
                _item(
                    "qa_published",
                    "QA methods and results published",
                    qa is not None and qa.url is not None,
                    f"Published at {qa.url}." if qa else "",
                    "Publish the methods and results of the quality assurance and give the link.",
                    soft=True,
                ),
                _item(
                    "review",
                    "Reviewed at least once a year",
                    context.editions == 0 or (context.review_due is not None and not overdue),
                    f"Next review due {context.review_due.isoformat()}."
                    if context.review_due
                    else "A review date is set when it is published.",
                    f"The review was due {context.review_due.isoformat() if context.review_due else '?'}: review it, "
                    "and publish a new edition with its list of changes if anything changed.",
                ),
            ],
        ),
        Dimension(
            "transparency",
            "Transparency",
            "Recognition is a three-way transaction between learner, provider and employer or institution; it "
            "rests on clear outcomes, workload and level.",
            [
                _item(
                    "outcomes",
                    "Learning outcomes published",
                    bool(spec.learning_outcomes),
                    "Given.",
                    "Add learning outcomes.",
                ),
                _item(
                    "workload_hours",
                    "Notional workload in hours",
                    spec.workload_hours is not None,
                    "Given.",
                    "Give the notional learning hours.",
                ),
                _item(
                    "credits",
                    "Credits in a credit system",
                    spec.credits is not None,
                    f"{spec.credits.system}." if spec.credits else "",
                    "Give credits in a credit system (ECTS where possible) so that it can be stacked and transferred.",
                    soft=True,
                ),
                _item(
                    "credits_consistent",
                    "Hours and credits agree",
                    inconsistent is None,
                    "They agree." if spec.credits and spec.workload_hours else "Nothing to compare yet.",
                    inconsistent or "",
                    soft=True,
                ),
                _item(
                    "esco",
                    "Outcomes referenced to ESCO skills",
                    bool(spec.learning_outcomes) and not unlinked,
                    "Every outcome names its ESCO skills.",
                    f"Link outcome(s) {', '.join(unlinked)} to ESCO skills, so employers and recognisers can read them."
                    if unlinked
                    else "Add outcomes linked to ESCO skills.",
                    soft=True,
                ),
                _item(
                    "level",
                    "Level (EQF/NQF)",
                    spec.eqf_level is not None or spec.nqf is not None,
                    "Given.",
                    "Give the level.",
                ),
            ],
        ),
        Dimension(
            "portability",
            "Portability",
            "Digitally signed, machine-readable credentials the learner owns can be verified and reused anywhere.",
            [
                CheckItemOut(
                    key="formats",
                    label="Standard formats",
                    status=INFO,
                    message="microcred issues it as a sealed ELM credential and an Open Badges 3.0 credential.",
                ),
                CheckItemOut(
                    key="ownership",
                    label="Learner ownership",
                    status=INFO,
                    message="Credentials go to the learner's wallet, to keep, share and export.",
                ),
            ],
        ),
        Dimension(
            "relevance",
            "Relevance",
            "A micro-credential is worth its time when it answers identified needs of learners and the labour market.",
            [
                _item(
                    "audience",
                    "Target group named",
                    bool(spec.audiences),
                    ", ".join(vocab.AUDIENCES[a].label for a in spec.audiences) + ".",
                    "Say whom it is for.",
                    soft=True,
                ),
                _item(
                    "needs",
                    "Identified skill needs",
                    bool(spec.needs_evidence),
                    "Stated.",
                    "Say which identified needs it answers (occupational standards, employers, labour-market data).",
                    soft=True,
                ),
            ],
        ),
        Dimension(
            "valid_assessment",
            "Valid assessment",
            "An EU micro-credential certifies assessed learning outcomes; a certificate of attendance is not one.",
            [
                _item(
                    "assessed",
                    "Outcomes are assessed",
                    assessment is not None and assessment.type != "none",
                    "Assessed.",
                    "Without assessment this is a certificate of participation, not a micro-credential.",
                ),
                _item(
                    "criteria",
                    "Assessment criteria and methods published",
                    assessment is not None and bool(assessment.description),
                    "Described.",
                    "Describe how the assessment works and against which criteria.",
                    soft=True,
                ),
                _item(
                    "grading",
                    "Grading scheme",
                    assessment is not None and bool(assessment.grading),
                    "Given.",
                    "Give the grading scheme, so the credential can show what a grade means.",
                    soft=True,
                ),
                _item(
                    "identity",
                    "Identity verified at assessment",
                    spec.supervision in ("supervised_online_id", "supervised_onsite_id"),
                    "Identity is verified.",
                    "Without identity verification, recognisers can trust the result less.",
                    soft=True,
                ),
                _item(
                    "independent",
                    "Assessable without attending the course",
                    assessment is not None and assessment.open_to_non_attendees,
                    "Open to candidates who learned elsewhere.",
                    "Let learners who gained the outcomes elsewhere take the assessment (prior learning).",
                    soft=True,
                ),
            ],
        ),
        Dimension(
            "learning_pathways",
            "Learning pathways",
            "Stacking lets learners build up credits towards larger qualifications (it never awards them by itself).",
            [
                _item(
                    "stackability",
                    "Stackability stated",
                    spec.stackability is not None,
                    _stack_text(spec) if spec.stackability else "",
                    "Say whether it is stand-alone or stacks towards another credential.",
                    soft=True,
                ),
                _item(
                    "towards",
                    "What it stacks towards",
                    spec.stackability is None or not spec.stackability.stackable or bool(spec.stackability.towards),
                    "Named." if spec.stackability and spec.stackability.stackable else "Not stackable.",
                    "Name the credential or programme it stacks towards.",
                    soft=True,
                ),
            ],
        ),
        Dimension(
            "recognition",
            "Recognition",
            "Recognisers check quality, level, outcomes, workload, assessment and identification (e-VALUATE); "
            "each one missing means a case-by-case review or a refusal.",
            [
                _item(
                    "ects",
                    "Credits in ECTS",
                    spec.credits is not None and spec.credits.system == "ECTS",
                    "ECTS.",
                    "ECTS credits make recognition in European higher education straightforward.",
                    soft=True,
                ),
                _item(
                    "recognition_ready",
                    "Everything a recogniser checks",
                    all(
                        (
                            spec.quality_assurance,
                            spec.eqf_level or spec.nqf,
                            spec.learning_outcomes,
                            spec.workload_hours or spec.credits,
                            spec.assessment,
                            spec.supervision,
                        )
                    ),
                    "Quality, level, outcomes, workload, assessment and identification are all stated.",
                    "State quality assurance, level, outcomes, workload, assessment and supervision/identity checks.",
                    soft=True,
                ),
            ],
        ),
        Dimension(
            "learner_centred",
            "Learner-centred",
            "Learners need to be able to follow it around work and care: affordable, flexible in time and place.",
            [
                _item(
                    "price",
                    "Price stated",
                    spec.price is not None,
                    "Free." if spec.price and spec.price.amount == 0 else "Stated.",
                    "State the price (or that it is free).",
                    soft=True,
                ),
                _item(
                    "flexible",
                    "Flexible in time",
                    spec.delivery in ("self_paced", "part_time"),
                    "Can be followed around other commitments.",
                    "Consider a self-paced or part-time delivery.",
                    soft=True,
                ),
                _item(
                    "place",
                    "Flexible in place",
                    spec.participation in ("online", "blended", "work_based"),
                    "Online, blended or at work.",
                    "Consider an online or blended format.",
                    soft=True,
                ),
            ],
        ),
        Dimension(
            "information_guidance",
            "Information and guidance",
            "Learners choose well only when they know what a micro-credential leads to, in further learning and work.",
            [
                _item("description", "Description", bool(spec.description), "Given.", "Describe the offer.", soft=True),
                _item(
                    "leads_to",
                    "What it can be used for",
                    bool(spec.further_information) or bool(spec.stackability and spec.stackability.towards),
                    "Stated.",
                    "Say what can be done with it: further learning, occupations, recognition.",
                    soft=True,
                ),
                _item(
                    "languages",
                    "Language(s)",
                    bool(spec.languages),
                    "Given.",
                    "Give the language(s) of instruction.",
                    soft=True,
                ),
                _item(
                    "homepage",
                    "Web page",
                    spec.homepage is not None,
                    "Given.",
                    "Link the course's web page.",
                    soft=True,
                ),
            ],
        ),
    ]
    return [dimension.out() for dimension in dimensions]


# Framework profiles ----------


def _rule(key: str, label: str, ok: bool, reason: str) -> CheckItemOut:
    return _item(key, label, ok, "Met.", reason)


def _cmf(spec: SpecificationContent) -> list[CheckItemOut]:
    hours = spec.workload_hours
    a = spec.assessment
    return [
        _rule(
            "hours",
            "100–150 hours of study",
            hours is not None and 100 <= hours <= 150,
            f"The CMF requires 100 to 150 hours; this has {_num(hours) + ' h' if hours is not None else 'none'}.",
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
            + (f"; this has {_num(nz_credits)}." if nz_credits is not None else "; give the workload."),
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


# The report ----------


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
