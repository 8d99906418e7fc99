"""What the demo world and the national dataset share: amounts in pence, financial years, a shared
arrangement's savings in its first year, and the passwords shown to whoever loads the data."""

from __future__ import annotations

import secrets
from datetime import date

from workflows.reporting import financial_year_bounds, financial_year_of

POUND = 100

# Letters and digits that cannot be mistaken for one another (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def financial_year(today: date) -> tuple[date, date]:
    """The first and last days of the financial year `today` falls in."""
    return financial_year_bounds(financial_year_of(today))


def first_year_savings(pence: int | None, started_on: date) -> int | None:
    """A year's savings cut to the part of its first financial year an arrangement ran, by the
    months from the one it started in to March, in whole pounds."""
    if pence is None:
        return None
    first_year_ends = financial_year_bounds(financial_year_of(started_on))[1]
    months = min((first_year_ends.year - started_on.year) * 12 + 4 - started_on.month, 12)
    return round(pence * months / 12 / POUND) * POUND


def new_password() -> str:
    """A password to show once: four groups of six letters and digits."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(6)) for _ in range(4))
