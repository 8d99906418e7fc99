"""The application form: one form per section of each kind of scheme, and the money field they
share. Everything a council types is checked here; the domain then keeps it, or refuses it for
reasons only it can know (someone else's change, a move no longer open)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from markupsafe import Markup
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation, ValidationError

from grants.fields import VersionedForm
from grants.models import SERVICE_AREA_LABELS, Application, SchemeKind, Specialism
from workflows import money
from workflows.applications import sections_for
from workflows.money import MoneyError, pounds

TITLE_MAX = 150
SHORT_MAX = 120
LONG_MAX = 5_000
REASON_MAX = 2_000  # what the domain accepts for a reason
# Beyond any sum a council would ask about: keeps a typing slip from reaching the database.
MONEY_CEILING_PENCE = 1_000_000_000 * 100

SERVICE_AREAS = [*SERVICE_AREA_LABELS.items(), ("other", "Another service area")]

# What a council can share with others: the service areas without "another", which says nothing
# to match on.
SHARING_AREAS = [choice for choice in SERVICE_AREAS if choice[0] != "other"]

SHARING_WHAT = [
    ("services", "Services"),
    ("management", "A management team"),
    ("both", "Both services and a management team"),
]

REACH = [
    ("county", "In the same county area"),
    ("neighbours", "Neighbouring councils"),
    ("region", "In the same region"),
    ("anywhere", "Anywhere in England or Wales"),
]

MATCHMAKING_FUNDING = [
    ("expert", "A dedicated shared-service expert"),
    ("mediation", "Paid external mediation"),
    ("both", "Both an expert and mediation"),
    ("neither", "Neither: we only want help finding partners"),
]

TRIAL_THEMES = [
    ("adult_social_care", "Demand for adult social care"),
    ("homelessness", "Homelessness and housing demand"),
    ("public_health", "Public health"),
    ("skills_and_employment", "Skills and employment"),
    ("revenue_collection", "Collecting council tax and other income"),
    ("channel_shift", "Moving contact online"),
    ("waste_and_environment", "Waste, recycling and the environment"),
    ("other", "Another theme"),
]

SKILLS = [(s.value, s.label) for s in Specialism]

MAX_PARTNERS = 6


def _choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _labels(field: Field) -> dict[str, str]:
    return {choice.value: choice.label for choice in field.choices or []}


# Money ----------------------------------------------------------------------------------------------


def parse_pounds(text: str, noun: str = "the amount") -> int:
    """An amount a council typed, in whole pence: at least £0 and below the ceiling."""
    return money.parse_pounds(text, noun, below_zero="must be £0 or more", ceiling_pence=MONEY_CEILING_PENCE)


def pounds_text(pence: int) -> str:
    """Pence as the plain figure kept in the answers: 600000 → "6000", 600050 → "6000.50"."""
    return money.typed_pounds(pence, grouped=False)


def stored_pence(value: Any) -> int | None:
    """A stored money answer (pounds as text) back in pence; None if it is missing or unreadable."""
    if value is None or value == "":
        return None
    try:
        return parse_pounds(str(value))
    except MoneyError:
        return None


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


# Fields ---------------------------------------------------------------------------------------------


def _strip(value: Any) -> Any:
    """Surrounding spaces are noise; a browser's CRLF counts as one character, as the counter does."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class PoundsField(StringField):
    """Money typed in pounds. `data` stays as typed, to show back on an error; `pence` holds the
    whole pence once it is valid. `maximum_pence` is set from the scheme before validating."""

    widget = PoundsInput()

    def __init__(
        self,
        label: str,
        *,
        noun: str,
        required: bool = True,
        positive: bool = False,
        description: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, description=description, filters=[_strip], **kwargs)
        self.noun = noun
        self.required = required
        self.positive = positive
        self.maximum_pence: int | None = None
        self.pence: int | None = None

    def pre_validate(self, form: Any) -> None:
        self.pence = None
        if not self.data:
            if self.required:
                raise StopValidation(f"Enter {self.noun}")
            return
        try:
            pence = parse_pounds(self.data, self.noun)
        except MoneyError as error:
            raise StopValidation(str(error)) from None
        capital = self.noun[0].upper() + self.noun[1:]
        if self.positive and pence == 0:
            raise StopValidation(f"{capital} must be more than £0")
        if self.maximum_pence is not None and pence > self.maximum_pence:
            raise StopValidation(f"{capital} must be {pounds(self.maximum_pence)} or less")
        self.pence = pence


