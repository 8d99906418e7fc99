"""A record's history on the staff pages in words: one line for each audit event, saying what was
done and, where it matters, to what (the council, the round, the criterion) and which settings it
changed. Each page gives the words for its own events; the way a line is put together is here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grants.models import AuditEvent

# Where a record came from, when it was not typed in on its page.
SOURCES = {"import": "from a CSV file", "introduction": "from an introduction"}

About = Callable[[AuditEvent, Mapping[str, Any], Mapping[int, str]], str | None]


def _no_subject(event: AuditEvent, detail: Mapping[str, Any], names: Mapping[int, str]) -> str | None:
    return None


@dataclass(frozen=True)
class EventWording:
    """How a page words its record's audit events: a label for each action, names for the settings
    a change lists (by default the setting's own name in words), and what an event was about
    beyond a council (which events about councils name by themselves)."""

    labels: Mapping[str, str]
    field_names: Mapping[str, str] = field(default_factory=dict)
    about: About = _no_subject

    def field_name(self, name: str) -> str:
        return self.field_names.get(name, name.replace("_pence", "").replace("_", " "))

    def summary(self, event: AuditEvent, names: Mapping[int, str] | None = None) -> str:
        """One line about the event: "Council removed: Babergh (E07000200). Reason: …". `names`
        are the names of the records the page's events may be about, by id (a scheme's rounds)."""
        detail = event.detail or {}
        text = self.labels.get(event.action, event.action)
        source = SOURCES.get(str(detail.get("source")))
        if source:
            text += f" {source}"
        subject = self.about(event, detail, names or {})
        if subject is None and "council_name" in detail:
            subject = f"{detail['council_name']} ({detail.get('council', '')})"
        if subject is not None:
            text += f": {subject}"
        if "changes" in detail:
            text += " (" + ", ".join(self.field_name(name) for name in detail["changes"]) + ")"
        if event.action.endswith("removed") and "reason" in detail:
            text += f". Reason: {detail['reason']}"
        return text
