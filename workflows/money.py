"""Money: whole pence in the records, pounds for people."""

from __future__ import annotations

import re
from decimal import Decimal


def pounds(pence: int | None, *, always_pence: bool = False) -> str:
    """Whole pence shown as pounds: 600000 → "£6,000", 123456 → "£1,234.56"."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    if part or always_pence:
        return f"{sign}£{whole:,}.{part:02d}"
    return f"{sign}£{whole:,}"


def typed_pounds(pence: int | None, *, grouped: bool = True) -> str:
    """Pence as the figure a person would type: 1000050 → "10,000.50", or "10000.50" ungrouped;
    nothing for no amount."""
    if pence is None:
        return ""
    whole, part = divmod(pence, 100)
    figure = f"{whole:,}" if grouped else str(whole)
    return f"{figure}.{part:02d}" if part else figure


_POUNDS = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")


class MoneyError(ValueError):
    """What is wrong with an amount, worded for the person who typed it."""


def parse_pounds(
    text: str, noun: str = "the amount", *, below_zero: str = "cannot be negative", ceiling_pence: int | None = None
) -> int:
    """An amount typed in pounds ("6,000", "£6000.50", "6 000") as whole pence. Commas must group
    thousands, so "6,00" is refused rather than guessed at; so are more than two decimal places,
    which no payment can carry. `below_zero` ends the message for a negative amount; an amount at
    or above `ceiling_pence` is refused."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    capital = noun[0].upper() + noun[1:]
    if cleaned.lstrip("£").startswith(("-", "\u2212")):
        raise MoneyError(f"{capital} {below_zero}")
    found = _POUNDS.match(cleaned.removeprefix("£"))
    if not found:
        raise MoneyError(f"Enter {noun} as a number of pounds, like 6,000 or 6000.50")
    if found.group(2) is not None and len(found.group(2)) > 2:
        raise MoneyError(f"{capital} must have no more than 2 decimal places, like 6000.50")
    pence = int(Decimal(found.group(0).replace(",", "")) * 100)
    if ceiling_pence is not None and pence >= ceiling_pence:
        raise MoneyError(f"{capital} must be less than {pounds(ceiling_pence)}")
    return pence
