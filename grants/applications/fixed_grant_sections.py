"""The sections of a Productivity Experts application (a fixed grant): the project, the expertise
it needs and the savings it should make."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup
from wtforms import Field, StringField
from wtforms.validators import DataRequired, ValidationError

from grants.applications.sections import TITLE_MAX, AnswerRow, SectionForm, money
from grants.fields import SHARING_AREAS, TextInput, checkboxes, long_text, radios, short_text, strip_text
from grants.models import Application, Specialism

# A project may be in a service area no council shares as such.
SERVICE_AREAS = [*SHARING_AREAS, ("other", "Another service area")]

SKILLS = [(s.value, s.label) for s in Specialism]


class ExpertProjectForm(SectionForm):
    title = short_text(
        "Project title",
        "Enter a title for the project",
        max_length=TITLE_MAX,
        description="A few words that name the work, like 'Commercial waste review'.",
    )
    service_area = radios("Which service area is the project in?", SERVICE_AREAS, "Choose the service area")
    problem = long_text(
        "What problem do you want to solve?", "Describe the problem you want to solve", noun="The problem"
    )
    approach = long_text(
        "How will an expert help you solve it?",
        "Describe how an expert will help",
        noun="How an expert will help",
        description="Say what the expert will do, and what your council will do alongside them.",
    )

    def columns(self) -> dict[str, Any]:
        return {"title": self.title.data}


class ExpertiseForm(SectionForm):
    skills = checkboxes(
        "Which skills should the expert have?",
        SKILLS,
        "Choose at least one skill the expert should have",
        description="Select all that apply.",
    )
    detail = long_text(
        "Tell us more about the expertise you need",
        "Describe the expertise you need",
        noun="The expertise you need",
        description="For example, experience of a particular kind of contract or service.",
    )


class SavingsForm(SectionForm):
    cashable = money(
        "Cashable efficiency savings",
        noun="the cashable savings",
        description="Money the council will no longer spend. Enter 0 if none.",
    )
    income = money(
        "Income generated", noun="the income generated", description="New income for the council. Enter 0 if none."
    )
    avoided = money(
        "Costs avoided",
        noun="the costs avoided",
        description="Spending the council would otherwise face. Enter 0 if none.",
    )
    months = StringField(
        "Over how many months?",
        widget=TextInput(),
        filters=[strip_text],
        description="The time over which the savings and income are made, from 1 to 36 months.",
        validators=[DataRequired(message="Enter the number of months")],
        render_kw={
            "params": {
                "inputmode": "numeric",
                "classes": "govuk-input--width-3",
                "spellcheck": False,
                "suffix": {"text": "months"},
            }
        },
    )

    def validate_months(self, field: Field) -> None:
        if not re.fullmatch(r"\d{1,3}", field.data or ""):
            raise ValidationError("Enter the number of months as a whole number, like 12")
        if not 1 <= int(field.data) <= 36:
            raise ValidationError("The number of months must be between 1 and 36")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        amounts = [self.cashable.pence, self.income.pence, self.avoided.pence]
        if valid and not any(amount for amount in amounts):
            self.cashable.errors = [
                *self.cashable.errors,
                "Enter at least one amount more than £0: cashable savings, income or costs avoided",
            ]
            return False
        return valid

    def answers(self) -> dict[str, Any]:
        kept = super().answers()
        kept["months"] = int(self.months.data)
        return kept

    def columns(self) -> dict[str, Any]:
        return {
            "savings_cashable_pence": self.cashable.pence,
            "savings_income_pence": self.income.pence,
            "savings_avoided_pence": self.avoided.pence,
        }

    def describe(self, application: Application) -> list[AnswerRow]:
        rows = super().describe(application)
        return [
            AnswerRow(row.question, Markup.escape(f"{self.months.data} months"), row.field_id)
            if row.field_id == "months"
            else row
            for row in rows
        ]
