"""The forms of the shared-services pages: proposing an introduction and the broker's steps on it,
a council's answer to one, and recording, changing, adding councils to and removing an arrangement
on the map, recording a year's savings and ending an arrangement. They check the shape of what was
typed; every rule is the workflow's (workflows/introductions.py, workflows/arrangements.py,
workflows/arrangement_history.py)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect
from wtforms import Field, HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from grants.fields import (
    SHARING_AREAS,
    PoundsField,
    UKDateField,
    VersionedForm,
    at_most,
    check_telephone,
    checkboxes,
    email_address,
    long_text,
    reason_text,
    short_text,
    strip_text,
    submit_button,
    telephone,
    text_area,
    text_input,
)
from grants.models import SERVICE_AREA_LABELS, SHARING_TYPE_LABELS, SharedArrangement
from workflows import introductions
from workflows.arrangement_history import YearFigures
from workflows.arrangements import SAVINGS_CEILING_PENCE, ArrangementDetails
from workflows.money import typed_pounds

# Introductions -------------------------------------------------------------------------------------


class NewIntroductionForm(FlaskForm):
    request_id = HiddenField()
    councils = text_area(
        "Councils to introduce",
        filters=[strip_text],
        description="Enter each council on its own line, by its name or its GSS code, like Babergh or E07000200. "
        "Name at least two.",
        validators=[
            DataRequired(message="Enter the councils to introduce to each other"),
            at_most(2_000, "The list of councils"),
        ],
    )
    service_areas = checkboxes(
        "Service areas they could share",
        SHARING_AREAS,
        "Choose at least one service area",
        description="Select all that apply.",
    )
    note = long_text(
        "Why should these councils talk to each other?",
        "Say why these councils should talk to each other",
        noun="The note",
        description="Each council will read this when it decides whether to accept.",
    )
    submit = submit_button("Propose the introduction")

    def council_lines(self) -> list[str]:
        return [line.strip() for line in (self.councils.data or "").splitlines() if line.strip()]

    def chosen_request_id(self) -> int | None:
        value = (self.request_id.data or "").strip()
        return int(value) if value.isdigit() else None


class DiscussionForm(VersionedForm):
    submit = submit_button("Record that the councils are in discussion")


class AgreementForm(VersionedForm):
    summary = long_text(
        "What did the councils agree?",
        "Enter a summary of what the councils agreed",
        noun="The summary",
        description="For example, which services they will share, from when, and who will host them. "
        "Every council will see this.",
    )
    submit = submit_button("Record the agreement")


class CloseForm(VersionedForm):
    reason = reason_text(
        "Why are you closing the introduction?",
        None,
        description="Needed unless the councils have reached an agreement. Only LGA staff see this.",
    )
    submit = submit_button("Close the introduction")


class AcceptIntroductionForm(VersionedForm):
    """A council's acceptance, with the contact the other councils may use once all accept."""

    contact_name = short_text(
        "Full name", "Enter the contact's full name", render_kw={"params": {"autocomplete": "name"}}
    )
    contact_email = email_address("Enter the contact's email address")
    contact_phone = telephone("Enter the contact's telephone number")
    submit = submit_button("Accept the introduction")

    def validate_contact_phone(self, field: Field) -> None:
        check_telephone(field.data or "", max_length=40)

    def contact(self) -> introductions.Contact:
        return introductions.Contact(
            self.contact_name.data or "", self.contact_email.data or "", self.contact_phone.data or ""
        )


class DeclineIntroductionForm(VersionedForm):
    reason = reason_text(
        "Why is your council declining?",
        "Give the reason your council is declining",
        description="Only the LGA's programme team will see this. The other councils are told the "
        "introduction was declined, but not by which council.",
    )
    submit = submit_button("Decline the introduction")


class ApplyForFundingForm(VersionedForm):
    submit = submit_button("Apply for funding")


# Arrangements on the map --------------------------------------------------------------------------


def _service_area_field() -> Any:
    return SelectField(
        "Service area",
        widget=GovSelect(),
        choices=[SelectChoice("", "Choose a service area")]
        + [SelectChoice(code, label) for code, label in SERVICE_AREA_LABELS.items()],
        validate_choice=False,
    )


def _sharing_type_field() -> Any:
    return RadioField(
        "What do the councils share?",
        widget=GovRadioInput(),
        choices=[SelectChoice(code, label) for code, label in SHARING_TYPE_LABELS.items()],
        validate_choice=False,
    )


def _name_field() -> Any:
    return text_input("Name of the arrangement", description="For example, Babergh and Mid Suffolk shared workforce.")


def _started_on_field() -> Any:
    return UKDateField(
        "When did the arrangement start?",
        noun="the date the arrangement started",
        subject="The start date",
        description="For example, 1 4 2011",
    )


def _estimated_field() -> Any:
    return PoundsField(
        "Estimated annual savings",
        noun="the estimated annual savings",
        required=True,
        description="What the councils expect to save each year, in pounds, like 250,000. A new arrangement's "
        "savings by year start from these figures; change a year's savings on the arrangement's page.",
    )


