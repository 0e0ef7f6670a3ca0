"""The shared checks for what people type: multi-line text, whole numbers and credits refuse hostile input with a
sentence (never a 500 further down), and keep what is fine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microcred import inputs
from microcred.errors import InvalidInput


def test_text_keeps_its_lines_and_refuses_control_characters_and_lengths() -> None:
    assert inputs.text("  First line.\n\tSecond line.  ", field="comment", max_length=100) == (
        "First line.\n\tSecond line."
    )
    assert inputs.text("   ", field="comment", max_length=100) == ""
    with pytest.raises(InvalidInput, match="The comment must be printable text: control characters are not allowed"):
        inputs.text("bad\x00", field="comment", max_length=100)
    with pytest.raises(InvalidInput, match="The note must be at most 5 characters long") as refused:
        inputs.text("too long", field="note", max_length=5, code="invalid_note")
    assert refused.value.code == "invalid_note"
    with pytest.raises(InvalidInput, match="The reasons must be 3 to 4,000 characters long"):
        inputs.text(" no ", field="reasons", min_length=3, max_length=4000)


@pytest.mark.parametrize("typed", ["²", "٣", "-1", "1.5", "", "12345678", "51", "0"])
def test_whole_numbers_are_ascii_digits_in_range(typed: str) -> None:
    with pytest.raises(InvalidInput, match="The validity in years must be a whole number from 1 to 50"):
        inputs.whole_number(typed, field="validity in years", least=1, most=50, code="invalid_agreement")


def test_whole_numbers_in_range_are_read() -> None:
    assert inputs.whole_number(" 50 ", field="years", least=1, most=50, code="x") == 50


@pytest.mark.parametrize(
    ("value", "digits"), [("42", True), ("9" * 100, True), ("²", False), ("٣", False), ("", False)]
)
def test_is_digits_says_yes_only_to_what_int_reads(value: str, digits: bool) -> None:
    assert inputs.is_digits(value) is digits
    if digits:
        assert int(value) >= 0


def test_thousands_of_digits_are_not_digits_that_int_reads() -> None:
    # int() refuses a string of more than 4,300 digits: "digits" that would end in a 500 further down are not.
    assert not inputs.is_digits("1" * 5000)


@pytest.mark.parametrize(
    "given",
    [
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1e30",
        "1E+26",
        "1000",
        "-1",
        "1.005",
        Decimal("NaN"),
        float("inf"),
        True,
    ],
)
def test_credits_out_of_range_or_not_finite_are_refused(given: object) -> None:
    with pytest.raises(InvalidInput, match="credits") as refused:
        inputs.credits(given)
    assert refused.value.code == "invalid_credits"


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("7,5", Decimal("7.5")),
        (" 5 ", Decimal(5)),
        (7.5, Decimal("7.5")),
        (30, Decimal(30)),
        ("999.99", Decimal("999.99")),
        ("2.50", Decimal("2.5")),
        ("", None),
        (None, None),
    ],
)
def test_credits_a_person_or_a_credential_gives_are_read(given: object, read: Decimal | None) -> None:
    assert inputs.credits(given) == read


def test_a_word_is_not_a_number_of_credits() -> None:
    with pytest.raises(InvalidInput, match="'five' is not a number of credits"):
        inputs.credits("five")
