"""A council's applications: starting one, the task list and its sections, checking and
submitting, withdrawing, the offer and its letter, and a partner council's confirmation.

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
    FundingRound,
    Introduction,
    IntroductionStatus,
    OutcomeReport,
    PartnerStatus,
    ReportStatus,
    Scheme,
    SchemeKind,
)
from grants.outcomes import queries as outcome_queries
from grants.outcomes.forms import ConfirmFiguresForm, DisputeFiguresForm
from grants.sharing.forms import AcceptIntroductionForm, ApplyForFundingForm, DeclineIntroductionForm
from workflows import applications as workflow
from workflows import introductions, outcomes
from workflows.application_rules import action_label, names_actor
from workflows.applications import IllegalMoveError, StaleApplicationError, WorkflowError
from workflows.introductions import StaleIntroductionError
from workflows.money import pounds
from workflows.permissions import Permission

bp = Blueprint("applications", __name__)

PAGE_SIZE = 25
# The introductions listed on the council's applications page, the most recent first.
INTRODUCTIONS_LISTED = 50
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


def _find(application_id: int) -> tuple[Application, queries.Relation]:
    """The application and how the officer's council stands to it. Anyone else's is a 404, so
    the page does not even confirm that it exists."""
    application = queries.get_application(application_id)
    relation = queries.relation_of(signed_in_user(), application) if application else None
    if application is None or relation is None:
        abort(404)
    return application, relation


def _own(application_id: int) -> Application:
    """An application the officer's council leads; a partner may only look, from the overview."""
    application, relation = _find(application_id)
    if relation != "lead":
        abort(404)
    return application


def _to_overview(application: Application, message: str | None = None) -> Response:
    if message:
        flash(message, "error")
    return redirect(url_for("applications.show", application_id=application.id))


# Forms and refusals -----------------------------------------------------------------------------------


def _form(form_class: type[FormT], application: Application, **initial: Any) -> FormT:
    """A form for the application. Opened, it carries the version it was read at; posted, only
    what came back counts, so a post without a version cannot pass as current."""
    if request.method == "POST":
        return form_class()
    return form_class(formdata=None, data={"version": application.version, **initial})


def _attempt(step: Callable[[], object]) -> WorkflowError | None:
    """Run a domain step and commit it; when the domain refuses, undo all of it and hand the
    refusal back for the page to show."""
    try:
        step()
    except WorkflowError as error:
        db.session.rollback()
        return error
    db.session.commit()
    return None


