"""Introductions between councils, each with its consent: the staff's list, proposing one (from a
matchmaking request and a suggested partner, or councils chosen by name or GSS code), one
introduction with its parties and timeline, and the broker's steps on it. A council officer
answers on pages of their own (grants/applications/), with forms from grants/sharing/forms.py.

Every rule is the workflow's (workflows/introductions.py): these views check what was typed, call
it, commit when it agrees, and roll back and show its reason beside the field when it refuses."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.fields import SHARING_AREAS, VersionedForm
from grants.form_problems import refusal_beside_field
from grants.models import (
    Application,
    Council,
    Introduction,
    IntroductionStatus,
)
from grants.queries import list_users_by_id
from grants.sharing import queries
from grants.sharing.forms import AgreementForm, CloseForm, DiscussionForm, NewIntroductionForm
from grants.sharing.views import bp
from workflows import introductions as workflow
from workflows.applications import WorkflowError
from workflows.permissions import Permission, can

__all__ = ["bp"]


# The list -----------------------------------------------------------------------------------------


@bp.route("/introductions")
@requires(Permission.VIEW_PROGRAMME)
def introductions() -> str:
    chosen = request.args.get("status", "")
    status = IntroductionStatus(chosen) if chosen in {s.value for s in IntroductionStatus} else None
    page = queries.list_introductions_page(status, max(request.args.get("page", 1, type=int) or 1, 1))
    return render_template(
        "sharing/introductions.html",
        page=page,
        status=status,
        statuses=list(IntroductionStatus),
        counts=workflow.counts_by_status(),
        service_area_labels=workflow.service_area_labels,
    )


# Proposing ----------------------------------------------------------------------------------------


def _council_line(council: Council) -> str:
    return f"{council.name} ({council.gss_code})"


_CODE_IN_BRACKETS = re.compile(r"\(\s*([A-Za-z]\d{8})\s*\)\s*$")


def _council_entries(lines: list[str]) -> list[str]:
    """Each line as the workflow looks it up: "Babergh (E07000200)" by its code."""
    entries = []
    for line in lines:
        found = _CODE_IN_BRACKETS.search(line)
        entries.append(found.group(1) if found else line)
    return entries


@bp.route("/introductions/new", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def new_introduction() -> str | Response | tuple[str, int]:
    """Propose an introduction; from a matchmaking request (`request_id`) and a suggested partner
    (`council_id`) the form starts filled in."""
    if request.method == "POST":
        form = NewIntroductionForm()
        request_id = form.chosen_request_id()
    else:
        form = NewIntroductionForm(formdata=None)
        request_id = request.args.get("request_id", type=int)
    source = workflow.matchmaking_request(request_id) if request_id else None
    if request_id and source is None:
        abort(404)
    if request.method == "GET":
        _prefill(form, source, request.args.get("council_id", type=int))
    problem = None
    valid = form.validate_on_submit()
    if request.method == "POST" and form.councils.data and not form.councils.errors:
        # Checked even when another answer is wrong, so that every problem is shown at once.
        councils, unknown = workflow.find_councils(_council_entries(form.council_lines()))
        if unknown:
            form.councils.errors = [
                *form.councils.errors,
                "No single council has the name or GSS code: " + ", ".join(unknown),
            ]
        elif valid:
            try:
                introduction = workflow.propose(
                    councils,
                    service_areas=list(form.service_areas.data or []),
                    note=form.note.data or "",
                    actor=signed_in_user(),
                    request=source,
                )
            except WorkflowError as error:
                db.session.rollback()
                problem = refusal_beside_field(form, error)
            else:
                introduction_id = introduction.id
                db.session.commit()
                flash("Introduction proposed. Each council's officers have been asked to answer.", "success")
                return redirect(url_for("sharing.introduction", introduction_id=introduction_id))
    page = render_template("sharing/introduction_new.html", form=form, source=source, problem=problem)
    return (page, 400) if request.method == "POST" else page


def _prefill(form: NewIntroductionForm, source: Application | None, council_id: int | None) -> None:
    lines: list[str] = []
    if source is not None:
        form.request_id.data = str(source.id)
        lines.append(_council_line(source.lead_council))
        form.service_areas.data = [
            code for code in ((source.answers.get("sharing") or {}).get("areas") or []) if code in dict(SHARING_AREAS)
        ]
    if council_id is not None:
        suggested = queries.get_council(council_id)
        if suggested is None:
            abort(404)
        if _council_line(suggested) not in lines:
            lines.append(_council_line(suggested))
    form.councils.data = "\n".join(lines)


# One introduction ---------------------------------------------------------------------------------


def _introduction_or_404(introduction_id: int) -> Introduction:
    return queries.get_introduction_or_404(introduction_id)


def _show(
    introduction: Introduction,
    *,
    failed: VersionedForm | None = None,
    problem: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    user = signed_in_user()
    forms: dict[str, VersionedForm] = {}
    if can(user, Permission.CHECK_APPLICATIONS):
        allowed = workflow.allowed_actions(introduction, user)
        for action, form_class, prefix in (
            ("start_discussion", DiscussionForm, "discussion"),
            ("record_agreement", AgreementForm, "agreement"),
            ("close", CloseForm, "close"),
        ):
            if action not in allowed:
                continue
            if isinstance(failed, form_class):
                forms[action] = failed
            else:
                forms[action] = form_class(formdata=None, prefix=prefix)
                forms[action].version.data = str(introduction.version)
    events = workflow.timeline(introduction)
    actors = list_users_by_id(e.actor_id for e in events)
    councils = {p.council_id: p.council for p in introduction.parties}
    page = render_template(
        "sharing/introduction.html",
        introduction=introduction,
        forms=forms,
        form=failed,
        problem=problem,
        events=events,
        actors=actors,
        councils=councils,
        action_labels=workflow.ACTION_LABELS,
        status_label=_status_label,
        service_areas=workflow.service_area_labels(introduction),
        arrangement=queries.get_arrangement_from(introduction),
    )
    return page, status


def _status_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return IntroductionStatus(value).label
    except ValueError:
        return value


@bp.route("/introductions/<int:introduction_id>")
@requires(Permission.VIEW_PROGRAMME)
def introduction(introduction_id: int) -> tuple[str, int]:
    return _show(_introduction_or_404(introduction_id))


def _step(introduction_id: int, form: VersionedForm, action: str, done: str) -> Response | tuple[str, int]:
    """Run the broker's step when the form is valid: commit and go back to the introduction, or
    roll back and show the page again with the refusal beside its field, the typed text kept and
    the version brought up to date (so sending it again is a deliberate choice)."""
    introduction = _introduction_or_404(introduction_id)
    if not form.validate_on_submit():
        return _show(introduction, failed=form, status=400)
    user = signed_in_user()
    expected = form.expected_version()
    try:
        if action == "start_discussion":
            workflow.start_discussion(introduction, actor=user, expected_version=expected)
        elif action == "record_agreement":
            assert isinstance(form, AgreementForm)
            workflow.record_agreement(
                introduction, actor=user, summary=form.summary.data or "", expected_version=expected
            )
        else:
            assert isinstance(form, CloseForm)
            workflow.close(introduction, actor=user, reason=form.reason.data, expected_version=expected)
    except WorkflowError as error:
        db.session.rollback()
        introduction = _introduction_or_404(introduction_id)
        if action not in workflow.allowed_actions(introduction, user):
            flash(str(error), "error")
            return redirect(url_for("sharing.introduction", introduction_id=introduction_id))
        form.version.data = str(introduction.version)
        problem = refusal_beside_field(form, error)
        return _show(introduction, failed=form, problem=problem, status=409 if problem else 400)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("sharing.introduction", introduction_id=introduction_id))


@bp.route("/introductions/<int:introduction_id>/discussion", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def start_discussion(introduction_id: int) -> Response | tuple[str, int]:
    return _step(
        introduction_id,
        DiscussionForm(prefix="discussion"),
        "start_discussion",
        "Recorded: the councils are in discussion.",
    )


@bp.route("/introductions/<int:introduction_id>/agreement", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def record_agreement(introduction_id: int) -> Response | tuple[str, int]:
    return _step(
        introduction_id,
        AgreementForm(prefix="agreement"),
        "record_agreement",
        "Agreement recorded. Every council has been told and can now apply for funding.",
    )


@bp.route("/introductions/<int:introduction_id>/close", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def close_introduction(introduction_id: int) -> Response | tuple[str, int]:
    return _step(introduction_id, CloseForm(prefix="close"), "close", "The introduction is closed.")
