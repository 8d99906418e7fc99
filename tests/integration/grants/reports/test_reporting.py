"""The reporting dashboard on PostgreSQL: councils reached, applications by status, money and
savings at each stage, per round, per scheme and for the programme, each against its target with
its Red/Amber/Green status; the year quarter by quarter; the rule administrators set; the charts;
who may see it; and a fixed number of statements per page whatever the data."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import render_template_string
from sqlalchemy import select

from grants.charts import Bar, Heading, Marker, bar_chart
from grants.extensions import db
from grants.models import ApplicationStatus, AuditEvent, RagRule, Role, SchemeKind
from tests.builders.applications import approved, drafted, joint_trial, scored
from tests.builders.engagements import delivered, paid, verify
from tests.builders.people import officer_of
from tests.builders.rounds import programme_round, this_year
from tests.builders.sharing import arrangement
from tests.support.client import csrf_token, post_form, signed_in
from tests.support.database import counting_statements
from workflows import applications, reporting
from workflows.reporting import Assessment, Level, Measure, Period, Rule, Scope, elapsed_fraction

S = ApplicationStatus
STAFF_EMAIL = "tom@lga.example.gov.uk"


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def declined(people, councils, funding_round, council: str):  # type: ignore[no-untyped-def]
    """An application approved whose offer the council then declined."""
    officer = officer_of(councils[council])
    application = drafted(funding_round, councils[council], officer)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    applications.check_eligibility(application, date.today())
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    applications.approve(application, actor=people["approver"], expected_version=None)
    applications.decline_offer(application, actor=officer, reason="No capacity this year", expected_version=None)
    db.session.commit()
    return application


@pytest.fixture
def world(people, councils, session, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Three programme lines this financial year:
    - Productivity Experts (targets: 4 councils, £100,000): Babergh's work delivered, its report
      verified and £3,000 paid; Ipswich approved; Suffolk approved then declined; Camden submitted.
    - Behavioural Insights (target: 3 councils, none for savings): Camden's trial with Babergh as
      its confirmed partner, approved.
    - Shared services (target: £500,000): one arrangement started this year, one long before."""
    grants = programme_round(
        "productivity-experts", "Productivity Experts", target_councils=4, target_savings_pence=10_000_000
    )
    trials = programme_round(
        "behavioural-insights", "Behavioural Insights", kind=SchemeKind.MATCH_FUNDING, target_councils=3
    )
    sharing = programme_round(
        "shared-services", "Shared services", kind=SchemeKind.MATCHMAKING, target_savings_pence=50_000_000
    )
    babergh = approved(people, councils, grants, "babergh")
    ipswich = approved(people, councils, grants, "ipswich")
    suffolk = declined(people, councils, grants, "suffolk")
    camden_officer = officer_of(councils["camden"])
    waiting = drafted(grants, councils["camden"], camden_officer)
    applications.submit(waiting, actor=camden_officer, expected_version=None, today=date.today())
    db.session.commit()
    report = delivered(
        babergh,
        people,
        tmp_path,
        expert_name="Amira Local",
        claimed=(4_000_000, 1_000_000, 500_000),
        verified=(3_000_000, 1_000_000, 0),
    )
    paid(babergh, people, 300_000)
    trial = joint_trial(people, councils, trials, lead="camden", partner="babergh")
    this_years = arrangement(
        people,
        ["Babergh", "Ipswich"],
        sharing.opens_on,
        name="Babergh and Ipswich legal",
        estimated=2_000_000,
        claimed=2_500_000,
        verified=2_200_000,
    )
    arrangement(people, ["Suffolk", "Camden"], date(2019, 5, 1), name="Older one", estimated=9_000_000)
    return {
        "grants": grants,
        "trials": trials,
        "sharing": sharing,
        "babergh": babergh,
        "ipswich": ipswich,
        "suffolk": suffolk,
        "camden": waiting,
        "report": report,
        "trial": trial,
        "arrangement": this_years,
    }


def year_figures(level: Level) -> dict[int, reporting.Figures]:
    first, last = reporting.financial_year_bounds(this_year())
    return reporting.figures(Scope(year=this_year()), level, [Period(first, last)])


