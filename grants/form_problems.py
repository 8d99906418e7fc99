"""Showing a refused change on the form it came from, and the one way a form's change is applied:
a valid post makes the change and commits it; otherwise nothing is stored and every problem is
shown beside its field, in the GOV.UK error pattern."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm

from grants.extensions import db
from workflows.applications import WorkflowError
from workflows.problems import ProblemsError

# Names a problem may carry that are not fields a person can correct: shown at the top instead.
NOT_FIELDS = frozenset({"submit", "csrf_token", "version"})


def show_problems(form: FlaskForm, problems: Mapping[str, str]) -> None:
    """Each problem beside its field; one with no field of its own at the top of the page."""
    for name, message in problems.items():
        field = form._fields.get(name)
        if field is None or name in NOT_FIELDS:
            flash(message, "error")
        else:
            field.errors = [*field.errors, message]


def show_other_problems(form: FlaskForm, problems: Mapping[str, str]) -> None:
    """Beside each field whose own checks passed, what the workflow would refuse in it: with the
    form's own messages, every problem is shown at once rather than one round at a time."""
    for name, message in problems.items():
        field = form._fields.get(name)
        if field is not None and name not in NOT_FIELDS and not field.errors:
            field.errors = [message]


def no_other_problems() -> dict[str, str]:
    return {}


def apply_change(
    form: FlaskForm,
    change: Callable[[], Any],
    other_problems: Callable[[], Mapping[str, str]] = no_other_problems,
) -> tuple[bool, Any]:
    """On a valid post, make the change and commit it: (True, what the change returned).
    Otherwise nothing is stored and every problem is shown: (False, the refusal, or None)."""
    if form.validate_on_submit():
        try:
            result = change()
        except ProblemsError as error:
            db.session.rollback()
            show_problems(form, error.problems)
            return False, error
        db.session.commit()
        return True, result
    if form.is_submitted():
        show_other_problems(form, other_problems())
    return False, None


def form_for(form_class: type[Any], data: dict[str, Any]) -> Any:
    """A form showing `data` when opened, or what was posted."""
    return form_class(data=data) if request.method == "GET" else form_class()


def refusal_beside_field(form: FlaskForm, error: WorkflowError) -> str | None:
    """Put a refusal beside the field it names; else hand it back for the top of the page."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None and field.name not in ("version", "csrf_token"):
        field.errors = [*field.errors, str(error)]
        return None
    return str(error)


def commit_or_flash(step: Callable[[], object], done: str, refusal: type[Exception] = WorkflowError) -> bool:
    """Make a change and commit it, telling the person `done`; when the domain refuses it, undo
    all of it and tell them why instead. Whether the change was made."""
    try:
        step()
    except refusal as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True
