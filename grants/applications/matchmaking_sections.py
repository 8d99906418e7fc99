"""The sections of a shared-services matchmaking application: what the council wants to share,
where its partners could be, and any funding for an expert or mediation."""

from __future__ import annotations

from typing import Any

from grants.applications.sections import SectionForm, money
from grants.fields import REACH, SHARING_AREAS, checkboxes, long_text, radios
from grants.models import Application
from workflows.money import pounds

SHARING_WHAT = [
    ("services", "Services"),
    ("management", "A management team"),
    ("both", "Both services and a management team"),
]

MATCHMAKING_FUNDING = [
    ("expert", "A dedicated shared-service expert"),
    ("mediation", "Paid external mediation"),
    ("both", "Both an expert and mediation"),
    ("neither", "Neither: we only want help finding partners"),
]


class SharingForm(SectionForm):
    what = radios("What do you want to share?", SHARING_WHAT, "Choose what you want to share")
    areas = checkboxes(
        "Which services?",
        SHARING_AREAS,
        None,
        description="Select all that apply. Leave blank if you only want to share a management team.",
    )
    detail = long_text("Anything else partners should know (optional)", None, noun="What else partners should know")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.what.data in ("services", "both") and not self.areas.data and not self.areas.errors:
            self.areas.errors = [*self.areas.errors, "Choose at least one service you want to share"]
            return False
        return valid

    def columns(self) -> dict[str, Any]:
        """Matchmaking asks no title: name the application by what is to be shared."""
        labels = dict(SHARING_AREAS)
        services = ", ".join(labels[a] for a in self.areas.data or [])
        if self.what.data == "management":
            title = "Sharing a management team"
        elif self.what.data == "both":
            title = f"Sharing a management team and services: {services}"
        else:
            title = f"Sharing services: {services}"
        return {"title": title if len(title) <= 200 else title[:199] + "…"}


class GeographyForm(SectionForm):
    reach = radios("Where could your partners be?", REACH, "Choose where your partners could be")
    detail = long_text(
        "Councils you have already talked to (optional)",
        None,
        noun="The councils you have talked to",
        description="Name any councils you have already discussed sharing with.",
    )


class MatchmakingFundingForm(SectionForm):
    wanted = radios(
        "Do you want funding for an expert or mediation?",
        MATCHMAKING_FUNDING,
        "Choose the funding you want, or neither",
    )
    amount = money(
        "How much are you asking for?",
        noun="the amount you are asking for",
        required=False,
        positive=True,
        description="Leave blank if you want neither.",
    )

    def configure(self, application: Application) -> None:
        self.amount.maximum_pence = application.scheme.max_amount_pence
        if application.scheme.max_amount_pence:
            self.amount.description = (
                f"Up to {pounds(application.scheme.max_amount_pence)}. Leave blank if you want neither."
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.wanted.data not in (None, "neither") and self.amount.pence is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, "Enter the amount you are asking for"]
            return False
        return valid

    def answers(self) -> dict[str, Any]:
        kept = super().answers()
        if self.wanted.data == "neither":
            kept["amount"] = ""
        return kept

    def columns(self) -> dict[str, Any]:
        return {"amount_requested_pence": None if self.wanted.data == "neither" else self.amount.pence}
