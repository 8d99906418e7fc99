"""Schemes for administrators: a programme line is added, changed and given criteria and funding
rounds here, as data, so councils can apply to it without anyone changing the service itself."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
)
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from grants.admin import queries
from grants.admin.views import bp
from grants.auth.permissions import requires, signed_in_user
from grants.fields import ConfirmForm, PoundsField, UKDateField, WholeNumberField, submit_button, text_area, text_input
from grants.form_problems import apply_change, commit_or_flash, form_for
from grants.history import EventWording
from grants.models import AuditEvent, CouncilTier, FundingRound, Scheme, SchemeCriterion, SchemeKind
from grants.queries import get_history
from workflows import schemes as workflow
from workflows.money import pounds, typed_pounds
from workflows.permissions import Permission
from workflows.schemes import SERVICE_LEVEL_STAGES, SchemeError

KIND_LABELS = {
    SchemeKind.FIXED_GRANT: "Fixed grant",
    SchemeKind.MATCH_FUNDING: "Match funding",
    SchemeKind.MATCHMAKING: "Matchmaking",
}
KIND_HINTS = {
    SchemeKind.FIXED_GRANT: (
        "Every successful council gets the same amount, like the £6,000 Productivity Experts grant. "
        "Needs a fixed amount."
    ),
    SchemeKind.MATCH_FUNDING: (
        "Councils ask for up to a maximum and put in money of their own to match it, like the "
        "Behavioural Insights trials. Needs a maximum."
    ),
    SchemeKind.MATCHMAKING: (
        "The LGA finds partner councils to share services with, and may fund an expert or mediation up to a maximum."
    ),
}
FEATURES = [
    ("uses_experts", "Councils get an expert from the LGA's pool", "An approved application goes to expert matching."),
    ("allows_partners", "Councils can bid jointly with partner councils", "Each partner confirms its part."),
    (
        "one_per_council_per_round",
        "One application per council in each round",
        "A second live application from the same council fails the eligibility check.",
    ),
]
STAGE_DESCRIPTIONS = {
    "submitted": "Submitted: checking eligibility",
    "in_assessment": "In assessment: assessors scoring",
    "awaiting_decision": "Awaiting decision",
    "offered": "Offered: waiting for the council to accept",
}
# A new scheme starts with the programme's usual service levels, in working days.
USUAL_SERVICE_LEVELS = {"submitted": 5, "in_assessment": 10, "awaiting_decision": 5, "offered": 10}

_EVENT_LABELS = {
    "scheme.created": "Scheme created",
    "scheme.updated": "Settings changed",
    "scheme.criterion_added": "Criterion added",
    "scheme.criterion_updated": "Criterion changed",
    "scheme.criterion_removed": "Criterion removed",
    "scheme.criteria_set": "Criteria replaced",
    "round.created": "Round opened",
    "round.updated": "Round changed",
}


def _scheme_event_about(event: AuditEvent, detail: Mapping[str, Any], rounds: Mapping[int, str]) -> str | None:
    """The round a round's event is about, or the criterion a criterion's event is about."""
    if event.action.startswith("round."):
        return rounds.get(event.subject_id or 0, detail.get("name", ""))
    return str(detail["criterion"]) if "criterion" in detail else None


EVENTS = EventWording(_EVENT_LABELS, about=_scheme_event_about)


# Typed values ---------------------------------------------------------------------------------------


# Forms -----------------------------------------------------------------------------------------------


class SchemeForm(FlaskForm):
    code = text_input(
        "Code",
        description="Lowercase letters, digits and hyphens, like digital-channel-shift. Application references "
        "are made from its initials.",
    )
    name = text_input("Name")
    summary = text_area("Summary", description="Councils see this when they choose a scheme.")
    kind = RadioField(
        "What kind of scheme is it?",
        widget=GovRadioInput(),
        choices=[SelectChoice(kind.value, KIND_LABELS[kind]) for kind in SchemeKind],
        validate_choice=False,
    )
    fixed_amount = PoundsField(
        "Fixed amount (fixed grants only)",
        noun="the fixed amount",
        description="What every successful council gets.",
    )
    max_amount = PoundsField(
        "Maximum grant",
        noun="the maximum",
        description="The most a council can ask for. Needed for match funding.",
    )
    match_ratio = WholeNumberField(
        "Council's match",
        noun="the council's match",
        bounds=workflow.MATCH_RATIO_RANGE,
        description=(
            "Match funding only: what the council must put in, as a percentage of the grant. 100 means "
            "pound for pound, 0 means nothing. From 0 to 500; 0 for the other kinds."
        ),
    )
    features = SelectMultipleField(
        "How the scheme works",
        widget=GovCheckboxesInput(),
        choices=[SelectChoice(value, label) for value, label, _ in FEATURES],
        validate_choice=False,
    )
    eligible_tiers = SelectMultipleField(
        "Which councils can apply?",
        widget=GovCheckboxesInput(),
        choices=[SelectChoice(tier.value, tier.label) for tier in CouncilTier],
        validate_choice=False,
        description="Leave every box unticked to let every council apply.",
    )
    assessments_required = WholeNumberField(
        "Assessments for each application",
        noun="the number of assessments",
        bounds=workflow.ASSESSMENTS_RANGE,
        description="How many assessors score an application before it goes to a decision: 1 to 5.",
    )
    service_level_submitted = WholeNumberField(
        STAGE_DESCRIPTIONS["submitted"], noun="the service level", bounds=workflow.SERVICE_LEVEL_RANGE, required=False
    )
    service_level_in_assessment = WholeNumberField(
        STAGE_DESCRIPTIONS["in_assessment"],
        noun="the service level",
        bounds=workflow.SERVICE_LEVEL_RANGE,
        required=False,
    )
    service_level_awaiting_decision = WholeNumberField(
        STAGE_DESCRIPTIONS["awaiting_decision"],
        noun="the service level",
        bounds=workflow.SERVICE_LEVEL_RANGE,
        required=False,
    )
    service_level_offered = WholeNumberField(
        STAGE_DESCRIPTIONS["offered"], noun="the service level", bounds=workflow.SERVICE_LEVEL_RANGE, required=False
    )
    is_active = BooleanField(
        "Taking applications",
        widget=GovCheckboxInput(),
        description="Untick to stop new applications to every round of this scheme.",
    )
    submit = submit_button("Save scheme")

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in {kind.value for kind in SchemeKind}:
            raise StopValidation("Choose what kind of scheme this is")

    def validate_features(self, field: SelectMultipleField) -> None:
        if set(field.data or []) - {value for value, _, _ in FEATURES}:
            raise ValidationError("Choose from the options shown")

    def validate_eligible_tiers(self, field: SelectMultipleField) -> None:
        if set(field.data or []) - {tier.value for tier in CouncilTier}:
            raise ValidationError("Choose from the council tiers shown")

    def service_level_fields(self) -> list[WholeNumberField]:
        return [self[f"service_level_{stage.value}"] for stage in SERVICE_LEVEL_STAGES]

    def settings(self, kind: SchemeKind | None = None) -> workflow.SchemeSettings:
        """The validated form as the settings the workflow takes (with this kind instead of the
        one chosen, when given)."""
        features = set(self.features.data or [])
        return workflow.SchemeSettings(
            code=self.code.data or "",
            name=self.name.data or "",
            summary=self.summary.data or "",
            kind=kind or SchemeKind(self.kind.data),
            fixed_amount_pence=self.fixed_amount.pence,
            max_amount_pence=self.max_amount.pence,
            match_ratio_percent=self.match_ratio.number or 0,
            uses_experts="uses_experts" in features,
            allows_partners="allows_partners" in features,
            one_per_council_per_round="one_per_council_per_round" in features,
            eligible_tiers=tuple(tier for tier in CouncilTier if tier.value in (self.eligible_tiers.data or [])),
            assessments_required=self.assessments_required.number or 0,
            service_levels={
                stage.value: field.number
                for stage, field in zip(SERVICE_LEVEL_STAGES, self.service_level_fields(), strict=True)
                if field.number is not None
            },
            is_active=bool(self.is_active.data),
        )

    def other_problems(self, scheme: Scheme | None) -> dict[str, str]:
        """What the workflow would also refuse, for a form that failed its own checks. The
        amounts a scheme needs depend on its kind, so they wait until a kind is chosen."""
        if self.kind.errors:
            problems = workflow.scheme_problems(self.settings(kind=SchemeKind.MATCHMAKING), scheme)
            return {name: text for name, text in problems.items() if name not in KIND_DEPENDENT_FIELDS}
        return workflow.scheme_problems(self.settings(), scheme)


KIND_DEPENDENT_FIELDS = frozenset({"kind", "fixed_amount", "max_amount", "match_ratio"})


def scheme_form_data(settings: workflow.SchemeSettings) -> dict[str, Any]:
    """What the scheme form shows for these settings."""
    data: dict[str, Any] = {
        "code": settings.code,
        "name": settings.name,
        "summary": settings.summary,
        "kind": settings.kind.value,
        "fixed_amount": typed_pounds(settings.fixed_amount_pence),
        "max_amount": typed_pounds(settings.max_amount_pence),
        "match_ratio": str(settings.match_ratio_percent),
        "features": [value for value, _, _ in FEATURES if getattr(settings, value)],
        "eligible_tiers": [tier.value for tier in settings.eligible_tiers],
        "assessments_required": str(settings.assessments_required),
        "is_active": settings.is_active,
    }
    for stage in SERVICE_LEVEL_STAGES:
        days = settings.service_levels.get(stage.value)
        data[f"service_level_{stage.value}"] = str(days) if days else ""
    return data


def new_scheme_form_data() -> dict[str, Any]:
    return {
        "match_ratio": "0",
        "assessments_required": "2",
        "is_active": True,
        **{f"service_level_{stage}": str(days) for stage, days in USUAL_SERVICE_LEVELS.items()},
    }


class CriterionForm(FlaskForm):
    code = text_input(
        "Code", description="Lowercase letters, digits and hyphens, like savings. Scores are kept against it."
    )
    label = text_input("Criterion", description="What assessors and councils read.")
    guidance = text_area("Guidance for assessors (optional)", description="What a high and a low score look like.")
    weight = WholeNumberField(
        "Weight",
        noun="the weight",
        bounds=workflow.WEIGHT_RANGE,
        description="How much this criterion counts compared with the others: 1 to 10.",
    )
    submit = submit_button("Save criterion")

    def details(self) -> workflow.CriterionDetails:
        return workflow.CriterionDetails(
            code=self.code.data or "",
            label=self.label.data or "",
            guidance=self.guidance.data or "",
            weight=self.weight.number or 0,
        )

    def other_problems(self, scheme: Scheme, criterion: SchemeCriterion | None) -> dict[str, str]:
        """What the workflow would also refuse, for a form that failed its own checks."""
        return workflow.criterion_problems(scheme, self.details(), criterion)


class RoundForm(FlaskForm):
    name = text_input("Name", description="For example, 2027/28 round 1.")
    opens_on = UKDateField("Opens on", noun="the opening date", description="For example, 1 4 2027")
    closes_on = UKDateField(
        "Closes on", noun="the closing date", description="Applications can be submitted until the end of this day."
    )
    budget = PoundsField(
        "Budget", noun="the budget", required=True, description="What awards in this round may commit."
    )
    target_councils = WholeNumberField(
        "Target number of councils (optional)",
        noun="the target number of councils",
        bounds=workflow.TARGET_COUNCILS_RANGE,
        required=False,
        description="Reported to the Improvement and Innovation Board.",
    )
    target_savings = PoundsField(
        "Target savings (optional)",
        noun="the target savings",
        description="Savings and income the round's projects should deliver.",
    )
    submit = submit_button("Save round")

    def validate_closes_on(self, field: UKDateField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError("The closing date must be the same as or after the opening date")

    def details(self) -> workflow.RoundDetails:
        assert self.opens_on.data is not None and self.closes_on.data is not None
        return workflow.RoundDetails(
            name=self.name.data or "",
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            budget_pence=self.budget.pence or 0,
            target_councils=self.target_councils.number,
            target_savings_pence=self.target_savings.pence,
        )

    def other_problems(self, scheme: Scheme, funding_round: FundingRound | None) -> dict[str, str]:
        """What the workflow would also refuse, for a form that failed its own checks; a date
        that is missing or wrong stands in as the other one, so only the dates go unchecked."""
        opens, closes = self.opens_on.data, self.closes_on.data
        stand_in = opens or closes or date.today()
        details = workflow.RoundDetails(
            name=self.name.data or "",
            opens_on=opens or stand_in,
            closes_on=closes or stand_in,
            budget_pence=self.budget.pence or 0,
            target_councils=self.target_councils.number,
            target_savings_pence=self.target_savings.pence,
        )
        return workflow.round_problems(scheme, details, funding_round)


def round_form_data(funding_round: FundingRound) -> dict[str, Any]:
    return {
        "name": funding_round.name,
        "opens_on": funding_round.opens_on,
        "closes_on": funding_round.closes_on,
        "budget": typed_pounds(funding_round.budget_pence),
        "target_councils": str(funding_round.target_councils or ""),
        "target_savings": typed_pounds(funding_round.target_savings_pence),
    }


# Helpers ---------------------------------------------------------------------------------------------


def amounts_text(scheme: Scheme) -> str:
    """The money a scheme offers, in a few words for a table."""
    if scheme.fixed_amount_pence is not None:
        text = f"{pounds(scheme.fixed_amount_pence)} each"
    elif scheme.max_amount_pence is not None:
        text = f"Up to {pounds(scheme.max_amount_pence)}"
    else:
        text = "No grant"
    if scheme.match_ratio_percent:
        text += f", matched {scheme.match_ratio_percent}%"
    return text


def _criterion_or_404(scheme: Scheme, criterion_id: int) -> SchemeCriterion:
    criterion = queries.get_criterion(scheme, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


def _round_or_404(scheme: Scheme, round_id: int) -> FundingRound:
    funding_round = queries.get_round(scheme, round_id)
    if funding_round is None:
        abort(404)
    return funding_round


def _to_scheme(scheme: Scheme, message: str, anchor: str | None = None, *, category: str = "success") -> Response:
    """Back to the scheme's page (at one of its sections), saying what happened."""
    flash(message, category)
    return redirect(url_for("admin.scheme", scheme_id=scheme.id, _anchor=anchor))


