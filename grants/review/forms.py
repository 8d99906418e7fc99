"""The staff's forms. They check only the shape of what was typed (a sum of money, a real date);
the rules about applications (when a reason is needed, what may be paid) are the workflow's."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
)
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from grants.fields import UKDateField, VersionedForm, at_most, submit_button, text_area, text_input
from grants.models import SchemeCriterion
from workflows.money import MoneyError, parse_pounds

RECOMMENDATION_LABELS = {
    "approve": "Approve",
    "reject": "Reject",
    "changes": "Ask the council for changes",
}
RECOMMENDATIONS = [SelectChoice(value, label) for value, label in RECOMMENDATION_LABELS.items()]

SCORES = [SelectChoice(str(n), str(n)) for n in range(6)]


class ConfirmEligibilityForm(VersionedForm):
    reason = text_area(
        "Reason for overriding the check",
        description="Needed only when the automated check failed. The reason is kept in the timeline.",
    )
    submit = submit_button("Confirm eligible and send for assessment")


class MarkIneligibleForm(VersionedForm):
    reason = text_area("Why is this application not eligible?", description="The council will see this.")
    submit = submit_button("Mark as not eligible")


class RequestChangesForm(VersionedForm):
    reason = text_area(
        "What does the council need to change?", description="The council will see this and can resubmit."
    )
    submit = submit_button("Ask for changes")


class ApproveForm(VersionedForm):
    conditions = text_area(
        "Conditions of the offer (optional)",
        description="For example, the dates of outcome reports. These appear in the offer letter.",
        validators=[at_most(5000, "Conditions")],
    )
    submit = submit_button("Approve and make the offer")


class RejectForm(VersionedForm):
    reason = text_area("Why is this application being rejected?", description="The council will see this.")
    submit = submit_button("Reject application")


def pence_from(text: str) -> int | None:
    """ "£1,234.56" → 123456; None for anything that is not a sum in pounds and pence."""
    try:
        return parse_pounds(text)
    except MoneyError:
        return None


def _in_pounds(form: FlaskForm, field: StringField) -> None:
    if field.data and pence_from(field.data) is None:
        raise ValidationError("Enter the amount in pounds and pence, like 1500 or 1,500.00")


def _not_in_future(form: FlaskForm, field: UKDateField) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("Date paid must be today or in the past")


class PaymentForm(VersionedForm):
    amount = text_input("Amount paid", validators=[InputRequired(message="Enter the amount paid"), _in_pounds])
    paid_on = UKDateField(
        "Date paid",
        noun="the date the payment was made",
        subject="Date paid",
        description="For example, 27 3 2026",
        validators=[_not_in_future],
    )
    reference = text_input(
        "Payment reference",
        description="The reference on the finance system, so the payment can be traced.",
        validators=[
            InputRequired(message="Enter the payment reference"),
            at_most(80, "The reference"),
        ],
    )
    submit = submit_button("Record payment")

    def amount_pence(self) -> int:
        return pence_from(self.amount.data or "") or 0


class AssessmentForm(FlaskForm):
    """An assessor's scores; the per-criterion fields are added by `assessment_form` because each
    scheme publishes its own criteria."""

    recommendation = RadioField(
        "What do you recommend?",
        widget=GovRadioInput(),
        choices=RECOMMENDATIONS,
        validate_choice=False,
        validators=[InputRequired(message="Choose a recommendation")],
    )
    comments = text_area(
        "Comments for the approver (optional)",
        validators=[at_most(5000, "Comments")],
    )
    submit = submit_button("Submit scores")

    criteria: list[SchemeCriterion] = []

    def score_field(self, index: int) -> Any:
        return self[f"score_{index}"]

    def justification_field(self, index: int) -> Any:
        return self[f"justification_{index}"]

    def scores(self) -> dict[str, tuple[int, str]]:
        """The scores by criterion code, as the workflow takes them."""
        return {
            criterion.code: (self.score_field(i).data, self.justification_field(i).data or "")
            for i, criterion in enumerate(self.criteria)
        }

    def field_for(self, code: str | None) -> Any:
        """The field a workflow error about a criterion (named by its code) belongs beside."""
        for index, criterion in enumerate(self.criteria):
            if criterion.code == code:
                return self.score_field(index)
        return self._fields.get(code or "")


def assessment_form(criteria: list[SchemeCriterion]) -> type[AssessmentForm]:
    """A form class with a 0 to 5 score and a justification for each of the scheme's criteria.
    Fields are named by position, not by code, so any code makes a valid HTML id."""
    fields: dict[str, Any] = {"criteria": list(criteria)}
    for index, criterion in enumerate(criteria):
        fields[f"score_{index}"] = RadioField(
            criterion.label,
            widget=GovRadioInput(),
            choices=SCORES,
            coerce=int,
            validate_choice=False,
            validators=[InputRequired(message=f"Select a score for {criterion.label}")],
        )
        fields[f"justification_{index}"] = text_area(
            f"Why did you give this score for {criterion.label.lower()}?",
            validators=[InputRequired(message=f"Justify the score for {criterion.label}")],
        )
    return type("SchemeAssessmentForm", (AssessmentForm,), fields)
