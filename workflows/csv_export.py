"""Cells and lines for the CSV files people download: money in pounds with pence, times in UK
time, and every cell kept as text, so a spreadsheet never runs a value as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from grants.models import Application
from workflows.formatting import UK

# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# How many records a download reads from the database at a time.
CSV_BATCH = 500


def safe_cell(value: str) -> str:
    """A cell that a spreadsheet will show as text: one starting with a formula character is
    prefixed with a single quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_pounds(pence: int | None) -> str:
    """Pence as pounds with pence and no separators, for a spreadsheet: 12345600 → "123456.00";
    blank for no amount."""
    if pence is None:
        return ""
    whole, part = divmod(pence, 100)
    return f"{whole}.{part:02d}"


def csv_uk_time(value: datetime | None) -> str:
    """A UTC time in UK time as a spreadsheet reads it: "2026-11-22 15:05"; blank for none."""
    if value is None:
        return ""
    return value.astimezone(UK).strftime("%Y-%m-%d %H:%M")


def csv_line(cells: Sequence[str]) -> str:
    """One CSV line, each cell guarded against being read as a formula."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def application_cells(application: Application) -> list[str]:
    """The cells that name an application in a download: its reference, its lead council's name
    and GSS code, its scheme and its round."""
    return [
        application.reference,
        application.lead_council.name,
        application.lead_council.gss_code,
        application.round.scheme.name,
        application.round.name,
    ]
