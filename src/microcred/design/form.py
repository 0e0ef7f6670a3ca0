"""The specification form: the content as the form's strings and back, every problem named by the box it is about
in the form's own words, and skills added by name through the ESCO search (or by their ESCO address)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from microcred.design import vocab
from microcred.design.schemas import ESCO_SKILL, SpecificationContent
from microcred.errors import MicrocredError
from microcred.inputs import is_digits
from microcred.taxonomy import search
from microcred.taxonomy import service as taxonomy

Problem = tuple[str | None, str]  # (the id of the box it is about, or None; one plain sentence)

BLANK_OUTCOMES = 2  # empty outcome rows offered below the existing ones
MAX_ROWS = 50 + BLANK_OUTCOMES
CLOSE = 4  # close matches offered beside the skill a name found
MIN_SCORE = 0.5  # below this a search hit is not a match for the name typed (lexical scores; tuned by hand)
CLOSE_RATIO = 0.4  # a close match scores at least this share of the best one
_SKILL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# Form <-> content ------------------------------------------------------------------------------------------


def content_to_form(c: SpecificationContent) -> dict[str, Any]:
    """The content as the strings the form shows."""

    def text(value: Any) -> str:
        return "" if value is None else format(value, "f") if hasattr(value, "normalize") else str(value)

    return {
        "title": c.title,
        "code": c.code,
        "description": c.description,
        "languages": ", ".join(c.languages),
        "issuer_country": c.issuer_country or "",
        "issuer_region": c.issuer_region,
        "awarding_bodies": "\n".join(
            " | ".join(part for part in (b.name, b.country or "", b.homepage or "") if part) for b in c.awarding_bodies
        ),
        "outcomes": [{"text": o.text, "skills": o.skills, "add": ""} for o in c.learning_outcomes],
        "workload_hours": text(c.workload_hours),
        "credit_system": c.credits.system if c.credits else "",
        "credit_value": text(c.credits.value) if c.credits else "",
        "eqf_level": text(c.eqf_level),
        "nqf_framework": c.nqf.framework if c.nqf else "",
        "nqf_level": c.nqf.level if c.nqf else "",
        "qf_ehea_cycle": c.qf_ehea_cycle or "",
        "assessment_type": c.assessment.type if c.assessment else "",
        "assessment_description": c.assessment.description if c.assessment else "",
        "grading": c.assessment.grading if c.assessment else "",
        "open_to_non_attendees": bool(c.assessment and c.assessment.open_to_non_attendees),
        "participation": c.participation or "",
        "learning_setting": c.learning_setting or "",
        "delivery": c.delivery or "",
        "duration_weeks": text(c.duration_weeks),
        "qa_type": c.quality_assurance.type if c.quality_assurance else "",
        "qa_body": c.quality_assurance.body if c.quality_assurance else "",
        "qa_description": c.quality_assurance.description if c.quality_assurance else "",
        "qa_url": (c.quality_assurance.url or "") if c.quality_assurance else "",
        "prerequisites": c.prerequisites,
        "supervision": c.supervision or "",
        "stack": ("stackable" if c.stackability.stackable else "standalone") if c.stackability else "",
        "partial_qualification": bool(c.stackability and c.stackability.partial_qualification),
        "towards": c.stackability.towards if c.stackability else "",
        "further_information": c.further_information,
        "homepage": c.homepage or "",
        "field": c.field or "",
        "audiences": list(c.audiences),
        "price_amount": text(c.price.amount) if c.price else "",
        "price_currency": c.price.currency if c.price else "EUR",
        "needs_evidence": c.needs_evidence,
        "offer_start": text(c.offer_start),
        "offer_end": text(c.offer_end),
    }


def form_to_values(form: FormData) -> dict[str, Any]:
    """What the person typed, all of it, to show it again if it does not validate.

    An outcome row is kept when it has text or a skill typed to add; a row whose text was cleared is removed,
    with its skills."""
    values: dict[str, Any] = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    rows = []
    for index in range(MAX_ROWS):
        if f"outcome_{index}" not in form:
            break
        text = str(form.get(f"outcome_{index}", "")).strip()
        add = str(form.get(f"add_skill_{index}", "")).strip()
        skills = list(dict.fromkeys(str(uri) for uri in form.getlist(f"skills_{index}")))
        if text or add:
            rows.append({"text": text, "skills": skills, "add": add})
    values["outcomes"] = rows
    values["audiences"] = [str(a) for a in form.getlist("audiences")]
    values["open_to_non_attendees"] = "open_to_non_attendees" in form
    values["partial_qualification"] = "partial_qualification" in form
    return values


def read_form(
    db: Session, values: dict[str, Any]
) -> tuple[SpecificationContent | None, list[Problem], dict[int, list[str]]]:
    """The content the form says, every problem with it (none when the content is there), and for each outcome
    whose new skill was found by name, the other close matches to offer."""
    problems: list[Problem] = []
    close: dict[int, list[str]] = {}
    outcomes = []
    for index, row in enumerate(values.get("outcomes", [])):
        skills = list(row["skills"])
        if row["add"]:
            if not row["text"]:
                problems.append((f"outcome_{index}", f"Write outcome {index + 1} before adding a skill to it."))
            found, near, problem = resolve_skill(db, row["add"])
            if problem:
                problems.append((f"add_skill_{index}", f"Outcome {index + 1}: {problem}"))
            skills += found
            close[index] = [uri for uri in near if uri not in skills]
        outcomes.append({"text": row["text"], "skills": list(dict.fromkeys(skills))})
    data, refused = _data(values, outcomes)
    problems += refused
    content = None
    try:
        content = SpecificationContent.model_validate(data)
    except ValidationError as error:
        problems += plain_problems(error)
    return (None if problems else content), _first_per_box(problems), close


def _first_per_box(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    kept = []
    for box, message in problems:
        if box is not None and box in seen:
            continue
        if box is not None:
            seen.add(box)
        kept.append((box, message))
    return kept


def _data(v: dict[str, Any], outcomes: list[dict[str, Any]]) -> tuple[dict[str, Any], list[Problem]]:
    def opt(key: str) -> str | None:
        value = str(v.get(key, "")).strip()
        return value or None

    bodies = []
    for line in str(v.get("awarding_bodies", "")).splitlines():
        parts = [part.strip() for part in line.split("|")]
        if not parts[0]:
            continue
        country = next((p for p in parts[1:] if len(p) == 2), None)
        homepage = next((p for p in parts[1:] if p.startswith(("http://", "https://"))), None)
        bodies.append({"name": parts[0], "country": country, "homepage": homepage})
    problems: list[Problem] = []
    if opt("credit_system") and not opt("credit_value"):
        problems.append(("credit_value", "Give the number of credits, or choose no credit system."))
    if opt("credit_value") and not opt("credit_system"):
        problems.append(("credit_system", "Credits need their credit system (ECTS, UK, NZ, …): choose one."))
    data: dict[str, Any] = {
        "title": v.get("title", ""),
        "code": v.get("code", ""),
        "description": v.get("description", ""),
        "languages": [
            part.strip() for part in str(v.get("languages", "")).replace(";", ",").split(",") if part.strip()
        ],
        "issuer_country": opt("issuer_country"),
        "issuer_region": v.get("issuer_region", ""),
        "awarding_bodies": bodies,
        "learning_outcomes": outcomes,
        "workload_hours": opt("workload_hours"),
        "credits": {"system": v["credit_system"], "value": opt("credit_value")}
        if opt("credit_system") and opt("credit_value")
        else None,
        "eqf_level": opt("eqf_level"),
        "nqf": {"framework": v.get("nqf_framework", ""), "level": v.get("nqf_level", "")}
        if opt("nqf_framework") or opt("nqf_level")
        else None,
        "qf_ehea_cycle": opt("qf_ehea_cycle"),
        "assessment": {
            "type": v["assessment_type"],
            "description": v.get("assessment_description", ""),
            "grading": v.get("grading", ""),
            "open_to_non_attendees": bool(v.get("open_to_non_attendees")),
        }
        if opt("assessment_type")
        else None,
        "participation": opt("participation"),
        "learning_setting": opt("learning_setting"),
        "delivery": opt("delivery"),
        "duration_weeks": opt("duration_weeks"),
        "quality_assurance": {
            "type": v["qa_type"],
            "body": v.get("qa_body", ""),
            "description": v.get("qa_description", ""),
            "url": opt("qa_url"),
        }
        if opt("qa_type")
        else None,
        "prerequisites": v.get("prerequisites", ""),
        "supervision": opt("supervision"),
        "stackability": {
            "stackable": v["stack"] == "stackable",
            "partial_qualification": bool(v.get("partial_qualification")),
            "towards": v.get("towards", ""),
        }
        if opt("stack")
        else None,
        "further_information": v.get("further_information", ""),
        "homepage": opt("homepage"),
        "field": opt("field"),
        "audiences": v.get("audiences", []),
        "price": {"amount": opt("price_amount"), "currency": v.get("price_currency") or "EUR"}
        if opt("price_amount")
        else None,
        "needs_evidence": v.get("needs_evidence", ""),
        "offer_start": opt("offer_start"),
        "offer_end": opt("offer_end"),
    }
    return data, problems


# Skills by name ---------------------------------------------------------------------------------------------


def resolve_skill(db: Session, typed: str) -> tuple[list[str], list[str], str | None]:
    """What was typed in an outcome's "Add a skill" box: the skills to link, close matches to offer, or a problem.

    A name finds the best-matching ESCO skill, and the next ones as close matches; ESCO addresses (one or more,
    space-separated) or an ESCO skill's id are taken as they are, once the taxonomy knows them."""
    tokens = typed.split()
    if _SKILL_ID.match(typed.lower()):
        tokens = [taxonomy.SKILL_PREFIX + typed.lower()]
    if tokens and all(token.startswith(("http://", "https://")) for token in tokens):
        wrong = next((token for token in tokens if not ESCO_SKILL.match(token)), None)
        if wrong:
            return [], [], f"“{wrong[:80]}” is not the address of an ESCO skill: type the skill's name instead."
        if taxonomy.release(db) is not None:
            known = taxonomy.skills_by_uri(db, tokens)
            unknown = next((token for token in tokens if token not in known), None)
            if unknown:
                return [], [], f"ESCO has no skill at {unknown}: type the skill's name instead."
        return list(dict.fromkeys(tokens)), [], None
    if taxonomy.release(db) is None:
        return (
            [],
            [],
            (
                "skills cannot be found by name here yet, because the ESCO skills are not imported: "
                "give the skill's ESCO address instead."
            ),
        )
    try:
        hits = search.search_skills(db, typed, CLOSE + 1)
    except MicrocredError as problem:  # too long, or control characters
        return [], [], problem.detail.replace("A search is", "A skill's name is").replace("The search", "The name")
    least = max(MIN_SCORE, hits[0].score * CLOSE_RATIO) if hits else MIN_SCORE
    matches = [hit.uri for hit in hits if hit.score >= least]
    if not matches:
        return [], [], f"no ESCO skill matches “{typed[:80]}”. Check the spelling, or try a shorter or broader name."
    return matches[:1], matches[1:], None


