"""An offline JSON-LD document loader: the bundled contexts only, never the network.

An unknown URL is an error (`UnknownContext`), so a credential that needs a context we do not ship is
refused by name instead of being fetched from wherever it points.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

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


def document_loader(extra: Mapping[str, Any] | None = None) -> Loader:
    """A pyld document loader over the bundled contexts plus `extra` ones (URL -> document)."""
    known = {**bundled(), **(extra or {})}

    def load(url: str, _options: Any = None) -> dict[str, Any]:
        document = known.get(url)
        if document is None:
            raise UnknownContext(f"The JSON-LD context {url[:200]} is not one microcred knows; it is never fetched.")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
        }

    return load
