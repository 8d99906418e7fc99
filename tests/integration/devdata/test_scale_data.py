"""`flask scale-data generate`: a national dataset, here at a small scale, whose rows keep the
workflow's rules, and a command that refuses a database that is not empty or not PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import func, orm, select

from devdata.commands import scale_data_cli
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationEvent,
    ApplicationPartner,
    AuditEvent,
    Award,
    Council,
    Engagement,
    EvidenceFile,
    Expert,
    FundingRound,
    Notification,
    OutboundEmail,
    OutcomeReport,
    Payment,
    SharedArrangement,
    User,
    utcnow,
)
from tests.support.services import SMTP_PORT
from tests.support.workers import sending_app
from workflows.applications import MOVES
from workflows.reporting.periods import financial_year_of

PASSWORD = "plum-harbour-violin-42"
SCALE = "0.01"
# A seed whose small dataset takes the rarer paths too (an offer declined, a budget spent).
SEED = "12"
# At scale 1: 20,000 applications, 2,000 experts, 15,000 engagements, 100,000 outcome reports,
# 300,000 audit events and 500,000 emails; a hundredth of each here.
EXPECTED = {
    Application: 200,
    Expert: 20,
    Engagement: 150,
    OutcomeReport: 1_000,
    EvidenceFile: 1_000,
    AuditEvent: 3_000,
    OutboundEmail: 5_000,
    Notification: 5_000,
}
# Staff (8 programme officers, 20 assessors, 4 approvers, 2 administrators), two officers for
# each council in the register, and one account for each expert.
STAFF = 34


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(scope="module")
def generated(app, data_app, tmp_path_factory: pytest.TempPathFactory):
    """The dataset at a hundredth of national scale, made once through the command for every test
    here, in a transaction rolled back at the end (as the `session` fixture does for one test).
    The command runs in the test's app context, so its evidence files go where that app says."""
    evidence_dir = tmp_path_factory.mktemp("evidence")
    with data_app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        before = data_app.config["EVIDENCE_DIR"]
        data_app.config["EVIDENCE_DIR"] = evidence_dir
        try:
            result = app.test_cli_runner().invoke(
                scale_data_cli, args=["generate", "--scale", SCALE, "--seed", SEED, "--password", PASSWORD]
            )
            assert result.exit_code == 0, result.output
            yield result, evidence_dir
        finally:
            data_app.config["EVIDENCE_DIR"] = before
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def test_the_counts_scale_and_the_command_says_how_to_sign_in(generated):
    result, evidence_dir = generated
    assert {model: count(model) for model in EXPECTED} == EXPECTED
    councils = count(Council)
    assert councils > 300  # every council in the register
    assert count(User) == STAFF + 2 * councils + EXPECTED[Expert]
    assert PASSWORD in result.output
    assert "programme.officer01@lga.example.gov.uk" in result.output
    # Every report's evidence is a file under its stored name, all with the same content.
    files = list(evidence_dir.iterdir())
    assert sorted(f.name for f in files) == sorted(db.session.scalars(select(EvidenceFile.stored_name)))
    assert len({f.read_bytes() for f in files}) == 1


def test_each_round_commits_its_awards_and_no_more_than_its_budget(generated):
    declined = set(
        db.session.scalars(select(ApplicationEvent.application_id).where(ApplicationEvent.action == "decline_offer"))
    )
    awards = db.session.execute(select(Award.round_id, Award.application_id, Award.amount_pence)).all()
    committed: Counter[int] = Counter()
    for round_id, application_id, amount in awards:
        if application_id not in declined:  # a declined offer gives its money back
            committed[round_id] += amount
    rounds = db.session.scalars(select(FundingRound)).all()
    assert len(rounds) == 50  # five schemes, ten years
    assert {r.id: r.committed_pence for r in rounds} == {r.id: committed[r.id] for r in rounds}
    assert all(r.committed_pence <= r.budget_pence for r in rounds)
    # The data goes through both rules: offers declined, and approvals stopped by a spent budget.
    assert declined
    spent = select(func.count()).where(ApplicationEvent.reason == "The round's budget is fully committed")
    assert db.session.scalar(spent)