def close_query(close: Mapping[int, list[str]]) -> str:
    """The close matches of skills found by name, for the address of the page shown after saving."""
    pairs = [(f"close_{index}", ".".join(uri.rsplit("/", 1)[-1] for uri in uris)) for index, uris in close.items()]
    return urlencode([(key, value) for key, value in pairs if value])


def close_from(params: Iterable[tuple[str, str]], outcomes: int) -> dict[int, list[str]]:
    """The close matches an address names (ids of ESCO skills), per outcome: anything else is ignored."""
    close: dict[int, list[str]] = {}
    for key, value in params:
        index = key.removeprefix("close_")
        if not key.startswith("close_") or not is_digits(index) or int(index) >= outcomes:
            continue
        ids = [part for part in value.split(".") if _SKILL_ID.match(part)][:CLOSE]
        close[int(index)] = [taxonomy.SKILL_PREFIX + part for part in ids]
    return close


# Problems in the form's words --------------------------------------------------------------------------------

# Where each part of the content is in the form: (the box's id, its label).
BOXES: dict[str, tuple[str, str]] = {
    "title": ("title", "Title"),
    "code": ("code", "Course code"),
    "description": ("description", "Description"),
    "languages": ("languages", "Languages"),
    "issuer_country": ("issuer_country", "Country of the issuer"),
    "issuer_region": ("issuer_region", "Region"),
    "awarding_bodies": ("awarding_bodies", "Awarding bodies"),
    "learning_outcomes": ("outcome_0", "Learning outcomes"),
    "workload_hours": ("workload_hours", "Notional workload"),
    "credits": ("credit_value", "Credits"),
    "credits.system": ("credit_system", "Credit system"),
    "credits.value": ("credit_value", "Credits"),
    "eqf_level": ("eqf_level", "EQF level"),
    "nqf": ("nqf_framework", "National framework"),
    "nqf.framework": ("nqf_framework", "National framework"),
    "nqf.level": ("nqf_level", "National level"),
    "qf_ehea_cycle": ("qf_ehea_cycle", "QF-EHEA cycle"),
    "assessment": ("assessment_type", "Type of assessment"),
    "assessment.type": ("assessment_type", "Type of assessment"),
    "assessment.description": ("assessment_description", "How it is assessed"),
    "assessment.grading": ("grading", "Grading scheme"),
    "participation": ("participation", "Form of participation"),
    "learning_setting": ("learning_setting", "Learning setting"),
    "delivery": ("delivery", "Delivery"),
    "duration_weeks": ("duration_weeks", "Duration"),
    "quality_assurance": ("qa_type", "Type of quality assurance"),
    "quality_assurance.type": ("qa_type", "Type of quality assurance"),
    "quality_assurance.body": ("qa_body", "Who quality-assures it"),
    "quality_assurance.description": ("qa_description", "The description of quality assurance"),
    "quality_assurance.url": ("qa_url", "Where quality assurance is published"),
    "prerequisites": ("prerequisites", "Prerequisites"),
    "supervision": ("supervision", "Supervision and identity verification"),
    "stackability": ("stack", "Stackability"),
    "stackability.towards": ("towards", "Stacks towards"),
    "further_information": ("further_information", "Further information"),
    "homepage": ("homepage", "Web page"),
    "field": ("field", "Field"),
    "audiences": ("audiences-0", "Audience"),
    "price": ("price_amount", "Price"),
    "price.amount": ("price_amount", "Price"),
    "price.currency": ("price_currency", "Currency"),
    "needs_evidence": ("needs_evidence", "The skill needs it answers"),
    "offer_start": ("offer_start", "Offered from"),
    "offer_end": ("offer_end", "Offered until"),
}
BODY_PARTS = {"name": "name", "country": "country code", "homepage": "web page"}

