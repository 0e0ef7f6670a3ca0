"""Checks for the text people type, shared by every stage, so hostile input fails the same clear way.

PostgreSQL refuses NUL bytes outright and other control characters have no place in names, so they are
refused here with a sentence rather than deep in the database with a 500.
"""

from __future__ import annotations

import re
from datetime import date

from microcred.errors import InvalidInput

# Control characters other than tab, line feed and carriage return (which count as spacing).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def without_control_characters(value: str) -> str:
    return _CONTROL.sub("", value)


def single_line(value: str, *, field: str, max_length: int, min_length: int = 1, code: str = "invalid_text") -> str:
    """The value with its spacing collapsed to single spaces, if it is printable and of a fitting length."""
    if has_control_characters(value):
        raise InvalidInput(f"The {field} contains control characters; use printable text only.", code=code)
    cleaned = " ".join(value.split())
    if not min_length <= len(cleaned) <= max_length:
        raise InvalidInput(f"The {field} must be {min_length} to {max_length} characters long.", code=code)
    return cleaned


def optional_date(value: object, *, field: str, code: str) -> date | None:
    """A date typed as 2024-09-30, or None when the field was left empty."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"The {field} must look like 2024-09-30.", code=code) from None
