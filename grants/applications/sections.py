"""What every section of an application form has in common: the base form (its answers kept as
typed, its typed columns, its rows for check-your-answers), the money question, and the two
sections every scheme asks for (the lead contact and the chief officer's declaration).

Everything a council types is checked by its section's form; the domain then keeps it, or refuses
it for reasons only it can know (someone else's change, a move no longer open)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from wtforms import BooleanField, Field, SelectField, SelectMultipleField

from grants.fields import (
    PoundsField,
    PoundsInput,
    VersionedForm,
    check_telephone,
    confirmation,
    email_address,
    labels_of,
    short_text,
    strip_text,
    submit_button,
    telephone,
)
from grants.models import Application
from workflows.money import MoneyError, parse_pounds, pounds, typed_pounds

TITLE_MAX = 150
# Beyond any sum a council would ask about: keeps a typing slip from reaching the database.
MONEY_CEILING_PENCE = 1_000_000_000 * 100


def money(label: str, *, noun: str, required: bool = True, positive: bool = False, description: str = "") -> Any:
    """A question answered in pounds, at least £0 and below the ceiling, with the pound sign
    before the box."""
    return PoundsField(
        label,
        noun=noun,
        required=required,
        positive=positive,
        description=description,
        widget=PoundsInput(),
        filters=[strip_text],
        below_zero="must be £0 or more",
        ceiling_pence=MONEY_CEILING_PENCE,
    )


def stored_pence(value: Any) -> int | None:
    """A stored money answer (pounds as text) back in pence; None if it is missing or unreadable."""
    if value is None or value == "":
        return None
    try:
        return parse_pounds(str(value), ceiling_pence=MONEY_CEILING_PENCE)
    except MoneyError:
        return None


_NOT_ANSWERS = frozenset({"csrf_token", "version", "submit"})


@dataclass(frozen=True)
class AnswerRow:
    """One answer as check-your-answers shows it: the question, the answer (safe HTML) and the
    id of the field that changes it."""

    question: str
    answer: Markup
    field_id: str


class SectionForm(VersionedForm):
    """One section of an application. The page carries the version of the application it was
    read at, so that saving over someone else's newer change is refused."""

    submit = submit_button("Save and continue")

    def configure(self, application: Application) -> None:
        """Fit the form to the application's scheme (limits, choices) before it is validated."""

    @classmethod
    def initial(cls, application: Application, key: str) -> dict[str, Any]:
        """What the form shows when opened: the saved answers, as they were typed."""
        saved = dict(application.answers.get(key) or {})
        return {
            name: str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            for name, value in saved.items()
        }

    def answer_fields(self) -> list[Field]:
        return [field for field in self if field.name not in _NOT_ANSWERS]

    def answers(self) -> dict[str, Any]:
        """The answers to keep: money as the plain figure in pounds, everything else as given."""
        kept: dict[str, Any] = {}
        for field in self.answer_fields():
            if isinstance(field, PoundsField):
                kept[field.name] = typed_pounds(field.pence, grouped=False)
            else:
                kept[field.name] = field.data
        return kept

    def columns(self) -> dict[str, Any]:
        """The application's typed columns this section sets (title, amounts, savings)."""
        return {}

    def describe(self, application: Application) -> list[AnswerRow]:
        """The saved answers as rows for check-your-answers."""
        return [AnswerRow(field.label.text, shown(field), field.id) for field in self.answer_fields()]


def shown(field: Field) -> Markup:
    """An answer as text a person reads: labels rather than codes, pounds rather than pence, and
    line breaks kept, everything escaped."""
    if isinstance(field, PoundsField):
        pence = stored_pence(field.data)
        return Markup.escape(pounds(pence) if pence is not None else "Not given")
    if isinstance(field, BooleanField):
        return Markup.escape("Yes" if field.data else "No")
    if isinstance(field, SelectMultipleField):
        labels = labels_of(field)
        chosen = [labels.get(value, value) for value in field.data or []]
        if not chosen:
            return Markup.escape("None")
        if len(chosen) == 1:
            return Markup.escape(chosen[0])
        items = Markup("").join(Markup("<li>{}</li>").format(label) for label in chosen)
        return Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(items)
    if isinstance(field, SelectField):
        labels = labels_of(field)
        return Markup.escape(labels.get(field.data, field.data or "Not given"))
    text = str(field.data or "").strip()
    if not text:
        return Markup.escape("Not given")
    return Markup("<br>").join(text.split("\n"))


# Sections shared by every scheme --------------------------------------------------------------------


class ContactForm(SectionForm):
    name = short_text("Full name", "Enter the lead contact's full name", render_kw={"params": {"autocomplete": "name"}})
    job_title = short_text(
        "Job title", "Enter the lead contact's job title", render_kw={"params": {"autocomplete": "organization-title"}}
    )
    email = email_address(
        "Enter the lead contact's email address",
        description="The programme team will use it to contact them about the application.",
    )
    phone = telephone(
        "Enter the lead contact's telephone number",
        description="For international numbers include the country code.",
    )

    def validate_phone(self, field: Field) -> None:
        check_telephone(field.data or "")


class DeclarationForm(SectionForm):
    chief_officer = short_text(
        "Chief officer's full name",
        "Enter the chief officer's full name",
        description="The chief executive, or the director responsible for the work.",
    )
    job_title = short_text("Chief officer's job title", "Enter the chief officer's job title")
    confirmed = confirmation(
        "The chief officer has read this application and supports it, and the council will provide the "
        "time and information the work needs",
        "Confirm that the chief officer supports this application",
    )

    def describe(self, application: Application) -> list[AnswerRow]:
        rows = super().describe(application)
        return [
            AnswerRow(
                "Chief officer's confirmation",
                Markup.escape("Confirmed" if self.confirmed.data else "No"),
                row.field_id,
            )
            if row.field_id == "confirmed"
            else row
            for row in rows
        ]
