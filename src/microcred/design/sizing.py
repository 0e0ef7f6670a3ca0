"""The size of a micro-credential and its credits: ETF's typology (Table 2), the workload in each credit system,
and whether the hours and the credits agree."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from microcred.design import vocab
from microcred.design.schemas import SizeOut, SpecificationContent


def number_text(value: Decimal | float | int) -> str:
    """A number as people write it: no trailing zeros, never rounded."""
    text = format(Decimal(value).normalize(), "f")
    return text


def _ratio(hours: Decimal, per_credit: Decimal) -> tuple[str, bool]:
    """hours / per_credit to two decimals, and whether that was exact."""
    exact = hours / per_credit
    shown = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return number_text(shown), shown == exact


def conversions(hours: Decimal) -> list[str]:
    """The workload in each credit system, as a range where the system has one; rounding marked with ≈."""
    lines = []
    for system in vocab.CREDIT_SYSTEMS.values():
        low, high = Decimal(system.hours_low), Decimal(system.hours_high)
        fewest, exact_low = _ratio(hours, high)
        most, exact_high = _ratio(hours, low)
        sign = "=" if exact_low and exact_high else "≈"
        amount = fewest if low == high else f"{fewest}–{most}"
        per = number_text(low) if low == high else f"{number_text(low)}–{number_text(high)}"
        lines.append(f"{system.code}: {sign} {amount} credits ({per} h per credit)")
    return lines


def credit_range(credits_value: Decimal, system: str) -> tuple[Decimal, Decimal]:
    found = vocab.CREDIT_SYSTEMS[system]
    return credits_value * Decimal(found.hours_low), credits_value * Decimal(found.hours_high)


def size(spec: SpecificationContent) -> SizeOut:
    hours = spec.workload_hours
    estimated = False
    if hours is None and spec.credits is not None:
        low, high = credit_range(spec.credits.value, spec.credits.system)
        hours, estimated = (low + high) / 2, True
    if hours is None:
        return SizeOut(typology=None, label="Unknown", explanation="Give the workload to see the size.", conversions=[])
    basis = f"{'about ' if estimated else ''}{number_text(hours)} hours{' (from the credits)' if estimated else ''}"
    for key, label, low, high in vocab.SIZES:
        if low <= hours < high or (key == "short_learning_programme" and hours == high):
            explanation = f"{basis}: ETF's {label.lower()} band is {number_text(low)}–{number_text(high)} hours."
            return SizeOut(typology=key, label=label, explanation=explanation, conversions=conversions(hours))
    if hours < vocab.SIZES[0][2]:
        explanation = f"{basis}: below the smallest band (skill credentials start at 1 hour)."
        return SizeOut(typology=None, label="Below 1 hour", explanation=explanation, conversions=conversions(hours))
    explanation = f"{basis}: above 1,500 hours, larger than a short learning programme; is this a full qualification?"
    return SizeOut(typology=None, label="Above 1,500 hours", explanation=explanation, conversions=conversions(hours))


def credits_consistent(spec: SpecificationContent) -> str | None:
    """A sentence when the hours and the credits disagree under the credit system's hours per credit."""
    if spec.workload_hours is None or spec.credits is None:
        return None
    low, high = credit_range(spec.credits.value, spec.credits.system)
    if low <= spec.workload_hours <= high:
        return None
    return (
        f"{number_text(spec.credits.value)} {spec.credits.system} credits mean {number_text(low)}"
        + (f"–{number_text(high)}" if high != low else "")
        + f" hours, but the workload says {number_text(spec.workload_hours)} hours."
    )
