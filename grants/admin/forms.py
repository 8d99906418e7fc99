from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
)
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from grants.fields import email_input, submit_button, text_area, text_input
from grants.models import Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class RolesMixin:
    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=ROLE_CHOICES,
        description="A council officer holds no other role.",
    )
    council = SelectField(
        "Council (council officers only)",
        widget=GovSelect(),
        choices=[],
        validate_choice=True,
    )
    expert = SelectField(
        "Expert profile (experts only)",
        widget=GovSelect(),
        choices=[],
        validate_choice=True,
    )


class InviteForm(RolesMixin, FlaskForm):
    name = text_input("Full name", validators=[InputRequired(message="Enter the person's full name"), Length(max=120)])
    email = email_input("Enter the person's email address")
    submit = submit_button("Send invitation")


class RolesForm(RolesMixin, FlaskForm):
    submit = submit_button("Save roles")


class DeactivateForm(FlaskForm):
    reason = text_area(
        "Why is this account being deactivated?",
        validators=[InputRequired(message="Enter why the account is being deactivated"), Length(max=500)],
    )
    submit = submit_button("Deactivate account")