def _refused(form: VersionedForm, error: WorkflowError, application: Application) -> str | None:
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
    own = db.paginate(
        queries.lead_applications(council.id), page=_page_number("page"), per_page=PAGE_SIZE, error_out=False
    )
    partnered = db.paginate(
        queries.partner_applications(council.id),
        page=_page_number("partner_page"),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    rounds = queries.open_rounds(date.today())
    return render_template(
        "applications/index.html",
        council=council,
        own=own,
        partnered=partnered,
        rounds=rounds,
        current=queries.current_in_rounds(council.id, [r.id for r in rounds]),
        introductions=list(db.session.scalars(introductions.list_for_council(council.id).limit(INTRODUCTIONS_LISTED))),
        introductions_listed=INTRODUCTIONS_LISTED,
    )


@bp.route("/start/<int:round_id>", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def start(round_id: int) -> Response:
    """Start a draft in an open round (the CSRF check has already run, as for every post)."""
    user = signed_in_user()
    funding_round = db.get_or_404(FundingRound, round_id)
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
    application, relation = _find(application_id)
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
        mine=_my_partnership(application, user.council_id),
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


def _my_partnership(application: Application, council_id: int | None) -> Any:
    return next((p for p in application.partners if p.council_id == council_id), None)


# Sections ---------------------------------------------------------------------------------------------


@bp.route("/<int:application_id>/sections/<key>", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def section(application_id: int, key: str) -> str | Response:
    application = _own(application_id)
    form_class = forms.form_class_for(application.scheme.kind, key)
    if form_class is None or key not in dict(workflow.sections_for(application.scheme)):
        abort(404)
    if not workflow.editable(application):
        return _to_overview(application, f"An application that is {application.status.label.lower()} cannot be changed")
    form = _form(form_class, application, **form_class.initial(application, key))
    form.configure(application)
    problem = None
    if form.validate_on_submit():
        user = signed_in_user()
        error = _attempt(lambda: _save_section(application, key, form, user))
        if error is None:
            return redirect(_after_saving(application))
        if isinstance(error, IllegalMoveError):
            return _to_overview(application, str(error))
        problem = _refused(form, error, application)
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
    application = _own(application_id)
    if not workflow.editable(application):
        return _to_overview(application)
    return _check_page(application, _form(forms.SubmitApplicationForm, application))


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
    application = _own(application_id)
    form = forms.SubmitApplicationForm()
    user = signed_in_user()
    error = _attempt(
        lambda: workflow.submit(application, actor=user, expected_version=form.expected_version(), today=date.today())
    )
    if error is None:
        return redirect(url_for("applications.submitted", application_id=application.id))
    if isinstance(error, IllegalMoveError) or not workflow.editable(application):
        return _to_overview(application, str(error))
    return _check_page(application, form, _refused(form, error, application))


@bp.route("/<int:application_id>/submitted")
@requires(Permission.APPLY_FOR_COUNCIL)
def submitted(application_id: int) -> str | Response:
    application = _own(application_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        return _to_overview(application)
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
    application = _own(application_id)
    user = signed_in_user()
    if "withdraw" not in workflow.allowed_actions(application, user):
        return _to_overview(
            application, f"An application that is {application.status.label.lower()} cannot be withdrawn"
        )
    form = _form(forms.WithdrawForm, application)
    problem = None
    if form.validate_on_submit():
        error = _attempt(
            lambda: workflow.transition(
                application, "withdraw", user, reason=form.reason.data, expected_version=form.expected_version()
            )
        )
        if error is None:
            flash(f"Application {application.reference} withdrawn", "success")
            return _to_overview(application)
        if isinstance(error, IllegalMoveError):
            return _to_overview(application, str(error))
        problem = _refused(form, error, application)
    return render_template("applications/withdraw.html", application=application, form=form, problem=problem)


# The offer --------------------------------------------------------------------------------------------


@bp.route("/<int:application_id>/offer", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def offer(application_id: int) -> str | Response:
    application = _own(application_id)
    award = application.award
    if award is None:
        abort(404)
    form = _form(forms.AcceptOfferForm, application)
    problem = None
    if request.method == "POST":
        if application.status is not ApplicationStatus.OFFERED:
            return _to_overview(application, "This offer is no longer waiting for an answer")
        if form.validate_on_submit():
            user = signed_in_user()
            error = _attempt(
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
                return _to_overview(application)
            if isinstance(error, IllegalMoveError):
                return _to_overview(application, str(error))
            problem = _refused(form, error, application)
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
    application = _own(application_id)
    user = signed_in_user()
    if application.award is None or "decline_offer" not in workflow.allowed_actions(application, user):
        return _to_overview(application, "This offer is no longer waiting for an answer")
    form = _form(forms.DeclineOfferForm, application)
    problem = None
    if form.validate_on_submit():
        error = _attempt(
            lambda: workflow.decline_offer(
                application, actor=user, reason=form.reason.data, expected_version=form.expected_version()
            )
        )
        if error is None:
            flash("You have declined the offer", "success")
            return _to_overview(application)
        if isinstance(error, IllegalMoveError):
            return _to_overview(application, str(error))
        problem = _refused(form, error, application)
    return render_template("applications/decline.html", application=application, form=form, problem=problem)


@bp.route("/<int:application_id>/offer-letter")
@requires(Permission.APPLY_FOR_COUNCIL)
def offer_letter(application_id: int) -> str:
    """The offer as a letter the council can print or save for its records."""
    application = _own(application_id)
    if application.award is None:
        abort(404)
    return render_template("applications/offer_letter.html", application=application, award=application.award)


# A partner council's answer ---------------------------------------------------------------------------


@bp.route("/<int:application_id>/partner", methods=["GET", "POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def partner(application_id: int) -> str | Response:
    application, relation = _find(application_id)
    if relation != "partner":
        abort(404)
    user = signed_in_user()
    mine = _my_partnership(application, user.council_id)
    waiting = workflow.editable(application)
    if request.method == "POST" and not waiting:
        return _to_overview(application, "This application is no longer waiting for its partners")
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
            error = _attempt(lambda: workflow.respond_as_partner(application, actor=user, confirm=confirm))
            if error is None:
                flash("Thank you: your council's answer has been sent", "success")
                return _to_overview(application)
            return _to_overview(application, str(error))
    return render_template(
        "applications/partner.html",
        application=application,
        mine=mine,
        form=form,
        waiting=waiting,
        problem=problem,
    )


# Outcome reports --------------------------------------------------------------------------------------


def _own_report(application_id: int, report_id: int) -> tuple[Application, OutcomeReport]:
    """An outcome report on an application the officer's council leads; anyone else's is a 404."""
    application = _own(application_id)
    report = outcome_queries.get_report(report_id)
    if report is None or report.engagement.application_id != application.id:
        abort(404)
    return application, report


def _report_page(
    application: Application,
    report: OutcomeReport,
    *,
    dispute_form: DisputeFiguresForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "applications/report.html",
        application=application,
        report=report,
        figures=outcomes.history(report),
        confirm_form=ConfirmFiguresForm(formdata=None),
        dispute_form=dispute_form or DisputeFiguresForm(formdata=None),
        form=dispute_form,
        can_answer=report.status is ReportStatus.SUBMITTED,
    )
    return page, status


def _to_report(application_id: int, report_id: int, message: str, category: str) -> Response:
    flash(message, category)
    return redirect(url_for("applications.report", application_id=application_id, report_id=report_id))


@bp.route("/<int:application_id>/reports/<int:report_id>")
@requires(Permission.APPLY_FOR_COUNCIL)
def report(application_id: int, report_id: int) -> tuple[str, int]:
    application, found = _own_report(application_id, report_id)
    return _report_page(application, found)


@bp.route("/<int:application_id>/reports/<int:report_id>/confirm", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def confirm_report(application_id: int, report_id: int) -> Response:
    _, found = _own_report(application_id, report_id)
    if not ConfirmFiguresForm().validate_on_submit():
        abort(400)
    user = signed_in_user()
    error = _attempt(lambda: outcomes.confirm(found, actor=user))
    if error is not None:
        return _to_report(application_id, report_id, str(error), "error")
    return _to_report(
        application_id,
        report_id,
        "You have confirmed the figures. A programme officer at the LGA will now verify them.",
        "success",
    )


@bp.route("/<int:application_id>/reports/<int:report_id>/dispute", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def dispute_report(application_id: int, report_id: int) -> Response | tuple[str, int]:
    _, found = _own_report(application_id, report_id)
    form = DisputeFiguresForm()
    if form.validate_on_submit():
        user = signed_in_user()
        error = _attempt(lambda: outcomes.dispute(found, actor=user, reason=form.reason.data or ""))
        if error is None:
            return _to_report(
                application_id,
                report_id,
                "You have disputed the figures. The expert and the programme team have been told why.",
                "success",
            )
        if error.field != "reason":
            return _to_report(application_id, report_id, str(error), "error")
        form.reason.errors = [*form.reason.errors, str(error)]
    elif found.status is not ReportStatus.SUBMITTED:  # the page as it now is has no form to show the errors in
        return _to_report(application_id, report_id, "The council has already answered on this report", "error")
    application, found = _own_report(application_id, report_id)
    return _report_page(application, found, dispute_form=form, status=400)


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


@bp.route("/introductions/<int:introduction_id>/accept", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def accept_introduction(introduction_id: int) -> Response | tuple[str, int]:
    found = _introduction(introduction_id)
    form = AcceptIntroductionForm(prefix="accept")
    if not form.validate_on_submit():
        return _introduction_page(found, accept_form=form, status=400)
    user = signed_in_user()
    error = _attempt(
        lambda: introductions.accept(
            found, actor=user, contact=form.contact(), expected_version=form.expected_version()
        )
    )
    if error is None:
        message = (
            "You have accepted for your council. Every council has now accepted: their contact details are below."
            if introductions.contacts_shared(found)
            else "You have accepted for your council. You will see the other councils' contact details once every "
            "council has accepted."
        )
        return _to_introduction(introduction_id, message, "success")
    if isinstance(error, IllegalMoveError):
        return _to_introduction(introduction_id, str(error), "error")
    found = _introduction(introduction_id)
    return _introduction_page(found, accept_form=form, problem=_introduction_refused(error, form), status=409)


@bp.route("/introductions/<int:introduction_id>/decline", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def decline_introduction(introduction_id: int) -> Response | tuple[str, int]:
    found = _introduction(introduction_id)
    form = DeclineIntroductionForm(prefix="decline")
    if not form.validate_on_submit():
        return _introduction_page(found, decline_form=form, status=400)
    user = signed_in_user()
    error = _attempt(
        lambda: introductions.decline(
            found, actor=user, reason=form.reason.data or "", expected_version=form.expected_version()
        )
    )
    if error is None:
        return _to_introduction(
            introduction_id,
            "You have declined for your council. No contact details will be shared, and the other councils "
            "will not be told which council declined.",
            "success",
        )
    if isinstance(error, IllegalMoveError):
        return _to_introduction(introduction_id, str(error), "error")
    found = _introduction(introduction_id)
    return _introduction_page(found, decline_form=form, problem=_introduction_refused(error, form), status=409)


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
    error = _attempt(
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
