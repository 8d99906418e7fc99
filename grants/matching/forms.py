"""The matching forms. They carry what was chosen; whether the offer may be made is the workflow's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

from grants.fields import at_most, text_area


class OfferForm(FlaskForm):
    expert_id = HiddenField()
    override_reason = text_area(
        "Reason for overriding the conflict of interest",
        description=(
            "Needed only when the expert has a conflict of interest with the council. It is kept in the audit trail."
        ),
        validators=[at_most(2000, "The reason")],
    )

    def chosen_expert(self) -> int | None:
        value = (self.expert_id.data or "").strip()
        return int(value) if value.isdigit() else None


class WithdrawForm(FlaskForm):
    reason = text_area(
        "Why are you withdrawing the offer?",
        description="The expert will see this.",
        validators=[at_most(2000, "The reason")],
    )


class MatchRoundForm(FlaskForm):
    round_id = HiddenField()


class ConfirmRunForm(FlaskForm):
    """The choices arrive as `choice-<application id>` fields: an expert's id, or "none"."""


class DiscardRunForm(FlaskForm):
    pass
