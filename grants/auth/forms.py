"""The forms of signing in, setting and changing a password, asking for an emailed link, and the
account page's personal API tokens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import EmailField, PasswordField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from grants.fields import password_input, submit_button, text_input
from workflows.api_tokens import NAME_MAX
from workflows.passwords import MAX_LENGTH, password_problem


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    password = password_input(
        "Password", validators=[InputRequired(message="Enter your password"), Length(max=MAX_LENGTH)]
    )
    submit = submit_button("Sign in")


class EmailForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your email address"),
            Email(message="Enter an email address in the correct format, like name@example.gov.uk"),
            Length(max=254),
        ],
    )
    submit = submit_button("Send me a link")


class NewPasswordForm(FlaskForm):
    password = password_input(
        "New password",
        description="At least 12 characters. A few unrelated words together make a strong password.",
        validators=[InputRequired(message="Enter a new password")],
    )
    confirm = password_input(
        "Confirm new password",
        validators=[
            InputRequired(message="Enter the new password again"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    submit = submit_button("Set password")

    def __init__(self, *args: object, user_inputs: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._user_inputs = user_inputs or []

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", user_inputs=self._user_inputs)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    current_password = password_input(
        "Current password", validators=[InputRequired(message="Enter your current password")]
    )
    submit = submit_button("Change password")


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out")


class ConfirmPasswordForm(FlaskForm):
    password = password_input(
        "Password", validators=[InputRequired(message="Enter your password"), Length(max=MAX_LENGTH)]
    )
    submit = submit_button("Continue")


# The account page's personal API tokens ---------------------------------------------------------------

EXPIRY_CHOICES = [
    SelectChoice("30", "30 days"),
    SelectChoice("90", "90 days"),
    SelectChoice("365", "1 year"),
    SelectChoice("never", "No expiry date (until you revoke it)"),
]


class NewApiTokenForm(FlaskForm):
    name = text_input(
        "Token name",
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
    submit = submit_button("Create token")

    def expires_in_days(self) -> int | None:
        value = self.expires.data or ""
        return int(value) if value.isdigit() else None


class RevokeApiTokenForm(FlaskForm):
    """Revoking carries nothing but the CSRF token."""
