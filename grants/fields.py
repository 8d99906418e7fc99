"""Form pieces several parts of the service share: the GOV.UK widgets sized for questions that sit
several to a page, the fields for money and dates, the common kinds of question (short text, prose,
radios, checkboxes, an email address, a telephone number), the choices more than one form offers,
and the versioned and one-button forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, StopValidation, ValidationError

from grants.models import SERVICE_AREA_LABELS
from workflows.money import MoneyError, parse_pounds, pounds

SHORT_MAX = 120
LONG_MAX = 5_000
REASON_MAX = 2_000  # what the domain accepts for a reason
EMAIL_MAX = 254

# What a council can share with others: the service areas (an application's project may also be in
# "another" area, which says nothing to match on).
SHARING_AREAS = list(SERVICE_AREA_LABELS.items())

REACH = [
    ("county", "In the same county area"),
    ("neighbours", "Neighbouring councils"),
    ("region", "In the same region"),
    ("anywhere", "Anywhere in England or Wales"),
]


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def labels_of(field: Field) -> dict[str, str]:
    """A choice field's labels by the codes they stand for."""
    return {choice.value: choice.label for choice in field.choices or []}


def strip_text(value: Any) -> Any:
    """Surrounding spaces are noise; a browser's CRLF counts as one character, as the counter does."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


# Widgets --------------------------------------------------------------------------------------------


class _Sized:
    """Questions sit several to a page under the section's heading, so labels and legends are
    bold but not headings; an empty hint is dropped rather than announced."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        if "fieldset" in params:
            params["fieldset"].setdefault("legend", {"text": field.label.text})
            params["fieldset"]["legend"].setdefault("classes", "govuk-fieldset__legend--s")
        elif isinstance(params.get("label"), dict):
            params["label"].setdefault("classes", "govuk-label--s")
        hint = params.get("hint") or {}
        if not hint.get("text") and not hint.get("html"):
            params.pop("hint", None)
        return params


class TextInput(_Sized, GovTextInput):
    pass


class PoundsInput(_Sized, GovTextInput):
    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("prefix", {"text": "£"})
        params.setdefault("classes", "govuk-input--width-10")
        params.setdefault("spellcheck", False)
        return params


class LongText(_Sized, GovCharacterCount):
    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("maxlength", LONG_MAX)
        params.setdefault("rows", 6)
        return params


class ReasonText(_Sized, GovCharacterCount):
    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("maxlength", REASON_MAX)
        return params


class Radios(_Sized, GovRadioInput):
    pass


class Checkboxes(_Sized, GovCheckboxesInput):
    pass


class Select(_Sized, GovSelect):
    pass


class SingleCheckbox(_Sized, GovCheckboxInput):
    pass


# Money and dates ------------------------------------------------------------------------------------


