"""The offer to a council: accepting it (signed for the council), declining it, and its letter; and
a partner council's answer to a joint bid."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from werkzeug.wrappers import Response

from grants.applications import forms
from grants.applications.views import (
    attempt,
    bp,
    find_application,
    my_partnership,
    own_application,
    refused,
    to_overview,
    versioned_form,
)
from grants.auth.permissions import requires, signed_in_user
from grants.models import ApplicationStatus
from workflows import applications as workflow
from workflows.applications import IllegalMoveError
from workflows.money import pounds
from workflows.permissions import Permission

# The offer --------------------------------------------------------------------------------------------


@bp.route("/<int:application_id>/offer", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def offer(application_id: int) -> str | Response:
    application = own_application(application_id)
    award = application.award
    if award is None:
        abort(404)
    form = versioned_form(forms.AcceptOfferForm, application)
    problem = None
    if request.method == "POST":
        if application.status is not ApplicationStatus.OFFERED:
            return to_overview(application, "This offer is no longer waiting for an answer")
        if form.validate_on_submit():
            user = signed_in_user()
            error = attempt(
                lambda: workflow.accept_offer(
                    application,
                    actor=user,
                    signatory_name=form.signatory_name.data,
                    signatory_role=form.signatory_role.data,
                    expected_version=form.expected_version(),
                )
            )
            if error is None:
                flash("You have accepted the offer for your council", "success")
                return to_overview(application)
            if isinstance(error, IllegalMoveError):
                return to_overview(application, str(error))
            problem = refused(form, error, application)
    return render_template(
        "applications/offer.html",
        application=application,
        award=application.award,
        form=form,
        problem=problem,
        can_answer=application.status is ApplicationStatus.OFFERED,
    )


@bp.route("/<int:application_id>/offer/decline", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def decline(application_id: int) -> str | Response:
    application = own_application(application_id)
    user = signed_in_user()
    if application.award is None or "decline_offer" not in workflow.allowed_actions(application, user):
        return to_overview(application, "This offer is no longer waiting for an answer")
    form = versioned_form(forms.DeclineOfferForm, application)
    problem = None
    if form.validate_on_submit():
        error = attempt(
            lambda: workflow.decline_offer(
                application, actor=user, reason=form.reason.data, expected_version=form.expected_version()
            )
        )
        if error is None:
            flash("You have declined the offer", "success")
            return to_overview(application)
        if isinstance(error, IllegalMoveError):
            return to_overview(application, str(error))
        problem = refused(form, error, application)
    return render_template("applications/decline.html", application=application, form=form, problem=problem)


@bp.route("/<int:application_id>/offer-letter")
@requires(Permission.APPLY_FOR_COUNCIL)
def offer_letter(application_id: int) -> str:
    """The offer as a letter the council can print or save for its records."""
    application = own_application(application_id)
    if application.award is None:
        abort(404)
    return render_template("applications/offer_letter.html", application=application, award=application.award)


# A partner council's answer ---------------------------------------------------------------------------


@bp.route("/<int:application_id>/partner", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def partner(application_id: int) -> str | Response:
    application, relation = find_application(application_id)
    if relation != "partner":
        abort(404)
    user = signed_in_user()
    mine = my_partnership(application, user.council_id)
    waiting = workflow.editable(application)
    if request.method == "POST" and not waiting:
        return to_overview(application, "This application is no longer waiting for its partners")
    form = (
        forms.PartnerResponseForm()
        if request.method == "POST"
        else forms.PartnerResponseForm(formdata=None, data={"share": str(mine.match_share_pence)})
    )
    problem = None
    if form.validate_on_submit():
        if form.share.data != str(mine.match_share_pence):
            form.share.data = str(mine.match_share_pence)
            problem = (
                f"{application.lead_council.name} changed your council's share to {pounds(mine.match_share_pence)} "
                "while you had this page open. Check the share, then answer again."
            )
        else:
            confirm = form.answer.data == "confirm"
            error = attempt(lambda: workflow.respond_as_partner(application, actor=user, confirm=confirm))
            if error is None:
                flash("Thank you: your council's answer has been sent", "success")
                return to_overview(application)
            return to_overview(application, str(error))
    return render_template(
        "applications/partner.html",
        application=application,
        mine=mine,
        form=form,
        waiting=waiting,
        problem=problem,
    )
