"""Which format a document is: a specification imported from untrusted bytes as ELM or Open Badges 3.0, and
the formats a specification is exported in."""

from __future__ import annotations

import json
from typing import Any

from microcred.design.documents import ELM_CONTEXT, types_of
from microcred.design.elm import from_elm
from microcred.design.ob3 import from_ob3
from microcred.errors import InvalidInput
from microcred.trust.jsonld import as_list

FORMATS = ("elm", "ob3")
JSONLD = "application/ld+json"  # the media type both formats are served with
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


def load_document(raw: bytes | str) -> dict[str, Any]:
    """A JSON document from untrusted bytes, with a clear error if it is not one."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(
            f"The document is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB.", code="document_too_large"
        )
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The file is not JSON: {error}.", code="invalid_document") from None
    if not isinstance(document, dict):
        raise InvalidInput("The document must be a JSON object.", code="invalid_document")
    return document


def from_document(document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """("elm" or "ob3", specification content) from whichever of the two the document is."""
    contexts = [c for c in as_list(document.get("@context")) if isinstance(c, str)]
    types = types_of(document)
    try:
        if ELM_CONTEXT in contexts or types & {"EuropeanDigitalCredential", "LearningOpportunity", "Qualification"}:
            return "elm", from_elm(document)
        if any("purl.imsglobal.org/spec/ob/" in c for c in contexts) or types & {
            "Achievement",
            "OpenBadgeCredential",
            "AchievementCredential",
        }:
            return "ob3", from_ob3(document)
    except (AttributeError, TypeError, KeyError) as error:  # a node of the wrong shape somewhere
        raise InvalidInput(
            f"The document's structure is not as ELM/OB3 define it ({error}).", code="invalid_document"
        ) from None
    raise InvalidInput(
        "This is neither an ELM document (context http://data.europa.eu/snb/model/context/edc-ap) nor an "
        "Open Badges 3.0 achievement.",
        code="invalid_document",
    )