def test_payments_add_up_to_what_each_award_has_paid_and_never_more(generated):
    paid = dict(
        db.session.execute(select(Payment.award_id, func.sum(Payment.amount_pence)).group_by(Payment.award_id)).all()
    )
    awards = db.session.scalars(select(Award)).all()
    assert paid
    assert {a.id: a.paid_pence for a in awards} == {a.id: paid.get(a.id, 0) for a in awards}
    assert all(a.paid_pence <= a.amount_pence for a in awards)
    assert all(a.accepted_at is not None for a in awards if a.paid_pence)


def test_every_timeline_is_made_of_allowed_moves_ending_at_the_status(generated):
    allowed = {(m.action, s.value) for m in MOVES for s in m.sources}
    moves = db.session.execute(
        select(
            ApplicationEvent.application_id,
            ApplicationEvent.version,
            ApplicationEvent.action,
            ApplicationEvent.from_status,
            ApplicationEvent.to_status,
        )
        .where(ApplicationEvent.version.is_not(None))
        .order_by(ApplicationEvent.application_id, ApplicationEvent.version)
    ).all()
    by_application: dict[int, list] = {}
    for move in moves:
        by_application.setdefault(move.application_id, []).append(move)
    applications = db.session.scalars(select(Application)).all()
    assert set(by_application) == {a.id for a in applications}
    for application in applications:
        timeline = by_application[application.id]
        versions = [m.version for m in timeline]
        assert versions == sorted(set(versions)), application.reference
        assert timeline[0].action == "create" and timeline[0].to_status == "draft"
        for before, after in pairwise(timeline):
            assert after.from_status == before.to_status, application.reference
            assert (after.action, after.from_status) in allowed, (application.reference, after.action)
        assert timeline[-1].to_status == application.status.value, application.reference
        assert application.version >= timeline[-1].version
    # Nothing has happened yet that is still to come; old applications have finished, and some
    # recent ones are still on their way.
    assert db.session.scalar(select(func.max(ApplicationEvent.occurred_at))) <= utcnow()
    statuses = Counter(a.status.value for a in applications)
    assert statuses["evaluated"] and statuses["rejected"]
    assert statuses["submitted"] + statuses["in_assessment"] + statuses["awaiting_decision"] + statuses["offered"]


def test_joint_bids_have_partners_who_confirmed_before_submission(generated):
    partners = db.session.execute(
        select(ApplicationPartner, Application).join(Application, ApplicationPartner.application_id == Application.id)
    ).all()
    assert partners
    for partner, application in partners:
        assert partner.status.value == "confirmed", application.reference
        assert application.submitted_at is not None and partner.responded_at < application.submitted_at


def test_the_command_refuses_a_database_that_is_not_empty(app, generated):
    before = count(Application)
    result = app.test_cli_runner().invoke(scale_data_cli, args=["generate", "--scale", SCALE])
    assert result.exit_code == 1
    assert "This database is not empty: it holds 200 applications" in result.output
    assert count(Application) == before


def test_the_command_refuses_sqlite(app, tmp_path: Path):
    with (
        sending_app(f"sqlite:///{tmp_path / 'quick-start.db'}", None, smtp_port=SMTP_PORT) as sqlite_app,
        sqlite_app.app_context(),
    ):
        result = sqlite_app.test_cli_runner().invoke(scale_data_cli, args=["generate", "--scale", SCALE])
    assert result.exit_code == 1
    assert "The scale dataset needs PostgreSQL" in result.output


def test_the_shared_services_map_has_its_arrangements_with_a_row_for_each_year_they_ran(generated):
    arrangements = db.session.scalars(select(SharedArrangement)).all()
    assert len(arrangements) == 6  # 600 at scale 1
    this_year = financial_year_of(date.today())
    for arrangement in arrangements:
        regions = {link.council.region for link in arrangement.councils}
        assert len(arrangement.councils) >= 2 and len(regions) == 1, arrangement.name
        last = financial_year_of(arrangement.ended_on) if arrangement.ended_on else this_year
        years = {row.year: row for row in arrangement.years}
        assert sorted(years) == list(range(financial_year_of(arrangement.started_on), last + 1))
        # Claimed only for the years that have finished, estimated for every one.
        assert all(row.estimated_savings_pence for row in years.values())
        if this_year in years:
            assert years[this_year].claimed_savings_pence is None
        assert all(row.claimed_savings_pence is not None for year, row in years.items() if year < this_year)
