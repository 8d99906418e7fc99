"""A council's applications: the list, starting one, the task list and its sections, checking and
submitting, and withdrawing. The offer and a partner council's answer (offers.py), outcome reports
(outcome_reports.py) and introductions to other councils (introductions.py) attach their routes to
this blueprint and share its ways of finding an application and showing a refusal.

Every rule about what may happen lives in `workflows.applications`; these views check what was
typed, call it, commit when it agrees and roll back when it refuses, showing its reason beside
the field it names or at the top of the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.applications import forms, queries
from grants.applications.match_funding_sections import PartnersForm
from grants.applications.sections import SectionForm
from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.fields import VersionedForm
from grants.form_problems import refusal_beside_field
from grants.models import (
    Application,
    ApplicationStatus,
    CouncilTier,
    PartnerStatus,
    Scheme,
    SchemeKind,
)
from workflows import applications as workflow
from workflows import outcomes
from workflows.application_rules import action_label, names_actor
from workflows.applications import IllegalMoveError, StaleApplicationError, WorkflowError
from workflows.money import pounds
from workflows.permissions import Permission

bp = Blueprint("applications", __name__)

FormT = TypeVar("FormT", bound=FlaskForm)


def scheme_amount(scheme: Scheme) -> str:
    """What a scheme offers, in a phrase: a fixed grant, up to an amount with its match, or help
    finding partners."""
    if scheme.fixed_amount_pence is not None:
        return f"A fixed grant of {pounds(scheme.fixed_amount_pence)}"
    if scheme.kind is SchemeKind.MATCHMAKING:
        if scheme.max_amount_pence:
            return f"Help finding partners, and up to {pounds(scheme.max_amount_pence)} for an expert or mediation"
        return "Help finding partners"
    phrase = f"Up to {pounds(scheme.max_amount_pence)}" if scheme.max_amount_pence else "A grant"
    ratio = scheme.match_ratio_percent or 0
    if ratio == 100:
        return f"{phrase}, matched at least pound for pound by the council"
    if ratio:
        return f"{phrase}, with a match from the council of at least {ratio}% of the grant"
    return phrase


def who_can_apply(scheme: Scheme) -> str:
    """Which councils a scheme takes, and how: the tiers, one at a time, joint bids."""
    tiers = [tier.label for tier in CouncilTier if tier.value in (scheme.eligible_tiers or [])]
    words = ("Councils of these kinds: " + ", ".join(tiers)) if tiers else "Any council in England or Wales"
    if scheme.one_per_council_per_round:
        words += "; one application from each council in a round"
    if scheme.allows_partners:
        words += "; councils may bid jointly"
    return words + "."


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "scheme_amount": scheme_amount,
        "who_can_apply": who_can_apply,
    }


# Finding the application ------------------------------------------------------------------------------


def find_application(application_id: int) -> tuple[Application, queries.Relation]:
    """The application and how the officer's council stands to it. Anyone else's is a 404, so
    the page does not even confirm that it exists."""
    found = queries.get_application_for(signed_in_user(), application_id)
    if found is None:
        abort(404)
    return found


def own_application(application_id: int) -> Application:
    """An application the officer's council leads; a partner may only look, from the overview."""
    application, relation = find_application(application_id)
    if relation != "lead":
        abort(404)
    return application


def to_overview(application: Application, message: str | None = None) -> Response:
    if message:
        flash(message, "error")
    return redirect(url_for("applications.show", application_id=application.id))


# Forms and refusals -----------------------------------------------------------------------------------


def versioned_form(form_class: type[FormT], application: Application, **initial: Any) -> FormT:
    """A form for the application. Opened, it carries the version it was read at; posted, only
    what came back counts, so a post without a version cannot pass as current."""
    if request.method == "POST":
        return form_class()
    return form_class(formdata=None, data={"version": application.version, **initial})


def attempt(step: Callable[[], object]) -> WorkflowError | None:
    """Run a domain step and commit it; when the domain refuses, undo all of it and hand the
    refusal back for the page to show."""
    try:
        step()
    except WorkflowError as error:
        db.session.rollback()
        return error
    db.session.commit()
    return None


def refused(form: VersionedForm, error: WorkflowError, application: Application) -> str | None:
    """Show a refusal beside the field it names, else return it for the top of the page. After a
    clash with someone else's change the form takes the current version: what the person typed
    stays on the page, and saving it again is then a deliberate choice."""
    if isinstance(error, StaleApplicationError):
        form.version.data = str(application.version)
    return refusal_beside_field(form, error)


