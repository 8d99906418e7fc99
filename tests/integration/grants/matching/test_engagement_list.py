"""The list of every engagement and its download, on PostgreSQL: each engagement with its expert,
council, status, days logged, reports filed and verified money; the page's filters kept by the
download; a fixed number of statements however many rows; and neither open to council officers
or experts."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from grants.extensions import db
from grants.matching.engagement_list import ENGAGEMENTS_CSV_HEADER, days_text
from grants.models import Application, Engagement, EngagementStatus, Role
from tests.builders.applications import awaiting_expert
from tests.builders.engagements import agency_report
from tests.builders.people import COUNCIL_EMAIL, STAFF_EMAIL, account_of, expert
from tests.support.client import signed_in
from tests.support.database import counting_statements
from tests.support.html import rows_of
from workflows import engagements, outcomes

TODAY = date.today()


def delivered_and_verified(waiting: Application, people, tmp_path) -> Engagement:  # type: ignore[no-untyped-def]
    """Babergh's work done by Amira: a day and a half logged, completed, one report verified at
    £30,000 cashable and £15,000.50 income."""
    chosen = expert("Amira Local")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    user = account_of(chosen)
    engagements.accept(engagement, actor=user, today=TODAY)
    outcomes.log_work(engagement, actor=user, worked_on=TODAY, days_tenths=10, milestone="Baseline", today=TODAY)
    outcomes.log_work(engagement, actor=user, worked_on=TODAY, days_tenths=5, milestone="Review", today=TODAY)
    outcomes.complete(engagement, actor=user, today=TODAY)
    report = agency_report(engagement, tmp_path, None)
    outcomes.confirm(report, actor=people["officer"])
    outcomes.verify(
        report,
        actor=people["programme"],
        cashable_pence=3_000_000,
        income_pence=1_500_050,
        avoided_pence=0,
        reason="Agency spending fell by less than claimed",
    )
    db.session.commit()
    return engagement


def declined_then_offered(waiting: Application, people, councils) -> tuple[Engagement, Engagement]:  # type: ignore[no-untyped-def]
    """Ipswich's work in the same round: Bea declines it (a reason that looks like a formula), then
    it is offered to Cai, who has not answered."""
    application = awaiting_expert(people, councils, waiting.round, council="ipswich")
    bea, cai = expert("Bea Declines"), expert("Cai Waits")
    first = engagements.offer(application, bea.id, actor=people["programme"], today=TODAY)
    engagements.decline(first, actor=account_of(bea), reason="=Fully booked until spring", today=TODAY)
    second = engagements.offer(application, cai.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    return first, second


def test_the_page_lists_every_engagement_with_its_days_reports_and_verified_money(  # type: ignore[no-untyped-def]
    app: Flask, people, councils, waiting, tmp_path
):
    done = delivered_and_verified(waiting, people, tmp_path)
    declined, offered = declined_then_offered(waiting, people, councils)
    browser = signed_in(app, STAFF_EMAIL)
    page = browser.get("/matching/engagements")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 engagements." in html
    for name in ("Amira Local", "Bea Declines", "Cai Waits"):
        assert name in html
    assert "£45,000.50" in html  # verified: £30,000 cashable + £15,000.50 income
    assert ">1.5<" in html
    # The most recent offer first.
    assert html.index("Cai Waits") < html.index("Bea Declines") < html.index("Amira Local")

    only_declined = browser.get("/matching/engagements?status=declined").get_data(as_text=True)
    assert "1 engagement match these filters" in only_declined
    assert "Bea Declines" in only_declined and "Amira Local" not in only_declined
    by_expert = browser.get("/matching/engagements?expert=amira").get_data(as_text=True)
    assert "Amira Local" in by_expert and "Cai Waits" not in by_expert
    assert "Completed (1)" in by_expert  # the status choices count what each would give
    none_found = browser.get("/matching/engagements?expert=100%25").get_data(as_text=True)
    assert "No engagement matches these filters." in none_found
    assert {done.status, declined.status, offered.status} == {
        EngagementStatus.COMPLETED,
        EngagementStatus.DECLINED,
        EngagementStatus.OFFERED,
    }


def test_the_download_keeps_the_filters_and_guards_formulas(app: Flask, people, councils, waiting, tmp_path):  # type: ignore[no-untyped-def]
    done = delivered_and_verified(waiting, people, tmp_path)
    declined, _ = declined_then_offered(waiting, people, councils)
    browser = signed_in(app, STAFF_EMAIL)
    response = browser.get("/matching/engagements.csv?status=declined")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="engagements-')
    header, *rows = rows_of(response)
    assert tuple(header) == ENGAGEMENTS_CSV_HEADER
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Application reference"] == declined.application.reference
    assert row["Council"] == "Ipswich"
    assert row["Expert"] == "Bea Declines"
    assert row["Status"] == "Declined"
    assert row["Reason declined"] == "'=Fully booked until spring"
    assert row["Days logged"] == "0"

    every = rows_of(browser.get("/matching/engagements.csv"))[1:]
    assert len(every) == 3
    amira = dict(zip(header, every[-1], strict=True))
    assert amira["Application reference"] == done.application.reference
    assert amira["Status"] == "Completed"
    assert amira["Days logged"] == "1.5"
    assert amira["Outcome reports filed"] == "1"
    assert amira["Savings and income verified (£)"] == "45000.50"
    assert amira["Completed at (UK time)"] != ""
    in_round = rows_of(browser.get(f"/matching/engagements.csv?round={waiting.round_id}"))[1:]
    assert len(in_round) == 3
    assert rows_of(browser.get(f"/matching/engagements.csv?round={waiting.round_id + 1000}"))[1:] == []
    page = browser.get("/matching/engagements?status=declined").get_data(as_text=True)
    assert "/matching/engagements.csv?status=declined" in page


def test_the_page_and_download_take_as_many_statements_for_many_rows_as_for_one(  # type: ignore[no-untyped-def]
    app: Flask, people, councils, waiting, tmp_path
):
    browser = signed_in(app, STAFF_EMAIL)

    def statements(path: str) -> int:
        browser.get(path).get_data()
        with counting_statements() as seen:
            assert browser.get(path).status_code == 200
        return len(seen)

    delivered_and_verified(waiting, people, tmp_path)
    with_one = (statements("/matching/engagements"), statements("/matching/engagements.csv"))
    assert len(rows_of(browser.get("/matching/engagements.csv"))) == 2
    declined_then_offered(waiting, people, councils)
    assert len(rows_of(browser.get("/matching/engagements.csv"))) == 4
    assert (statements("/matching/engagements"), statements("/matching/engagements.csv")) == with_one


@pytest.mark.parametrize("path", ["/matching/engagements", "/matching/engagements.csv"])
def test_council_officers_and_experts_may_not_see_the_list(app: Flask, make_user, people, path):  # type: ignore[no-untyped-def]
    make_user(Role.EXPERT, email="sam@experts.example.org", name="Sam Expert")
    for email in (COUNCIL_EMAIL, "sam@experts.example.org"):
        assert signed_in(app, email).get(path).status_code == 403


def test_days_in_tenths_read_as_days() -> None:
    assert [days_text(t) for t in (0, 5, 10, 15, 30, 125)] == ["0", "0.5", "1", "1.5", "3", "12.5"]
