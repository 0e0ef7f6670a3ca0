"""What an Open Badges 3.0 achievement says, read for people: its learning outcomes and its Annex I elements,
labelled, in the annex's order. The certificate PDF prints them and the verifier page shows them; reading is
lenient (an element that is missing or malformed is left out), as the document may come from anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from microcred.design import vocab
from microcred.trust.jsonld import as_list


@dataclass(frozen=True)
class Outcome:
    text: str
    skills: list[str] = field(default_factory=list)  # ESCO preferred labels


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def label(terms: dict[str, vocab.Term], code: Any) -> str:
    """A code list's label for a code, or the code itself when the list has no such term."""
    term = terms.get(code) if isinstance(code, str) else None
    return term.label if term else text(code)


def number(value: Any) -> str:
    """2.5 as "2.5", 60.0 as "60"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return text(value)
    return f"{number:g}"


def alignments(achievement: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in as_list(achievement.get("alignment")):
        if isinstance(entry, dict):
            by_type.setdefault(str(entry.get("targetType", "")), []).append(entry)
    return by_type


def outcomes(achievement: dict[str, Any], skill_labels: dict[str, str]) -> list[Outcome]:
    outcomes = []
    for outcome in as_list(achievement.get("learningOutcomes")):
        if isinstance(outcome, dict) and text(outcome.get("text")):
            skills = [skill_labels.get(uri, uri) for uri in as_list(outcome.get("skills")) if isinstance(uri, str)]
            outcomes.append(Outcome(text(outcome["text"]), skills))
    if outcomes:
        return outcomes
    # A plain OB3 achievement: its criteria's list items are the outcomes.
    narrative = text((achievement.get("criteria") or {}).get("narrative"))
    return [Outcome(line[2:].strip()) for line in narrative.splitlines() if line.startswith("- ")]


def elements(achievement: dict[str, Any], aligned: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    a = achievement
    rows: list[tuple[str, str]] = []

    def add(label: str, *parts: str) -> None:
        text = " · ".join(part for part in parts if part)
        if text:
            rows.append((label, text))

    bodies = [
        text(body.get("name")) + (f" ({body['country']})" if text(body.get("country")) else "")
        for body in as_list(a.get("awardingBodies"))
        if isinstance(body, dict) and text(body.get("name"))
    ]
    add("Awarding bodies" if len(bodies) > 1 else "Awarding body", "; ".join(bodies))
    address = (a.get("creator") or {}).get("address") or {}
    add("Country of the provider", text(address.get("addressCountry")), text(address.get("addressRegion")))
    credits = ""
    if a.get("creditsAvailable") is not None:
        system = text(a.get("creditSystem")) or ("ECTS" if a.get("ECTS") is not None else "")
        credits = f"{number(a['creditsAvailable'])} {system} credits".replace("  ", " ")
    add("Workload", f"{number(a['studyLoad'])} hours" if a.get("studyLoad") is not None else "", credits)
    add(
        "Level",
        *(
            text(entry.get("targetName"))
            for kind in ("ext:EQF", "ext:NQF", "ext:QF-EHEA")
            for entry in aligned.get(kind, [])
        ),
    )
    add("Field of study", text(a.get("fieldOfStudy")))
    add(
        "Assessment",
        label(vocab.ASSESSMENT_TYPES, a.get("assessmentType")),
        f"graded {text(a.get('gradingScheme'))}" if text(a.get("gradingScheme")) else "",
    )
    add("Supervision and identity verification", label(vocab.SUPERVISION, a.get("supervisionType")))
    participation = text(a.get("participationType"))
    add(
        "Form of participation",
        " or ".join(label(vocab.PARTICIPATION, code) for code in participation.split(" or ")) if participation else "",
        label(vocab.LEARNING_SETTINGS, a.get("learningSetting")),
        label(vocab.DELIVERY, a.get("deliveryMode")),
    )
    for entry in aligned.get("ext:QualityAssurance", []):
        add("Quality assurance", text(entry.get("targetName")), text(entry.get("targetFramework")))
    codes = [code for code in as_list(a.get("languages")) or as_list(a.get("inLanguage")) if isinstance(code, str)]
    add("Language", ", ".join(vocab.language_name(code.split("-")[0]) or code for code in codes))
    add("Prerequisites", text(a.get("prerequisites")))
    stack = a.get("stackability") if isinstance(a.get("stackability"), dict) else None
    if stack is not None:
        towards = text(stack.get("towards"))
        add(
            "Stackability",
            ("Stackable" + (f" towards {towards}" if towards else "")) if stack.get("stackable") else "Stand-alone",
            "part of a qualification" if stack.get("partial_qualification") else "",
        )
    add("Further information", text(a.get("furtherInformation")))
    add("Course code", text(a.get("humanCode")))  # only when there is one: never the edition under its label
    add("Edition", text(a.get("version")) or (number(a["version"]) if isinstance(a.get("version"), int) else ""))
    return rows