def _page_number(name: str) -> int:
    return max(request.args.get(name, 1, type=int) or 1, 1)


# The list and starting --------------------------------------------------------------------------------


@bp.route("")
@requires(Permission.APPLY_FOR_COUNCIL)
def index() -> str:
    user = signed_in_user()
    council = user.council
    if council is None:
        abort(404)
    own = queries.list_lead_applications_page(council.id, _page_number("page"))
    partnered = queries.list_partner_applications_page(council.id, _page_number("partner_page"))
    rounds = queries.open_rounds(date.today())
    return render_template(
        "applications/index.html",
        council=council,
        own=own,
        partnered=partnered,
        rounds=rounds,
        current=queries.current_in_rounds(council.id, [r.id for r in rounds]),
        introductions=queries.list_council_introductions(council.id),
        introductions_listed=queries.INTRODUCTIONS_LISTED,
    )


@bp.route("/start/<int:round_id>", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def start(round_id: int) -> Response:
    """Start a draft in an open round (the CSRF check has already run, as for every post)."""
    user = signed_in_user()
    funding_round = queries.get_round_or_404(round_id)
    if user.council is None:
        abort(404)
    try:
        application = workflow.start_application(funding_round, council=user.council, actor=user, today=date.today())
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("applications.index"))
    application_id = application.id  # read before the commit, which expires it
    db.session.commit()
    return redirect(url_for("applications.show", application_id=application_id))


# The overview: a task list while it can be changed, a summary afterwards ------------------------------


@bp.route("/<int:application_id>")
@requires(Permission.APPLY_FOR_COUNCIL)
def show(application_id: int) -> str:
    application, relation = find_application(application_id)
    if relation == "lead" and workflow.editable(application):
        return render_template(
            "applications/task_list.html",
            application=application,
            tasks=_tasks(application),
            missing=workflow.missing_sections(application),
            changes_reason=_latest_reason(application, "request_changes"),
            history=_history(application),
        )
    user = signed_in_user()
    return render_template(
        "applications/summary.html",
        application=application,
        relation=relation,
        actions=workflow.allowed_actions(application, user) if relation == "lead" else [],
        sections=forms.answer_sections(application),
        history=_history(application),
        mine=my_partnership(application, user.council_id),
        waiting_for_partners=workflow.editable(application),
        outcome_reports=outcomes.reports_for_application(application) if relation == "lead" else [],
    )


def _tasks(application: Application) -> list[dict[str, Any]]:
    """The task list's items: each section with its status; partners waiting to confirm keep
    the partners section in progress."""
    waiting = [p.council.name for p in application.partners if p.status is not PartnerStatus.CONFIRMED]
    items = []
    for key, label in workflow.sections_for(application.scheme):
        item: dict[str, Any] = {
            "title": {"text": label},
            "href": url_for("applications.section", application_id=application.id, key=key),
        }
        if key not in application.sections_done:
            item["status"] = {"tag": {"text": "Not yet started", "classes": "govuk-tag--blue"}}
        elif key == "partners" and waiting:
            item["status"] = {"tag": {"text": "In progress", "classes": "govuk-tag--light-blue"}}
            item["hint"] = {"text": "Waiting for " + _and_list(waiting) + " to confirm"}
        else:
            item["status"] = {"text": "Completed"}
        items.append(item)
    return items


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _latest_reason(application: Application, action: str) -> str | None:
    found = [e for e in application.events if e.action == action]
    return found[-1].reason if found else None


def _history(application: Application) -> list[dict[str, Any]]:
    """The timeline, newest first. Assessors are not named to the council."""
    rows = []
    for event in reversed(application.events):
        if not names_actor(event, to_staff=False):
            who = "An assessor"
        elif event.actor is None:
            who = "The service"
        else:
            who = event.actor.name
        rows.append(
            {
                "when": event.occurred_at,
                "what": action_label(event.action),
                "who": who,
                "detail": event.reason or "",
            }
        )
    return rows


def my_partnership(application: Application, council_id: int | None) -> Any:
    return next((p for p in application.partners if p.council_id == council_id), None)


# Sections ---------------------------------------------------------------------------------------------


