"""The expert pool's pages. Staff with MANAGE_EXPERT_POOL add, change and import experts, keep their
availability and the register of conflicts of interest; an expert keeps their own availability,
specialisms and regions and declares conflicts under /experts/me, and reaches no one else's record.
The pool's list and each expert's summary stay in `grants.main`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.experts import queries
from grants.experts.forms import (
    KIND_HINTS,
    VETTING_HINTS,
    VETTING_LABELS,
    AvailabilityForm,
    ConflictForm,
    ExpertForm,
    ExpertiseForm,
    ImportForm,
    RemoveConflictForm,
    expert_form_data,
    expertise_form_data,
)
from grants.fields import ConfirmForm
from grants.form_problems import apply_change, form_for
from grants.history import EventWording
from grants.models import (
    AuditEvent,
    Expert,
    ExpertAvailability,
    ExpertKind,
    Region,
    Specialism,
    VettingStatus,
)
from grants.queries import get_history
from workflows import experts as workflow
from workflows.experts import ImportRefusedError, StaleExpertError
from workflows.formatting import uk_date
from workflows.permissions import Permission

bp = Blueprint("experts", __name__)

SHOWN_IMPORT_PROBLEMS = 500

_EVENT_LABELS = {
    "expert.created": "Added to the pool",
    "expert.updated": "Details changed",
    "expert.availability_added": "Availability added",
    "expert.availability_removed": "Availability removed",
    "conflict.recorded": "Conflict of interest recorded",
    "conflict.declared": "Conflict of interest declared by the expert",
    "conflict.removed": "Conflict of interest removed",
}
# Settings whose names in words are not their own names.
_FIELD_NAMES = {
    "email": "email address",
    "vetting_status": "vetting",
}


# Loading records ------------------------------------------------------------------------------------


def _window_or_404(expert: Expert, window_id: int) -> ExpertAvailability:
    window = queries.get_window(expert, window_id)
    if window is None:
        abort(404)
    return window


def _my_expert() -> Expert:
    """The signed-in expert's own record; 404 for an account not linked to one."""
    found = queries.get_own_expert(signed_in_user())
    if found is None:
        abort(404)
    return found


def _window_text(starts_on: str | None, ends_on: str | None) -> str:
    starts = uk_date(date.fromisoformat(starts_on)) if starts_on else ""
    return f"from {starts} until {uk_date(date.fromisoformat(ends_on))}" if ends_on else f"from {starts}"


def _expert_event_about(event: AuditEvent, detail: Mapping[str, Any], names: Mapping[int, str]) -> str | None:
    """The window of availability an availability event is about."""
    if event.action.startswith("expert.availability"):
        return _window_text(detail.get("starts_on"), detail.get("ends_on"))
    return None


EVENTS = EventWording(_EVENT_LABELS, _FIELD_NAMES, _expert_event_about)


def _profile_context(expert: Expert) -> dict[str, Any]:
    today = date.today()
    return {
        "expert": expert,
        "windows": expert.availability,
        "available_today": workflow.is_available_on(expert, today),
        "conflicts": queries.list_conflicts_of(expert),
        "vetting_labels": VETTING_LABELS,
        "today": today,
    }


# Availability and conflicts: the same pages for staff and for the expert ----------------------------


def _add_availability(expert: Expert, back: str, *, own: bool) -> str | Response:
    form = AvailabilityForm()
    done, _ = apply_change(
        form, lambda: workflow.add_availability(expert, form.window(), actor=signed_in_user()), form.other_problems
    )
    if done:
        flash("Availability added", "success")
        return redirect(back)
    return render_template("experts/availability_form.html", form=form, expert=expert, back=back, own=own)


def _remove_availability(expert: Expert, window_id: int, back: str, *, own: bool) -> str | Response:
    window = _window_or_404(expert, window_id)
    form = ConfirmForm()
    done, _ = apply_change(form, lambda: workflow.remove_availability(window, actor=signed_in_user()))
    if done:
        flash("Availability removed", "success")
        return redirect(back)
    return render_template(
        "experts/availability_remove.html", form=form, expert=expert, window=window, back=back, own=own
    )