class UKDateField(DateField):
    """A GOV.UK date input (day, month, year boxes) with GOV.UK's error messages; required unless
    `required` is False, when it may be left blank (a date partly typed is still refused).

    `noun` names the date in "Enter the opening date"; `subject` starts the other messages ("Date
    paid must be a real date") and is the noun with a capital letter unless given."""

    def __init__(
        self, label: str, *, noun: str, subject: str | None = None, required: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(label, widget=GovDateInput(), **kwargs)
        self.noun = noun
        self.subject = subject or noun[0].upper() + noun[1:]
        self.required = required

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
        if self.required and self.data is None and not self.errors:
            raise StopValidation(f"Enter {self.noun}")


class PoundsField(StringField):
    """Money typed in pounds. `data` stays as typed, to show back on an error; `pence` holds the
    whole pence once it is valid.

    `positive` refuses £0; `maximum_pence`, which a form may set before validating (from a
    scheme, say), refuses more; `below_zero` ends the message for a negative amount and
    `ceiling_pence` refuses a typing slip beyond any real sum."""

    def __init__(
        self,
        label: str,
        *,
        noun: str,
        required: bool = False,
        positive: bool = False,
        below_zero: str = "cannot be negative",
        ceiling_pence: int | None = None,
        widget: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, widget=widget or GovTextInput(), **kwargs)
        self.noun = noun
        self.required = required
        self.positive = positive
        self.below_zero = below_zero
        self.ceiling_pence = ceiling_pence
        self.maximum_pence: int | None = None
        self.pence: int | None = None

    def parse(self, text: str) -> int:
        """What was typed, in whole pence; MoneyError says what is wrong with it."""
        return parse_pounds(text, self.noun, below_zero=self.below_zero, ceiling_pence=self.ceiling_pence)

    def pre_validate(self, form: Any) -> None:
        self.pence = None
        text = (self.data or "").strip()
        if not text:
            if self.required:
                raise StopValidation(f"Enter {self.noun}")
            return
        try:
            pence = self.parse(text)
        except MoneyError as error:
            raise StopValidation(str(error)) from None
        capital = self.noun[0].upper() + self.noun[1:]
        if self.positive and pence == 0:
            raise StopValidation(f"{capital} must be more than £0")
        if self.maximum_pence is not None and pence > self.maximum_pence:
            raise StopValidation(f"{capital} must be {pounds(self.maximum_pence)} or less")
        self.pence = pence


class WholeNumberField(StringField):
    """A whole number within bounds, typed into a text box (GOV.UK advises against number
    inputs), perhaps followed by its `unit` ("%"); `number` holds it once it is valid, and blank
    gives None unless it is required."""

    def __init__(
        self,
        label: str,
        *,
        noun: str,
        bounds: tuple[int, int],
        required: bool = True,
        unit: str = "",
        example: int | None = None,
        pattern: str = r"-?\d{1,9}",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.noun = noun
        self.bounds = bounds
        self.required = required
        self.unit = unit
        self.example = example if example is not None else max(bounds[0], 1)
        self.pattern = pattern
        self.number: int | None = None

    def pre_validate(self, form: Any) -> None:
        self.number = None
        text = (self.data or "").strip()
        if self.unit:
            text = text.removesuffix(self.unit).strip()
        low, high = self.bounds
        if not text:
            if self.required:
                raise StopValidation(f"Enter {self.noun}")
            return
        if not re.fullmatch(self.pattern, text):
            raise StopValidation(f"Enter {self.noun} as a whole number, like {self.example}")
        number = int(text)
        if not low <= number <= high:
            raise StopValidation(
                f"{self.noun[0].upper()}{self.noun[1:]} must be between {low:,}{self.unit} and {high:,}{self.unit}"
            )
        self.number = number


class ParsedField(StringField):
    """A value typed into a text box and read by `parse`, which raises `refused` with what is
    wrong with it; `value` holds what it read once it is valid."""

    def __init__(self, label: str, *, parse: Callable[[str], Any], refused: type[Exception], **kwargs: Any) -> None:
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.parse = parse
        self.refused = refused
        self.value: Any = None

    def pre_validate(self, form: Any) -> None:
        self.value = None
        try:
            self.value = self.parse(self.data or "")
        except self.refused as error:
            raise StopValidation(str(error)) from None


# Kinds of question ----------------------------------------------------------------------------------


def text_input(label: str, **kwargs: Any) -> StringField:
    """A GOV.UK text input."""
    return StringField(label, widget=GovTextInput(), **kwargs)


def text_area(label: str, **kwargs: Any) -> TextAreaField:
    """A GOV.UK textarea."""
    return TextAreaField(label, widget=GovTextArea(), **kwargs)


def password_input(label: str, **kwargs: Any) -> PasswordField:
    """A GOV.UK password input."""
    return PasswordField(label, widget=GovPasswordInput(), **kwargs)


def email_input(missing: str, label: str = "Email address", **kwargs: Any) -> EmailField:
    """An email address someone types for themselves or another person, checked for its form."""
    too_long = kwargs.pop("too_long", None)
    return EmailField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=missing),
            Email(message="Enter an email address in the correct format, like name@example.gov.uk"),
            Length(max=EMAIL_MAX, message=too_long),
        ],
        **kwargs,
    )


def submit_button(text: str) -> SubmitField:
    """A GOV.UK button that sends the form."""
    return SubmitField(text, widget=GovSubmitInput())


def at_most(characters: int, noun: str) -> Length:
    """A limit on the length of what is typed, with GOV.UK's message: "The reason must be 2,000
    characters or fewer"."""
    return Length(max=characters, message=f"{noun} must be {characters:,} characters or fewer")


