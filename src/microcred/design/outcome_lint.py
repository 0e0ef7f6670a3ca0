"""Learning-outcome lint: each outcome should say what the learner can do, observably, in a sentence that
can be assessed."""

from __future__ import annotations

import re

from microcred.design.schemas import OutcomeLintOut, SpecificationContent

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