def _new_conflict(expert: Expert, back: str, *, own: bool) -> str | Response:
    """A conflict of interest recorded by staff, or declared by the expert themselves."""
    form = ConflictForm()
    make = workflow.declare_conflict if own else workflow.record_conflict
    done, conflict = apply_change(form, lambda: make(expert, form.details(), actor=signed_in_user()))
    if done:
        flash(f"Conflict of interest with {conflict.council.name} {'declared' if own else 'recorded'}", "success")
        return redirect(back)
    return render_template("experts/conflict_form.html", form=form, expert=expert, back=back, own=own)


# Staff: an expert -----------------------------------------------------------------------------------


def _expert_form_context() -> dict[str, Any]:
    return {"kinds": list(ExpertKind), "kind_hints": KIND_HINTS, "statuses": list(VettingStatus)}


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def new_expert() -> str | Response:
    form = form_for(ExpertForm, {"kind": ExpertKind.INDIVIDUAL.value, "vetting_status": VettingStatus.APPLIED.value})
    done, expert = apply_change(
        form,
        lambda: workflow.create_expert(form.details(), actor=signed_in_user()),
        lambda: form.other_problems(None),
    )
    if done:
        flash(f"{expert.name} added to the pool", "success")
        return redirect(url_for("experts.expert", expert_id=expert.id))
    return render_template(
        "experts/expert_form.html", form=form, expert=None, vetting_hints=VETTING_HINTS, **_expert_form_context()
    )


@bp.route("/<int:expert_id>/manage")
@requires(Permission.MANAGE_EXPERT_POOL)
def expert(expert_id: int) -> str:
    found = queries.get_expert_or_404(expert_id)
    events, actors = get_history(("expert", [found.id]))
    return render_template(
        "experts/expert.html",
        events=events,
        actors=actors,
        event_summary=EVENTS.summary,
        **_profile_context(found),
    )


