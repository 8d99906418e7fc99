"""The shared services map: shared arrangements between councils with their savings by financial
year and their end; the editions of the map (a financial year's arrangements and savings); the
savings since a year. Staff and council officers read it, as they read the pages; staff record or
correct a year's savings (the verified figure only a programme officer) and end an arrangement,
under the rules in `workflows.arrangement_history`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import Field, field_validator

from grants.api import queries
from grants.api.auth import api_user
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import ApiError, FieldError, found_or_404
from grants.api.routing import Reply, operations
from grants.api.schemas import CouncilRef, council_ref
from grants.api.types import Body, Out, Pence, Query, Version
from grants.models import SERVICE_AREA_LABELS, Region, SharedArrangement, SharedArrangementYear
from workflows import arrangement_history as history
from workflows import arrangements as workflow
from workflows.arrangement_history import Basis, YearFigures
from workflows.arrangements import RegisterFilter, StaleArrangementError
from workflows.permissions import Permission, can
from workflows.reporting.periods import financial_year_of, year_label

TAG = "Shared services map"

FIRST_YEAR = 1974
LAST_YEAR = 9998


class YearSavings(Out):
    year: int = Field(
        description="The financial year, by the calendar year it starts: 2026 is April 2026 to March 2027."
    )
    label: str = Field(description="Like 2026/27.")
    estimated_pence: int | None
    claimed_pence: int | None
    verified_pence: int | None


class ArrangementOut(Out):
    id: int
    name: str
    version: int
    service_area: str
    service_area_label: str
    sharing_type: str
    started_on: date
    ended_on: date | None = Field(description="The last day of the arrangement, once it has ended.")
    end_reason: str | None = Field(description="Why it ended; staff only.")
    estimated_annual_savings_pence: int | None = Field(description="What the councils expected to save a year.")
    claimed_annual_savings_pence: int | None
    verified_annual_savings_pence: int | None
    councils: list[CouncilRef]
    years: list[YearSavings] = Field(description="The savings of each financial year recorded, the earliest first.")


class EditionArrangement(Out):
    id: int
    name: str
    service_area: str
    started_on: date
    ended_on: date | None
    councils: list[CouncilRef]
    savings: YearSavings = Field(description="The savings in the edition's year (each None: not recorded).")


def _year_out(year: int, row: SharedArrangementYear | None) -> YearSavings:
    figures = YearFigures.of(row)
    return YearSavings(
        year=year,
        label=year_label(year),
        estimated_pence=figures.estimated_pence,
        claimed_pence=figures.claimed_pence,
        verified_pence=figures.verified_pence,
    )


def arrangement_out(arrangement: SharedArrangement) -> ArrangementOut:
    staff = can(api_user(), Permission.VIEW_PROGRAMME)
    return ArrangementOut(
        id=arrangement.id,
        name=arrangement.name,
        version=arrangement.version,
        service_area=arrangement.service_area,
        service_area_label=arrangement.service_area_label,
        sharing_type=arrangement.sharing_type,
        started_on=arrangement.started_on,
        ended_on=arrangement.ended_on,
        end_reason=arrangement.end_reason if staff else None,
        estimated_annual_savings_pence=arrangement.estimated_annual_savings_pence,
        claimed_annual_savings_pence=arrangement.claimed_annual_savings_pence,
        verified_annual_savings_pence=arrangement.verified_annual_savings_pence,
        councils=[council_ref(link.council) for link in arrangement.councils],
        years=[_year_out(row.year, row) for row in arrangement.years],
    )


read = operations(tag=TAG, permissions=(Permission.VIEW_PROGRAMME, Permission.APPLY_FOR_COUNCIL))


class EditionFilter(Query):
    edition: int | None = Field(
        None, ge=FIRST_YEAR, le=LAST_YEAR, description="The edition's financial year (default: the current one)."
    )
    service_area: str | None = Field(None, max_length=40, description="A service area's code.")
    county: str | None = Field(None, max_length=9, description="A county council's GSS code: its county area.")
    region: Region | None = None

    @field_validator("service_area")
    @classmethod
    def _known_area(cls, value: str | None) -> str | None:
        if value is not None and value not in SERVICE_AREA_LABELS:
            raise ValueError("Not a service area's code")
        return value


class EditionQuery(EditionFilter, PageQuery):
    pass


def _chosen(query: EditionFilter) -> RegisterFilter:
    """The filter asked for; an edition before the first or after the current one, or a county
    that is not a county council, is refused."""
    editions = history.editions()
    if query.edition is not None and query.edition not in editions:
        message = f"Choose an edition from {editions[-1]} to {editions[0]}"
        raise ApiError(422, message, [FieldError(message, parameter="edition")])
    county = None
    if query.county:
        county = queries.county_by_code(query.county)
        if county is None:
            message = "No county council has this GSS code"
            raise ApiError(422, message, [FieldError(message, parameter="county")])
    return RegisterFilter(service_area=query.service_area, county=county, region=query.region, year=query.edition)


@read("/arrangements", summary="List an edition's arrangements", query=EditionQuery, **listing(EditionArrangement))
def list_arrangements(query: EditionQuery) -> Reply:
    """The arrangements of an edition of the map (those that ran at any time in its financial
    year; the current year unless `edition` is given), by name, each with its savings in that
    year, narrowed by service area, county area and region as the register page is."""
    chosen = _chosen(query)
    savings: dict[int, SharedArrangementYear] = {}

    def load(rows: Sequence[SharedArrangement]) -> None:
        savings.update(queries.arrangement_savings_in(chosen.edition, [row.id for row in rows]))

    def item(arrangement: SharedArrangement) -> EditionArrangement:
        return EditionArrangement(
            id=arrangement.id,
            name=arrangement.name,
            service_area=arrangement.service_area,
            started_on=arrangement.started_on,
            ended_on=arrangement.ended_on,
            councils=[council_ref(link.council) for link in arrangement.councils],
            savings=_year_out(chosen.edition, savings.get(arrangement.id)),
        )

    return paginate(queries.arrangements_of(chosen), query, EditionArrangement, item, prepare=load)


@read("/arrangements/<int:arrangement_id>", summary="One arrangement and its savings by year", response=ArrangementOut)
def get_arrangement(arrangement_id: int) -> ArrangementOut:
    return arrangement_out(found_or_404(queries.arrangement(arrangement_id)))


class Edition(Out):
    year: int
    label: str = Field(description="Like 2026/27 edition.")
    arrangements: int = Field(description="Arrangements that ran at any time in the year (matching the filter).")
    estimated_pence: int = Field(description="Their estimated savings in the year.")
    claimed_pence: int
    verified_pence: int


@read("/arrangement-editions", summary="An edition's totals", query=EditionFilter, response=Edition)
def get_arrangement_edition(query: EditionFilter) -> Edition:
    """How many arrangements the edition of a financial year has (the current one unless `edition`
    is given), and their savings in that year, by basis, narrowed as the list is."""
    chosen = _chosen(query)
    totals = workflow.register_totals(chosen)
    return Edition(
        year=chosen.edition,
        label=workflow.edition_label(chosen.edition),
        arrangements=totals.arrangements,
        estimated_pence=totals.estimated_pence,
        claimed_pence=totals.claimed_pence,
        verified_pence=totals.verified_pence,
    )


class CumulativeQuery(Query):
    since: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="The first financial year, like 2012 for 2012/13.")
    through: date | None = Field(None, description="The day to count to (default: today); its whole year counts.")


class CumulativeOut(Out):
    since_year: int
    through_year: int
    label: str = Field(description="Like 2012/13 to 2026/27.")
    estimated_pence: int
    claimed_pence: int
    verified_pence: int
    arrangements: int = Field(description="Arrangements with savings recorded in the years.")
    councils: int = Field(description="Councils in those arrangements.")
    bases: dict[str, str] = Field(description="What each basis means.")


@read("/arrangement-savings", summary="Savings since a year", query=CumulativeQuery, response=CumulativeOut)
def get_cumulative_savings(query: CumulativeQuery) -> CumulativeOut:
    """The savings of every arrangement from the financial year `since` through the financial year
    of `through`, by basis: each year's recorded savings added up. The year of `through` counts in
    full as recorded (for a year in progress, usually the estimate), not pro rata to the day."""
    through = query.through or date.today()
    if financial_year_of(through) < query.since:
        message = "The day to count to must be in or after the first year"
        raise ApiError(422, message, [FieldError(message, parameter="through")])
    found = history.cumulative_figures(query.since, through)
    return CumulativeOut(
        since_year=found.since_year,
        through_year=found.through_year,
        label=found.label,
        estimated_pence=found.estimated_pence,
        claimed_pence=found.claimed_pence,
        verified_pence=found.verified_pence,
        arrangements=found.arrangements,
        councils=found.councils,
        bases={basis.value: basis.label for basis in Basis},
    )


# Staff's changes --------------------------------------------------------------------------------------

change = operations(
    method="POST", tag=TAG, permissions=(Permission.CHECK_APPLICATIONS,), response=ArrangementOut, conflicts=True
)


class YearBody(Body):
    version: Version
    estimated_pence: Pence | None = None
    claimed_pence: Pence | None = None
    verified_pence: Pence | None = Field(
        None, description="A programme officer only; leave it out to keep the verified savings as they are."
    )


def _found(arrangement_id: int) -> SharedArrangement:
    return found_or_404(queries.arrangement(arrangement_id))


def _changed(make_change: Callable[[], object]) -> None:
    """Make the change; a version older than the arrangement's is a conflict (409), as elsewhere
    in the API, not a problem with a field."""
    try:
        make_change()
    except StaleArrangementError as error:
        raise ApiError(409, str(error)) from None


@change(
    "/arrangements/<int:arrangement_id>/years/<int:year>",
    summary="Record or correct a year's savings",
    body=YearBody,
    fields={
        "estimated_savings": "/estimated_pence",
        "claimed_savings": "/claimed_pence",
        "verified_savings": "/verified_pence",
    },
)
def record_arrangement_year(arrangement_id: int, year: int, body: YearBody) -> ArrangementOut:
    """Set the savings of a financial year the arrangement ran (a year it did not run is 404):
    each figure given, in pence; one left out or null is not known. The verified figure is kept
    as it is when left out."""
    arrangement = _found(arrangement_id)
    if year not in history.years_run(arrangement):
        raise ApiError(404)
    verified: Any = body.verified_pence
    if "verified_pence" not in body.model_fields_set:
        verified = YearFigures.of(history.year_row(arrangement, year)).verified_pence
    figures = YearFigures(body.estimated_pence, body.claimed_pence, verified)
    _changed(lambda: history.record_year(arrangement, year, figures, actor=api_user(), expected_version=body.version))
    return arrangement_out(arrangement)


class EndBody(Body):
    version: Version
    ended_on: date = Field(description="The last day of the arrangement.")
    reason: str = Field(max_length=workflow.REASON_MAX_LENGTH, description="Why it ended; only staff see it.")


@change("/arrangements/<int:arrangement_id>/end", summary="Record that an arrangement ended", body=EndBody)
def end_arrangement(arrangement_id: int, body: EndBody) -> ArrangementOut:
    """Record the day the arrangement ended and why (or change it). Savings recorded for years
    after the one it ended in are removed; the audit trail keeps them."""
    arrangement = _found(arrangement_id)
    _changed(
        lambda: history.end_arrangement(
            arrangement, ended_on=body.ended_on, reason=body.reason, actor=api_user(), expected_version=body.version
        )
    )
    return arrangement_out(arrangement)
