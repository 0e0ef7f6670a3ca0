"""The ETF design checklist (the ETF guide's Table 3): nine dimensions, each with why it matters and its items.

It is advice: nothing here blocks publishing, but every item says what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from microcred.design import vocab
from microcred.design.checks import INFO, MET, Context, item, stack_text
from microcred.design.schemas import CheckItemOut, DimensionOut, SpecificationContent
from microcred.design.sizing import credits_consistent


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
                item(
                    "qa_type",
                    "Quality assurance named",
                    qa is not None,
                    "Named.",
                    "Say which quality assurance underpins it.",
                ),
                item(
                    "qa_external",
                    "External quality assurance",
                    qa is not None and qa.type in EXTERNAL_QA,
                    f"{qa.body or 'An external body'} reviews it." if qa else "",
                    "Only internal QA: ETF asks for regular review by an external QA body, accreditor or standard.",
                    soft=True,
                ),
                item(
                    "qa_published",
                    "QA methods and results published",
                    qa is not None and qa.url is not None,
                    f"Published at {qa.url}." if qa else "",
                    "Publish the methods and results of the quality assurance and give the link.",
                    soft=True,
                ),
                item(
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
                item(
                    "outcomes",
                    "Learning outcomes published",
                    bool(spec.learning_outcomes),
                    "Given.",
                    "Add learning outcomes.",
                ),
                item(
                    "workload_hours",
                    "Notional workload in hours",
                    spec.workload_hours is not None,
                    "Given.",
                    "Give the notional learning hours.",
                ),
                item(
                    "credits",
                    "Credits in a credit system",
                    spec.credits is not None,
                    f"{spec.credits.system}." if spec.credits else "",
                    "Give credits in a credit system (ECTS where possible) so that it can be stacked and transferred.",
                    soft=True,
                ),
                item(
                    "credits_consistent",
                    "Hours and credits agree",
                    inconsistent is None,
                    "They agree." if spec.credits and spec.workload_hours else "Nothing to compare yet.",
                    inconsistent or "",
                    soft=True,
                ),
                item(
                    "esco",
                    "Outcomes referenced to ESCO skills",
                    bool(spec.learning_outcomes) and not unlinked,
                    "Every outcome names its ESCO skills.",
                    f"Link outcome(s) {', '.join(unlinked)} to ESCO skills, so employers and recognisers can read them."
                    if unlinked
                    else "Add outcomes linked to ESCO skills.",
                    soft=True,
                ),
                item(
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
                item(
                    "audience",
                    "Target group named",
                    bool(spec.audiences),
                    ", ".join(vocab.AUDIENCES[a].label for a in spec.audiences) + ".",
                    "Say whom it is for.",
                    soft=True,
                ),
                item(
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
                item(
                    "assessed",
                    "Outcomes are assessed",
                    assessment is not None and assessment.type != "none",
                    "Assessed.",
                    "Without assessment this is a certificate of participation, not a micro-credential.",
                ),
                item(
                    "criteria",
                    "Assessment criteria and methods published",
                    assessment is not None and bool(assessment.description),
                    "Described.",
                    "Describe how the assessment works and against which criteria.",
                    soft=True,
                ),
                item(
                    "grading",
                    "Grading scheme",
                    assessment is not None and bool(assessment.grading),
                    "Given.",
                    "Give the grading scheme, so the credential can show what a grade means.",
                    soft=True,
                ),
                item(
                    "identity",
                    "Identity verified at assessment",
                    spec.supervision in ("supervised_online_id", "supervised_onsite_id"),
                    "Identity is verified.",
                    "Without identity verification, recognisers can trust the result less.",
                    soft=True,
                ),
                item(
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
                item(
                    "stackability",
                    "Stackability stated",
                    spec.stackability is not None,
                    stack_text(spec) if spec.stackability else "",
                    "Say whether it is stand-alone or stacks towards another credential.",
                    soft=True,
                ),
                item(
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
                item(
                    "ects",
                    "Credits in ECTS",
                    spec.credits is not None and spec.credits.system == "ECTS",
                    "ECTS.",
                    "ECTS credits make recognition in European higher education straightforward.",
                    soft=True,
                ),
                item(
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
                item(
                    "price",
                    "Price stated",
                    spec.price is not None,
                    "Free." if spec.price and spec.price.amount == 0 else "Stated.",
                    "State the price (or that it is free).",
                    soft=True,
                ),
                item(
                    "flexible",
                    "Flexible in time",
                    spec.delivery in ("self_paced", "part_time"),
                    "Can be followed around other commitments.",
                    "Consider a self-paced or part-time delivery.",
                    soft=True,
                ),
                item(
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
                item("description", "Description", bool(spec.description), "Given.", "Describe the offer.", soft=True),
                item(
                    "leads_to",
                    "What it can be used for",
                    bool(spec.further_information) or bool(spec.stackability and spec.stackability.towards),
                    "Stated.",
                    "Say what can be done with it: further learning, occupations, recognition.",
                    soft=True,
                ),
                item(
                    "languages",
                    "Language(s)",
                    bool(spec.languages),
                    "Given.",
                    "Give the language(s) of instruction.",
                    soft=True,
                ),
                item(
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
