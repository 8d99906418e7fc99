"""The refusal of a change made through a form: what is wrong, by field, in words for the person
who typed it. Each part of the service has its own subclass, so a view catches only its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self


class ProblemsError(Exception):
    """What is wrong, by field name; a problem about no field of the form is shown at the top."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(next(iter(self.problems.values()), "Something is wrong"))

    @classmethod
    def about(cls, field_name: str, message: str) -> Self:
        return cls({field_name: message})


def text_problem(text: str, noun: str, *, limit: int, required: bool = True, named: str | None = None) -> str | None:
    """What is wrong with text typed into a field, if anything: nothing but spaces where something
    is needed ("Enter the reason …"), or more than `limit` characters, said of the field as
    `named` (by default the noun): "The reason must be 2,000 characters or fewer"."""
    text = text.strip()
    if not text:
        return f"Enter {noun}" if required else None
    if len(text) > limit:
        subject = named or noun
        return f"{subject[0].upper()}{subject[1:]} must be {limit:,} characters or fewer"
    return None