def short_text(label: str, missing: str, *, max_length: int = SHORT_MAX, **kwargs: Any) -> StringField:
    return StringField(
        label,
        widget=TextInput(),
        filters=[_strip],
        validators=[
            DataRequired(message=missing),
            Length(max=max_length, message=f"{label} must be {max_length:,} characters or fewer"),
        ],
        **kwargs,
    )


def long_text(label: str, missing: str | None, *, noun: str, description: str = "") -> TextAreaField:
    """A question answered in prose, up to 5,000 characters; `missing` None makes it optional.
    `noun` names the answer in the message about its length."""
    first = DataRequired(message=missing) if missing else Optional()
    return TextAreaField(
        label,
        widget=LongText(),
        filters=[_strip],
        description=description,
        validators=[first, Length(max=LONG_MAX, message=f"{noun} must be {LONG_MAX:,} characters or fewer")],
    )


def radios(label: str, choices: list[tuple[str, str]], missing: str, **kwargs: Any) -> RadioField:
    return RadioField(
        label,
        widget=Radios(),
        choices=_choices(choices),
        invalid_choice_message=missing,
        validators=[DataRequired(message=missing)],
        **kwargs,
    )


def checkboxes(label: str, choices: list[tuple[str, str]], missing: str | None, **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        widget=Checkboxes(),
        choices=_choices(choices),
        validators=[DataRequired(message=missing)] if missing else [Optional()],
        **kwargs,
    )


# Sections -------------------------------------------------------------------------------------------

_NOT_ANSWERS = frozenset({"csrf_token", "version", "submit"})


@dataclass(frozen=True)
class AnswerRow:
    """One answer as check-your-answers shows it: the question, the answer (safe HTML) and the
    id of the field that changes it."""

    question: str
    answer: Markup
    field_id: str


class SectionForm(FlaskForm):
    """One section of an application. The page carries the version of the application it was
    read at, so that saving over someone else's newer change is refused."""

    version = HiddenField()
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

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
                kept[field.name] = pounds_text(field.pence) if field.pence is not None else ""
            else:
                kept[field.name] = field.data
        return kept

    def columns(self) -> dict[str, Any]:
        """The application's typed columns this section sets (title, amounts, savings)."""
        return {}

    def describe(self, application: Application) -> list[AnswerRow]:
        """The saved answers as rows for check-your-answers."""
        return [AnswerRow(field.label.text, _shown(field), field.id) for field in self.answer_fields()]