@bp.route("/<int:expert_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def edit_expert(expert_id: int) -> str | Response:
    found = queries.get_expert_or_404(expert_id)
    form = form_for(ExpertForm, expert_form_data(found))
    done, outcome = apply_change(
        form,
        lambda: workflow.update_expert(
            found, form.details(), actor=signed_in_user(), expected_version=form.expected_version()
        ),
        lambda: form.other_problems(found),
    )
    if done:
        flash("Details saved" if outcome else "Nothing was changed", "success")
        return redirect(url_for("experts.expert", expert_id=found.id))
    if isinstance(outcome, StaleExpertError):
        form = ExpertForm(formdata=None, data=expert_form_data(found))
    return render_template(
        "experts/expert_form.html", form=form, expert=found, vetting_hints=VETTING_HINTS, **_expert_form_context()
    )


@bp.route("/<int:expert_id>/availability/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def add_availability(expert_id: int) -> str | Response:
    found = queries.get_expert_or_404(expert_id)
    return _add_availability(found, url_for("experts.expert", expert_id=found.id, _anchor="availability"), own=False)


@bp.route("/<int:expert_id>/availability/<int:window_id>/remove", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def remove_availability(expert_id: int, window_id: int) -> str | Response:
    found = queries.get_expert_or_404(expert_id)
    back = url_for("experts.expert", expert_id=found.id, _anchor="availability")
    return _remove_availability(found, window_id, back, own=False)


# Staff: conflicts of interest -----------------------------------------------------------------------


@bp.route("/<int:expert_id>/conflicts/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def record_conflict(expert_id: int) -> str | Response:
    found = queries.get_expert_or_404(expert_id)
    back = url_for("experts.expert", expert_id=found.id, _anchor="conflicts")
    return _new_conflict(found, back, own=False)


@bp.route("/conflicts")
@requires(Permission.MANAGE_EXPERT_POOL)
def conflicts() -> str:
    council = " ".join((request.args.get("council") or "").split())[:120]
    page = queries.list_conflicts_page(council)
    return render_template("experts/conflicts.html", page=page, council=council)


@bp.route("/conflicts/<int:conflict_id>/remove", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def remove_conflict(conflict_id: int) -> str | Response:
    conflict = queries.get_conflict_or_404(conflict_id)
    expert_id, council_name = conflict.expert_id, conflict.council.name
    form = RemoveConflictForm()
    done, _ = apply_change(
        form, lambda: workflow.remove_conflict(conflict, reason=form.reason.data or "", actor=signed_in_user())
    )
    if done:
        flash(f"Conflict of interest with {council_name} removed", "success")
        return redirect(url_for("experts.expert", expert_id=expert_id, _anchor="conflicts"))
    return render_template("experts/conflict_remove.html", form=form, conflict=conflict)


# Staff: importing -----------------------------------------------------------------------------------


def _import_context() -> dict[str, Any]:
    return {
        "columns": workflow.IMPORT_COLUMNS,
        "kinds": list(ExpertKind),
        "statuses": list(VettingStatus),
        "specialisms": list(Specialism),
        "regions": list(Region),
    }


@bp.route("/import", methods=["GET", "POST"])
@requires(Permission.MANAGE_EXPERT_POOL)
def import_experts() -> str | Response:
    form = ImportForm()
    done, outcome = apply_change(
        form, lambda: workflow.import_experts(form.text, actor=signed_in_user(), filename=form.filename)
    )
    if done:
        flash(
            f"Import complete: {_experts(outcome.added)} added, {outcome.updated} updated "
            f"and {outcome.unchanged} unchanged",
            "success",
        )
        return redirect(url_for("main.experts"))
    problems = outcome.rows if isinstance(outcome, ImportRefusedError) else []
    return render_template(
        "experts/import.html",
        form=form,
        problems=problems[:SHOWN_IMPORT_PROBLEMS],
        more_problems=max(len(problems) - SHOWN_IMPORT_PROBLEMS, 0),
        **_import_context(),
    )


def _experts(count: int) -> str:
    return f"{count} expert{'' if count == 1 else 's'}"


@bp.route("/import/example.csv")
@requires(Permission.MANAGE_EXPERT_POOL)
def example_csv() -> Response:
    return Response(
        workflow.example_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="expert-pool-example.csv"'},
    )


# The expert's own pages -----------------------------------------------------------------------------


@bp.route("/me")
@requires(Permission.USE_EXPERT_PORTAL)
def my_profile() -> str:
    return render_template("experts/me.html", **_profile_context(_my_expert()))


@bp.route("/me/specialisms", methods=["GET", "POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def my_expertise() -> str | Response:
    mine = _my_expert()
    form = form_for(ExpertiseForm, expertise_form_data(mine))
    done, outcome = apply_change(
        form,
        lambda: workflow.set_expertise(
            mine, *form.chosen(), actor=signed_in_user(), expected_version=form.expected_version()
        ),
    )
    if done:
        flash("Specialisms and regions saved" if outcome else "Nothing was changed", "success")
        return redirect(url_for("experts.my_profile"))
    if isinstance(outcome, StaleExpertError):
        form = ExpertiseForm(formdata=None, data=expertise_form_data(mine))
    return render_template("experts/expertise_form.html", form=form, expert=mine)


@bp.route("/me/availability/new", methods=["GET", "POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def my_add_availability() -> str | Response:
    return _add_availability(_my_expert(), url_for("experts.my_profile", _anchor="availability"), own=True)


@bp.route("/me/availability/<int:window_id>/remove", methods=["GET", "POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def my_remove_availability(window_id: int) -> str | Response:
    return _remove_availability(
        _my_expert(), window_id, url_for("experts.my_profile", _anchor="availability"), own=True
    )


@bp.route("/me/conflicts/new", methods=["GET", "POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def my_declare_conflict() -> str | Response:
    return _new_conflict(_my_expert(), url_for("experts.my_profile", _anchor="conflicts"), own=True)
