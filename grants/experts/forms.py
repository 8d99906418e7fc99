"""The expert pool's forms: staff's, for an expert, their availability and conflicts and the CSV
import, and the expert's own. Typed values (money, numbers, dates, choices) are read here; every
other rule is the domain's (`workflows.experts`), so a form and a CSV file are held to the same."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
)
from werkzeug.datastructures import FileStorage
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from grants.fields import ParsedField, UKDateField, VersionedForm, submit_button, text_area, text_input
from grants.models import Expert, ExpertKind, Region, Specialism, VettingStatus
from workflows import experts as workflow
from workflows.experts import (
    AvailabilityWindow,
    ConflictDetails,
    ExpertDetails,
    ExpertPoolError,
    InvalidValueError,
)

VETTING_LABELS = {
    VettingStatus.APPLIED: "Applied",
    VettingStatus.VETTED: "Vetted",
    VettingStatus.SUSPENDED: "Suspended",
}
VETTING_HINTS = {
    VettingStatus.APPLIED: "Not yet vetted: the expert is not matched to work.",
    VettingStatus.VETTED: "Checked by the LGA and can be matched to work.",
    VettingStatus.SUSPENDED: "Not matched to work until the suspension is lifted.",
}
KIND_HINTS = {
    ExpertKind.INDIVIDUAL: "A person who works with a council on one project, such as a Productivity Experts grant.",
    ExpertKind.DELIVERY_PARTNER: "An organisation that delivers trials, such as behavioural insights.",
}


# Typed values ---------------------------------------------------------------------------------------


def _members_field(label: str, members: type[Specialism] | type[Region], description: str) -> Any:
    """Checkboxes for the members of a controlled list (specialisms, regions), by their labels."""
    return SelectMultipleField(
        label,
        widget=GovCheckboxesInput(),
        choices=[SelectChoice(m.value, m.label) for m in members],
        validate_choice=False,
        description=description,
    )


def _specialisms_field() -> Any:
    return _members_field("Specialisms", Specialism, "Select all that apply.")


def _regions_field() -> Any:
    return _members_field("Regions", Region, "Where the expert can work. Select all that apply.")


def _chosen_specialisms(field: SelectMultipleField) -> tuple[Specialism, ...]:
    values = set(field.data or [])
    return tuple(s for s in Specialism if s.value in values)


def _chosen_regions(field: SelectMultipleField) -> tuple[Region, ...]:
    values = set(field.data or [])
    return tuple(r for r in Region if r.value in values)


def _refuse_unknown(field: SelectMultipleField, allowed: type[Specialism] | type[Region], what: str) -> None:
    if set(field.data or []) - {member.value for member in allowed}:
        raise ValidationError(f"Select from the {what} shown")


# An expert ------------------------------------------------------------------------------------------


class ExpertForm(VersionedForm):
    name = text_input("Name", description="The expert's full name, or the organisation's name for a delivery partner.")
    email = text_input("Email address", description="Each expert in the pool has an email address of their own.")
    organisation = text_input("Organisation (optional)")
    kind = RadioField(
        "Kind of expert",
        widget=GovRadioInput(),
        choices=[SelectChoice(kind.value, kind.label) for kind in ExpertKind],
        validate_choice=False,
    )
    specialisms = _specialisms_field()
    regions = _regions_field()
    day_rate = ParsedField(
        "Day rate", parse=workflow.parse_day_rate, refused=InvalidValueError, description="In pounds, like 650."
    )
    capacity = ParsedField(
        "Capacity",
        parse=workflow.parse_capacity,
        refused=InvalidValueError,
        description="How many engagements the expert can take on at once, from 0 to 20. 0 means none for now.",
    )
    vetting_status = RadioField(
        "Vetting",
        widget=GovRadioInput(),
        choices=[SelectChoice(status.value, VETTING_LABELS[status]) for status in VettingStatus],
        validate_choice=False,
    )
    biography = text_area(
        "Biography (optional)",
        description="The expert's experience: the kind of work they have done, and for which councils.",
    )
    submit = submit_button("Save")

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in {kind.value for kind in ExpertKind}:
            raise StopValidation("Select whether this is an individual expert or a delivery partner")

    def validate_vetting_status(self, field: RadioField) -> None:
        if field.data not in {status.value for status in VettingStatus}:
            raise StopValidation("Select the expert's vetting status")

    def validate_specialisms(self, field: SelectMultipleField) -> None:
        _refuse_unknown(field, Specialism, "specialisms")

    def validate_regions(self, field: SelectMultipleField) -> None:
        _refuse_unknown(field, Region, "regions")

    def details(self) -> ExpertDetails:
        """The form as the details the workflow takes. A value the form could not read stands in
        as one the workflow accepts, so that what it says about the others can be shown too."""
        kinds = {kind.value: kind for kind in ExpertKind}
        statuses = {status.value: status for status in VettingStatus}
        return ExpertDetails(
            name=self.name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            biography=self.biography.data or "",
            kind=kinds.get(self.kind.data or "", ExpertKind.INDIVIDUAL),
            specialisms=_chosen_specialisms(self.specialisms),
            regions=_chosen_regions(self.regions),
            day_rate_pence=self.day_rate.value or 100,
            capacity=self.capacity.value if self.capacity.value is not None else 0,
            vetting_status=statuses.get(self.vetting_status.data or "", VettingStatus.APPLIED),
        )

    def other_problems(self, expert: Expert | None) -> dict[str, str]:
        """What the workflow would also refuse, for a form that failed its own checks."""
        return workflow.expert_problems(self.details(), expert)


def expert_form_data(expert: Expert) -> dict[str, Any]:
    """What the expert form shows for an expert as they are now."""
    return {
        "version": str(expert.version),
        "name": expert.name,
        "email": expert.email,
        "organisation": expert.organisation,
        "biography": expert.biography,
        "kind": expert.kind.value,
        "specialisms": [s.value for s in expert.specialisms],
        "regions": [r.value for r in expert.regions],
        "day_rate": workflow.day_rate_text(expert.day_rate_pence),
        "capacity": str(expert.capacity),
        "vetting_status": expert.vetting_status.value,
    }


class ExpertiseForm(VersionedForm):
    """The expert's own specialisms and regions."""

    specialisms = _specialisms_field()
    regions = _regions_field()
    submit = submit_button("Save")

    def validate_specialisms(self, field: SelectMultipleField) -> None:
        _refuse_unknown(field, Specialism, "specialisms")

    def validate_regions(self, field: SelectMultipleField) -> None:
        _refuse_unknown(field, Region, "regions")

    def chosen(self) -> tuple[tuple[Specialism, ...], tuple[Region, ...]]:
        return _chosen_specialisms(self.specialisms), _chosen_regions(self.regions)


