"""JSON pointers (RFC 6901) and the selection of a compact JSON-LD document they make (selectJsonLd of W3C
vc-di-ecdsa): what `ecdsa-sd-2023` reveals and groups its statements by."""

from __future__ import annotations

import copy
import re
from typing import Any

from microcred.trust import TrustError

MAX_POINTER_LENGTH = 1024


# --- JSON pointers and selection -------------------------------------------------------------------------


def parse_pointer(pointer: Any) -> list[str | int]:
    """The steps of an RFC 6901 JSON pointer: array indexes as numbers."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")) or len(pointer) > MAX_POINTER_LENGTH:
        raise TrustError(f"{str(pointer)[:80]!r} is not a JSON pointer (it must start with /).")
    steps: list[str | int] = []
    for step in pointer.split("/")[1:]:
        if re.search(r"~(?![01])", step):
            raise TrustError(f"The JSON pointer {pointer[:80]!r} has a ~ that is not ~0 or ~1.")
        text = step.replace("~1", "/").replace("~0", "~")
        steps.append(int(text) if text.isdigit() and "~" not in step else text)
    return steps


_HOLE = object()


def _child(parent: Any, step: str | int) -> Any:
    if isinstance(parent, dict):
        return parent.get(str(step), _HOLE)
    if isinstance(parent, list) and isinstance(step, int) and step < len(parent):
        return parent[step]
    return _HOLE


def _put(parent: Any, step: str | int, value: Any) -> None:
    if isinstance(parent, dict):
        parent[str(step)] = value
        return
    assert isinstance(step, int)
    parent.extend([_HOLE] * (step + 1 - len(parent)))
    parent[step] = value


def _init_selection(source: Any) -> dict[str, Any]:
    selection: dict[str, Any] = {}
    if isinstance(source, dict):
        if isinstance(source.get("id"), str) and not source["id"].startswith("_:"):
            selection["id"] = source["id"]
        if source.get("type") is not None:
            selection["type"] = copy.deepcopy(source["type"])
    return selection


def select_json_ld(document: dict[str, Any], pointers: list[str]) -> dict[str, Any] | None:
    """The part of a compact document the pointers select, with the `id` and `type` of every object on the
    way (selectJsonLd); None when there are no pointers."""
    if not pointers:
        return None
    arrays: list[list[Any]] = []
    selection: dict[str, Any] = {"@context": copy.deepcopy(document.get("@context")), **_init_selection(document)}
    for pointer in pointers:
        steps = parse_pointer(pointer)
        if not steps:
            return copy.deepcopy(document)
        value: Any = document
        selected: Any = selection
        parent: Any = selection
        for step in steps:
            parent = selected
            value = _child(value, step)
            if value is _HOLE:
                raise TrustError(f"The JSON pointer {pointer[:80]!r} does not match the document.")
            selected = _child(parent, step)
            if selected is _HOLE:
                selected = [] if isinstance(value, list) else _init_selection(value)
                if isinstance(value, list):
                    arrays.append(selected)
                _put(parent, step, selected)
        if isinstance(value, dict):
            selected = {**selected, **copy.deepcopy(value)} if isinstance(selected, dict) else copy.deepcopy(value)
        else:
            selected = copy.deepcopy(value)
        _put(parent, steps[-1], selected)
    for array in arrays:
        array[:] = [item for item in array if item is not _HOLE]
    return selection
