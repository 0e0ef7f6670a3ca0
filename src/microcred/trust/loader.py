"""An offline JSON-LD document loader: the bundled contexts only, never the network.

An unknown URL is an error (`UnknownContext`), so a credential that needs a context we do not ship is
refused by name instead of being fetched from wherever it points.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import rfc8785

from microcred.trust import TrustError

Loader = Callable[[str, Any], dict[str, Any]]


class UnknownContext(TrustError):
    pass


@cache
def bundled() -> dict[str, Any]:
    """URL -> parsed context document, for every context shipped in microcred/trust/contexts."""
    folder = resources.files("microcred.trust") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {url: json.loads((folder / name).read_text(encoding="utf-8")) for url, name in manifest.items()}


class OfflineLoader:
    """A pyld document loader over a fixed set of contexts (URL -> document).

    `fingerprint` names that set (the same contexts give the same fingerprint), so that what is worked out
    from the contexts once can be reused by every loader that serves the same ones; None when the extra
    contexts are not plain JSON.
    """

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self.known: dict[str, Any] = {**bundled(), **(extra or {})}
        self.fingerprint: str | None = "bundled"
        if extra:
            try:
                self.fingerprint = "bundled+" + hashlib.sha256(rfc8785.dumps(dict(extra))).hexdigest()
            except (rfc8785.CanonicalizationError, TypeError, ValueError):
                self.fingerprint = None

    def __call__(self, url: str, _options: Any = None) -> dict[str, Any]:
        document = self.known.get(url)
        if document is None:
            raise UnknownContext(f"The JSON-LD context {url[:200]} is not one microcred knows; it is never fetched.")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
        }

    def terms(self) -> frozenset[str]:
        """Every key of every context this loader serves: a superset of the terms and prefixes they define."""
        return _keys_of(self.fingerprint, self.known) if self.fingerprint else frozenset()


_TERMS: dict[str, frozenset[str]] = {}


def _keys_of(fingerprint: str, known: dict[str, Any]) -> frozenset[str]:
    found = _TERMS.get(fingerprint)
    if found is None:
        if len(_TERMS) > 64:  # loaders with ever new extra contexts (tests) must not grow this without end
            _TERMS.clear()
        found = _TERMS[fingerprint] = frozenset(_keys(list(known.values())))
    return found


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def document_loader(extra: Mapping[str, Any] | None = None) -> Loader:
    """A pyld document loader over the bundled contexts plus `extra` ones (URL -> document)."""
    return OfflineLoader(extra)
