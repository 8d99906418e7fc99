"""A council's introductions to other councils: seeing one (the others' contacts only once every
council has accepted, and never which council declined), accepting it with a contact, declining
it, and applying for funding once the councils agree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from grants.applications.views import (
    attempt,
    bp,
)
from grants.auth.permissions import requires, signed_in_user
from grants.fields import VersionedForm
from grants.form_problems import refusal_beside_field
from grants.models import Application, Introduction, IntroductionStatus, User
from grants.sharing.forms import AcceptIntroductionForm, ApplyForFundingForm, DeclineIntroductionForm
from workflows import introductions
from workflows.applications import IllegalMoveError, WorkflowError
from workflows.introductions import StaleIntroductionError
from workflows.permissions import Permission

# Introductions to other councils ----------------------------------------------------------------------


def _introduction(introduction_id: int) -> Introduction:
    """An introduction the officer's council is part of; any other is a 404."""
    found = introductions.get_for_council(signed_in_user(), introduction_id)
    if found is None:
        abort(404)
    return found


def _introduction_page(
    introduction: Introduction,
    *,
    accept_form: AcceptIntroductionForm | None = None,
    decline_form: DeclineIntroductionForm | None = None,
    apply_form: ApplyForFundingForm | None = None,
    problem: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The council's view of an introduction. What it may see is decided here: the other
    councils' contacts only once every council has accepted, and never which council declined."""
    user = signed_in_user()
    mine = introductions.party_of(introduction, user.council_id)
    assert mine is not None
    failed = next((f for f in (accept_form, decline_form, apply_form) if f is not None), None)
    if accept_form is None:
        given = introductions.default_contact(mine, user)
        accept_form = AcceptIntroductionForm(
            formdata=None,
            prefix="accept",
            data={"contact_name": given.name, "contact_email": given.email, "contact_phone": given.phone},
        )
    decline_form = decline_form or DeclineIntroductionForm(formdata=None, prefix="decline")
    apply_form = apply_form or ApplyForFundingForm(formdata=None, prefix="apply")
    for form in (accept_form, decline_form, apply_form):
        form.version.data = str(introduction.version)
    funding = introduction.funding_application
    page = render_template(
        "applications/introduction.html",
        introduction=introduction,
        mine=mine,
        others=introductions.and_list(
            [p.council.name for p in introduction.parties if p.council_id != mine.council_id]
        ),
        service_areas=introductions.service_area_labels(introduction),
        can_answer="accept" in introductions.allowed_actions(introduction, user),
        contacts=introductions.shared_contacts(introduction, mine.council_id),
        funding=funding,
        funding_is_ours=funding is not None and funding.lead_council_id == mine.council_id,
        funding_round=introductions.open_funding_round(introduction, date.today())
        if introduction.status is IntroductionStatus.AGREED and funding is None
        else None,
        accept_form=accept_form,
        decline_form=decline_form,
        apply_form=apply_form,
        form=failed,
        problem=problem,
    )
    return page, status


def _introduction_refused(error: WorkflowError, form: VersionedForm) -> str | None:
    """A stale page's refusal goes at the top, and the form takes the current version so that
    sending it again is a deliberate choice; a refusal about a field goes beside it."""
    if isinstance(error, StaleIntroductionError):
        return str(error)
    return refusal_beside_field(form, error)


def _to_introduction(introduction_id: int, message: str, category: str) -> Response:
    flash(message, category)
    return redirect(url_for("applications.introduction", introduction_id=introduction_id))


@bp.route("/introductions/<int:introduction_id>")
@requires(Permission.APPLY_FOR_COUNCIL)
def introduction(introduction_id: int) -> tuple[str, int]:
    return _introduction_page(_introduction(introduction_id))


def _answer(
    introduction_id: int,
    form: VersionedForm,
    which: str,
    step: Callable[[Introduction, User, Any], object],
    done: Callable[[Introduction], str],
) -> Response | tuple[str, int]:
    """The council's answer from its form (`which` of the page's forms): commit it and say so, or
    show the page again with the refusal, beside its field or at the top."""
    found = _introduction(introduction_id)
    if not form.validate_on_submit():
        return _introduction_page(found, status=400, **{which: form})
    error = attempt(lambda: step(found, signed_in_user(), form))
    if error is None:
        return _to_introduction(introduction_id, done(found), "success")
    if isinstance(error, IllegalMoveError):
        return _to_introduction(introduction_id, str(error), "error")
    found = _introduction(introduction_id)
    return _introduction_page(found, problem=_introduction_refused(error, form), status=409, **{which: form})


def _accepted(introduction: Introduction) -> str:
    if introductions.contacts_shared(introduction):
        return "You have accepted for your council. Every council has now accepted: their contact details are below."
    return (
        "You have accepted for your council. You will see the other councils' contact details once every "
        "council has accepted."
    )


@bp.route("/introductions/<int:introduction_id>/accept", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def accept_introduction(introduction_id: int) -> Response | tuple[str, int]:
    return _answer(
        introduction_id,
        AcceptIntroductionForm(prefix="accept"),
        "accept_form",
        lambda found, user, form: introductions.accept(
            found, actor=user, contact=form.contact(), expected_version=form.expected_version()
        ),
        _accepted,
    )


@bp.route("/introductions/<int:introduction_id>/decline", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def decline_introduction(introduction_id: int) -> Response | tuple[str, int]:
    return _answer(
        introduction_id,
        DeclineIntroductionForm(prefix="decline"),
        "decline_form",
        lambda found, user, form: introductions.decline(
            found, actor=user, reason=form.reason.data or "", expected_version=form.expected_version()
        ),
        lambda _: (
            "You have declined for your council. No contact details will be shared, and the other councils "
            "will not be told which council declined."
        ),
    )


@bp.route("/introductions/<int:introduction_id>/apply", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def apply_for_introduction_funding(introduction_id: int) -> Response | tuple[str, int]:
    """Start the joint application for funding from an introduction that reached agreement: the
    officer's council leads it and the others are asked to confirm as partners."""
    found = _introduction(introduction_id)
    form = ApplyForFundingForm(prefix="apply")
    if not form.validate_on_submit():
        abort(400)
    user = signed_in_user()
    made: list[Application] = []
    error = attempt(
        lambda: made.append(
            introductions.apply_for_funding(
                found, actor=user, today=date.today(), expected_version=form.expected_version()
            )
        )
    )
    if error is not None:
        return _to_introduction(introduction_id, str(error), "error")
    flash(
        "Application started. The other councils have been asked to confirm as partners. Complete the "
        "remaining sections, then submit it.",
        "success",
    )
    return redirect(url_for("applications.show", application_id=made[0].id))
