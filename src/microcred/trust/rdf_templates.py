"""JSON-LD to RDF once per shape of document: credentials of one shape reuse the quads pyld made.

Expanding JSON-LD with pyld is most of what `eddsa-rdfc-2022` costs, and credentials issued from one edition
differ only in values that JSON-LD carries into the RDF unchanged: a name, a date or a grade becomes a
literal whatever it says, and an absolute IRI such as a urn:uuid id stays as written. So pyld expands the
document once with each such value replaced by a unique marker; where each marker lands in the quads makes
a template, and later documents of the same shape fill it with their own values.

A value whose text can steer the expansion is never filled in but is part of the template's key: what
lands elsewhere than as a whole literal or a whole IRI, types (they choose scoped contexts), anything under
@context and the other keywords, and where an IRI goes, any value that is not a plain absolute IRI (a term,
a compact, relative or blank-node identifier). Documents with an embedded context are left to pyld, and so
is a shape's first document, so that a one-off document costs no more than before.

pyld stays the definition: the tests compare both ways on the W3C vectors and on varied credentials.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyld.jsonld import RDF_LANGSTRING, XSD_DOUBLE, XSD_STRING, _is_absolute_iri
from pyld.nquads import escape

from microcred.trust.loader import Loader, OfflineLoader

# A quad as N-Quads terms: subject, predicate, object and graph (None: the default graph).
Quad = tuple[str, str, str, str | None]
Expand = Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]]]

MAX_SHAPES = 64
MAX_TEMPLATES_PER_SHAPE = 8
MAX_BUILDS = 3  # attempts for one document, and failed builds before a shape is left to pyld for good
MARKER_SCHEME = "urn"
FILLABLE_KEYWORDS = frozenset({"@id", "@type", "@value"})
TYPE_KEYS = frozenset({"type", "@type"})

# Tokens of a shape besides dictionary keys (always strings) and ("kind", value) tuples.
_DICT, _LIST, _END, _NULL, _LEAF = 0, 1, 2, 3, 4


class _Unfit(Exception):
    """A document left to pyld: an embedded context, or a value that is not JSON."""


def _fillable(key: str | None) -> bool:
    return key is None or key[:1] != "@" or key in FILLABLE_KEYWORDS


def _shape(document: dict[str, Any]) -> tuple[tuple[Any, ...], list[str], list[int]]:
    """The document's shape (its structure and every value that is not a fillable string), its fillable
    strings in document order, and which of those are types."""
    tokens: list[Any] = []
    leaves: list[str] = []
    types: list[int] = []

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, str):
            if _fillable(key):
                if key in TYPE_KEYS:
                    types.append(len(leaves))
                tokens.append(_LEAF)
                leaves.append(value)
            else:
                tokens.append(("str", value))
        elif isinstance(value, dict):
            tokens.append(_DICT)
            for name, item in value.items():
                if type(name) is not str:
                    raise _Unfit
                if name == "@context":
                    if value is not document:
                        raise _Unfit
                    contexts = item if isinstance(item, list) else [item]
                    if not all(isinstance(url, str) for url in contexts):
                        raise _Unfit
                tokens.append(name)
                walk(item, name)
            tokens.append(_END)
        elif isinstance(value, list):
            tokens.append(_LIST)
            for item in value:
                walk(item, key)
            tokens.append(_END)
        elif value is None:
            tokens.append(_NULL)
        elif isinstance(value, bool | int | float):
            tokens.append((type(value).__name__, repr(value)))
        else:
            raise _Unfit

    walk(document, None)
    return tuple(tokens), leaves, types


def _marked(document: dict[str, Any], marks: dict[int, str]) -> Any:
    """A copy of the document with the fillable strings numbered in `marks` replaced (same order as _shape)."""
    count = 0

    def copy(value: Any, key: str | None) -> Any:
        nonlocal count
        if isinstance(value, str):
            if not _fillable(key):
                return value
            count += 1
            return marks.get(count - 1, value)
        if isinstance(value, dict):
            return {name: copy(item, name) for name, item in value.items()}
        if isinstance(value, list):
            return [copy(item, key) for item in value]
        return value

    return copy(document, None)


def plain_iri(value: str, terms: frozenset[str]) -> bool:
    """An absolute IRI that JSON-LD keeps as written wherever an IRI goes: no term, no compact IRI whose
    prefix a context could define, no blank node."""
    if value in terms or not _is_absolute_iri(value):
        return False
    scheme = value.split(":", 1)[0]
    return scheme != "_" and scheme not in terms


@dataclass(frozen=True)
class _Template:
    fixed: tuple[str | None, ...]  # N-Quads terms; index 0 is None, the default graph
    slots: tuple[tuple[int, bool, str], ...]  # (fillable string, is a literal, datatype or language suffix)
    quads: tuple[tuple[int, int, int, int], ...]  # indexes into fixed + one term per slot

    def fill(self, leaves: list[str], terms: frozenset[str]) -> list[Quad] | None:
        table = list(self.fixed)
        for leaf, literal, suffix in self.slots:
            value = leaves[leaf]
            if literal:
                table.append('"' + escape(value) + '"' + suffix)
            elif plain_iri(value, terms):
                table.append("<" + value + ">")
            else:  # the key rules this out; checked again as it is cheap
                return None
        quads = [(table[s], table[p], table[o], table[g]) for s, p, o, g in self.quads]
        # pyld merges equal values into one quad; two filled-in quads that coincide are left to it
        return quads if len(set(quads)) == len(quads) else None  # type: ignore[return-value]


@dataclass
class _Shape:
    verbatim: set[int]  # fillable strings that are part of the key, whatever they hold
    iris: set[int]  # fillable strings found where an IRI goes: part of the key unless a plain IRI
    templates: OrderedDict[tuple[tuple[int, str], ...], _Template] = field(default_factory=OrderedDict)
    failures: int = 0

    def key(self, leaves: list[str], terms: frozenset[str]) -> tuple[tuple[int, str], ...]:
        return tuple(
            (i, leaves[i])
            for i in sorted(self.verbatim | self.iris)
            if i in self.verbatim or not plain_iri(leaves[i], terms)
        )


_SHAPES: OrderedDict[tuple[str, tuple[Any, ...]], _Shape] = OrderedDict()
_LOCK = threading.Lock()


def quads(document: dict[str, Any], loader: Loader, expand: Expand) -> list[Quad] | None:
    """The document's RDF quads from a template, or None when pyld must expand it (`expand` runs pyld)."""
    if not isinstance(loader, OfflineLoader) or loader.fingerprint is None:
        return None
    terms = loader.terms()
    if MARKER_SCHEME in terms:
        return None
    try:
        tokens, leaves, types = _shape(document)
    except (_Unfit, RecursionError):
        return None
    with _LOCK:
        shape = _SHAPES.get((loader.fingerprint, tokens))
        if shape is None:
            _SHAPES[(loader.fingerprint, tokens)] = _Shape(verbatim=set(), iris=set(types))
            if len(_SHAPES) > MAX_SHAPES:
                _SHAPES.popitem(last=False)
            return None
        _SHAPES.move_to_end((loader.fingerprint, tokens))
        if shape.failures >= MAX_BUILDS:
            return None
        template = shape.templates.get(shape.key(leaves, terms))
    if template is None:
        template = _build(document, leaves, shape, terms, expand)
    return template.fill(leaves, terms) if template else None