# The figures ---------------------------------------------------------------------------------------


def test_each_line_counts_its_councils_money_and_savings_at_each_stage(world) -> None:  # type: ignore[no-untyped-def]
    found = year_figures(Level.SCHEME)

    grants = found[world["grants"].scheme_id]
    [totals] = grants.periods
    # Babergh and Ipswich: the declined offer (Suffolk) and the submitted application (Camden) are not reached.
    assert totals.councils == 2 and totals.approved == 2
    assert totals.committed_pence == 1_200_000 == world["grants"].committed_pence
    assert totals.paid_pence == 300_000
    # Estimated: £120,000 cashable and £80,000 income in each approved application.
    assert (totals.estimated.cashable_pence, totals.estimated.income_pence, totals.estimated.avoided_pence) == (
        24_000_000,
        16_000_000,
        0,
    )
    assert (totals.claimed.cashable_pence, totals.claimed.income_pence, totals.claimed.avoided_pence) == (
        4_000_000,
        1_000_000,
        500_000,
    )
    assert (totals.verified.cashable_pence, totals.verified.income_pence, totals.verified.avoided_pence) == (
        3_000_000,
        1_000_000,
        0,
    )
    assert totals.reports_filed == totals.reports_verified == 1
    assert grants.standing.by_status == {
        **dict.fromkeys(ApplicationStatus, 0),
        S.SUBMITTED: 1,
        S.EXPERT_MATCHING: 1,
        S.OUTCOMES_REPORTED: 1,
        S.WITHDRAWN: 1,
    }
    assert grants.standing.applications == 4
    assert (grants.standing.target_councils, grants.standing.target_savings_pence) == (4, 10_000_000)
    assert grants.standing.budget_pence == 18_000_000

    trials = found[world["trials"].scheme_id]
    [trial_totals] = trials.periods
    # The lead and its confirmed partner.
    assert trial_totals.councils == 2 and trial_totals.committed_pence == 2_000_000
    assert trials.standing.target_savings_pence is None

    sharing = found[world["sharing"].scheme_id]
    [shared] = sharing.periods
    # Only the arrangement that started within the round's dates.
    assert shared.arrangements.count == 1
    assert (shared.estimated_pence, shared.claimed_pence, shared.verified_pence) == (2_000_000, 2_500_000, 2_200_000)

    [programme] = year_figures(Level.PROGRAMME)[reporting.PROGRAMME_KEY].periods
    # Babergh is reached by two lines but counted once.
    assert programme.councils == 3
    assert programme.committed_pence == 3_200_000
    assert programme.verified_pence == 4_000_000 + 2_200_000
    assert programme.claimed_pence == 5_500_000 + 2_500_000


def test_a_whole_summed_from_its_lines_has_the_figures_counted_for_it_directly(world) -> None:  # type: ignore[no-untyped-def]
    """The programme's figures added up from its schemes', and a scheme's from its rounds', are
    those counted for it on its own: Babergh, reached by two schemes, counts once."""
    first, last = reporting.financial_year_bounds(this_year())
    periods = [Period(first, last), Period(None, first - timedelta(days=1)), Period(None, None)]
    year = Scope(year=this_year())
    whole, lines = reporting.figures_with_lines(year, Level.SCHEME, periods)
    assert whole == reporting.figures(year, Level.PROGRAMME, periods)[reporting.PROGRAMME_KEY]
    assert lines == reporting.figures(year, Level.SCHEME, periods)
    assert sum(line.periods[0].councils for line in lines.values()) > whole.periods[0].councils
    for name in ("grants", "trials", "sharing"):
        scheme_id = world[name].scheme_id
        scheme = Scope(year=this_year(), scheme_id=scheme_id)
        whole, lines = reporting.figures_with_lines(scheme, Level.ROUND, periods)
        assert whole == reporting.figures(scheme, Level.SCHEME, periods)[scheme_id]
        assert lines == reporting.figures(scheme, Level.ROUND, periods)