def short_text(label: str, missing: str, *, max_length: int = SHORT_MAX, **kwargs: Any) -> StringField:
    return StringField(
        label,
        widget=TextInput(),
        filters=[strip_text],
        validators=[
            DataRequired(message=missing),
            at_most(max_length, label),
        ],
        **kwargs,
    )


def _prose(label: str, missing: str | None, *, widget: Any, most: int, noun: str, description: str) -> TextAreaField:
    """Text typed over several lines, up to `most` characters; `missing` None makes it optional.
    `noun` names the answer in the message about its length."""
    first = DataRequired(message=missing) if missing else Optional()
    return TextAreaField(
        label,
        widget=widget,
        filters=[strip_text],
        description=description,
        validators=[first, at_most(most, noun)],
    )


def long_text(label: str, missing: str | None, *, noun: str, description: str = "") -> TextAreaField:
    """A question answered in prose, up to 5,000 characters."""
    return _prose(label, missing, widget=LongText(), most=LONG_MAX, noun=noun, description=description)


def reason_text(label: str, missing: str | None, *, description: str = "") -> TextAreaField:
    """Why, in up to 2,000 characters."""
    return _prose(label, missing, widget=ReasonText(), most=REASON_MAX, noun="The reason", description=description)


def radios(label: str, pairs: list[tuple[str, str]], missing: str, **kwargs: Any) -> RadioField:
    return RadioField(
        label,
        widget=Radios(),
        choices=choices(pairs),
        invalid_choice_message=missing,
        validators=[DataRequired(message=missing)],
        **kwargs,
    )


def checkboxes(label: str, pairs: list[tuple[str, str]], missing: str | None, **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        widget=Checkboxes(),
        choices=choices(pairs),
        validators=[DataRequired(message=missing)] if missing else [Optional()],
        **kwargs,
    )


def confirmation(label: str, missing: str) -> BooleanField:
    """A single checkbox that must be ticked: a declaration, or agreement to conditions."""
    return BooleanField(label, widget=SingleCheckbox(), validators=[DataRequired(message=missing)])


def email_address(missing: str, **kwargs: Any) -> StringField:
    return StringField(
        "Email address",
        widget=TextInput(),
        filters=[strip_text],
        validators=[
            DataRequired(message=missing),
            Email(message="Enter an email address in the correct format, like name@example.gov.uk"),
            Length(max=EMAIL_MAX, message="Email address must be 254 characters or fewer"),
        ],
        render_kw={"params": {"type": "email", "autocomplete": "email", "spellcheck": False}},
        **kwargs,
    )


def telephone(missing: str, **kwargs: Any) -> StringField:
    """A telephone number, checked by `check_telephone` in the form's own validator."""
    return StringField(
        "Telephone number",
        widget=TextInput(),
        filters=[strip_text],
        validators=[DataRequired(message=missing)],
        render_kw={"params": {"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"}},
        **kwargs,
    )


def check_telephone(typed: str, *, max_length: int | None = None) -> None:
    """Refuse what is not a telephone number: 10 to 15 digits, with spaces, brackets, hyphens and a
    leading + allowed (and no more than `max_length` characters in all, when given)."""
    digits = re.sub(r"\D", "", typed)
    too_long = max_length is not None and len(typed) > max_length
    if too_long or not re.fullmatch(r"\+?[\d\s()-]+", typed) or not 10 <= len(digits) <= 15:
        raise ValidationError("Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")


# Forms ----------------------------------------------------------------------------------------------


class VersionedForm(FlaskForm):
    """A form that changes a record carries the version it was read at, so that saving a page
    someone else has since changed is refused rather than overwriting their change."""

    version = HiddenField()

    def expected_version(self) -> int:
        """The version the page showed; a missing or mangled one matches no record, so the change
        is refused as stale and the page shown again as it now is."""
        value = str(self.version.data or "").strip()
        return int(value) if value.isdigit() else -1


class ConfirmForm(FlaskForm):
    """A bare form for one-button actions: it carries the CSRF token."""

    submit = submit_button("Confirm")
