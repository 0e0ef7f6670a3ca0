"""What reading JSON-LD documents needs everywhere: a value as a list, the text of a language map."""

from __future__ import annotations

from typing import Any


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value as a list: absent is none, one is a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(value: Any, language: str | None = None) -> str:
    """The text of an ELM language map (in `language` if it has it, else English, else any), or a plain
    string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for code in (*([language] if language else []), "en", *value.keys()):
            found = value.get(code)
            if isinstance(found, str):
                return found
            if isinstance(found, list) and found and isinstance(found[0], str):
                return found[0]
    if isinstance(value, list) and value:
        return text_of(value[0], language)
    return ""
