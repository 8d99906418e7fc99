"""The register of shared arrangements between councils: the LGA's shared services map.

Staff and council officers read it (it is public information about councils, with no one's contact
details): the edition of a financial year (the current one unless another is chosen), every
arrangement of it with its councils and its savings in that year, filtered by service area, county
area and region, with the totals of the year's savings and the savings since the first year
recorded, a picture of where the arrangements are (drawn here as SVG, with
tables that give the same figures) and a CSV download. Programme officers record arrangements,
change them, add and remove councils and remove an arrangement, under the rules in
`workflows.arrangements`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.fields import VersionedForm
from grants.history import EventWording
from grants.models import (
    SERVICE_AREA_LABELS,
    SHARING_TYPE_LABELS,
    ConsentStatus,
    Region,
    SharedArrangement,
)
from grants.queries import get_history
from grants.sharing import queries
from grants.sharing.forms import (
    AddCouncilForm,
    EditForm,
    RecordForm,
    RemoveArrangementForm,
    RemoveCouncilForm,
    edit_form_data,
)
from grants.sharing.views import bp
from grants.streaming import csv_download
from workflows import arrangement_history as history
from workflows import arrangements as workflow
from workflows.arrangement_history import Cumulative
from workflows.arrangements import (
    AreaFigures,
    ArrangementDetails,
    ArrangementError,
    RegisterFilter,
    StaleArrangementError,
)
from workflows.money import pounds
from workflows.permissions import Permission, can
from workflows.reporting.periods import financial_year_bounds, year_label

__all__ = ["bp"]

NOT_FIELDS = {"csrf_token", "submit", "version"}

_EVENT_LABELS = {
    "arrangement.recorded": "Recorded on the map",
    "arrangement.updated": "Details changed",
    "arrangement.council_added": "Council added",
    "arrangement.council_removed": "Council removed",
    "arrangement.year_recorded": "Savings of a year recorded",
    "arrangement.year_corrected": "Savings of a year corrected",
    "arrangement.ended": "Ended",
}
# Settings whose names in words are not their own names.
_FIELD_NAMES = {
    "sharing_type": "what is shared",
    "started_on": "start date",
    "ended_on": "end date",
    "estimated_savings_pence": "estimated savings",
    "claimed_savings_pence": "claimed savings",
    "verified_savings_pence": "verified savings",
}
EVENTS = EventWording(_EVENT_LABELS, _FIELD_NAMES)


# Saving --------------------------------------------------------------------------------------------


def _show(form: FlaskForm, problems: dict[str, str], *, beside_others: bool) -> None:
    """Each problem beside its field, or at the top of the page when it has none. With
    `beside_others`, only fields that have no message of their own yet get one: every problem
    is then shown at once rather than one round at a time."""
    for name, message in problems.items():
        field = form._fields.get(name)
        if field is None or name in NOT_FIELDS:
            if not beside_others:
                flash(message, "error")
        elif not (beside_others and field.errors):
            field.errors = [*field.errors, message]


@dataclass(frozen=True)
class Saved:
    """What a change that was made and committed returned."""

    result: Any


def save(form: FlaskForm, change: Callable[[], Any], others: Callable[[], dict[str, str]] | None = None) -> Any:
    """On a valid post, make the change and commit it, returning what it returned wrapped in
    `Saved`. Otherwise nothing is stored, every problem is shown beside its field, and the
    refusal (or None) is returned."""
    if form.validate_on_submit():
        try:
            result = change()
        except ArrangementError as error:
            db.session.rollback()
            _show(form, error.problems, beside_others=False)
            return error
        db.session.commit()
        return Saved(result)
    if form.is_submitted() and others is not None:
        _show(form, others(), beside_others=True)
    return None


def arrangement_or_404(arrangement_id: int) -> SharedArrangement:
    return queries.get_arrangement_or_404(arrangement_id)


def arrangement_page(arrangement_id: int, anchor: str | None = None) -> str:
    return url_for("sharing.arrangement", arrangement_id=arrangement_id, _anchor=anchor)


# Reading the register ------------------------------------------------------------------------------


def _chosen_edition() -> int:
    """The edition in the query string, if it is one there is; otherwise the current one."""
    typed = (request.args.get("edition") or "")[:4]
    if typed.isdigit() and int(typed) in history.editions():
        return int(typed)
    return workflow.current_edition()


def _chosen_filter() -> RegisterFilter:
    """The filter in the query string; anything not recognised is ignored."""
    service_area = request.args.get("service_area") or None
    region_code = request.args.get("region") or None
    county_code = (request.args.get("county") or "")[:9]
    return RegisterFilter(
        service_area=service_area if service_area in SERVICE_AREA_LABELS else None,
        county=workflow.get_county(county_code) if county_code else None,
        region=Region(region_code) if region_code in {r.value for r in Region} else None,
        year=_chosen_edition(),
    )


def _filter_args(chosen: RegisterFilter) -> dict[str, str]:
    args = {
        "edition": str(chosen.edition) if chosen.edition != workflow.current_edition() else "",
        "service_area": chosen.service_area or "",
        "county": chosen.county.gss_code if chosen.county is not None else "",
        "region": chosen.region.value if chosen.region is not None else "",
    }
    return {name: value for name, value in args.items() if value}


# The picture: one row per region, a bar for the number of arrangements and one for the estimated
# annual savings, in a viewBox that scales with the page.
CHART_WIDTH = 960
CHART_TOP = 48
CHART_ROW = 34
CHART_BAR = 20
CHART_BAR_MAX = 240
LABEL_RIGHT = 220
COUNT_LEFT = 236
SAVINGS_LEFT = 600


@dataclass(frozen=True)
class ChartRow:
    code: str
    label: str
    arrangements: int
    savings_text: str
    y: int
    count_width: int
    savings_width: int


@dataclass(frozen=True)
class Chart:
    rows: list[ChartRow]
    height: int
    description: str
    label_right: int = LABEL_RIGHT
    count_left: int = COUNT_LEFT
    savings_left: int = SAVINGS_LEFT
    width: int = CHART_WIDTH
    top: int = CHART_TOP
    bar: int = CHART_BAR


def _scaled(value: int, largest: int) -> int:
    if value <= 0 or largest <= 0:
        return 0
    return max(2, round(CHART_BAR_MAX * value / largest))


def _arrangements_text(count: int) -> str:
    return f"{count} arrangement{'' if count == 1 else 's'}"


def region_chart(by_region: list[AreaFigures], year: int) -> Chart:
    """The geometry and words of the picture of the arrangements of a financial year's edition by
    region, with their estimated savings in that year."""
    most = max((area.figures.arrangements for area in by_region), default=0)
    largest = max((area.figures.estimated_pence for area in by_region), default=0)
    rows = [
        ChartRow(
            code=area.code,
            label=area.label,
            arrangements=area.figures.arrangements,
            savings_text=pounds(area.figures.estimated_pence),
            y=CHART_TOP + index * CHART_ROW,
            count_width=_scaled(area.figures.arrangements, most),
            savings_width=_scaled(area.figures.estimated_pence, largest),
        )
        for index, area in enumerate(by_region)
    ]
    some = [row for row in rows if row.arrangements]
    none = [row.label for row in rows if not row.arrangements]
    parts = [f"{row.label}: {_arrangements_text(row.arrangements)}, {row.savings_text}." for row in some]
    if not some:
        parts = ["No arrangements match these filters."]
    elif none:
        parts.append("None in " + ", ".join(none) + ".")
    description = (
        f"A bar chart of the number of shared arrangements in the {year_label(year)} edition and their estimated "
        f"savings in {year_label(year)} in each region. " + " ".join(parts)
    )
    return Chart(rows=rows, height=CHART_TOP + len(rows) * CHART_ROW + 8, description=description)


def _since_first_year(chosen: RegisterFilter) -> Cumulative | None:
    """The savings of the arrangements the filter chooses from the first year recorded to the
    edition's year (to today, for the current edition), or None before any is recorded."""
    first = history.first_year()
    if first is None or first > chosen.edition:
        return None
    through = min(date.today(), financial_year_bounds(chosen.edition)[1])
    return history.cumulative_figures(first, through, chosen)


