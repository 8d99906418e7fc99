"""The application form, section by section (which form each section of each kind of scheme uses,
and its answers as people read them), and the forms of the steps that are not sections:
submitting, withdrawing, answering the offer and a partner council's answer."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired

from grants.applications.fixed_grant_sections import ExpertiseForm, ExpertProjectForm, SavingsForm
from grants.applications.match_funding_sections import (
    MatchFundingForm,
    OutcomesForm,
    PartnersForm,
    TrialForm,
)
from grants.applications.matchmaking_sections import GeographyForm, MatchmakingFundingForm, SharingForm
from grants.applications.sections import ContactForm, DeclarationForm, SectionForm
from grants.fields import (
    Radios,
    VersionedForm,
    choices,
    confirmation,
    reason_text,
    short_text,
    submit_button,
)
from grants.models import Application, SchemeKind
from workflows.applications import sections_for

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
    reason = reason_text("Why?", "Enter the reason")
    submit = submit_button("Confirm")


class WithdrawForm(ReasonForm):
    submit = submit_button("Withdraw application")


class DeclineOfferForm(ReasonForm):
    submit = submit_button("Decline the offer")


class AcceptOfferForm(VersionedForm):
    signatory_name = short_text(
        "Full name of the person signing for the council",
        "Enter the name of the person signing for the council",
        description="Someone who may accept grants on the council's behalf, such as the section 151 officer.",
    )
    signatory_role = short_text("Their job title", "Enter the signatory's job title")
    confirmed = confirmation(
        "The council accepts the grant on the conditions set out in the offer",
        "Confirm that the council accepts the conditions of the offer",
    )
    submit = submit_button("Accept the offer")


class SubmitApplicationForm(VersionedForm):
    submit = submit_button("Submit application")


class PartnerResponseForm(FlaskForm):
    """The share is carried so that a share changed by the lead council since the page was opened
    is not confirmed unseen."""

    share = HiddenField()
    answer = RadioField(
        "Will your council take part?",
        widget=Radios(),
        choices=choices(
            [("confirm", "Yes, we confirm our part and our share"), ("decline", "No, we will not take part")]
        ),
        invalid_choice_message="Choose whether your council will take part",
        validators=[DataRequired(message="Choose whether your council will take part")],
    )
    submit = submit_button("Send response")


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
