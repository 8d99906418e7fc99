"""The matching forms. They carry what was chosen; whether the offer may be made is the workflow's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length


class OfferForm(FlaskForm):
    expert_id = HiddenField()
    override_reason = TextAreaField(
        "Reason for overriding the conflict of interest",
        widget=GovTextArea(),
        description=(
            "Needed only when the expert has a conflict of interest with the council. It is kept in the audit trail."
        ),
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )

    def chosen_expert(self) -> int | None:
        value = (self.expert_id.data or "").strip()
        return int(value) if value.isdigit() else None


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why are you withdrawing the offer?",
        widget=GovTextArea(),
        description="The expert will see this.",
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )


class MatchRoundForm(FlaskForm):
    round_id = HiddenField()


class ConfirmRunForm(FlaskForm):
    """The choices arrive as `choice-<application id>` fields: an expert's id, or "none"."""


class DiscardRunForm(FlaskForm):
    pass
