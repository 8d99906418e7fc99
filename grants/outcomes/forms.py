"""The forms on outcome reports: the council's answer and the programme officer's verification.
They check only the shape of what was typed; when a reason is needed is the workflow's rule."""

from __future__ import annotations

from flask_wtf import FlaskForm

from grants.fields import PoundsField, at_most, text_area
from grants.models import OutcomeReport
from workflows.money import typed_pounds

REASON_LIMIT = 5000


class ConfirmFiguresForm(FlaskForm):
    """Confirming carries nothing but the CSRF token."""


class DisputeFiguresForm(FlaskForm):
    reason = text_area(
        "Why does your council not agree with the figures?",
        description="For example, a saving is counted twice or the baseline is wrong. "
        "The expert and the programme team will see this.",
        validators=[at_most(REASON_LIMIT, "The reason")],
    )


def _amount(label: str, noun: str) -> PoundsField:
    return PoundsField(label, noun=noun, required=True, description="In pounds. Enter 0 if there was none.")


class VerifyForm(FlaskForm):
    cashable = _amount("Cashable savings", "the cashable savings")
    income = _amount("Income generated", "the income generated")
    avoided = _amount("Costs avoided", "the costs avoided")
    reason = text_area(
        "Reason",
        description="Needed when you verify figures other than those claimed, or when the council disputed them. "
        "The council and the expert will see this.",
        validators=[at_most(REASON_LIMIT, "The reason")],
    )

    @classmethod
    def claimed_in(cls, report: OutcomeReport) -> VerifyForm:
        """A blank form showing the figures the expert claimed."""
        return cls(
            formdata=None,
            data={
                "cashable": typed_pounds(report.cashable_pence),
                "income": typed_pounds(report.income_pence),
                "avoided": typed_pounds(report.avoided_pence),
            },
        )

    def amounts(self) -> tuple[int, int, int]:
        """The three amounts in whole pence; call once the form is valid."""
        return (self.cashable.pence or 0, self.income.pence or 0, self.avoided.pence or 0)