# What each kind of problem says, with the box's label and the rule's limits.
SAY = {
    "missing": "{label} is missing.",
    "string_too_short": "{label} is missing.",
    "string_too_long": "{label} is too long: at most {max_length} characters.",
    "too_long": "{label}: at most {max_length} can be given.",
    "greater_than": "{label} must be more than {gt}.",
    "greater_than_equal": "{label} must be {ge} or more.",
    "less_than": "{label} must be less than {lt}.",
    "less_than_equal": "{label} must be {le} or less.",
    "decimal_parsing": "{label} must be a number, such as 30 or 2.5.",
    "decimal_type": "{label} must be a number, such as 30 or 2.5.",
    "float_parsing": "{label} must be a number, such as 30 or 2.5.",
    "int_parsing": "{label} must be a whole number.",
    "int_from_float": "{label} must be a whole number.",
    "decimal_max_places": "{label} has too many decimal places: at most {decimal_places}.",
    "decimal_max_digits": "{label} is too long a number.",
    "date_parsing": "{label} must be a date, such as 2026-09-01.",
    "date_from_datetime_parsing": "{label} must be a date, such as 2026-09-01.",
    "date_from_datetime_inexact": "{label} must be a date, such as 2026-09-01.",
    "string_pattern_mismatch": "{label} must be a web address starting with https://.",
}


