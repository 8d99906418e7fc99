"""The demo world (`flask demo seed`): complete, idempotent, with applications at every stage,
sign-ins that work and shared arrangements on the map."""

from __future__ import annotations

from collections import Counter
from datetime import date

from click.testing import CliRunner

from devdata import demo
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Council,
    Engagement,
    EngagementStatus,
    Expert,
    ExpertKind,
    FundingRound,
    Role,
    Scheme,
    Specialism,
    User,
    UserRole,
)
from tests.support.client import sign_in


def test_the_demo_world_is_complete_and_idempotent(app, session):
    first = demo.seed_demo(date(2026, 11, 22))
    assert first.councils.created == 355
    assert first.schemes_created == 3 and first.rounds_created == 3 and first.experts_created == 43
    assert {c.role for c in first.credentials} == set(Role)

    second = demo.seed_demo(date(2026, 11, 22))
    assert (second.councils.created, second.schemes_created, second.rounds_created, second.experts_created) == (
        0,
        0,
        0,
        0,
    )
    assert second.credentials == []
    assert second.applications_created == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Expert)) == 43
    partners = db.session.scalars(db.select(Expert).where(Expert.kind == ExpertKind.DELIVERY_PARTNER)).all()
    assert len(partners) == 3 and all(Specialism.BEHAVIOURAL_INSIGHTS in p.specialisms for p in partners)
    signing_in = {c.email for c in first.credentials}
    roles = db.session.scalars(db.select(UserRole.role).join(User).where(User.email.in_(signing_in))).all()
    # One of each role, a second assessor, and a second council's officer for joint bids.
    assert sorted(roles) == sorted([*Role, Role.ASSESSOR, Role.COUNCIL_OFFICER])

    expert_grant = db.session.scalar(db.select(Scheme).where(Scheme.code == "productivity-experts"))
    assert expert_grant.fixed_amount_pence == 600_000
    bi = db.session.scalar(db.select(Scheme).where(Scheme.code == "behavioural-insights"))
    assert bi.max_amount_pence == 3_000_000 and bi.match_ratio_percent == 100 and bi.allows_partners
    for scheme in db.session.scalars(db.select(Scheme)):
        [current] = db.session.scalars(db.select(FundingRound).where(FundingRound.scheme_id == scheme.id)).all()
        assert current.is_open_on(date(2026, 11, 22))


def test_the_demo_has_applications_at_every_stage_each_with_a_real_history(app, session):
    result = demo.seed_demo(date.today())
    db.session.commit()
    assert result.applications_created == len(demo.DEMO_APPLICATIONS)
    made = db.session.scalars(db.select(Application).order_by(Application.id)).all()
    by_status = Counter(a.status for a in made)
    assert by_status == {
        ApplicationStatus.SUBMITTED: 4,
        ApplicationStatus.IN_ASSESSMENT: 2,
        ApplicationStatus.AWAITING_DECISION: 1,
        ApplicationStatus.OFFERED: 1,
        ApplicationStatus.EXPERT_MATCHING: 5,
        ApplicationStatus.IN_DELIVERY: 1,
        ApplicationStatus.OUTCOMES_REPORTED: 5,
    }
    for application in made:
        # Every application went through the workflow: its timeline starts with the draft and
        # records each move to where it is now.
        steps = [e.to_status for e in application.events if e.to_status]
        assert steps[0] == "draft" and steps[-1] == application.status.value
        assert application.lead_council.name in {c.name for c in db.session.scalars(db.select(Council))}
    committed = {r.scheme.code: r.committed_pence for r in db.session.scalars(db.select(FundingRound))}
    # Ten £6,000 grants offered or accepted, and the £25,000 and £30,000 trials: the budget shows them.
    assert committed == {"productivity-experts": 10 * 600_000, "behavioural-insights": 5_500_000, "shared-services": 0}
    # The demo expert has an offer to answer and work under way, with days logged.
    expert = db.session.scalar(db.select(Expert).where(Expert.email == demo.DEMO_EXPERT_EMAIL))
    work = {e.application.lead_council.name: e for e in db.session.scalars(db.select(Engagement))}
    assert {name: e.status for name, e in work.items()} == {
        "Manchester": EngagementStatus.OFFERED,
        "Ipswich": EngagementStatus.ACCEPTED,
        # Work delivered by other experts in the pool, with its first outcome report filed.
        "Leeds": EngagementStatus.COMPLETED,
        "Kent": EngagementStatus.COMPLETED,
        "Wiltshire": EngagementStatus.COMPLETED,
        "Liverpool": EngagementStatus.COMPLETED,
        "Hackney": EngagementStatus.COMPLETED,
    }
    assert work["Manchester"].expert_id == work["Ipswich"].expert_id == expert.id
    assert work["Ipswich"].days_logged_tenths == 10
    assert all(e.expert_id != expert.id for name, e in work.items() if name not in {"Manchester", "Ipswich"})
    # The councils' officers exist to have applied; their passwords are not shown to anyone.
    assert all(
        c.email.endswith(("@lga.example.gov.uk", "@experts.example.org"))
        or "babergh" in c.email
        or "ipswich" in c.email
        for c in result.credentials
    )


