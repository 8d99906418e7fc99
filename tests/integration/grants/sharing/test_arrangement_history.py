"""The shared services map's history: an arrangement's savings by financial year (recorded and
corrected by staff, version-checked, audited, bad input refused beside its field with nothing
stored), the end of an arrangement, the editions of the map (who is in the edition of a year, at
the edges of the year), the savings since a year by basis (a year in progress counting in full),
and the pages: the register's edition and its savings since the first year, the CSV of an edition,
and the arrangement's savings by year. Council officers read it all and change nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEvent, Council, Region, Role, SharedArrangement, SharedArrangementYear, User
from tests.builders.councils import in_their_regions
from tests.support.client import csrf_token, signed_in_as
from tests.support.database import counting_statements, reloaded
from tests.support.html import (
    assert_refused_beside,
    banner,
    date_parts,
    error_summary,
    fill,
    hidden_fields,
    input_value,
    text,
    words,
)
from workflows import arrangement_history as history
from workflows import arrangements as workflow
from workflows.arrangement_history import Basis, YearFigures
from workflows.arrangements import ArrangementDetails, ArrangementError, RegisterFilter, StaleArrangementError
from workflows.reporting.periods import financial_year_of, year_label

TODAY = date.today()
THIS_YEAR = financial_year_of(TODAY)
POUND = 100


@pytest.fixture
def officer(make_user: Any, councils: dict[str, Council]) -> User:
    in_their_regions(councils)
    db.session.commit()
    return make_user(Role.PROGRAMME_OFFICER, email="tom@lga.example.gov.uk", name="Tom Okafor")


def record(
    officer: User,
    name: str,
    started_on: date,
    *,
    councils: tuple[str, ...] = ("Babergh", "Ipswich"),
    estimated: int = 100_000 * POUND,
    claimed: int | None = None,
    verified: int | None = None,
    service_area: str = "legal",
) -> SharedArrangement:
    made = workflow.record_arrangement(
        ArrangementDetails(
            name=name,
            service_area=service_area,
            sharing_type="services",
            started_on=started_on,
            estimated_annual_savings_pence=estimated,
            claimed_annual_savings_pence=claimed,
            verified_annual_savings_pence=verified,
        ),
        list(councils),
        actor=officer,
    )
    db.session.commit()
    return made


def years_of(arrangement: SharedArrangement) -> dict[int, tuple[int | None, int | None, int | None]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(SharedArrangementYear).where(SharedArrangementYear.arrangement_id == arrangement.id)
    )
    return {r.year: (r.estimated_savings_pence, r.claimed_savings_pence, r.verified_savings_pence) for r in rows}


def stored() -> tuple[int, int, list[tuple[Any, ...]]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(
            SharedArrangementYear.arrangement_id,
            SharedArrangementYear.year,
            SharedArrangementYear.estimated_savings_pence,
            SharedArrangementYear.claimed_savings_pence,
            SharedArrangementYear.verified_savings_pence,
        ).order_by(SharedArrangementYear.id)
    ).all()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    versions = db.session.scalar(select(func.sum(SharedArrangement.version))) or 0
    return events, versions, [tuple(row) for row in rows]


def in_edition(year: int, **narrowed: Any) -> set[str]:
    return {a.name for a in db.session.scalars(workflow.register_query(RegisterFilter(year=year, **narrowed)))}


def set_year(arrangement: SharedArrangement, officer: User, year: int, *figures: int | None) -> None:
    history.record_year(reloaded(arrangement), year, YearFigures(*figures), actor=officer, expected_version=None)
    db.session.commit()


# 1. The history an arrangement starts with ----------------------------------------------------------


def test_an_arrangement_starts_with_a_row_for_each_year_from_its_start_carrying_its_annual_savings(officer):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared legal", date(2019, 2, 1), estimated=50_000 * POUND, claimed=60_000 * POUND)
    # 1 February 2019 is in 2018/19: a row for it and every year since, to the one in progress.
    assert years_of(made) == dict.fromkeys(range(2018, THIS_YEAR + 1), (5000000, 6000000, None))
    recorded = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "arrangement.recorded"))
    assert recorded is not None and recorded.detail["years"] == list(range(2018, THIS_YEAR + 1))


# 2. Editions ---------------------------------------------------------------------------------------------


def test_the_edition_of_a_year_is_the_arrangements_live_at_any_time_in_it(officer):  # type: ignore[no-untyped-def]
    record(officer, "Started on the last day of 2019/20", date(2020, 3, 31))
    record(officer, "Started on the first day of 2020/21", date(2020, 4, 1))
    last_day = record(officer, "Ended on the last day of 2020/21", date(2015, 6, 1))
    first_day = record(officer, "Ended on the first day of 2021/22", date(2015, 6, 1))
    history.end_arrangement(
        last_day, ended_on=date(2021, 3, 31), reason="Wound up", actor=officer, expected_version=None
    )
    history.end_arrangement(
        first_day, ended_on=date(2021, 4, 1), reason="Wound up", actor=officer, expected_version=None
    )
    db.session.commit()

    assert in_edition(2019) == {
        "Started on the last day of 2019/20",
        "Ended on the last day of 2020/21",
        "Ended on the first day of 2021/22",
    }
    assert in_edition(2020) == {
        "Started on the last day of 2019/20",
        "Started on the first day of 2020/21",
        "Ended on the last day of 2020/21",
        "Ended on the first day of 2021/22",
    }
    assert in_edition(2021) == {
        "Started on the last day of 2019/20",
        "Started on the first day of 2020/21",
        "Ended on the first day of 2021/22",
    }
    assert "Ended on the first day of 2021/22" not in in_edition(2022)
    assert in_edition(2014) == set()

    # The edition's totals are that year's rows: set 2020/21 apart and see it alone summed.
    started = db.session.scalar(select(SharedArrangement).where(SharedArrangement.name.like("Started on the first%")))
    assert started is not None
    set_year(started, officer, 2020, 1_000, 2_000, 3_000)
    figures = workflow.register_totals(RegisterFilter(year=2020))
    assert figures == workflow.Figures(4, 3 * 10_000_000 + 1_000, 2_000, 3_000)
    assert workflow.register_totals(RegisterFilter(year=2021)).estimated_pence == 3 * 10_000_000


def test_ending_an_arrangement_keeps_its_history_and_removes_the_years_after_it(officer):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared audit", date(2016, 7, 1), estimated=80_000 * POUND)
    changed = history.end_arrangement(
        made, ended_on=date(2022, 1, 31), reason=" Brought back in house ", actor=officer, expected_version=1
    )
    db.session.commit()
    # 31 January 2022 is in 2021/22: the years after it go.
    assert changed == list(range(2022, THIS_YEAR + 1))
    assert set(years_of(made)) == set(range(2016, 2022))
    made = reloaded(made)
    assert (made.ended_on, made.end_reason, made.version) == (date(2022, 1, 31), "Brought back in house", 2)
    ended = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "arrangement.ended"))
    assert ended is not None and ended.actor_id == officer.id
    assert ended.detail["reason"] == "Brought back in house"
    assert ended.detail["changes"] == {"ended_on": [None, "2022-01-31"]}
    assert sorted(ended.detail["removed_years"]) == [str(year) for year in range(2022, THIS_YEAR + 1)]
    # A year after the end cannot be recorded again; one it ran in can.
    with pytest.raises(ArrangementError) as refused:
        history.record_year(made, 2023, YearFigures(1), actor=officer, expected_version=None)
    assert refused.value.problems == {
        "year": "Choose a year from 2016/17 to 2021/22, the years the arrangement has run"
    }
    db.session.rollback()
    # Nor can the start move after the end.
    later = replace(ArrangementDetails.of(reloaded(made)), started_on=date(2022, 2, 1))
    problems = workflow.details_problems(later, actor=officer, arrangement=reloaded(made))
    assert (
        problems["started_on"] == "The start date must be on or before the day the arrangement ended, 31 January 2022"
    )


@pytest.mark.parametrize(
    ("ended_on", "reason", "field", "message"),
    [
        (None, "Ended", "ended_on", "Enter the date the arrangement ended"),
        (TODAY + timedelta(days=1), "Ended", "ended_on", "The end date must be today or in the past"),
        (
            date(2016, 6, 30),
            "Ended",
            "ended_on",
            "The end date must be on or after the day the arrangement started, 1 July 2016",
        ),
        (date(2020, 1, 1), "   ", "reason", "Enter why the arrangement ended"),
        (date(2020, 1, 1), "x" * 2001, "reason", "The reason must be 2,000 characters or fewer"),
    ],
)
def test_an_end_that_breaks_a_rule_is_refused_and_stores_nothing(officer, ended_on, reason, field, message):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared audit", date(2016, 7, 1))
    before = stored()
    with pytest.raises(ArrangementError) as refused:
        history.end_arrangement(made, ended_on=ended_on, reason=reason, actor=officer, expected_version=1)
    db.session.rollback()
    assert refused.value.problems == {field: message}
    assert stored() == before and reloaded(made).ended_on is None


# 3. Recording and correcting a year ------------------------------------------------------------------


def test_a_year_is_recorded_then_corrected_each_audited_with_what_changed(officer):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared planning", date(2020, 5, 1), estimated=40_000 * POUND)
    # A correction of a year recorded with the arrangement.
    changes = history.record_year(
        made, 2021, YearFigures(4_000_000, 4_500_000, 4_200_000), actor=officer, expected_version=1
    )
    db.session.commit()
    assert changes == {"claimed_savings_pence": [None, 4_500_000], "verified_savings_pence": [None, 4_200_000]}
    assert years_of(made)[2021] == (4_000_000, 4_500_000, 4_200_000)
    # Nothing changed: nothing written.
    assert (
        history.record_year(made, 2021, YearFigures(4_000_000, 4_500_000, 4_200_000), actor=officer, expected_version=2)
        == {}
    )
    # A year with no row yet (the start year moved earlier since it was recorded) is recorded anew.
    workflow.update_arrangement(
        made,
        ArrangementDetails(
            name="Shared planning",
            service_area="legal",
            sharing_type="services",
            started_on=date(2019, 9, 1),
            estimated_annual_savings_pence=40_000 * POUND,
        ),
        actor=officer,
        expected_version=2,
    )
    history.record_year(made, 2019, YearFigures(None, 1_500_000), actor=officer, expected_version=3)
    db.session.commit()
    assert years_of(made)[2019] == (None, 1_500_000, None) and reloaded(made).version == 4
    actions = [
        (e.action, e.detail.get("year"), e.detail.get("changes"))
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("arrangement.year%")).order_by(AuditEvent.id)
        )
    ]
    assert actions == [
        ("arrangement.year_corrected", 2021, changes),
        ("arrangement.year_recorded", 2019, {"claimed_savings_pence": [None, 1_500_000]}),
    ]
    # The start cannot now move after the first year with savings.
    moved = ArrangementDetails(
        name="Shared planning",
        service_area="legal",
        sharing_type="services",
        started_on=date(2020, 5, 1),
        estimated_annual_savings_pence=40_000 * POUND,
    )
    assert workflow.details_problems(moved, actor=officer, arrangement=reloaded(made)) == {
        "started_on": "Savings are recorded for 2019/20, so the start date must be on or before 31 March 2020"
    }


def test_a_year_from_a_page_read_before_someone_elses_change_is_refused(officer, make_user):  # type: ignore[no-untyped-def]
    colleague = make_user(Role.PROGRAMME_OFFICER, email="ruth@lga.example.gov.uk")
    made = record(officer, "Shared HR", date(2020, 5, 1))
    history.record_year(made, 2020, YearFigures(1), actor=colleague, expected_version=1)
    db.session.commit()
    before = stored()
    with pytest.raises(StaleArrangementError):
        history.record_year(made, 2021, YearFigures(2), actor=officer, expected_version=1)
    db.session.rollback()
    with pytest.raises(StaleArrangementError):
        history.end_arrangement(made, ended_on=TODAY, reason="Over", actor=officer, expected_version=1)
    db.session.rollback()
    assert stored() == before


def test_only_a_programme_officer_records_a_year(officer, make_user):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared HR", date(2020, 5, 1))
    for role in (Role.APPROVER, Role.ADMINISTRATOR, Role.COUNCIL_OFFICER):
        who = make_user(role, email=f"{role.value}@lga.example.gov.uk")
        with pytest.raises(ArrangementError) as refused:
            history.record_year(made, 2020, YearFigures(1), actor=who, expected_version=None)
        assert refused.value.problems == {"actor": workflow.NOT_STAFF_MESSAGE}
        with pytest.raises(ArrangementError):
            history.end_arrangement(made, ended_on=TODAY, reason="Over", actor=who, expected_version=None)
        db.session.rollback()
        # Who may not verify is told so beside the verified figure.
        assert history.year_problems(made, 2020, YearFigures(1, None, 5), actor=who) == {
            "verified_savings": workflow.NOT_VERIFIER_MESSAGE
        }


# 4. The savings since a year ---------------------------------------------------------------------------


def test_the_savings_since_a_year_add_up_the_yearly_rows_by_basis_a_year_in_progress_in_full(officer):  # type: ignore[no-untyped-def]
    first = record(officer, "First", date(2012, 4, 1), estimated=0, councils=("Babergh", "Ipswich"))
    second = record(officer, "Second", date(2013, 4, 1), estimated=0, councils=("Ipswich", "Camden"))
    # Every year 0 but these.
    set_year(first, officer, 2012, 100, 90, 80)
    set_year(first, officer, 2013, 1_000, None, 700)
    set_year(second, officer, 2013, 10_000, 9_000, None)
    set_year(second, officer, THIS_YEAR, 50_000, None, None)

    assert history.cumulative_savings(2012, date(2013, 3, 31), Basis.ESTIMATED) == 100
    # 1 April 2013 is in 2013/14: the whole year counts, not the one day.
    assert history.cumulative_savings(2012, date(2013, 4, 1), "estimated") == 11_100
    assert history.cumulative_savings(2012, date(2013, 4, 1), "claimed") == 9_090
    assert history.cumulative_savings(2012, date(2013, 4, 1), "verified") == 780
    assert history.cumulative_savings(2013, date(2013, 4, 1), Basis.VERIFIED) == 700
    # The year in progress counts in full as recorded, to any day of it.
    for day in (date(THIS_YEAR, 4, 1), TODAY):
        assert history.cumulative_savings(2012, day, Basis.ESTIMATED) == 61_100
    found = history.cumulative_figures(2012, TODAY)
    assert (found.arrangements, found.councils) == (2, 3)
    assert (found.label, found.since_label) == (f"2012/13 to {year_label(THIS_YEAR)}", "2012/13")
    # Narrowed to a region: only Camden's arrangement has a council in London.
    london = history.cumulative_figures(2012, TODAY, RegisterFilter(region=Region.LONDON))
    assert (london.estimated_pence, london.arrangements, london.councils) == (60_000, 1, 2)
    assert history.first_year() == 2012
    with pytest.raises(ValueError):
        history.cumulative_savings(2012, TODAY, "guessed")


def test_the_savings_since_a_year_are_one_statement(officer):  # type: ignore[no-untyped-def]
    for number in range(5):
        record(officer, f"Arrangement {number}", date(2012 + number, 4, 1))
    with counting_statements() as seen:
        history.cumulative_figures(2012, TODAY)
    assert len([statement for statement in seen if statement.startswith("SELECT")]) == 1


# 5. The pages ------------------------------------------------------------------------------------------


def summary(page: str, list_id: str) -> dict[str, str]:
    found = re.search(rf'<dl class="govuk-summary-list[^"]*" id="{list_id}">(.*?)</dl>', page, re.S)
    assert found, f"no summary list {list_id}"
    return {
        words(key): words(value)
        for key, value in re.findall(
            r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
            found.group(1),
            re.S,
        )
    }


def test_the_register_shows_the_current_edition_by_default_and_another_when_chosen(client, officer):  # type: ignore[no-untyped-def]
    old = record(officer, "Old partnership", date(2012, 4, 1), estimated=1_000 * POUND)
    history.end_arrangement(old, ended_on=date(2015, 3, 31), reason="Over", actor=officer, expected_version=None)
    new = record(officer, "New partnership", date(2014, 4, 1), estimated=2_000 * POUND, claimed=2_500 * POUND)
    db.session.commit()
    signed_in_as(client, officer)

    current = text(client.get("/sharing/register"))
    label = year_label(THIS_YEAR)
    assert f'<option value="{THIS_YEAR}" selected>{label} edition</option>' in current
    assert '<option value="2012">2012/13 edition</option>' in current
    assert "New partnership" in current and "Old partnership" not in current
    assert summary(current, "edition-totals") == {
        f"Estimated savings in {label}": "£2,000",
        f"Claimed savings in {label}": "£2,500",
        f"Verified savings in {label}": "£0",
    }
    # Since the first year: 2012/13 to 2014/15 of the old one (3 years), 2014/15 on of the new.
    years_new = THIS_YEAR - 2014 + 1
    assert "Savings since 2012/13" in current
    assert summary(current, "since-totals") == {
        "Verified by the LGA": "£0",
        "Claimed by the councils": f"£{2_500 * years_new:,}",
        "Estimated": f"£{3 * 1_000 + 2_000 * years_new:,}",
    }
    assert "2 arrangements between 2 councils" in words(current)

    edition = text(client.get("/sharing/register?edition=2013"))
    assert '<option value="2013" selected>2013/14 edition</option>' in edition
    assert "Old partnership" in edition and "New partnership" not in edition
    assert summary(edition, "edition-totals")["Estimated savings in 2013/14"] == "£1,000"
    # Through the edition's year only.
    assert summary(edition, "since-totals")["Estimated"] == "£2,000"
    # The filters keep the edition, and the download follows it.
    assert 'href="/sharing/register.csv?edition=2013"' in edition
    # An edition there is not is the current one.
    assert f'<option value="{THIS_YEAR}" selected>' in text(client.get("/sharing/register?edition=1900"))
    assert f'<option value="{THIS_YEAR}" selected>' in text(client.get("/sharing/register?edition=banana"))
    ended = text(client.get("/sharing/register?edition=2014"))
    assert "1 April 2012 to 31 March 2015" in ended
    assert f"/sharing/arrangements/{new.id}" in ended


def test_the_csv_is_the_chosen_editions(client, officer):  # type: ignore[no-untyped-def]
    old = record(officer, "=Old partnership", date(2012, 4, 1), estimated=1_000 * POUND)
    history.end_arrangement(old, ended_on=date(2015, 3, 31), reason="Over", actor=officer, expected_version=None)
    record(officer, "New partnership", date(2014, 4, 1), estimated=2_000 * POUND)
    db.session.commit()
    signed_in_as(client, officer)
    response = client.get("/sharing/register.csv?edition=2014")
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="shared-services-map-2014-15-edition-'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline="")))
    assert rows[0][-4:] == [
        "Ended on",
        "Estimated savings 2014/15 (£)",
        "Claimed savings 2014/15 (£)",
        "Verified savings 2014/15 (£)",
    ]
    assert [(row[0], row[6], row[7]) for row in rows[1:]] == [
        ("'=Old partnership", "2015-03-31", "1000.00"),
        ("New partnership", "", "2000.00"),
    ]
    current = list(csv.reader(io.StringIO(client.get("/sharing/register.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in current[1:]] == ["New partnership"]


def test_staff_record_and_correct_a_year_on_the_arrangement_page(client, officer):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared waste", date(2021, 6, 1), estimated=30_000 * POUND)
    signed_in_as(client, officer)
    page = text(client.get(f"/sharing/arrangements/{made.id}"))
    assert 'id="savings-by-year"' in page
    for year in range(2021, THIS_YEAR + 1):
        assert f'href="/sharing/arrangements/{made.id}/years/{year}"' in page
    form_path = f"/sharing/arrangements/{made.id}/years/2022"
    form = text(client.get(form_path))
    assert "Correct the savings in 2022/23 (1 April 2022 to 31 March 2023)" in words(form)
    assert input_value(form, "estimated_savings") == "30,000" and input_value(form, "version") == "1"
    saved = fill(
        client, form_path, {"estimated_savings": "30,000", "claimed_savings": "31,500.50", "verified_savings": "29,000"}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/sharing/arrangements/{made.id}#years")
    assert years_of(made)[2022] == (3_000_000, 3_150_050, 2_900_000)
    after = text(client.get(f"/sharing/arrangements/{made.id}"))
    assert "Savings for 2022/23 saved" in words(after) and "£31,500.50" in after
    assert "Savings of a year corrected" in words(after)
    # A year the arrangement did not run has no page.
    assert client.get(f"/sharing/arrangements/{made.id}/years/2020").status_code == 404
    assert client.get(f"/sharing/arrangements/{made.id}/years/{THIS_YEAR + 1}").status_code == 404


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"estimated_savings": "-5"}, "estimated_savings", "The estimated savings cannot be negative"),
        (
            {"claimed_savings": "lots"},
            "claimed_savings",
            "Enter the claimed savings as a number of pounds, like 6,000 or 6000.50",
        ),
        (
            {"verified_savings": "1.234"},
            "verified_savings",
            "The verified savings must have no more than 2 decimal places, like 6000.50",
        ),
        (
            {"estimated_savings": "200,000,000"},
            "estimated_savings",
            "The estimated savings must be less than £100,000,000",
        ),
        (
            {"estimated_savings": "", "claimed_savings": "", "verified_savings": ""},
            "estimated_savings",
            "Enter the savings for the year: estimated, claimed or verified",
        ),
    ],
)
def test_bad_figures_are_refused_beside_their_field_and_nothing_is_stored(client, officer, answers, field, message):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared waste", date(2021, 6, 1))
    signed_in_as(client, officer)
    before = stored()
    form_path = f"/sharing/arrangements/{made.id}/years/2021"
    assert_refused_beside(fill(client, form_path, answers), field, message)
    assert stored() == before


def test_the_end_page_records_the_end_and_refuses_bad_input_beside_the_field(client, officer):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared waste", date(2018, 6, 1))
    signed_in_as(client, officer)
    path = f"/sharing/arrangements/{made.id}/end"
    before = stored()
    refused = fill(client, path, {"ended_on": date_parts(date(2018, 5, 31)), "reason": ""})
    page = text(refused)
    assert list(error_summary(page)) == ["#ended_on", "#reason"]
    assert_refused_beside(
        refused, "ended_on", "The end date must be on or after the day the arrangement started, 1 June 2018"
    )
    assert stored() == before
    done = fill(client, path, {"ended_on": date_parts(date(2023, 3, 31)), "reason": "Brought back in house"})
    assert done.status_code == 302
    shown = text(client.get(f"/sharing/arrangements/{made.id}"))
    assert "ended on 31 March 2023" in words(shown) and "Brought back in house" in shown
    assert set(years_of(made)) == set(range(2018, 2023))
    # A second page, drawn before, is refused as stale.
    stale = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "version": "1", "ended_on": date_parts(TODAY), "reason": "x"},
    )
    assert "Someone else changed this arrangement" in banner(text(stale))
    assert reloaded(made).ended_on == date(2023, 3, 31)


def test_council_officers_read_the_history_and_change_nothing(client, officer, make_user):  # type: ignore[no-untyped-def]
    made = record(officer, "Shared waste", date(2018, 6, 1))
    history.end_arrangement(
        made, ended_on=date(2023, 3, 31), reason="Internal reason", actor=officer, expected_version=None
    )
    db.session.commit()
    council = make_user(Role.COUNCIL_OFFICER, email="priya@babergh.example.gov.uk")
    signed_in_as(client, council)
    page = text(client.get(f"/sharing/arrangements/{made.id}"))
    assert 'id="savings-by-year"' in page and "31 March 2023" in page
    assert "/years/2019" not in page and "/end" not in page and "Internal reason" not in page
    assert client.get("/sharing/register?edition=2019").status_code == 200
    assert client.get("/sharing/register.csv?edition=2019").status_code == 200
    before = stored()
    for path in (f"/sharing/arrangements/{made.id}/years/2019", f"/sharing/arrangements/{made.id}/end"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"version": "2", "estimated_savings": "1"}).status_code in (400, 403)
    assert stored() == before
    assert "version" not in hidden_fields(page)