class DetailsMixin:
    """What the form that records an arrangement and the form that changes one have in common.
    Each form declares its fields itself, in the order the page shows them, so that the error
    summary lists problems in that order too."""

    name: Any
    service_area: Any
    sharing_type: Any
    started_on: Any
    estimated_annual_savings: Any

    def details(self, *, claimed: int | None = None, verified: int | None = None) -> ArrangementDetails:
        """The form as the details the workflow takes; a value the form could not read stands in
        as missing, so that what the workflow says about the others can be shown too."""
        return ArrangementDetails(
            name=self.name.data or "",
            service_area=self.service_area.data or "",
            sharing_type=self.sharing_type.data or "",
            started_on=self.started_on.data,
            estimated_annual_savings_pence=self.estimated_annual_savings.pence,
            claimed_annual_savings_pence=claimed,
            verified_annual_savings_pence=verified,
        )


class RecordForm(DetailsMixin, FlaskForm):
    name = _name_field()
    councils = text_area(
        "Councils",
        description="At least two, one on each line: each council's name or GSS code, like Babergh or E07000200.",
    )
    service_area = _service_area_field()
    sharing_type = _sharing_type_field()
    started_on = _started_on_field()
    estimated_annual_savings = _estimated_field()
    submit = submit_button("Record arrangement")

    def council_lines(self) -> list[str]:
        return (self.councils.data or "").splitlines()


class EditForm(DetailsMixin, VersionedForm):
    name = _name_field()
    service_area = _service_area_field()
    sharing_type = _sharing_type_field()
    started_on = _started_on_field()
    estimated_annual_savings = _estimated_field()
    claimed_annual_savings = PoundsField(
        "Claimed annual savings (optional)",
        noun="the claimed annual savings",
        description="What the councils report they save each year, in pounds.",
    )
    verified_annual_savings = PoundsField(
        "Verified annual savings (optional)",
        noun="the verified annual savings",
        description="What the LGA has checked the councils save each year, in pounds.",
    )
    submit = submit_button("Save changes")


class AddCouncilForm(VersionedForm):
    council = text_input(
        "Council", description="Its name or GSS code, as in the register of councils, like Ipswich or E07000202."
    )
    submit = submit_button("Add council")


class RemoveCouncilForm(VersionedForm):
    reason = text_area("Why is this council leaving the arrangement?")
    submit = submit_button("Remove council")


class RemoveArrangementForm(VersionedForm):
    reason = text_area("Why is this arrangement being removed from the map?")
    submit = submit_button("Remove arrangement")


def edit_form_data(arrangement: SharedArrangement) -> dict[str, Any]:
    """What the form that changes an arrangement shows for it as it is now."""
    return {
        "version": str(arrangement.version),
        "name": arrangement.name,
        "service_area": arrangement.service_area,
        "sharing_type": arrangement.sharing_type,
        "started_on": arrangement.started_on,
        "estimated_annual_savings": typed_pounds(arrangement.estimated_annual_savings_pence),
        "claimed_annual_savings": typed_pounds(arrangement.claimed_annual_savings_pence),
        "verified_annual_savings": typed_pounds(arrangement.verified_annual_savings_pence),
    }


class YearForm(VersionedForm):
    """An arrangement's savings in one financial year (the year is in the page's address)."""

    estimated_savings = PoundsField(
        "Estimated savings (optional)",
        noun="the estimated savings",
        ceiling_pence=SAVINGS_CEILING_PENCE,
        description="What the councils expected to save in the year, in pounds, like 250,000.",
    )
    claimed_savings = PoundsField(
        "Claimed savings (optional)",
        noun="the claimed savings",
        ceiling_pence=SAVINGS_CEILING_PENCE,
        description="What the councils report they saved in the year.",
    )
    verified_savings = PoundsField(
        "Verified savings (optional)",
        noun="the verified savings",
        ceiling_pence=SAVINGS_CEILING_PENCE,
        description="What the LGA has checked the councils saved in the year.",
    )
    submit = submit_button("Save the year's savings")

    def figures(self, *, verified: int | None) -> YearFigures:
        """The form as the figures the workflow takes; a figure the form could not read stands in
        as missing, so that what the workflow says about the others can be shown too."""
        return YearFigures(self.estimated_savings.pence, self.claimed_savings.pence, verified)


def year_form_data(arrangement: SharedArrangement, figures: YearFigures) -> dict[str, Any]:
    """What the form of a year's savings shows for it as recorded."""
    return {
        "version": str(arrangement.version),
        "estimated_savings": typed_pounds(figures.estimated_pence),
        "claimed_savings": typed_pounds(figures.claimed_pence),
        "verified_savings": typed_pounds(figures.verified_pence),
    }


class EndArrangementForm(VersionedForm):
    ended_on = UKDateField(
        "When did the arrangement end?",
        noun="the date the arrangement ended",
        subject="The end date",
        description="The last day the councils shared, for example 31 3 2025",
    )
    reason = reason_text(
        "Why did the arrangement end?",
        "Enter why the arrangement ended",
        description="Only LGA staff see this.",
    )
    submit = submit_button("Record the end")