def test_the_programme_dashboard_shows_every_line_against_its_targets(app, world) -> None:  # type: ignore[no-untyped-def]
    body = text_of(signed_in(app, STAFF_EMAIL).get("/reports"))
    today = date.today()
    first, last = reporting.financial_year_bounds(this_year())
    share = elapsed_fraction(first, last, today)

    assert "Programme dashboard" in body and reporting.year_label(this_year()) in body
    for name in ("Productivity Experts", "Behavioural Insights", "Shared services"):
        assert name in body
    # The programme's savings: each kind at each stage, and the shared arrangement's.
    assert "£62,000" in body and "£80,000" in body and "£420,000" in body  # verified, claimed, estimated
    assert "£32,000" in body and "£3,000" in body  # committed and paid
    # The statuses, each with its rule in words, computed as the rule says.
    councils = Assessment(Measure.COUNCILS, 3, 7, 7 * share, today, Rule())
    savings = Assessment(Measure.SAVINGS, 6_200_000, 60_000_000, 60_000_000 * share, today, Rule())
    assert html.escape(councils.in_words()) in body
    assert html.escape(savings.in_words()) in body
    # A line with no savings target shows no status for it, and says so.
    assert "No target: no target is set, so there is no status." in body
    assert "The savings status counts <strong>verified</strong> savings only" in body
    # Downloadable from the dashboard: the 360Giving files.
    assert 'href="/open-data/360giving.csv"' in body and 'href="/open-data/360giving.json"' in body
    # Each line links to its own dashboard for the year.
    assert f'href="/reports/schemes/{world["grants"].scheme_id}?year={this_year()}"' in body


def test_the_line_and_round_pages_show_their_own_figures(app, world) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(app, STAFF_EMAIL)
    line = text_of(browser.get(f"/reports/schemes/{world['grants'].scheme_id}"))
    assert "Productivity Experts" in line
    assert "£40,000" in line  # verified
    assert "£12,000" in line and "£180,000" in line  # committed and budget
    assert f'href="/reports/rounds/{world["grants"].id}"' in line
    assert "Behavioural Insights" not in line

    round_page = text_of(browser.get(f"/reports/rounds/{world['trials'].id}"))
    assert "Round " + world["trials"].name in round_page
    assert "2 councils" in round_page and "£20,000" in round_page
    assert "No target" in round_page

    shared = text_of(browser.get(f"/reports/rounds/{world['sharing'].id}"))
    assert "Shared arrangements, a year (1)" in shared
    assert "£22,000" in shared and "£25,000" in shared

    assert browser.get("/reports/schemes/99999").status_code == 404
    assert browser.get("/reports/rounds/99999").status_code == 404


def test_the_status_follows_the_rule_and_the_elapsed_share_of_the_round(people, councils, session) -> None:  # type: ignore[no-untyped-def]
    # A round of the whole year with a target of 4 councils; one reached.
    funding_round = programme_round("productivity-experts", "Productivity Experts", target_councils=4)
    approved(people, councils, funding_round)
    first, last = reporting.financial_year_bounds(this_year())
    rounds = reporting.list_rounds(Scope(year=this_year()))

    def status(as_of: date, rule: Rule) -> reporting.RagStatus:
        expected = reporting.expected_by(rounds, Level.ROUND, as_of, rule)[funding_round.id]
        return reporting.rag_status(1, expected.councils, rule)

    # One council of a pro-rata quarter of four is Green after a quarter of the year...
    assert status(date(first.year, 6, 30), Rule()) is reporting.RagStatus.GREEN
    # ...Red by the year's end, and Red at once against the whole target.
    assert status(last, Rule()) is reporting.RagStatus.RED
    assert status(date(first.year, 6, 30), Rule(pro_rata=False)) is reporting.RagStatus.RED
    # A generous rule makes one of four Amber.
    assert status(last, Rule(green_percent=100, amber_percent=25)) is reporting.RagStatus.AMBER


# Quarter by quarter ---------------------------------------------------------------------------------