@bp.route("/<int:application_id>/sections/<key>", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def section(application_id: int, key: str) -> str | Response:
    application = own_application(application_id)
    form_class = forms.form_class_for(application.scheme.kind, key)
    if form_class is None or key not in dict(workflow.sections_for(application.scheme)):
        abort(404)
    if not workflow.editable(application):
        return to_overview(application, f"An application that is {application.status.label.lower()} cannot be changed")
    form = versioned_form(form_class, application, **form_class.initial(application, key))
    form.configure(application)
    problem = None
    if form.validate_on_submit():
        user = signed_in_user()
        error = attempt(lambda: _save_section(application, key, form, user))
        if error is None:
            return redirect(_after_saving(application))
        if isinstance(error, IllegalMoveError):
            return to_overview(application, str(error))
        problem = refused(form, error, application)
    template = "applications/partners.html" if isinstance(form, PartnersForm) else "applications/section.html"
    return render_template(
        template,
        application=application,
        form=form,
        key=key,
        section_title=dict(workflow.sections_for(application.scheme))[key],
        problem=problem,
    )


def _save_section(application: Application, key: str, form: SectionForm, user: Any) -> None:
    """Keep a section. The partners section first sets the partners themselves (asking each new
    one to confirm), then keeps the section, both in the one transaction."""
    expected = form.expected_version()
    if isinstance(form, PartnersForm):
        chosen = form.shares()
        councils = queries.councils_by_gss(list(chosen))
        shares = {councils[code]: pence for code, pence in chosen.items()}
        workflow.set_partners(application, shares, actor=user, expected_version=expected)
        expected = application.version
    workflow.save_section(
        application, key, form.answers(), actor=user, expected_version=expected, columns=form.columns()
    )


def _after_saving(application: Application) -> str:
    """Back to check-your-answers when the change came from there, else to the task list."""
    if request.args.get("return") == "check":
        return url_for("applications.check", application_id=application.id)
    return url_for("applications.show", application_id=application.id)


# Checking and submitting ------------------------------------------------------------------------------


@bp.route("/<int:application_id>/check")
@requires(Permission.APPLY_FOR_COUNCIL)
def check(application_id: int) -> str | Response:
    application = own_application(application_id)
    if not workflow.editable(application):
        return to_overview(application)
    return _check_page(application, versioned_form(forms.SubmitApplicationForm, application))


def _check_page(application: Application, form: forms.SubmitApplicationForm, problem: str | None = None) -> str:
    waiting = [p for p in application.partners if p.status is not PartnerStatus.CONFIRMED]
    needed, offered = workflow.match_needed(application), workflow.match_offered(application)
    return render_template(
        "applications/check.html",
        application=application,
        sections=forms.answer_sections(application),
        missing=workflow.missing_sections(application),
        waiting=waiting,
        short_match=(offered, needed) if offered < needed else None,
        form=form,
        problem=problem,
    )


@bp.route("/<int:application_id>/submit", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def submit(application_id: int) -> str | Response:
    application = own_application(application_id)
    form = forms.SubmitApplicationForm()
    user = signed_in_user()
    error = attempt(
        lambda: workflow.submit(application, actor=user, expected_version=form.expected_version(), today=date.today())
    )
    if error is None:
        return redirect(url_for("applications.submitted", application_id=application.id))
    if isinstance(error, IllegalMoveError) or not workflow.editable(application):
        return to_overview(application, str(error))
    return _check_page(application, form, refused(form, error, application))


@bp.route("/<int:application_id>/submitted")
@requires(Permission.APPLY_FOR_COUNCIL)
def submitted(application_id: int) -> str | Response:
    application = own_application(application_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        return to_overview(application)
    return render_template(
        "applications/submitted.html",
        application=application,
        check_days=application.scheme.service_level_days(ApplicationStatus.SUBMITTED.value),
        submitter_is_creator=application.created_by_id == signed_in_user().id,
    )


# Withdrawing ------------------------------------------------------------------------------------------


@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def withdraw(application_id: int) -> str | Response:
    application = own_application(application_id)
    user = signed_in_user()
    if "withdraw" not in workflow.allowed_actions(application, user):
        return to_overview(
            application, f"An application that is {application.status.label.lower()} cannot be withdrawn"
        )
    form = versioned_form(forms.WithdrawForm, application)
    problem = None
    if form.validate_on_submit():
        error = attempt(
            lambda: workflow.transition(
                application, "withdraw", user, reason=form.reason.data, expected_version=form.expected_version()
            )
        )
        if error is None:
            flash(f"Application {application.reference} withdrawn", "success")
            return to_overview(application)
        if isinstance(error, IllegalMoveError):
            return to_overview(application, str(error))
        problem = refused(form, error, application)
    return render_template("applications/withdraw.html", application=application, form=form, problem=problem)
