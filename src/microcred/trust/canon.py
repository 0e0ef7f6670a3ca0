"""Canonical forms of a document: RDF Dataset Canonicalization (RDFC-1.0) and JSON Canonicalization (JCS).

RDFC on a crafted graph of interlinked blank nodes can run for minutes (its hash-n-degree step is
exponential), so it runs with a budget of those steps and a deadline; past either it stops with
`CanonicalizationLimit`. Ordinary credentials need a few dozen steps.
"""

from __future__ import annotations

import time
from typing import Any

import rfc8785
from pyld import jsonld
from pyld.canon import URDNA2015

from microcred.trust import TrustError
from microcred.trust.loader import Loader, UnknownContext, document_loader

MAX_STEPS = 10_000
MAX_SECONDS = 2.0


class CanonicalizationLimit(TrustError):
    pass


class _Bounded(URDNA2015):  # type: ignore[misc]
    """RDFC-1.0 (URDNA2015 with its N-Quads output), stopping past a work budget or a deadline."""

    def __init__(self, max_steps: int, deadline: float) -> None:
        super().__init__()
        self.steps_left = max_steps
        self.deadline = deadline

    def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
        self.steps_left -= 1
        if self.steps_left < 0 or time.monotonic() > self.deadline:
            raise CanonicalizationLimit(
                "The document's blank nodes are too entangled to canonicalize within the limits; it is refused."
            )
        return super().hash_n_degree_quads(id_, issuer)


def rdfc(
    document: dict[str, Any],
    loader: Loader | None = None,
    *,
    max_steps: int = MAX_STEPS,
    max_seconds: float = MAX_SECONDS,
) -> str:
    """The document's canonical N-Quads (RDFC-1.0), contexts from the offline loader."""
    options = {"documentLoader": loader or document_loader(), "produceGeneralizedRdf": False, "safe": True}
    try:
        dataset = jsonld.to_rdf(document, options)
    except jsonld.JsonLdError as error:
        raise _why(error) from None
    result = _Bounded(max_steps, time.monotonic() + max_seconds).main(dataset, {"format": "application/n-quads"})
    assert isinstance(result, str)
    return result


def _why(error: Exception) -> TrustError:
    """The first cause that says something: an unknown context, or pyld's own message."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, TrustError):
            return cause
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return TrustError(f"The document is not valid JSON-LD: {error}")


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise TrustError(f"The document cannot be canonicalized as JSON: {error}") from None


__all__ = ["CanonicalizationLimit", "UnknownContext", "jcs", "rdfc"]
