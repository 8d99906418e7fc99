"""Details: the values a form edits, held as a frozen dataclass whose fields are named as the
record's attributes are."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

Details = TypeVar("Details")


def details_of(cls: type[Details], record: Any, **read_otherwise: Any) -> Details:
    """The details as the record holds them now, to fill the form that changes them: each field
    read from the record's attribute of the same name, but for those given here."""
    values = {f.name: read_otherwise.get(f.name, getattr(record, f.name)) for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**values)