@bp.route("/register")
@requires(Permission.VIEW_PROGRAMME, Permission.APPLY_FOR_COUNCIL)
def register() -> str:
    chosen = _chosen_filter()
    page = queries.list_register_page(chosen)
    by_region = workflow.figures_by_region(chosen)
    return render_template(
        "sharing/register.html",
        page=page,
        savings=queries.get_savings_in(chosen.edition, [a.id for a in page.items]),
        editions=[(year, workflow.edition_label(year)) for year in history.editions()],
        edition_label=workflow.edition_label(chosen.edition),
        year_label=year_label(chosen.edition),
        is_current=chosen.edition == workflow.current_edition(),
        since=_since_first_year(chosen),
        chosen=chosen,
        filter_args=_filter_args(chosen),
        totals=workflow.register_totals(chosen),
        by_region=by_region,
        by_county_area=workflow.figures_by_county_area(chosen),
        chart=region_chart(by_region, chosen.edition),
        counties=workflow.list_counties(),
        regions=list(Region),
        service_areas=SERVICE_AREA_LABELS,
        sharing_types=SHARING_TYPE_LABELS,
        may_change=workflow.can_change(signed_in_user()),
    )


@bp.route("/register.csv")
@requires(Permission.VIEW_PROGRAMME, Permission.APPLY_FOR_COUNCIL)
def register_csv() -> Response:
    """The register's chosen edition as a CSV file, with the page's filters, sent as it is read."""
    chosen = _chosen_filter()
    name = f"shared-services-map-{year_label(chosen.edition).replace('/', '-')}-edition-{date.today().isoformat()}.csv"
    # A line at a time, as the register's own stream gives them.
    return csv_download(workflow.register_csv(chosen), name, chunked=False)


