"""The forms of signing in, setting and changing a password, asking for an emailed link, changing
one's email address, and the account page's personal API tokens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import EmailField, PasswordField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from grants.fields import at_most, email_input, password_input, strip_text, submit_button, text_input
from workflows.api_tokens import NAME_MAX
from workflows.passwords import MAX_LENGTH, password_problem


def your_password(label: str = "Password") -> PasswordField:
    """The signed-in person's own password, asked for again."""
    return password_input(label, validators=[InputRequired(message="Enter your password"), Length(max=MAX_LENGTH)])


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    password = your_password()
    submit = submit_button("Sign in")


class EmailForm(FlaskForm):
    email = email_input("Enter your email address")
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
    password = your_password()
    submit = submit_button("Continue")


# Changing one's email address ---------------------------------------------------------------------------


class ChangeEmailForm(FlaskForm):
    email = email_input(
        "Enter your new email address",
        "New email address",
        filters=[strip_text],
        too_long="Email address must be 254 characters or fewer",
    )
    password = your_password("Your password")
    submit = submit_button("Send a link to the new address")


class ConfirmEmailForm(FlaskForm):
    submit = submit_button("Confirm the new address")


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
            at_most(NAME_MAX, "The name"),
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