def _build(
    document: dict[str, Any], leaves: list[str], shape: _Shape, terms: frozenset[str], expand: Expand
) -> _Template | None:
    """A template for the document's key; a build may teach the shape more verbatim strings, then it is redone."""
    for _attempt in range(MAX_BUILDS):
        with _LOCK:
            key = shape.key(leaves, terms)
            built = shape.templates.get(key)
        if built is not None:
            return built
        keyed = {i for i, _ in key}
        prefix = f"{MARKER_SCHEME}:x-microcred-{secrets.token_hex(8)}:"
        marks = {i: f"{prefix}{i}" for i in range(len(leaves)) if i not in keyed}
        try:
            dataset = expand(_marked(document, marks))
        except Exception:  # pyld's own error, if the document has one, comes from the plain run
            with _LOCK:
                shape.failures += 1
            return None
        template, spoiled, iris = _read(dataset, prefix, marks)
        with _LOCK:
            shape.iris |= iris
            shape.verbatim |= spoiled
            if template is None and not spoiled:
                shape.failures = MAX_BUILDS  # pyld gave the same quad twice: not a shape for templates
                return None
            if template is not None:
                shape.templates[key] = template
                if len(shape.templates) > MAX_TEMPLATES_PER_SHAPE:
                    shape.templates.popitem(last=False)
                if shape.key(leaves, terms) == key:
                    return template
    with _LOCK:
        shape.failures += 1
    return None


