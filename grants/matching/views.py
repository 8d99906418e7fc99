"""Matching experts to approved work: the queue of work waiting for an expert, one application's
ranked suggestions with the reasons for each, offers made and withdrawn, and "match the round",
whose proposal staff review, adjust and confirm.

Every step is the workflow's (workflows/engagements.py): these views turn a form into a call,
commit when it succeeds, and show a refusal beside the field it is about."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.form_problems import commit_or_flash
from grants.matching import queries
from grants.matching.forms import ConfirmRunForm, DiscardRunForm, MatchRoundForm, OfferForm, WithdrawForm
from grants.models import (
    Application,
    ApplicationStatus,
    MatchRun,
    MatchRunStatus,
)
from workflows import engagements, matching
from workflows.applications import WorkflowError
from workflows.formatting import uk_date
from workflows.permissions import Permission

bp = Blueprint("matching", __name__)

# A run's page offers alternatives to each proposed expert up to this many applications; beyond
# it, the proposal or no offer.
ALTERNATIVES_UP_TO = 200

RUN_STATUS_LABELS = {
    MatchRunStatus.RUNNING: "being worked out",
    MatchRunStatus.READY: "ready for review",
    MatchRunStatus.CONFIRMED: "confirmed",
    MatchRunStatus.DISCARDED: "discarded",
    MatchRunStatus.FAILED: "failed",
}


def _today() -> date:
    return date.today()


# The queue ---------------------------------------------------------------------------------------


@bp.route("")
@requires(Permission.CHECK_APPLICATIONS)
def index() -> str:
    round_id = request.args.get("round", type=int)
    page = queries.list_waiting_page(round_id)
    waiting_by_round = queries.count_waiting_by_round()
    rounds = queries.list_expert_rounds()
    offers = queries.list_waiting_offers()
    runs = queries.list_recent_runs()
    return render_template(
        "matching/index.html",
        page=page,
        round_id=round_id,
        rounds=rounds,
        waiting_by_round=waiting_by_round,
        offers=offers,
        runs=runs,
        skills_wanted=engagements.skills_wanted,
        today=_today(),
        match_form=MatchRoundForm(),
        run_status_labels=RUN_STATUS_LABELS,
    )


# One application --------------------------------------------------------------------------------


def _application_or_404(application_id: int) -> Application:
    application = queries.get_matching_application(application_id)
    if application is None:
        abort(404)
    return application


def _show(
    application: Application,
    *,
    offer_form: OfferForm | None = None,
    failed_expert: int | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    today = _today()
    waiting = application.status is ApplicationStatus.EXPERT_MATCHING
    current = engagements.live_engagement(application)
    found = engagements.suggestions_for(application, today) if waiting and current is None else None
    experts = queries.list_experts_by_id(_expert_ids(found))
    history = queries.list_engagements_of(application)
    page = render_template(
        "matching/application.html",
        application=application,
        current=current,
        suggestions=found,
        experts=experts,
        history=history,
        skills=sorted(s.label for s in engagements.skills_wanted(application)),
        offer_form=offer_form or OfferForm(formdata=None),
        failed_expert=failed_expert,
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        form=offer_form if failed_expert is not None else withdraw_form,
        today=today,
    )
    return page, status


def _expert_ids(found: engagements.Suggestions | None) -> list[int]:
    if found is None:
        return []
    return [f.expert_id for f in [*found.ranked, *found.blocked]]


@bp.route("/applications/<int:application_id>")
@requires(Permission.CHECK_APPLICATIONS)
def application(application_id: int) -> tuple[str, int]:
    return _show(_application_or_404(application_id))


@bp.route("/applications/<int:application_id>/offer", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def offer(application_id: int) -> Response | tuple[str, int]:
    """Offer the work to the chosen expert. A refusal about the conflict-of-interest reason is
    shown beside that expert's reason box; any other (the last place went meanwhile, say) at the
    top of the page as it now is."""
    application = _application_or_404(application_id)
    form = OfferForm()
    expert_id = form.chosen_expert()
    if expert_id is None:
        flash("Choose an expert to offer the work to", "error")
        return redirect(url_for("matching.application", application_id=application_id))
    if not form.validate_on_submit():
        return _show(application, offer_form=form, failed_expert=expert_id, status=400)
    try:
        engagement = engagements.offer(
            application,
            expert_id,
            actor=signed_in_user(),
            today=_today(),
            override_reason=form.override_reason.data,
        )
    except engagements.ConflictOfInterestError as error:
        db.session.rollback()
        form.override_reason.errors = [*form.override_reason.errors, str(error)]
        return _show(_application_or_404(application_id), offer_form=form, failed_expert=expert_id, status=409)
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("matching.application", application_id=application_id))
    name, expires_on = engagement.expert.name, engagement.expires_on
    db.session.commit()
    flash(f"The work has been offered to {name}. The offer lasts until the end of {uk_date(expires_on)}.", "success")
    return redirect(url_for("matching.application", application_id=application_id))


@bp.route("/engagements/<int:engagement_id>/withdraw", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def withdraw(engagement_id: int) -> Response | tuple[str, int]:
    engagement = queries.get_engagement_or_404(engagement_id)
    application_id = engagement.application_id
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            engagements.withdraw(engagement, actor=signed_in_user(), reason=form.reason.data or "")
        except WorkflowError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash("The offer has been withdrawn and the expert told. Choose another expert.", "success")
            return redirect(url_for("matching.application", application_id=application_id))
    return _show(_application_or_404(application_id), withdraw_form=form, status=400)


# Matching a round ------------------------------------------------------------------------------------


@bp.route("/runs", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def start_run() -> Response:
    form = MatchRoundForm()
    round_id = int(form.round_id.data) if (form.round_id.data or "").isdigit() else None
    funding_round = queries.get_round(round_id) if round_id else None
    if not form.validate_on_submit() or funding_round is None or not funding_round.scheme.uses_experts:
        flash("Choose a round whose scheme uses experts", "error")
        return redirect(url_for("matching.index"))
    try:
        run = engagements.start_match_run(funding_round, actor=signed_in_user())
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("matching.index"))
    db.session.commit()  # the task that computes the proposal is sent once this commits
    return redirect(url_for("matching.run", run_id=run.id))


def _alternatives(run: MatchRun, today: date) -> dict[int, list[matching.Fit]]:
    """For each application in a run ready for review, the best few experts to choose from."""
    if run.status is not MatchRunStatus.READY or len(run.proposal) > ALTERNATIVES_UP_TO:
        return {}
    ids = [row["application_id"] for row in run.proposal]
    found = queries.list_applications_by_id(ids)
    pool = engagements.candidates(kind=engagements.who_delivers(run.funding_round.scheme))
    excluded = engagements.ruled_out(ids)
    options: dict[int, list[matching.Fit]] = {}
    for application_id in ids:
        application = found.get(application_id)
        if application is None:
            continue
        usable = [c for c in pool if (application_id, c.expert_id) not in excluded]
        options[application_id] = matching.suggestions(engagements.need_for(application, today), usable, limit=4)
    return options


@bp.route("/runs/<int:run_id>")
@requires(Permission.CHECK_APPLICATIONS)
def run(run_id: int) -> str:
    found = queries.get_run_or_404(run_id)
    return _show_run(found)


def _show_run(found: MatchRun, *, refused: list[tuple[Application, str]] | None = None) -> str:
    ids = [row["application_id"] for row in found.proposal]
    applications_by_id = queries.list_applications_by_id(ids, with_councils=True)
    options = _alternatives(found, _today())
    expert_ids = {row["expert_id"] for row in found.proposal if row.get("expert_id")}
    expert_ids |= {f.expert_id for fits in options.values() for f in fits}
    experts = queries.list_experts_by_id(expert_ids)
    offers = queries.list_offers_of_run(found)
    return render_template(
        "matching/run.html",
        run=found,
        applications=applications_by_id,
        options=options,
        experts=experts,
        offers=offers,
        refused=refused or [],
        confirm_form=ConfirmRunForm(),
        discard_form=DiscardRunForm(),
        run_status_labels=RUN_STATUS_LABELS,
    )


@bp.route("/runs/<int:run_id>/confirm", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def confirm_run(run_id: int) -> Response | str:
    found = queries.get_run_or_404(run_id)
    form = ConfirmRunForm()
    if not form.validate_on_submit():
        abort(400)
    choices: dict[int, int | None] = {}
    for row in found.proposal:
        chosen = request.form.get(f"choice-{row['application_id']}", "")
        choices[row["application_id"]] = int(chosen) if chosen.isdigit() else None
    try:
        outcome = engagements.confirm_match_run(found, choices, actor=signed_in_user(), today=_today())
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("matching.run", run_id=run_id))
    db.session.commit()
    made = len(outcome.offered)
    flash(f"{made} {'offer' if made == 1 else 'offers'} made. Each expert has been told.", "success")
    if outcome.refused:
        return _show_run(queries.get_run_or_404(run_id), refused=outcome.refused)
    return redirect(url_for("matching.run", run_id=run_id))


@bp.route("/runs/<int:run_id>/discard", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def discard_run(run_id: int) -> Response:
    found = queries.get_run_or_404(run_id)
    if not DiscardRunForm().validate_on_submit():
        abort(400)
    commit_or_flash(
        lambda: engagements.discard_match_run(found, actor=signed_in_user()),
        "The proposal has been discarded. No offers were made.",
    )
    return redirect(url_for("matching.index"))


# The list of every engagement adds its routes to this blueprint.
