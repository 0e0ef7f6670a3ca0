"""Canonical forms of a document: RDF Dataset Canonicalization (RDFC-1.0) and JSON Canonicalization (JCS).

RDFC on a crafted graph of interlinked blank nodes can run for minutes (its hash-n-degree step is
exponential), so it runs with a budget of those steps and a deadline; past either it stops with
`CanonicalizationLimit`. Ordinary credentials need a few dozen steps.

Two shortcuts give the same bytes faster (the tests hold them to pyld's output): a document shaped like
earlier ones takes its RDF from a template (`rdf_templates`) instead of pyld's expansion, and when every
blank node's first-degree hash is unique, as in credentials, the labels follow from those hashes alone.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from typing import Any

import rfc8785
from pyld import jsonld
from pyld.canon import URDNA2015

from microcred.trust import TrustError, rdf_templates
from microcred.trust.loader import Loader, UnknownContext, document_loader
from microcred.trust.rdf_templates import Quad

MAX_STEPS = 10_000
MAX_SECONDS = 0.5  # for the entangled part only (hash-n-degree): a credential needs milliseconds
# pyld's work grows with the objects it expands and, per property, with the square of its values (each
# value added to a node's property is compared with those already there; nested lists and objects sharing an
# id pile their values onto one property). A rich credential has a few hundred objects and tens of values
# per key; these bounds keep the worst document JSON-LD processing accepts within about half a second.
MAX_OBJECTS = 5_000
MAX_VALUE_WORK = 500_000  # the sum over each node's keys of the square of their number of values


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
    loader = loader or document_loader()
    quads = rdf_templates.quads(document, loader, lambda marked: _dataset(marked, loader))
    if quads is not None:
        canonical = canonical_when_hashes_differ(quads)
        if canonical is not None:
            return canonical
    return reference_rdfc(document, loader, max_steps=max_steps, max_seconds=max_seconds)


def reference_rdfc(
    document: dict[str, Any],
    loader: Loader | None = None,
    *,
    max_steps: int = MAX_STEPS,
    max_seconds: float = MAX_SECONDS,
) -> str:
    """The canonical N-Quads as pyld alone computes them: what `rdfc`'s shortcuts are tested against."""
    dataset = _dataset(document, loader or document_loader())
    result = _Bounded(max_steps, time.monotonic() + max_seconds).main(dataset, {"format": "application/n-quads"})
    assert isinstance(result, str)
    return result


def _dropped(term: str | None) -> None:
    """JSON-LD safe mode (VC Data Integrity): a term the contexts do not define would be left out of what is
    signed, so a document carrying one could say more than its proof covers; it is refused instead."""
    raise TrustError(
        f"The document uses a term its contexts do not define ({str(term or 'a key')[:100]!r}): "
        "it would not be signed, so the document is refused."
    )


def _within_limits(document: Any) -> None:
    """TrustError when the document is too big for JSON-LD processing to finish well within a second."""
    objects, values, stack = 0, Counter[tuple[str, str]](), [document]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            objects += 1
            node = value.get("id", value.get("@id"))
            node = node if isinstance(node, str) else f"object {objects}"  # objects with one id are one node
            for key, item in value.items():
                if key not in ("id", "@id", "@context"):
                    values[(node, key)] += _count(item)
                stack.append(item)
    if objects > MAX_OBJECTS or sum(count * count for count in values.values()) > MAX_VALUE_WORK:
        busiest = max(values, key=values.__getitem__, default=("", ""))
        raise TrustError(
            f"The document is too large to canonicalize ({objects:,} objects, {values[busiest]:,} values of "
            f"{busiest[1][:60]!r} on one node); a credential has a few hundred objects, so it is refused."
        )


def _count(value: Any) -> int:
    """How many values a key holds once JSON-LD flattens its nested lists."""
    if not isinstance(value, list):
        return 1
    return sum(_count(item) if isinstance(item, list) else 1 for item in value)


def _dataset(document: dict[str, Any], loader: Loader) -> dict[str, list[dict[str, Any]]]:
    _within_limits(document)
    options = {"documentLoader": loader, "produceGeneralizedRdf": False}
    try:
        processor = jsonld.JsonLdProcessor(on_property_dropped=_dropped)
        dataset: dict[str, list[dict[str, Any]]] = processor.to_rdf(document, options)
    except jsonld.JsonLdError as error:
        raise _why(error) from None
    except TrustError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        # pyld lets some malformed input through as plain exceptions (a context "https;//…", say)
        raise TrustError(f"The document is not valid JSON-LD: {str(error)[:200]}") from None
    return dataset


def _line(subject: str, predicate: str, obj: str, graph: str | None) -> str:
    return f"{subject} {predicate} {obj} .\n" if graph is None else f"{subject} {predicate} {obj} {graph} .\n"


def canonical_when_hashes_differ(quads: list[Quad]) -> str | None:
    """RDFC-1.0 of quads whose blank nodes all have different first-degree hashes (credentials do): each
    blank node's canonical label follows from the order of those hashes, with no n-degree step. None when
    two hashes are equal: then the full algorithm decides."""
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        subject, _, obj, graph = quad
        if subject[0] == "_":
            mentions.setdefault(subject, []).append(quad)
        if obj[0] == "_":
            mentions.setdefault(obj, []).append(quad)
        if graph is not None and graph[0] == "_":
            mentions.setdefault(graph, []).append(quad)
    by_hash: dict[str, str] = {}
    for node, mentioned in mentions.items():
        lines = sorted(
            _line(
                "_:a" if s == node else "_:z" if s[0] == "_" else s,
                p,
                "_:a" if o == node else "_:z" if o[0] == "_" else o,
                None if g is None else "_:a" if g == node else "_:z" if g[0] == "_" else g,
            )
            for s, p, o, g in mentioned
        )
        digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        if digest in by_hash:
            return None
        by_hash[digest] = node
    labels = {node: f"_:c14n{n}" for n, (_, node) in enumerate(sorted(by_hash.items()))}
    return "".join(
        sorted(
            _line(labels.get(s, s), p, labels.get(o, o), None if g is None else labels.get(g, g))
            for s, p, o, g in quads
        )
    )


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


__all__ = ["CanonicalizationLimit", "UnknownContext", "jcs", "rdfc", "reference_rdfc"]