def expertise_form_data(expert: Expert) -> dict[str, Any]:
    return {
        "version": str(expert.version),
        "specialisms": [s.value for s in expert.specialisms],
        "regions": [r.value for r in expert.regions],
    }


# Availability ---------------------------------------------------------------------------------------


class AvailabilityForm(FlaskForm):
    starts_on = UKDateField("Available from", noun="the start date", description="For example, 1 9 2026")
    ends_on = UKDateField(
        "Available until (optional)",
        noun="the end date",
        required=False,
        description="Leave this blank if there is no end date yet.",
    )
    note = text_input("Note (optional)", description="For example, 2 days a week, or mornings only.")
    submit = submit_button("Add availability")

    def window(self) -> AvailabilityWindow:
        """The window typed; a start date that is missing or wrong stands in as the end date (or
        today), so only the dates go unchecked."""
        starts = self.starts_on.data or self.ends_on.data or date.today()
        return AvailabilityWindow(starts_on=starts, ends_on=self.ends_on.data, note=self.note.data or "")

    def other_problems(self) -> dict[str, str]:
        return workflow.availability_problems(self.window())


# Conflicts of interest ------------------------------------------------------------------------------


class ConflictForm(FlaskForm):
    council = text_input(
        "Council", description="Its name or GSS code, as in the register of councils, like Babergh or E07000200."
    )
    reason = text_area(
        "Reason", description="For example: worked for the council as head of procurement until March 2026."
    )
    submit = submit_button("Save")

    def details(self) -> ConflictDetails:
        return ConflictDetails(council=self.council.data or "", reason=self.reason.data or "")


class RemoveConflictForm(FlaskForm):
    reason = text_area("Why is this conflict of interest being removed?")
    submit = submit_button("Remove conflict of interest")


# Importing ------------------------------------------------------------------------------------------


class ImportForm(FlaskForm):
    file = FileField("Upload a CSV file", widget=GovFileInput())
    submit = submit_button("Import experts")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text = ""
        self.filename = ""

    def validate_file(self, field: FileField) -> None:
        """Reads the upload (never more than the limit and a byte) and keeps its text."""
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise StopValidation("Select a CSV file")
        data = upload.stream.read(workflow.IMPORT_MAX_BYTES + 1)
        try:
            self.text = workflow.read_csv_upload(data)
        except ExpertPoolError as error:
            raise StopValidation(str(error)) from None
        self.filename = upload.filename[:255]