def box_of(loc: tuple[int | str, ...]) -> tuple[str | None, str]:
    """The box a problem's location in the content is about, and the box's label."""
    if not loc:
        return None, "The form"
    head = str(loc[0])
    if head == "learning_outcomes" and len(loc) > 2 and isinstance(loc[1], int):
        number = loc[1]
        if loc[2] == "skills":
            return f"add_skill_{number}", f"The skills of outcome {number + 1}"
        return f"outcome_{number}", f"Outcome {number + 1}"
    if head == "awarding_bodies" and len(loc) > 1 and isinstance(loc[1], int):
        part = BODY_PARTS.get(str(loc[2]), "line") if len(loc) > 2 else "line"
        return "awarding_bodies", f"The {part} of awarding body {loc[1] + 1}"
    if len(loc) > 1 and f"{head}.{loc[1]}" in BOXES:
        return BOXES[f"{head}.{loc[1]}"]
    return BOXES.get(head, (None, "The form"))


def plain_problems(error: ValidationError) -> list[Problem]:
    """Each problem pydantic found, as a sentence in the form's words, linked to its box."""
    problems: list[Problem] = []
    for problem in error.errors():
        loc = tuple(problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not loc and "offer_end" in message:
            problems.append(("offer_end", "The offer ends before it starts: check the dates."))
            continue
        box, label = box_of(loc)
        template = SAY.get(problem["type"])
        if template is not None:
            limits = {key: str(value) for key, value in (problem.get("ctx") or {}).items()}
            try:
                problems.append((box, template.format(label=label, **limits)))
                continue
            except KeyError:
                pass
        if problem["type"] == "value_error":
            problems.append((box, f"{label}: {message.rstrip('.')}."))
        else:
            problems.append((box, f"{label} is not valid."))
    return problems


# The form's choices ------------------------------------------------------------------------------------------------


@functools.cache
def choices() -> dict[str, list[tuple[str, str]]]:
    """The options of each select of the form, as (value, text) pairs."""

    def labelled(terms: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(key, str(getattr(term, "label", term))) for key, term in terms.items()]

    return {
        "field": [(code, f"{code} {name}") for code, name in vocab.ISCED_F.items()],
        "issuer_country": list(vocab.countries()),
        "credit_system": [(code, system.name) for code, system in vocab.CREDIT_SYSTEMS.items()],
        "eqf_level": [(str(level), f"Level {level}") for level in range(1, 9)],
        "qf_ehea_cycle": labelled(vocab.QF_EHEA_LABELS),
        "assessment_type": labelled(vocab.ASSESSMENT_TYPES),
        "supervision": labelled(vocab.SUPERVISION),
        "participation": labelled(vocab.PARTICIPATION),
        "learning_setting": labelled(vocab.LEARNING_SETTINGS),
        "delivery": labelled(vocab.DELIVERY),
        "qa_type": labelled(vocab.QA_TYPES),
        "stack": [("standalone", "Stand-alone"), ("stackable", "Stackable towards another credential")],
        "audiences": labelled(vocab.AUDIENCES),
    }