def _read(
    dataset: dict[str, list[dict[str, Any]]], prefix: str, marks: dict[int, str]
) -> tuple[_Template | None, set[int], set[int]]:
    """The template in pyld's quads of a marked document, or the marked strings that cannot be filled in;
    and the marked strings found where IRIs go."""
    marker = re.compile(re.escape(prefix) + r"(\d+)")
    fixed: list[str | None] = [None]
    positions: dict[Any, int] = {None: 0}
    slots: list[tuple[int, bool, str]] = []
    kinds: dict[int, set[tuple[bool, str]]] = {}
    spoiled: set[int] = set()

    def marked(value: str) -> int | None:
        found = marker.fullmatch(value)
        return int(found.group(1)) if found and int(found.group(1)) in marks else None

    def text(term: str) -> int:
        spoiled.update(int(found) for found in marker.findall(term))
        if ("text", term) not in positions:
            positions[("text", term)] = len(fixed)
            fixed.append(term)
        return positions[("text", term)]

    def slot(leaf: int, literal: bool, suffix: str) -> int:
        spoiled.update(int(found) for found in marker.findall(suffix))
        kinds.setdefault(leaf, set()).add((literal, suffix))
        if ("slot", leaf, literal, suffix) not in positions:
            positions[("slot", leaf, literal, suffix)] = -1 - len(slots)
            slots.append((leaf, literal, suffix))
        return positions[("slot", leaf, literal, suffix)]

    def node(component: dict[str, Any]) -> int:
        value: str = component["value"]
        if component["type"] == "blank node":
            return text(value)
        leaf = marked(value) if component["type"] == "IRI" else None
        return slot(leaf, False, "") if leaf is not None else text("<" + value + ">")

    def literal(component: dict[str, Any]) -> int:
        value: str = component["value"]
        datatype = component["datatype"]
        if datatype == RDF_LANGSTRING:
            suffix = "@" + component["language"] if component.get("language") else ""
        else:
            suffix = "" if datatype == XSD_STRING else "^^<" + datatype + ">"
        leaf = marked(value)
        if leaf is not None and datatype == XSD_DOUBLE:  # pyld rewrites a number typed xsd:double ("8" → 8.0E0)
            spoiled.add(leaf)
        return slot(leaf, True, suffix) if leaf is not None else text('"' + escape(value) + '"' + suffix)

    rows: list[tuple[int, int, int, int]] = []
    for graph_name, triples in dataset.items():
        if graph_name == "@default":
            graph = 0
        else:
            graph = node({"type": "blank node" if graph_name.startswith("_:") else "IRI", "value": graph_name})
        for triple in triples:
            subject = node(triple["subject"])
            predicate = text("<" + triple["predicate"]["value"] + ">")
            obj = triple["object"]
            rows.append((subject, predicate, literal(obj) if obj["type"] == "literal" else node(obj), graph))

    spoiled |= {leaf for leaf in marks if len(kinds.get(leaf, ())) != 1}  # nowhere, or in two ways
    iris = {leaf for leaf, seen in kinds.items() if (False, "") in seen}
    if spoiled or len(set(rows)) != len(rows):
        return None, spoiled, iris
    offset = len(fixed)
    quads = tuple(tuple(i if i >= 0 else offset - 1 - i for i in row) for row in rows)
    return _Template(tuple(fixed), tuple(slots), quads), spoiled, iris  # type: ignore[arg-type]
