"""CSV files the app writes (cohort exports, a batch run's result.csv), safe to open in a spreadsheet.

A cell that starts with = + - @, a tab or a carriage return is read by spreadsheets as a formula
(`=HYPERLINK(…)` in a learner's name runs when the educator opens the file), so such text gets a leading
apostrophe, as OWASP's "CSV injection" advises. Numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "＝",
    "＋",
    "－",
    "＠",
    "﹦",
    "﹢",
    "﹣",
    "﹫",
)  # wide forms too


def cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula made plain text (also behind leading
    spaces and invisible characters, which some spreadsheets skip)."""
    if isinstance(value, str) and _visible(value).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _visible(text: str) -> str:
    """The text from its first character that is neither a space (Z*) nor an invisible format character (Cf)."""
    for index, character in enumerate(text):
        if not unicodedata.category(character).startswith(("Z", "Cf")):
            return text[index:]
    return ""


class Writer:
    """csv.writer whose every cell goes through `cell`: the only way the app writes CSV."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A CSV file's text: the header line, then the rows."""
    buffer = io.StringIO()
    writer = Writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
