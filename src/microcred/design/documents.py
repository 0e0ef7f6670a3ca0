"""What the two document formats of a specification share: ELM and Open Badges 3.0 contexts, the provider as
documents name it, concepts of the EU's vocabularies, numbers as people write them, and reading a concept back
into one of our code lists.

`elm.py` writes and reads ELM learning opportunities, `ob3.py` Open Badges 3.0 achievements, and `formats.py`
tells which of the two a document is. Both import back into an equal specification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from microcred.design import vocab
from microcred.errors import InvalidInput
from microcred.trust.jsonld import as_list, text_of

ELM_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
OB3_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
]


@dataclass(frozen=True)
class Provider:
    """The organisation offering the specification, as documents name it."""

    id: str
    name: str
    homepage: str | None = None


_AUTHORITY = re.compile(r"(http://publications\.europa\.eu/resource/authority/[a-z-]+)/[^/]+$")
_SNB = re.compile(r"(http://data\.europa\.eu/snb/[a-z-]+)/[0-9A-Za-z_-]+$")


def concept_scheme(uri: str) -> str | None:
    """The EU vocabulary a concept URI belongs to (the Publications Office's authority tables, or the ELM
    vocabularies, whose schemes all end in /25831c2); None for URIs of our own."""
    authority = _AUTHORITY.match(uri)
    if authority:
        return authority[1]
    snb = _SNB.match(uri)
    if snb and not uri.endswith("/25831c2"):
        return snb[1] + "/25831c2"
    return None


def concept(uri: str, label: str, language: str = "en", **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"id": uri, "type": "Concept", "prefLabel": {language: label}, **extra}
    scheme = concept_scheme(uri)
    if scheme and "inScheme" not in node:
        node["inScheme"] = {"id": scheme, "type": "ConceptScheme"}
    return node


def decimal_text(value: Decimal) -> str:
    """A number as people write it: 5, 2.5, 1000 (not 5.00 or 1E+3)."""
    return format(value.normalize(), "f")


def types_of(node: Any) -> set[str]:
    return set(as_list(node.get("type"))) if isinstance(node, dict) else set()


def concept_id(node: Any) -> str | None:
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        return str(node["id"])
    return None


def term_code(terms: dict[str, vocab.Term], node: Any, field: str) -> str:
    node = node if isinstance(node, dict) else {"id": node}
    label = text_of(node.get("prefLabel"))
    found = vocab.term_by_uri_or_label(terms, concept_id(node), label)
    if found is None:
        found = _synonym(terms, label)
    if found is None:
        raise InvalidInput(
            f"{field}: {label or concept_id(node)!r} is not a value we know "
            f"({', '.join(t.label for t in terms.values())}).",
            code="invalid_document",
        )
    return found.code


def named(terms: dict[str, vocab.Term], name: str, field: str) -> str:
    """The code of a term given by its code or its label, as our extension terms and edubadges give them."""
    return term_code(terms, {"prefLabel": {"en": name}}, field)


# Labels in other documents (the Commission's samples, edubadges) that mean one of our terms.
SYNONYMS = {
    "artefact": "project",
    "project": "project",
    "written": "written_exam",
    "exam": "written_exam",
    "testing": "written_exam",
    "oral": "oral_exam",
    "portfolio": "portfolio",
    "practical": "practical",
    "application of a skill": "practical",
    "recognition of prior learning": "rpl",
    "self": "self",
    "peer": "peer",
    "unsupervised without id": "unsupervised_no_id",
    "unsupervised with no": "unsupervised_no_id",
    "supervised without id": "supervised_no_id",
    "supervised with no": "supervised_no_id",
    "supervised online": "supervised_online_id",
    "onsite with identity": "supervised_onsite_id",
    "on-site": "onsite",
    "face-to-face": "onsite",
    "in person": "onsite",
}


def _synonym(terms: dict[str, vocab.Term], label: str) -> vocab.Term | None:
    folded = label.casefold()
    for phrase, code in SYNONYMS.items():
        if phrase in folded and code in terms:
            return terms[code]
    return None
