"""What the demo world and the national dataset share: amounts in pence, and financial years."""

from __future__ import annotations

from datetime import date

POUND = 100


def financial_year(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)
