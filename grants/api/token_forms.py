"""The account page's forms for personal API tokens: making one and revoking one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from workflows.api_tokens import NAME_MAX

EXPIRY_CHOICES = [
    SelectChoice("30", "30 days"),
    SelectChoice("90", "90 days"),
    SelectChoice("365", "1 year"),
    SelectChoice("never", "No expiry date (until you revoke it)"),
]


class NewApiTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        widget=GovTextInput(),
        description="So you can tell your tokens apart, like 'Finance system export'.",
        validators=[
            DataRequired(message="Enter a name for the token"),
            Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer"),
        ],
    )
    expires = RadioField(
        "When should the token stop working?",
        widget=GovRadioInput(),
        choices=EXPIRY_CHOICES,
        default="90",
        invalid_choice_message="Choose when the token should stop working",
        validators=[DataRequired(message="Choose when the token should stop working")],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())

    def expires_in_days(self) -> int | None:
        value = self.expires.data or ""
        return int(value) if value.isdigit() else None


class RevokeApiTokenForm(FlaskForm):
    """Revoking carries nothing but the CSRF token."""
