"""The expert's forms. They check the shape of what was typed; the rules are the workflow's."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput
from wtforms import MultipleFileField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from grants.fields import PoundsField, UKDateField, VersionedForm, at_most, text_area, text_input


class AnswerForm(VersionedForm):
    """An answer to an offer carries the version it was shown at: an offer withdrawn or expired
    since is refused rather than answered."""


class AcceptOfferForm(AnswerForm):
    pass


class DeclineOfferForm(AnswerForm):
    reason = text_area(
        "Why are you declining?",
        description="For example, you are too busy or know the council too well. The programme team will see this.",
        validators=[at_most(2000, "The reason")],
    )


class WorkForm(FlaskForm):
    worked_on = UKDateField("Date worked", noun="the date worked", description="For example, 27 3 2026")
    days = text_input(
        "Days worked",
        description="In days, to one decimal place: 0.5 is half a day.",
        validators=[InputRequired(message="Enter the days worked")],
    )
    milestone = text_area(
        "Milestone reached or work done",
        validators=[
            InputRequired(message="Describe the milestone reached or the work done"),
            at_most(5000, "The milestone"),
        ],
    )

    def validate_days(self, field: StringField) -> None:
        text = (field.data or "").strip()
        if not re.fullmatch(r"\d{1,2}(\.\d)?", text):
            raise ValidationError("Enter the days as a number, like 1 or 0.5")
        tenths = self.days_tenths()
        if not 1 <= tenths <= 100:
            raise ValidationError("Days worked must be between 0.1 and 10 for one entry")

    def days_tenths(self) -> int:
        whole, _, part = (self.days.data or "").strip().partition(".")
        return int(whole or 0) * 10 + int(part or 0)


class CompleteForm(FlaskForm):
    pass


RECURRING = [SelectChoice("one_off", "One-off"), SelectChoice("recurring", "Recurring each year")]


def _money(label: str, noun: str) -> PoundsField:
    return PoundsField(label, noun=noun, description="In pounds. Enter 0 if there was none.", required=True)


def _recurring(label: str) -> RadioField:
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=RECURRING,
        default="one_off",
        validate_choice=False,
    )


class ReportForm(FlaskForm):
    due_month = RadioField("Which report is this?", widget=GovRadioInput(), validate_choice=False)
    period_start = UKDateField(
        "Start of the period", noun="the start of the period", description="For example, 1 4 2026"
    )
    period_end = UKDateField("End of the period", noun="the end of the period", description="For example, 31 3 2027")
    cashable = _money("Cashable savings", "the cashable savings")
    cashable_recurring = _recurring("Are the cashable savings one-off or recurring?")
    income = _money("Income generated", "the income generated")
    income_recurring = _recurring("Is the income one-off or recurring?")
    avoided = _money("Costs avoided", "the costs avoided")
    avoided_recurring = _recurring("Are the costs avoided one-off or recurring?")
    baseline = text_area(
        "Baseline",
        description="What the figures are measured against, like last year's spending on the service.",
        validators=[
            InputRequired(message="Describe the baseline the savings are measured against"),
            at_most(5000, "The baseline"),
        ],
    )
    method = text_area(
        "How the figures were measured",
        validators=[
            InputRequired(message="Describe how the savings were measured"),
            at_most(5000, "The method"),
        ],
    )
    trial_results = text_area(
        "The trial's results against the outcomes it set out to measure",
        validators=[at_most(5000, "The results")],
    )
    evidence = MultipleFileField(
        "Evidence",
        widget=GovFileInput(multiple=True),
        description="PDF, Word (DOCX), Excel (XLSX), CSV, PNG or JPEG files, each smaller than 10 MB. Up to 10 files.",
    )

    def configure(self, points: list[int], *, trial: bool) -> None:
        self.due_month.choices = [
            SelectChoice(str(m), f"The report {m} months after the work was completed") for m in points
        ] + [SelectChoice("interim", "An interim report, outside the schedule")]
        if not trial:
            del self.trial_results
        else:
            self.trial_results.validators = [
                InputRequired(message="Give the trial's results against the outcomes it set out to measure"),
                *self.trial_results.validators,
            ]

    def validate_due_month(self, field: RadioField) -> None:
        allowed = {str(choice.value) for choice in field.choices or []}
        if field.data not in allowed:
            raise ValidationError("Choose which report this is")

    def validate_evidence(self, field: MultipleFileField) -> None:
        if not [f for f in field.data or [] if getattr(f, "filename", "")]:
            raise ValidationError("Select at least one file of evidence")

    def validate_period_end(self, field: UKDateField) -> None:
        start = self.period_start.data
        if field.data and start and field.data < start:
            raise ValidationError("The end of the period must be on or after its start")
        if field.data and field.data > date.today():
            raise ValidationError("The end of the period must be today or in the past")

    def month(self) -> int | None:
        value = self.due_month.data or ""
        return int(value) if value.isdigit() else None
