"""What the demo world and the national dataset share: amounts in pence, financial years, and the
passwords shown to whoever loads the data."""

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


def new_password() -> str:
    """A password to show once: four groups of six letters and digits."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(6)) for _ in range(4))