def _shown(field: Field) -> Markup:
    """An answer as text a person reads: labels rather than codes, pounds rather than pence, and
    line breaks kept, everything escaped."""
    if isinstance(field, PoundsField):
        pence = stored_pence(field.data)
        return Markup.escape(pounds(pence) if pence is not None else "Not given")
    if isinstance(field, BooleanField):
        return Markup.escape("Yes" if field.data else "No")
    if isinstance(field, SelectMultipleField):
        labels = _labels(field)
        chosen = [labels.get(value, value) for value in field.data or []]
        if not chosen:
            return Markup.escape("None")
        if len(chosen) == 1:
            return Markup.escape(chosen[0])
        items = Markup("").join(Markup("<li>{}</li>").format(label) for label in chosen)
        return Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(items)
    if isinstance(field, SelectField):
        labels = _labels(field)
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
    email = StringField(
        "Email address",
        widget=TextInput(),
        filters=[_strip],
        description="The programme team will use it to contact them about the application.",
        validators=[
            DataRequired(message="Enter the lead contact's email address"),
            Email(message="Enter an email address in the correct format, like name@example.gov.uk"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
        render_kw={"params": {"type": "email", "autocomplete": "email", "spellcheck": False}},
    )
    phone = StringField(
        "Telephone number",
        widget=TextInput(),
        filters=[_strip],
        description="For international numbers include the country code.",
        validators=[DataRequired(message="Enter the lead contact's telephone number")],
        render_kw={"params": {"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"}},
    )

    def validate_phone(self, field: Field) -> None:
        digits = re.sub(r"\D", "", field.data or "")
        if not re.fullmatch(r"\+?[\d\s()-]+", field.data or "") or not 10 <= len(digits) <= 15:
            raise ValidationError("Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")


class DeclarationForm(SectionForm):
    chief_officer = short_text(
        "Chief officer's full name",
        "Enter the chief officer's full name",
        description="The chief executive, or the director responsible for the work.",
    )
    job_title = short_text("Chief officer's job title", "Enter the chief officer's job title")
    confirmed = BooleanField(
        "The chief officer has read this application and supports it, and the council will provide the "
        "time and information the work needs",
        widget=SingleCheckbox(),
        validators=[DataRequired(message="Confirm that the chief officer supports this application")],
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


# Productivity Experts (a fixed grant) ---------------------------------------------------------------


class ExpertProjectForm(SectionForm):
    title = short_text(
        "Project title",
        "Enter a title for the project",
        max_length=TITLE_MAX,
        description="A few words that name the work, like 'Commercial waste review'.",
    )
    service_area = radios("Which service area is the project in?", SERVICE_AREAS, "Choose the service area")
    problem = long_text(
        "What problem do you want to solve?", "Describe the problem you want to solve", noun="The problem"
    )
    approach = long_text(
        "How will an expert help you solve it?",
        "Describe how an expert will help",
        noun="How an expert will help",
        description="Say what the expert will do, and what your council will do alongside them.",
    )

    def columns(self) -> dict[str, Any]:
        return {"title": self.title.data}


class ExpertiseForm(SectionForm):
    skills = checkboxes(
        "Which skills should the expert have?",
        SKILLS,
        "Choose at least one skill the expert should have",
        description="Select all that apply.",
    )
    detail = long_text(
        "Tell us more about the expertise you need",
        "Describe the expertise you need",
        noun="The expertise you need",
        description="For example, experience of a particular kind of contract or service.",
    )


class SavingsForm(SectionForm):
    cashable = PoundsField(
        "Cashable efficiency savings",
        noun="the cashable savings",
        description="Money the council will no longer spend. Enter 0 if none.",
    )
    income = PoundsField(
        "Income generated", noun="the income generated", description="New income for the council. Enter 0 if none."
    )
    avoided = PoundsField(
        "Costs avoided",
        noun="the costs avoided",
        description="Spending the council would otherwise face. Enter 0 if none.",
    )
    months = StringField(
        "Over how many months?",
        widget=TextInput(),
        filters=[_strip],
        description="The time over which the savings and income are made, from 1 to 36 months.",
        validators=[DataRequired(message="Enter the number of months")],
        render_kw={
            "params": {
                "inputmode": "numeric",
                "classes": "govuk-input--width-3",
                "spellcheck": False,
                "suffix": {"text": "months"},
            }
        },
    )

    def validate_months(self, field: Field) -> None:
        if not re.fullmatch(r"\d{1,3}", field.data or ""):
            raise ValidationError("Enter the number of months as a whole number, like 12")
        if not 1 <= int(field.data) <= 36:
            raise ValidationError("The number of months must be between 1 and 36")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        amounts = [self.cashable.pence, self.income.pence, self.avoided.pence]
        if valid and not any(amount for amount in amounts):
            self.cashable.errors = [
                *self.cashable.errors,
                "Enter at least one amount more than £0: cashable savings, income or costs avoided",
            ]
            return False
        return valid

    def answers(self) -> dict[str, Any]:
        kept = super().answers()
        kept["months"] = int(self.months.data)
        return kept

    def columns(self) -> dict[str, Any]:
        return {
            "savings_cashable_pence": self.cashable.pence,
            "savings_income_pence": self.income.pence,
            "savings_avoided_pence": self.avoided.pence,
        }

    def describe(self, application: Application) -> list[AnswerRow]:
        rows = super().describe(application)
        return [
            AnswerRow(row.question, Markup.escape(f"{self.months.data} months"), row.field_id)
            if row.field_id == "months"
            else row
            for row in rows
        ]


# Behavioural Insights (match funding, joint bids) ----------------------------------------------------


class TrialForm(SectionForm):
    title = short_text(
        "Trial title",
        "Enter a title for the trial",
        max_length=TITLE_MAX,
        description="A few words that name the trial, like 'Earlier contact with adult social care'.",
    )
    theme = radios("Which demand does the trial address?", TRIAL_THEMES, "Choose the theme of the trial")
    description = long_text(
        "What will the trial test?",
        "Describe what the trial will test",
        noun="What the trial will test",
        description="The behaviour you want to change, and the nudge you will try.",
    )

    def columns(self) -> dict[str, Any]:
        return {"title": self.title.data}


class OutcomesForm(SectionForm):
    outcomes = long_text(
        "What outcomes do you intend?",
        "Describe the outcomes you intend",
        noun="The outcomes",
        description="For example, fewer people becoming homeless.",
    )
    measures = long_text(
        "How will you measure them?",
        "Describe how you will measure the outcomes",
        noun="How you will measure the outcomes",
        description="The data you will use, and how you will compare the trial with what would have happened.",
    )


class MatchFundingForm(SectionForm):
    """The amount asked for and the council's own match. The scheme's match is counted as the
    domain counts it: the lead council's match and every partner's share together must be at
    least the ratio of the amount asked for. Partners' shares are set in their own section, so
    both sections check the total against what the other holds."""

    ratio_percent = 0
    partner_shares_pence = 0
    partners_to_come = False

    amount = PoundsField("How much are you asking for?", noun="the amount you are asking for", positive=True)
    match = PoundsField(
        "How much will your council put in?",
        noun="your council's match",
        description="Your own contribution. Partner councils' shares are added in the partners section.",
    )

    def configure(self, application: Application) -> None:
        scheme = application.scheme
        self.amount.maximum_pence = scheme.max_amount_pence
        self.ratio_percent = scheme.match_ratio_percent or 0
        self.partner_shares_pence = sum(p.match_share_pence for p in application.partners)
        # A joint bid's partners are named after this section: until then the total is checked
        # by the partners section and on submission, not here.
        self.partners_to_come = scheme.allows_partners and "partners" not in application.sections_done
        if scheme.max_amount_pence:
            self.amount.description = f"Up to {pounds(scheme.max_amount_pence)}."
        if self.ratio_percent:
            self.match.description = (
                f"Your match and your partners' shares together must be at least {_ratio_words(self.ratio_percent)} "
                "the amount you ask for. Partner councils' shares are added in the partners section."
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not valid or not self.ratio_percent or self.amount.pence is None or self.match.pence is None:
            return valid
        needed = self.amount.pence * self.ratio_percent // 100
        total = self.match.pence + self.partner_shares_pence
        if total < needed and not self.partners_to_come:
            self.match.errors = [
                *self.match.errors,
                _short_match_message(self.match.pence, self.partner_shares_pence, needed, self.ratio_percent),
            ]
            return False
        return True

    def columns(self) -> dict[str, Any]:
        return {"amount_requested_pence": self.amount.pence, "match_pence": self.match.pence}

    def describe(self, application: Application) -> list[AnswerRow]:
        rows = super().describe(application)
        shares = sum(p.match_share_pence for p in application.partners)
        if application.partners:
            total = (application.match_pence or 0) + shares
            rows.append(AnswerRow("Match including partners' shares", Markup.escape(pounds(total)), "match"))
        return rows


def _ratio_words(percent: int) -> str:
    return "equal to" if percent == 100 else f"{percent}% of"


def _short_match_message(own: int, shares: int, needed: int, percent: int) -> str:
    return (
        f"Your council's match ({pounds(own)}) and your partners' shares ({pounds(shares)}) must add up to at "
        f"least {pounds(needed)}, {_ratio_words(percent)} the amount you are asking for"
    )


class PartnersForm(SectionForm):
    """Up to six partner councils, each with its share of the match. A row left blank is no
    partner; an empty form is a bid from the lead council alone."""

    lead_match_pence: int | None = None
    amount_pence = 0
    ratio_percent = 0

    def configure(self, application: Application) -> None:
        from grants.applications.queries import partner_council_choices

        choices = _choices([("", "No partner"), *partner_council_choices(application.lead_council_id)])
        for council, _share in self.rows():
            council.choices = choices
        self.lead_match_pence = application.match_pence if "funding" in application.sections_done else None
        self.amount_pence = application.amount_requested_pence or 0
        self.ratio_percent = application.scheme.match_ratio_percent or 0

    def rows(self) -> list[tuple[Field, PoundsField]]:
        return [(self[f"council_{n}"], self[f"share_{n}"]) for n in range(1, MAX_PARTNERS + 1)]

    @classmethod
    def initial(cls, application: Application, key: str) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for n, partner in enumerate(application.partners[:MAX_PARTNERS], start=1):
            data[f"council_{n}"] = partner.council.gss_code
            data[f"share_{n}"] = pounds_text(partner.match_share_pence)
        return data

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        seen: set[str] = set()
        for n, (council, share) in enumerate(self.rows(), start=1):
            if council.data and not share.data and not share.errors:
                share.errors = [f"Enter partner {n}'s share of the match, or 0 if it puts in no money"]
            if share.data and not council.data and not council.errors:
                council.errors = [f"Choose partner {n}'s council, or clear its share"]
            if council.data and council.data in seen:
                council.errors = [*council.errors, f"Partner {n} is already in the list: choose each council once"]
            seen.add(council.data or "")
        if any(field.errors for row in self.rows() for field in row):
            return False
        return valid and self._match_enough()

    def _match_enough(self) -> bool:
        """Keep the scheme's match met once the funding section has set the council's own part."""
        if not self.ratio_percent or self.lead_match_pence is None:
            return True
        shares = sum(share.pence or 0 for council, share in self.rows() if council.data)
        needed = self.amount_pence * self.ratio_percent // 100
        if self.lead_match_pence + shares >= needed:
            return True
        first = next((share for council, share in self.rows() if council.data), self.rows()[0][0])
        first.errors = [
            *first.errors,
            _short_match_message(self.lead_match_pence, shares, needed, self.ratio_percent)
            + ": change the shares, or change your council's match in the funding section first",
        ]
        return False

    def shares(self) -> dict[str, int]:
        """The chosen councils' GSS codes and their shares in pence."""
        return {council.data: share.pence or 0 for council, share in self.rows() if council.data}

    def answers(self) -> dict[str, Any]:
        names = _labels(self.rows()[0][0])
        return {
            "partners": [
                {"gss_code": code, "council": names.get(code, code), "share": pounds_text(pence)}
                for code, pence in self.shares().items()
            ]
        }

    def describe(self, application: Application) -> list[AnswerRow]:
        if not application.partners:
            return [AnswerRow("Partner councils", Markup.escape("None: your council is bidding alone"), "council_1")]
        return [
            AnswerRow(
                partner.council.name,
                Markup.escape(
                    f"{pounds(partner.match_share_pence)} share of the match "
                    f"({PARTNER_STATUS_WORDS[partner.status.value]})"
                ),
                f"council_{n}",
            )
            for n, partner in enumerate(application.partners, start=1)
        ]


PARTNER_STATUS_WORDS = {"invited": "not yet confirmed", "confirmed": "confirmed", "declined": "declined"}


for _n in range(1, MAX_PARTNERS + 1):
    setattr(
        PartnersForm,
        f"council_{_n}",
        SelectField(
            "Council", widget=Select(), choices=[], default="", invalid_choice_message="Choose a council from the list"
        ),
    )
    setattr(
        PartnersForm,
        f"share_{_n}",
        PoundsField("Its share of the match", noun=f"partner {_n}'s share of the match", required=False),
    )


# Shared services matchmaking ------------------------------------------------------------------------


class SharingForm(SectionForm):
    what = radios("What do you want to share?", SHARING_WHAT, "Choose what you want to share")
    areas = checkboxes(
        "Which services?",
        SHARING_AREAS,
        None,
        description="Select all that apply. Leave blank if you only want to share a management team.",
    )
    detail = long_text("Anything else partners should know (optional)", None, noun="What else partners should know")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.what.data in ("services", "both") and not self.areas.data and not self.areas.errors:
            self.areas.errors = [*self.areas.errors, "Choose at least one service you want to share"]
            return False
        return valid

    def columns(self) -> dict[str, Any]:
        """Matchmaking asks no title: name the application by what is to be shared."""
        labels = dict(SHARING_AREAS)
        services = ", ".join(labels[a] for a in self.areas.data or [])
        if self.what.data == "management":
            title = "Sharing a management team"
        elif self.what.data == "both":
            title = f"Sharing a management team and services: {services}"
        else:
            title = f"Sharing services: {services}"
        return {"title": title if len(title) <= 200 else title[:199] + "…"}


class GeographyForm(SectionForm):
    reach = radios("Where could your partners be?", REACH, "Choose where your partners could be")
    detail = long_text(
        "Councils you have already talked to (optional)",
        None,
        noun="The councils you have talked to",
        description="Name any councils you have already discussed sharing with.",
    )


class MatchmakingFundingForm(SectionForm):
    wanted = radios(
        "Do you want funding for an expert or mediation?",
        MATCHMAKING_FUNDING,
        "Choose the funding you want, or neither",
    )
    amount = PoundsField(
        "How much are you asking for?",
        noun="the amount you are asking for",
        required=False,
        positive=True,
        description="Leave blank if you want neither.",
    )

    def configure(self, application: Application) -> None:
        self.amount.maximum_pence = application.scheme.max_amount_pence
        if application.scheme.max_amount_pence:
            self.amount.description = (
                f"Up to {pounds(application.scheme.max_amount_pence)}. Leave blank if you want neither."
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.wanted.data not in (None, "neither") and self.amount.pence is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, "Enter the amount you are asking for"]
            return False
        return valid

    def answers(self) -> dict[str, Any]:
        kept = super().answers()
        if self.wanted.data == "neither":
            kept["amount"] = ""
        return kept

    def columns(self) -> dict[str, Any]:
        return {"amount_requested_pence": None if self.wanted.data == "neither" else self.amount.pence}


# Which form each section uses -------------------------------------------------------------------------

SECTION_FORMS: dict[tuple[SchemeKind, str], type[SectionForm]] = {
    (SchemeKind.FIXED_GRANT, "project"): ExpertProjectForm,
    (SchemeKind.FIXED_GRANT, "expertise"): ExpertiseForm,
    (SchemeKind.FIXED_GRANT, "savings"): SavingsForm,
    (SchemeKind.FIXED_GRANT, "contact"): ContactForm,
    (SchemeKind.FIXED_GRANT, "declaration"): DeclarationForm,
    (SchemeKind.MATCH_FUNDING, "project"): TrialForm,
    (SchemeKind.MATCH_FUNDING, "outcomes"): OutcomesForm,
    (SchemeKind.MATCH_FUNDING, "funding"): MatchFundingForm,
    (SchemeKind.MATCH_FUNDING, "partners"): PartnersForm,
    (SchemeKind.MATCH_FUNDING, "contact"): ContactForm,
    (SchemeKind.MATCH_FUNDING, "declaration"): DeclarationForm,
    (SchemeKind.MATCHMAKING, "sharing"): SharingForm,
    (SchemeKind.MATCHMAKING, "geography"): GeographyForm,
    (SchemeKind.MATCHMAKING, "funding"): MatchmakingFundingForm,
    (SchemeKind.MATCHMAKING, "contact"): ContactForm,
    (SchemeKind.MATCHMAKING, "declaration"): DeclarationForm,
}


def form_class_for(kind: SchemeKind, key: str) -> type[SectionForm] | None:
    return SECTION_FORMS.get((kind, key))


def saved_form(application: Application, key: str) -> SectionForm | None:
    """The section's form holding its saved answers, not bound to any request: for showing them."""
    form_class = form_class_for(application.scheme.kind, key)
    if form_class is None:
        return None
    return form_class(formdata=None, data=form_class.initial(application, key), meta={"csrf": False})


# Moves that are not sections --------------------------------------------------------------------------


class ReasonForm(VersionedForm):
    reason = TextAreaField(
        "Why?",
        widget=ReasonText(),
        filters=[_strip],
        validators=[
            DataRequired(message="Enter the reason"),
            Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class WithdrawForm(ReasonForm):
    submit = SubmitField("Withdraw application", widget=GovSubmitInput())


class DeclineOfferForm(ReasonForm):
    submit = SubmitField("Decline the offer", widget=GovSubmitInput())


class AcceptOfferForm(VersionedForm):
    signatory_name = short_text(
        "Full name of the person signing for the council",
        "Enter the name of the person signing for the council",
        description="Someone who may accept grants on the council's behalf, such as the section 151 officer.",
    )
    signatory_role = short_text("Their job title", "Enter the signatory's job title")
    confirmed = BooleanField(
        "The council accepts the grant on the conditions set out in the offer",
        widget=SingleCheckbox(),
        validators=[DataRequired(message="Confirm that the council accepts the conditions of the offer")],
    )
    submit = SubmitField("Accept the offer", widget=GovSubmitInput())


class SubmitApplicationForm(VersionedForm):
    submit = SubmitField("Submit application", widget=GovSubmitInput())


class PartnerResponseForm(FlaskForm):
    """The share is carried so that a share changed by the lead council since the page was opened
    is not confirmed unseen."""

    share = HiddenField()
    answer = RadioField(
        "Will your council take part?",
        widget=Radios(),
        choices=_choices(
            [("confirm", "Yes, we confirm our part and our share"), ("decline", "No, we will not take part")]
        ),
        invalid_choice_message="Choose whether your council will take part",
        validators=[DataRequired(message="Choose whether your council will take part")],
    )
    submit = SubmitField("Send response", widget=GovSubmitInput())


def answer_sections(application: Application) -> list[dict[str, Any]]:
    """Each section of the application's form with its answers as people read them (labels, not
    stored codes), for the council's check page and summary and the staff's application page."""
    sections = []
    for key, label in sections_for(application.scheme):
        form = saved_form(application, key)
        answered = key in application.answers or key == "partners"
        rows = form.describe(application) if form is not None and answered else []
        sections.append({"key": key, "label": label, "rows": rows, "done": key in application.sections_done})
    return sections
