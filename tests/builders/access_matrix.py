"""Two councils' worth of real records for the access-matrix test, made through the domain's own
operations: council A (Babergh) with work under way by expert X, and council B (Ipswich) with an
application in each state that has pages of its own, a joint bid with council C (Camden), work
offered to and delivered by expert Y, an outcome report with evidence, a payment, matchmaking
requests, introductions, messages, an API token, and the staff records around them (a board
report, a match run, an arrangement, a conflict of interest). The test gets ids and text only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Select, select

from grants.extensions import db
from grants.models import (
    ApiToken,
    Application,
    ApplicationStatus,
    Council,
    EngagementStatus,
    FundingRound,
    Notification,
    OutboundEmail,
    Role,
    SchemeKind,
    User,
)
from tests.builders.api import token_for
from tests.builders.applications import awaiting_acceptance, awaiting_expert, drafted, joint_trial
from tests.builders.councils import in_their_regions, suffolk_and_camden
from tests.builders.engagements import completed_engagement, filed_report
from tests.builders.people import ADMINISTRATOR, PEOPLE, account, account_of, expert, officer_of
from tests.builders.rounds import expert_grant_round, matchmaking, open_round, programme_round
from tests.builders.sharing import agreed_introduction, ask, matchmaking_request
from workflows import applications, arrangements, engagements, experts, introductions, reporting

TODAY = date.today()


@dataclass(frozen=True)
class Person:
    """Someone who signs in: their account's id and email, and a bearer token for the API."""

    id: int
    email: str
    token: str


@dataclass(frozen=True)
class World:
    """What the walk needs: ids of every record, by whose it is, and the text that identifies
    council B's records (which must never reach anyone outside them)."""

    a: Person  # council A's officer
    b: Person  # council B's officer
    c: Person  # council C's officer: the partner in B's joint bid
    programme: Person
    assessor: Person
    approver: Person
    administrator: Person
    x: Person  # expert X, working on council A's case
    y: Person  # expert Y, working on council B's cases
    b_council_id: int
    b_gss: str
    b_council_name: str
    # Council A's application, under way with expert X, for paths that mix A's record with B's.
    a_application: int
    # Council B's applications, one in each state with pages of its own.
    b_applications: dict[str, int]
    b_references: tuple[str, ...]
    y_engagements: dict[str, int]
    b_report: int
    b_evidence: int
    b_introductions: dict[str, int]
    b_notification: int
    y_notification: int
    b_token_id: int
    b_email: int
    y_window: int
    y_conflict: int
    y_expert: int
    arrangement: int
    scheme: int
    criterion: int
    funding_round: int
    board_report: int
    match_run: int
    quarter: tuple[int, int]

    @property
    def drafts(self) -> frozenset[int]:
        return frozenset({self.b_applications["draft"], self.b_applications["request_draft"]})

    def secrets(self) -> tuple[str, ...]:
        """Text that identifies council B's records: its applications' references, its officer's
        and its expert's email addresses and its name."""
        return (*self.b_references, self.b.email, self.y.email, self.b_council_name)


def _person(user: User) -> Person:
    return Person(id=user.id, email=user.email, token=token_for(user))


def _matchmaking_round(code: str) -> FundingRound:
    """A shared-services matchmaking scheme with a round open today."""
    return open_round(matchmaking(code=code, name=f"Shared services {code}"), budget_pence=20_000_000)


def _people(babergh: Council) -> dict[str, User]:
    """Council A's officer and the programme's staff, under the names the shared set-up expects."""
    staff = {key: made for key, made in PEOPLE.items() if key != "officer"}
    made = {
        key: account(email, name, {role}, council=babergh if role is Role.COUNCIL_OFFICER else None)
        for key, (role, email, name) in {**staff, "administrator": ADMINISTRATOR, "officer": PEOPLE["officer"]}.items()
    }
    db.session.commit()
    return made


