"""Money: whole pence in the records, pounds for people."""

from __future__ import annotations


def pounds(pence: int | None, *, always_pence: bool = False) -> str:
    """Whole pence shown as pounds: 600000 → "£6,000", 123456 → "£1,234.56"."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    if part or always_pence:
        return f"{sign}£{whole:,}.{part:02d}"
    return f"{sign}£{whole:,}"