def test_the_year_quarter_by_quarter_counts_each_event_in_its_uk_quarter(app, people, councils, session, tmp_path):  # type: ignore[no-untyped-def]
    year = this_year() - 1  # a year that is over, so every quarter has ended
    funding_round = programme_round(
        "productivity-experts", "Productivity Experts", year=year, target_councils=2, target_savings_pence=4_000_000
    )
    with time_machine.travel(datetime(year, 5, 12, 10, tzinfo=UTC), tick=False):
        babergh = approved(people, councils, funding_round, "babergh")
    # 11:30pm on 30 June UTC is 12:30am on 1 July in the UK (summer time): the second quarter.
    with time_machine.travel(datetime(year, 6, 30, 23, 30, tzinfo=UTC), tick=False):
        approved(people, councils, funding_round, "ipswich")
    with time_machine.travel(datetime(year, 8, 20, 10, tzinfo=UTC), tick=False):
        report = delivered(
            babergh, people, tmp_path, expert_name="Amira Local", claimed=(2_000_000, 0, 0), verified=None
        )
    with time_machine.travel(datetime(year, 11, 3, 10, tzinfo=UTC), tick=False):
        verify(report, people, (1_500_000, 0, 0))
        paid(babergh, people, 600_000, paid_on=date(year, 11, 3))

    body = text_of(signed_in(app, STAFF_EMAIL).get(f"/reports/quarters?year={year}"))
    table = body[body.index("What happened in each quarter") :]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)
    words = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows[1:5]]
    # Approved, committed, paid, and savings estimated, claimed and verified in each quarter.
    assert words == [
        f"Q1 April to June {year} 1 £6,000 £0 £200,000 £0 £0",
        f"Q2 July to September {year} 1 £6,000 £0 £200,000 £20,000 £0",
        f"Q3 October to December {year} 0 £0 £6,000 £0 £0 £15,000",
        f"Q4 January to March {year + 1} 0 £0 £0 £0 £0 £0",
    ]

    view_rows = {row.quarter.number: row for row in _quarters(year)}
    assert [view_rows[n].to_date.councils for n in (1, 2, 3, 4)] == [1, 2, 2, 2]
    assert [view_rows[n].in_quarter.approved for n in (1, 2, 3, 4)] == [1, 1, 0, 0]
    assert [view_rows[n].to_date.verified_pence for n in (1, 2, 3, 4)] == [0, 0, 1_500_000, 1_500_000]
    assert view_rows[4].progress is not None
    # By the year's end both councils were reached (Green); £1.5m of £4m verified is Red.
    assert view_rows[4].progress.councils.status is reporting.RagStatus.GREEN
    assert view_rows[4].progress.savings.status is reporting.RagStatus.RED


def _quarters(year: int) -> list:  # type: ignore[type-arg]
    from grants.reports.pages import quarter_view

    return quarter_view(year, None, date.today(), Rule()).rows


# The rule ----------------------------------------------------------------------------------------------


def rule_form(green: str = "100", amber: str = "80", pro_rata: str = "yes", version: str = "0") -> dict[str, str]:
    return {"green_percent": green, "amber_percent": amber, "pro_rata": pro_rata, "version": version}


def test_an_administrator_sets_the_rule_and_the_statuses_follow_it(app, world, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMINISTRATOR, email="sam@lga.example.gov.uk", name="Sam Patel")
    browser = signed_in(app, admin.email)
    page = text_of(browser.get("/reports/rule"))
    assert "these are the defaults" in page and 'value="100"' in page and 'value="80"' in page
    assert db.session.scalar(select(RagRule)) is None  # no row until someone saves

    # Amber above Green, and a threshold that is not a number: each message beside its field.
    refused = post_form(browser, "/reports/rule", rule_form(green="90", amber="95"))
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    assert "govuk-error-summary" in body
    assert 'id="amber_percent-error"' in body
    assert "The Amber threshold must be the same as or lower than the Green threshold" in body
    nonsense = post_form(browser, "/reports/rule", rule_form(green="lots")).get_data(as_text=True)
    assert 'id="green_percent-error"' in nonsense and "Enter the Green threshold as a whole number" in nonsense
    assert db.session.scalar(select(RagRule)) is None

    saved = post_form(browser, "/reports/rule", rule_form(green="90", amber="10", pro_rata="no"))
    assert saved.status_code == 302
    db.session.expire_all()
    rule = db.session.scalar(select(RagRule))
    assert (rule.green_percent, rule.amber_percent, rule.pro_rata, rule.version) == (90, 10, False, 1)
    assert rule.updated_by_id == admin.id
    [audit] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rag_rule.updated")).all()
    assert audit.actor_id == admin.id
    assert audit.detail["changes"] == {"green_percent": [100, 90], "amber_percent": [80, 10], "pro_rata": [True, False]}

    # The dashboard uses it: 3 of 7 councils is 42%, Amber at 10% against the whole target.
    dashboard = text_of(browser.get("/reports"))
    assert (
        "Amber: at or above 10% but below 90% of the target (7 councils); 42% reached (3 councils reached)."
        in dashboard
    )

    # A page read before that save is refused, and nothing changes.
    stale = post_form(browser, "/reports/rule", rule_form(green="100", amber="80", version="0"))
    assert stale.status_code == 200
    assert "Someone else changed the rule while you were working on it" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(RagRule.version)) == 1
    # Saving the same again changes nothing and records nothing.
    same = post_form(browser, "/reports/rule", rule_form(green="90", amber="10", pro_rata="no", version="1"))
    assert same.status_code == 302
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rag_rule.updated")).all()) == 1


