"""Form fields, and the versioned form, shared by the forms of several parts of the service."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import StopValidation

from workflows.money import MoneyError, parse_pounds


class UKDateField(DateField):
    """A required GOV.UK date input (day, month, year boxes) with GOV.UK's error messages.

    `noun` names the date in "Enter the opening date"; `subject` starts the other messages ("Date
    paid must be a real date") and is the noun with a capital letter unless given."""

    def __init__(self, label: str, *, noun: str, subject: str | None = None, **kwargs: Any) -> None:
        super().__init__(label, widget=GovDateInput(), **kwargs)
        self.noun = noun
        self.subject = subject or noun[0].upper() + noun[1:]

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        parts = [str(part).strip() for part in valuelist]
        # The widget shows what was typed back in its three boxes and cannot show more or fewer:
        # a post that is not from the page (one value, or none at all) is shown as what fits.
        self.raw_data = [*parts, "", "", ""][:3]
        if not any(parts):
            return
        if len(parts) != 3:
            raise ValueError(f"{self.subject} must be a real date")
        for part, name in zip(parts, ("day", "month", "year"), strict=True):
            if not part:
                raise ValueError(f"{self.subject} must include a {name}")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValueError(f"{self.subject} must be a real date")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{self.subject} must be a real date") from None

    def pre_validate(self, form: Any) -> None:
        if self.data is None and not self.errors:
            raise StopValidation(f"Enter {self.noun}")


class PoundsField(StringField):
    """Money typed in pounds; `data` stays as typed, to show back on an error, and `pence` holds
    the whole pence once it is valid."""

    def __init__(self, label: str, *, noun: str, required: bool = False, **kwargs: Any) -> None:
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.noun = noun
        self.required = required
        self.pence: int | None = None

    def pre_validate(self, form: Any) -> None:
        self.pence = None
        text = (self.data or "").strip()
        if not text:
            if self.required:
                raise StopValidation(f"Enter {self.noun}")
            return
        try:
            self.pence = parse_pounds(text, self.noun)
        except MoneyError as error:
            raise StopValidation(str(error)) from None


class VersionedForm(FlaskForm):
    """A form that changes a record carries the version it was read at, so that saving a page
    someone else has since changed is refused rather than overwriting their change."""

    version = HiddenField()

    def expected_version(self) -> int:
        """The version the page showed; a missing or mangled one matches no record, so the change
        is refused as stale and the page shown again as it now is."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else -1
