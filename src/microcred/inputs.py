"""Checks for the text people type, shared by every stage, so hostile input fails the same clear way.

PostgreSQL refuses NUL bytes outright and other control characters have no place in names, so they are
refused here with a sentence rather than deep in the database with a 500.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from microcred.errors import InvalidInput

# Control characters other than tab, line feed and carriage return (which count as spacing).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ASCII digits only: str.isdigit() says yes to "²", which int() refuses.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")
# The most credits anything here records: columns are Numeric(6, 2), and no micro-credential comes near.
MAX_CREDITS = Decimal("999.99")


def is_digits(value: str) -> bool:
    """ASCII digits only, and not thousands of them, so that int() reads them: str.isdigit() also says yes to "²",
    and int() refuses more than 4,300 digits."""
    return value.isascii() and value.isdigit() and len(value) <= 100


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


def text(value: str, *, field: str, max_length: int, min_length: int = 0, code: str = "invalid_text") -> str:
    """Text that may run over several lines (a comment, reasons, a note): printable, without the spacing around
    it, and of a fitting length. Line breaks and tabs inside are kept."""
    if has_control_characters(value):
        raise InvalidInput(f"The {field} must be printable text: control characters are not allowed.", code=code)
    cleaned = value.strip()
    if not min_length <= len(cleaned) <= max_length:
        span = f"at most {max_length:,}" if min_length == 0 else f"{min_length:,} to {max_length:,}"
        raise InvalidInput(f"The {field} must be {span} characters long.", code=code)
    return cleaned


def whole_number(value: str, *, field: str, least: int, most: int, code: str) -> int:
    """A whole number typed in a form, from `least` to `most`."""
    digits = value.strip()
    if not _WHOLE_NUMBER.fullmatch(digits) or not least <= int(digits) <= most:
        raise InvalidInput(f"The {field} must be a whole number from {least:,} to {most:,}.", code=code)
    return int(digits)


def credits(value: object, *, field: str = "credits", code: str = "invalid_credits") -> Decimal | None:
    """Credits as a form, the API or a credential gives them: None when empty, otherwise a number from 0 to
    999.99 with at most two decimals (what the database keeps). "7,5" is 7.5."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    written = str(value).strip().replace(",", ".")
    try:
        if isinstance(value, bool):  # JSON's true is not 1 credit
            raise InvalidOperation
        number = Decimal(written)
    except InvalidOperation:
        raise InvalidInput(f"{written[:20]!r} is not a number of {field}.", code=code) from None
    if not number.is_finite() or not 0 <= number <= MAX_CREDITS or number != number.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"The {field} must be a number from 0 to {MAX_CREDITS}, with at most two decimals.", code=code
        )
    return number


def optional_date(value: object, *, field: str, code: str) -> date | None:
    """A date typed as 2024-09-30, or None when the field was left empty."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"The {field} must look like 2024-09-30.", code=code) from None