# An arrangement ------------------------------------------------------------------------------------


@bp.route("/arrangements/<int:arrangement_id>")
@requires(Permission.VIEW_PROGRAMME, Permission.APPLY_FOR_COUNCIL)
def arrangement(arrangement_id: int) -> str:
    found = arrangement_or_404(arrangement_id)
    user = signed_in_user()
    events, actors = get_history((workflow.SUBJECT, [found.id])) if can(user, Permission.VIEW_PROGRAMME) else ([], {})
    years = [
        (year, history.YearFigures.of(history.year_row(found, year))) for year in reversed(history.years_run(found))
    ]
    return render_template(
        "sharing/arrangement.html",
        arrangement=found,
        years=[(year, year_label(year), figures) for year, figures in years],
        totals=history.YearFigures(
            sum(figures.estimated_pence or 0 for _, figures in years),
            sum(figures.claimed_pence or 0 for _, figures in years),
            sum(figures.verified_pence or 0 for _, figures in years),
        ),
        sharing_types=SHARING_TYPE_LABELS,
        may_change=workflow.can_change(user),
        show_history=can(user, Permission.VIEW_PROGRAMME),
        events=events,
        actors=actors,
        event_summary=EVENTS.summary,
    )


@bp.route("/arrangements/new", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def new_arrangement() -> str | Response:
    form = RecordForm()
    user = signed_in_user()
    outcome = save(
        form,
        lambda: workflow.record_arrangement(form.details(), form.council_lines(), actor=user),
        lambda: workflow.arrangement_problems(form.details(), form.council_lines(), actor=user),
    )
    if isinstance(outcome, Saved):
        flash(f"{outcome.result.name} recorded on the map", "success")
        return redirect(arrangement_page(outcome.result.id))
    return render_template("sharing/arrangement_form.html", form=form, arrangement=None)


@bp.route("/introductions/<int:introduction_id>/arrangement", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def arrangement_from_introduction(introduction_id: int) -> str | Response:
    """Put on the map what an agreed introduction's councils are now sharing: the councils are
    those that accepted it."""
    introduction = queries.get_introduction_or_404(introduction_id)
    if not workflow.agreed(introduction):
        flash("The councils have not reached an agreement to share yet, so there is nothing to record", "info")
        return redirect(url_for("sharing.introduction", introduction_id=introduction_id))
    councils = [p.council for p in introduction.parties if p.consent is ConsentStatus.ACCEPTED]
    areas = list(introduction.service_areas or [])
    if request.method == "GET":
        form = RecordForm(data={"service_area": areas[0] if areas else None, "sharing_type": "services"})
        form.name.data = workflow.default_name(councils, areas[0] if areas else "")
    else:
        form = RecordForm()
    del form.councils
    user = signed_in_user()
    outcome = save(
        form,
        lambda: workflow.record_from_introduction(
            introduction,
            actor=user,
            started_on=form.started_on.data,
            estimated_annual_savings_pence=form.estimated_annual_savings.pence,
            service_area=form.service_area.data,
            sharing_type=form.sharing_type.data or "services",
            name=form.name.data,
        ),
    )
    if isinstance(outcome, Saved):
        flash(f"{outcome.result.name} recorded on the map", "success")
        return redirect(arrangement_page(outcome.result.id))
    return render_template(
        "sharing/arrangement_form.html", form=form, arrangement=None, introduction=introduction, councils=councils
    )


@bp.route("/arrangements/<int:arrangement_id>/edit", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def edit_arrangement(arrangement_id: int) -> str | Response:
    found = arrangement_or_404(arrangement_id)
    user = signed_in_user()
    form = EditForm(data=edit_form_data(found)) if request.method == "GET" else EditForm()
    may_verify = workflow.can_verify(user)
    if not may_verify:
        del form.verified_annual_savings
    kept_verified = found.verified_annual_savings_pence

    def details() -> ArrangementDetails:
        verified = form.verified_annual_savings.pence if may_verify else kept_verified
        return form.details(claimed=form.claimed_annual_savings.pence, verified=verified)

    outcome = save(
        form,
        lambda: workflow.update_arrangement(found, details(), actor=user, expected_version=form.expected_version()),
        lambda: workflow.details_problems(details(), actor=user, arrangement=found),
    )
    if isinstance(outcome, Saved):
        flash("Changes saved" if outcome.result else "Nothing was changed", "success")
        return redirect(arrangement_page(found.id))
    if isinstance(outcome, StaleArrangementError):
        form = EditForm(formdata=None, data=edit_form_data(found))
        if not may_verify:
            del form.verified_annual_savings
    return render_template("sharing/arrangement_form.html", form=form, arrangement=found)


def _versioned(form_class: type[VersionedForm], arrangement: SharedArrangement) -> Any:
    return form_class(data={"version": str(arrangement.version)}) if request.method == "GET" else form_class()


@bp.route("/arrangements/<int:arrangement_id>/councils/new", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def add_arrangement_council(arrangement_id: int) -> str | Response:
    found = arrangement_or_404(arrangement_id)
    form = _versioned(AddCouncilForm, found)
    outcome = save(
        form,
        lambda: workflow.add_council(
            found, form.council.data or "", actor=signed_in_user(), expected_version=form.expected_version()
        ),
    )
    if isinstance(outcome, Saved):
        flash(f"{outcome.result.name} added to the arrangement", "success")
        return redirect(arrangement_page(found.id, "councils"))
    if isinstance(outcome, StaleArrangementError):
        form = AddCouncilForm(formdata=None, data={"version": str(found.version), "council": form.council.data})
    return render_template("sharing/arrangement_council_add.html", form=form, arrangement=found)


@bp.route("/arrangements/<int:arrangement_id>/councils/<int:council_id>/remove", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def remove_arrangement_council(arrangement_id: int, council_id: int) -> str | Response:
    found = arrangement_or_404(arrangement_id)
    council = next((link.council for link in found.councils if link.council_id == council_id), None)
    if council is None:
        abort(404)
    name = council.name
    form = _versioned(RemoveCouncilForm, found)
    outcome = save(
        form,
        lambda: workflow.remove_council(
            found,
            council,
            reason=form.reason.data or "",
            actor=signed_in_user(),
            expected_version=form.expected_version(),
        ),
    )
    if isinstance(outcome, Saved):
        flash(f"{name} removed from the arrangement", "success")
        return redirect(arrangement_page(found.id, "councils"))
    if isinstance(outcome, StaleArrangementError):
        form = RemoveCouncilForm(formdata=None, data={"version": str(found.version), "reason": form.reason.data})
    return render_template("sharing/arrangement_council_remove.html", form=form, arrangement=found, council=council)


@bp.route("/arrangements/<int:arrangement_id>/remove", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def remove_arrangement(arrangement_id: int) -> str | Response:
    found = arrangement_or_404(arrangement_id)
    name = found.name
    form = _versioned(RemoveArrangementForm, found)
    outcome = save(
        form,
        lambda: workflow.remove_arrangement(
            found, reason=form.reason.data or "", actor=signed_in_user(), expected_version=form.expected_version()
        ),
    )
    if isinstance(outcome, Saved):
        flash(f"{name} removed from the map", "success")
        return redirect(url_for("sharing.register"))
    if isinstance(outcome, StaleArrangementError):
        form = RemoveArrangementForm(formdata=None, data={"version": str(found.version), "reason": form.reason.data})
    return render_template("sharing/arrangement_remove.html", form=form, arrangement=found)