def test_only_administrators_change_the_rule(app, people, make_user) -> None:  # type: ignore[no-untyped-def]
    for email in (STAFF_EMAIL, "margaret@lga.example.gov.uk"):
        browser = signed_in(app, email)
        assert browser.get("/reports/rule").status_code == 403
        token = csrf_token(browser, "/reports")
        refused = browser.post("/reports/rule", data={"csrf_token": token, **rule_form(green="50", amber="40")})
        assert refused.status_code == 403
    assert db.session.scalar(select(RagRule)) is None


# Who sees it -----------------------------------------------------------------------------------------


REPORTING_PAGES = [
    "/reports",
    "/reports/schemes/{scheme}",
    "/reports/rounds/{round}",
    "/reports/quarters",
    "/reports/rule",
    "/reports/board",
    "/reports/board/{year}/q1",
    "/reports/board/{year}/q1.csv",
]


def test_council_officers_and_experts_get_403_on_every_reporting_route(app, world, people, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.EXPERT, email="expert@experts.example.org", name="An Expert")
    places = {"scheme": world["grants"].scheme_id, "round": world["grants"].id, "year": this_year()}
    reporting_rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reports.")]
    assert len(reporting_rules) == 11
    for email in ("priya@babergh.example.gov.uk", "expert@experts.example.org"):
        browser = signed_in(app, email)
        for page in REPORTING_PAGES:
            assert browser.get(page.format(**places)).status_code == 403, (email, page)
        token = csrf_token(browser, "/home")
        for page in ("/reports/rule", f"/reports/board/{this_year()}/q1/issue"):
            assert browser.post(page, data={"csrf_token": token}).status_code == 403, (email, page)


def test_every_member_of_staff_sees_the_dashboard(app, world, people) -> None:  # type: ignore[no-untyped-def]
    for email in (STAFF_EMAIL, "hannah@lga.example.gov.uk", "margaret@lga.example.gov.uk"):
        browser = signed_in(app, email)
        body = text_of(browser.get("/reports"))
        assert '<a class="govuk-service-navigation__link" href="/reports" aria-current="true">' in body
        assert text_of(browser.get("/reports/quarters"))
    # Anyone not signed in is sent to sign in.
    anonymous = app.test_client().get("/reports")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")


# Charts -----------------------------------------------------------------------------------------------


def test_charts_are_images_with_a_title_a_description_and_a_table_beside_them(app, world) -> None:  # type: ignore[no-untyped-def]
    body = text_of(signed_in(app, STAFF_EMAIL).get("/reports"))
    charts = re.findall(r"<svg [^>]*>.*?</svg>", body, re.S)
    assert len(charts) == 4
    for chart in charts:
        labelled = re.search(r'role="img" aria-labelledby="([\w-]+) ([\w-]+)"', chart)
        assert labelled, chart[:200]
        assert f'<title id="{labelled.group(1)}">' in chart and f'<desc id="{labelled.group(2)}">' in chart
    savings = next(c for c in charts if "Savings estimated, claimed and verified" in c)
    # Each bar is named and given its value in text, and the description gives every figure.
    assert ">Verified</text>" in savings and ">£62,000</text>" in savings
    assert "Verified: £62,000." in savings and "Target: £600,000." in savings
    # The tables with the same figures.
    assert "Savings by kind: estimated, claimed and verified" in body
    assert "Money budgeted, committed and paid" in body
    assert "Applications by status, as they stand now" in body