# Schemes ---------------------------------------------------------------------------------------------


@bp.route("/schemes")
@requires(Permission.MANAGE_SCHEMES)
def schemes() -> str:
    rows = queries.list_schemes_with_round_counts()
    return render_template("admin/schemes.html", rows=rows, kind_labels=KIND_LABELS, amounts_text=amounts_text)


@bp.route("/schemes/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def new_scheme() -> str | Response:
    form = form_for(SchemeForm, new_scheme_form_data())
    done, scheme = apply_change(
        form,
        lambda: workflow.create_scheme(form.settings(), actor=signed_in_user()),
        lambda: form.other_problems(None),
    )
    if done:
        return _to_scheme(scheme, f"{scheme.name} created. Add its assessment criteria, then open a round.")
    return render_template("admin/scheme_form.html", form=form, scheme=None, **_scheme_form_context())


def _scheme_form_context() -> dict[str, Any]:
    return {"kinds": list(SchemeKind), "kind_hints": KIND_HINTS, "features": FEATURES}


@bp.route("/schemes/<int:scheme_id>")
@requires(Permission.MANAGE_SCHEMES)
def scheme(scheme_id: int) -> str:
    found = queries.get_scheme_or_404(scheme_id)
    # What administrators have done to the scheme and its rounds, newest first.
    events, actors = get_history(("scheme", [found.id]), ("funding_round", [r.id for r in found.rounds]))
    return render_template(
        "admin/scheme.html",
        scheme=found,
        kind_labels=KIND_LABELS,
        features=FEATURES,
        stage_descriptions=STAGE_DESCRIPTIONS,
        amounts_text=amounts_text,
        events=events,
        actors=actors,
        event_summary=EVENTS.summary,
        round_names={r.id: r.name for r in found.rounds},
        tier_labels={tier.value: tier.label for tier in CouncilTier},
        today=date.today(),
    )


@bp.route("/schemes/<int:scheme_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def edit_scheme(scheme_id: int) -> str | Response:
    found = queries.get_scheme_or_404(scheme_id)
    form = form_for(SchemeForm, scheme_form_data(workflow.SchemeSettings.of(found)))
    done, changes = apply_change(
        form,
        lambda: workflow.update_scheme(found, form.settings(), actor=signed_in_user()),
        lambda: form.other_problems(found),
    )
    if done:
        return _to_scheme(found, "Scheme saved" if changes else "Nothing was changed")
    return render_template("admin/scheme_form.html", form=form, scheme=found, **_scheme_form_context())


# Criteria --------------------------------------------------------------------------------------------


@bp.route("/schemes/<int:scheme_id>/criteria/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def new_criterion(scheme_id: int) -> str | Response:
    found = queries.get_scheme_or_404(scheme_id)
    form = form_for(CriterionForm, {"weight": "1"})
    done, criterion = apply_change(
        form,
        lambda: workflow.add_criterion(found, form.details(), actor=signed_in_user()),
        lambda: form.other_problems(found, None),
    )
    if done:
        return _to_scheme(found, f"Criterion added: {criterion.label}", "criteria")
    return render_template("admin/scheme_criterion.html", form=form, scheme=found, criterion=None)


@bp.route("/schemes/<int:scheme_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def edit_criterion(scheme_id: int, criterion_id: int) -> str | Response:
    found = queries.get_scheme_or_404(scheme_id)
    criterion = _criterion_or_404(found, criterion_id)
    form = form_for(
        CriterionForm,
        {
            "code": criterion.code,
            "label": criterion.label,
            "guidance": criterion.guidance,
            "weight": str(criterion.weight),
        },
    )
    done, changes = apply_change(
        form,
        lambda: workflow.update_criterion(criterion, form.details(), actor=signed_in_user()),
        lambda: form.other_problems(found, criterion),
    )
    if done:
        return _to_scheme(found, "Criterion saved" if changes else "Nothing was changed", "criteria")
    return render_template("admin/scheme_criterion.html", form=form, scheme=found, criterion=criterion)


@bp.route("/schemes/<int:scheme_id>/criteria/<int:criterion_id>/remove", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def remove_criterion(scheme_id: int, criterion_id: int) -> str | Response:
    found = queries.get_scheme_or_404(scheme_id)
    criterion = _criterion_or_404(found, criterion_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: workflow.remove_criterion(criterion, actor=signed_in_user(), today=date.today()),
            f"Criterion removed: {criterion.label}",
            SchemeError,
        )
        return redirect(url_for("admin.scheme", scheme_id=scheme_id, _anchor="criteria"))
    return render_template("admin/scheme_criterion_remove.html", form=form, scheme=found, criterion=criterion)


# Rounds ----------------------------------------------------------------------------------------------


@bp.route("/schemes/<int:scheme_id>/rounds/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def new_round(scheme_id: int) -> str | Response:
    found = queries.get_scheme_or_404(scheme_id)
    if not found.criteria:
        return _to_scheme(
            found, "Add at least one assessment criterion before you open a round", "criteria", category="error"
        )
    form = RoundForm()
    done, funding_round = apply_change(
        form,
        lambda: workflow.open_round(found, form.details(), actor=signed_in_user()),
        lambda: form.other_problems(found, None),
    )
    if done:
        return _to_scheme(found, f"{funding_round.name} opened for {found.name}", "rounds")
    return render_template("admin/round_form.html", form=form, scheme=found, funding_round=None)


@bp.route("/schemes/<int:scheme_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def edit_round(scheme_id: int, round_id: int) -> str | Response:
    found = queries.get_scheme_or_404(scheme_id)
    funding_round = _round_or_404(found, round_id)
    form = form_for(RoundForm, round_form_data(funding_round))
    done, changes = apply_change(
        form,
        lambda: workflow.update_round(funding_round, form.details(), actor=signed_in_user()),
        lambda: form.other_problems(found, funding_round),
    )
    if done:
        return _to_scheme(found, "Round saved" if changes else "Nothing was changed", "rounds")
    return render_template("admin/round_form.html", form=form, scheme=found, funding_round=funding_round)