def test_demo_credentials_sign_in(app, client, session):
    result = demo.seed_demo(date.today())
    db.session.commit()
    for credential in result.credentials:
        assert sign_in(client, credential.email, credential.password).status_code == 302
        assert client.get("/home").status_code == 200
        client.delete_cookie("session")


def test_the_demo_command_prints_credentials_once(app, session):
    from devdata.commands import seed_demo_command

    runner = CliRunner()
    with app.app_context():
        first = runner.invoke(seed_demo_command, catch_exceptions=False).output
        second = runner.invoke(seed_demo_command, catch_exceptions=False).output
    assert "administrator@lga.example.gov.uk" in first
    assert "administrator@lga.example.gov.uk" not in second
    assert "exist already" in second


def test_the_demo_puts_a_dozen_shared_arrangements_on_the_map_once(app, session):
    from grants.models import AuditEvent, CouncilTier, Region, SharedArrangement

    demo.seed_demo(date(2026, 11, 22))
    demo.seed_demo(date(2026, 11, 22))
    made = {a.name: a for a in db.session.scalars(db.select(SharedArrangement))}
    assert len(made) == len(demo.DEMO_ARRANGEMENTS) == 14
    recorded = db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "arrangement.recorded")
    assert db.session.scalar(recorded) == 14

    babergh = made["Babergh and Mid Suffolk shared workforce"]
    assert [link.council.gss_code for link in babergh.councils] == ["E07000200", "E07000203"]
    assert babergh.sharing_type == "both" and babergh.started_on.year == 2011
    assert babergh.recorded_by_id is not None and babergh.verified_annual_savings_pence

    # Every arrangement has two or more councils, a known service area and savings estimated;
    # some are verified, some not yet.
    for arrangement in made.values():
        assert len(arrangement.councils) >= 2 and arrangement.service_area_label != arrangement.service_area
        assert arrangement.estimated_annual_savings_pence and arrangement.started_on < date(2026, 11, 22)
    verified = [a for a in made.values() if a.verified_annual_savings_pence is not None]
    assert 3 <= len(verified) < len(made)

    # A couple more in Suffolk and Norfolk, and others across the regions and in Wales.
    def county_areas(arrangement: SharedArrangement) -> set[str]:
        found = set()
        for link in arrangement.councils:
            county = link.council if link.council.tier is CouncilTier.COUNTY else link.council.parent
            if county is not None:
                found.add(county.name)
        return found

    east = [a for a in made.values() if county_areas(a) & {"Suffolk", "Norfolk"}]
    assert len(east) >= 3 and babergh in east
    regions = {link.council.region for a in made.values() for link in a.councils}
    assert Region.WALES in regions and len(regions) >= 6
    welsh = [a for a in made.values() if all(link.council.region is Region.WALES for link in a.councils)]
    assert len(welsh) >= 1


def test_the_demos_arrangements_have_a_history_since_they_started_and_one_has_ended(app, session):
    from grants.models import SharedArrangement
    from workflows import arrangement_history
    from workflows.arrangements import RegisterFilter, register_query

    today = date(2026, 11, 22)
    demo.seed_demo(today)
    made = {a.name: a for a in db.session.scalars(db.select(SharedArrangement))}

    # Babergh and Mid Suffolk started in June 2011: ten months of 2011/12, then whole years; claimed for
    # every year that has finished, verified for those that finished more than a year ago.
    babergh = {row.year: row for row in made["Babergh and Mid Suffolk shared workforce"].years}
    assert sorted(babergh) == list(range(2011, 2027))
    assert babergh[2011].estimated_savings_pence == 3_000_000 * 100 * 10 // 12
    assert (babergh[2024].claimed_savings_pence, babergh[2024].verified_savings_pence) == (340_000_000, 315_000_000)
    assert (babergh[2025].claimed_savings_pence, babergh[2025].verified_savings_pence) == (340_000_000, None)
    assert (babergh[2026].estimated_savings_pence, babergh[2026].claimed_savings_pence) == (300_000_000, None)

    # One has ended: it is in the editions of the years it ran and no later one, with no savings after.
    ended = made["Breckland and South Holland shared management team"]
    assert ended.ended_on == date(2018, 9, 30) and ended.end_reason
    assert max(row.year for row in ended.years) == 2018
    names_2018 = {a.name for a in db.session.scalars(register_query(RegisterFilter(year=2018)))}
    names_2019 = {a.name for a in db.session.scalars(register_query(RegisterFilter(year=2019)))}
    assert ended.name in names_2018 and ended.name not in names_2019

    # A sample of the national map: hundreds of millions since 2012, short of the £600m the programme
    # reported nationally.
    since = arrangement_history.cumulative_figures(2012, today)
    assert 100_000_000_00 < since.estimated_pence < 600_000_000_00
    assert since.verified_pence < since.claimed_pence
    assert since.arrangements == 14 and since.councils >= 30