def test_a_charts_words_are_escaped(app, session) -> None:  # type: ignore[no-untyped-def]
    chart = bar_chart(
        "x",
        "A <title>",
        "Summary & more",
        [Heading("<b>Group</b>"), Bar("<script>alert(1)</script>", 5, "5 & 6")],
        [Marker("Target <5>", 10)],
    )
    with app.test_request_context():
        drawn = render_template_string(
            '{% from "reports/_chart.html" import bar_chart %}{{ bar_chart(chart) }}', chart=chart
        )
    assert "<script>" not in drawn and "&lt;script&gt;alert(1)&lt;/script&gt;" in drawn
    assert "<b>" not in drawn and "&lt;b&gt;Group&lt;/b&gt;" in drawn
    assert "A &lt;title&gt;" in drawn and "5 &amp; 6" in drawn and "Target &lt;5&gt;" in drawn


def test_a_bar_is_scaled_to_the_largest_value_or_marker() -> None:
    chart = bar_chart("x", "T", "S", [Bar("A", 50, "50"), Bar("B", 0, "0")], [Marker("Target", 100)])
    first, second = chart.bars
    assert first.width * 2 == chart.markers[0].x - chart.bar_left
    assert second.width == 0
    assert chart.description == "S. A: 50. B: 0. Target."


# A fixed number of statements --------------------------------------------------------------------------


def test_each_reporting_page_takes_the_same_number_of_statements_however_much_data(  # type: ignore[no-untyped-def]
    app, people, councils, session, tmp_path
) -> None:
    grants = programme_round("productivity-experts", "Productivity Experts", target_councils=10)
    trials = programme_round("behavioural-insights", "Behavioural Insights", kind=SchemeKind.MATCH_FUNDING)
    sharing = programme_round("shared-services", "Shared services", kind=SchemeKind.MATCHMAKING)
    babergh = approved(people, councils, grants, "babergh")
    year = this_year()
    first_quarter = reporting.Quarter(year, 1)
    reporting.issue_board_report(
        first_quarter, actor=people["approver"], note="", expected_latest=0, today=date.today()
    )
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)
    pages = [
        "/reports",
        f"/reports/schemes/{grants.scheme_id}",
        f"/reports/rounds/{grants.id}",
        "/reports/quarters",
        f"/reports/board/{year}/q1",
        f"/reports/board/{year}/q1.csv",
        "/reports/board",
    ]

    def statements() -> dict[str, int]:
        counted = {}
        for page in pages:
            browser.get(page)  # anything done once per process is done before counting
            with counting_statements() as seen:
                response = browser.get(page)
                response.get_data()
            assert response.status_code == 200, page
            counted[page] = len(seen)
        return counted

    small = statements()
    # Much more of everything: approvals, a delivered and verified report, payments, a joint bid
    # with a partner, shared arrangements.
    more = approved(people, councils, grants, "ipswich")
    delivered(babergh, people, tmp_path, expert_name="Amira Local", claimed=(1, 2, 3), verified=(1, 2, 3))
    delivered(more, people, tmp_path, expert_name="Bob Local", claimed=(5, 0, 0), verified=None)
    paid(babergh, people, 100_000)
    paid(babergh, people, 200_000)
    joint_trial(people, councils, trials, lead="camden", partner="suffolk")
    arrangement(people, ["Babergh", "Camden"], sharing.opens_on, name="One", estimated=100)
    arrangement(people, ["Ipswich", "Suffolk"], sharing.opens_on, name="Two", estimated=200)
    for latest in (1, 2, 3):
        reporting.issue_board_report(
            first_quarter, actor=people["approver"], note="", expected_latest=latest, today=date.today()
        )
    db.session.commit()
    larger = statements()

    assert all(count > 0 for count in small.values())
    assert larger == small
