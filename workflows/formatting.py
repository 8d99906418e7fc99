"""Dates and times as people read them, in UK time: on pages, in emails and in reports.

Times are stored in UTC; these show them in the UK's local time (GMT or BST)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_datetime(value: datetime | None) -> str:
    """A UTC time shown in UK time: "22 November 2026 at 3:05pm"."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{suffix}"


def uk_date(value: date | datetime | str | None) -> str:
    """A date as people write it: "1 December 2026". Takes an ISO date too (messages keep their
    details as text)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    return f"{value.day} {value:%B %Y}"