def build_world(evidence_dir: Path) -> World:
    """Every record of both councils, committed; evidence files are kept in `evidence_dir`."""
    councils = in_their_regions(suffolk_and_camden())
    people = _people(councils["babergh"])
    officer_a = people["officer"]
    officer_b = officer_of(councils["ipswich"])
    officer_c = officer_of(councils["camden"])
    expert_x, expert_y = expert("Xavier Ash"), expert("Yasmin Bell")
    user_x, user_y = account_of(expert_x), account_of(expert_y)

    # Council A: approved, accepted and under way with expert X.
    a_application = awaiting_expert(people, councils, expert_grant_round(code="matrix-a"))
    x_engagement = engagements.offer(a_application, expert_x.id, actor=people["programme"], today=TODAY)
    engagements.accept(x_engagement, actor=user_x, today=TODAY)

    # Council B: a draft, a submitted application, an offer waiting for its answer, work waiting
    # for expert Y to answer, work Y delivered and reported on (with evidence, confirmed by no
    # one yet) and part paid, a joint bid with C, and matchmaking requests.
    made: dict[str, Application] = {}
    made["draft"] = applications.start_application(
        expert_grant_round(code="matrix-draft"), council=councils["ipswich"], actor=officer_b, today=TODAY
    )
    made["submitted"] = drafted(expert_grant_round(code="matrix-submitted"), councils["ipswich"], officer_b)
    applications.submit(made["submitted"], actor=officer_b, expected_version=None, today=TODAY)
    offered_round, waiting_round = expert_grant_round(code="matrix-offered"), expert_grant_round(code="matrix-waiting")
    made["offered"] = awaiting_acceptance(people, councils, offered_round, "ipswich", officer=officer_b)
    made["waiting"] = awaiting_expert(people, councils, waiting_round, "ipswich", officer=officer_b)
    y_offer = engagements.offer(made["waiting"], expert_y.id, actor=people["programme"], today=TODAY)
    delivered_round = expert_grant_round(code="matrix-delivered")
    made["delivered"] = awaiting_expert(people, councils, delivered_round, "ipswich", officer=officer_b)
    y_done = completed_engagement(made["delivered"], expert_y, offered_by=people["programme"])
    [evidence] = filed_report(y_done, evidence_dir).evidence
    award = made["delivered"].award
    assert award is not None
    applications.record_payment(award, amount_pence=100_000, paid_on=TODAY, reference="PO-1", actor=people["programme"])
    db.session.commit()
    made["joint"] = joint_trial(
        people,
        councils,
        programme_round("matrix-bi", "Behavioural Insights", kind=SchemeKind.MATCH_FUNDING),
        lead="ipswich",
        partner="camden",
    )
    made["request"] = ask(_matchmaking_round("matrix-sharing"), councils["ipswich"], ["waste"])
    made["request_draft"] = matchmaking_request(
        _matchmaking_round("matrix-sharing-later"), councils["ipswich"], officer_b
    )
    introduction = introductions.propose(
        [councils["ipswich"], councils["camden"]],
        service_areas=["waste"],
        note="Both want to share a waste service.",
        actor=people["programme"],
        request=made["request"],
    )
    agreed = agreed_introduction(people["programme"], councils["ipswich"], councils["suffolk"])

    # Expert Y's own records, and the staff records around the programme.
    window = experts.add_availability(expert_y, experts.AvailabilityWindow(starts_on=TODAY), actor=user_y)
    conflict = experts.record_conflict(
        expert_y, experts.ConflictDetails(council="Suffolk", reason="Worked there last year"), actor=people["programme"]
    )
    arrangement = arrangements.record_arrangement(
        arrangements.ArrangementDetails(
            name="Suffolk coastal legal service",
            service_area="legal",
            sharing_type="services",
            started_on=TODAY - timedelta(days=400),
            estimated_annual_savings_pence=5_000_000,
        ),
        ["Ipswich", "Camden"],
        actor=people["programme"],
        today=TODAY,
    )
    quarter = reporting.Quarter.containing(TODAY)
    board_report = reporting.issue_board_report(
        quarter, actor=people["approver"], note="", expected_latest=0, today=TODAY
    )
    match_run = engagements.start_match_run(delivered_round, actor=people["programme"])
    db.session.commit()

    for application in made.values():
        db.session.refresh(application)
    assert made["draft"].status is ApplicationStatus.DRAFT
    assert made["submitted"].status is ApplicationStatus.SUBMITTED
    assert made["offered"].status is ApplicationStatus.OFFERED
    assert y_offer.status is EngagementStatus.OFFERED and y_done.status is EngagementStatus.COMPLETED
    assert made["request"].status is ApplicationStatus.SUBMITTED
    funding_round = db.session.get(FundingRound, delivered_round.id)
    assert funding_round is not None
    criterion = funding_round.scheme.criteria[0]
    world = World(
        a=_person(officer_a),
        b=_person(officer_b),
        c=_person(officer_c),
        programme=_person(people["programme"]),
        assessor=_person(people["assessor"]),
        approver=_person(people["approver"]),
        administrator=_person(people["administrator"]),
        x=_person(user_x),
        y=_person(user_y),
        b_council_id=councils["ipswich"].id,
        b_gss=councils["ipswich"].gss_code,
        b_council_name=councils["ipswich"].name,
        a_application=a_application.id,
        b_applications={state: application.id for state, application in made.items()},
        b_references=tuple(application.reference for application in made.values()),
        y_engagements={"offered": y_offer.id, "completed": y_done.id},
        b_report=evidence.report_id,
        b_evidence=evidence.id,
        b_introductions={"proposed": introduction.id, "agreed": agreed.id},
        b_notification=_first(
            select(Notification.id).where(Notification.user_id == officer_b.id).order_by(Notification.id)
        ),
        y_notification=_first(
            select(Notification.id).where(Notification.user_id == user_y.id).order_by(Notification.id)
        ),
        b_token_id=_first(select(ApiToken.id).where(ApiToken.user_id == officer_b.id).order_by(ApiToken.id)),
        b_email=_first(
            select(OutboundEmail.id).where(OutboundEmail.user_id == officer_b.id).order_by(OutboundEmail.id)
        ),
        y_window=window.id,
        y_conflict=conflict.id,
        y_expert=expert_y.id,
        arrangement=arrangement.id,
        scheme=funding_round.scheme_id,
        criterion=criterion.id,
        funding_round=funding_round.id,
        board_report=board_report.id,
        match_run=match_run.id,
        quarter=(quarter.year, quarter.number),
    )
    db.session.close()
    return world


def _first(query: Select[tuple[int]]) -> int:
    """The first id the query finds; the world is incomplete without one."""
    found = db.session.scalars(query.limit(1)).first()
    assert found is not None, f"the world has no record for {query}"
    return found
