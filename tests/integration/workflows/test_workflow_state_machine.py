"""The workflow as a state machine, on PostgreSQL: people chosen at random take steps chosen at
random on applications, offers to experts and outcome reports, through the domain's own
operations and one commit per step, as the pages do (a refusal is rolled back). After every step
the database itself is checked:

- every application's status is a legal one, and the moves on its timeline are moves `MOVES`
  allows, chained from the draft to the status it has now;
- every change has its audit event (applications, engagements, outcome reports), and a refused
  step wrote nothing at all;
- each round's committed money is what its awards add up to (less offers declined), within the
  budget; what is paid on an award stays within it;
- no one decided an application they had scored; an application has at most one award, made by
  its one approval;
- no expert holds more offers and work than their places, and an application's stage agrees
  with its expert's work.

Each example starts from the same world (its savepoint is rolled back at its end), sets three
applications up along paths hypothesis picks, then takes random steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection, text

from grants.extensions import db
from grants.models import Application, ApplicationStatus, Engagement, FundingRound, OutcomeReport, User
from tests.builders.applications import FIXED_GRANT_ANSWERS
from tests.builders.state_machine import (
    APPROVER_MARGARET,
    APPROVER_SAM,
    APPROVERS,
    ASSESSOR_HANNAH,
    ASSESSORS,
    BABERGH_OFFICER,
    EVERYONE,
    EXPERTS,
    IPSWICH_OFFICER,
    OFFICERS,
    PROGRAMME_OFFICER,
    TODAY,
    World,
    a_claim,
    a_pdf,
    build_world,
)
from workflows import applications, engagements, outcomes
from workflows.applications import MOVES, WorkflowError
from workflows.permissions import Permission, can

# Each example sets three applications up, then takes up to 12 random steps. Derandomised, so
# every run (and CI) tries the same examples; no example database for the same reason. An
# example costs seconds of real work, so a failure is reported as found, not shrunk (shrinking
# would outlast the test timeout): the set-up paths by name, then each step with its draws.
SETTINGS = settings(
    max_examples=8,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
)

S = ApplicationStatus
T = TypeVar("T")


def usually(natural: Sequence[T], everything: Sequence[T]) -> st.SearchStrategy[T]:
    """Two times in three one of the natural choices, else any choice at all."""
    anything = st.sampled_from(tuple(everything))
    if not natural:
        return anything
    usual = st.sampled_from(tuple(natural))
    return st.one_of(usual, usual, anything)


REASON = usually(("The figures need more evidence",), ("", "The figures need more evidence"))
# The version a form carries: as read now, from before someone else's change, or none.
VERSION = usually(("current",), ("current", "stale", "unchecked"))

# The steps a person takes on an application, and who would usually take each.
APPLICATION_STEPS: dict[str, Sequence[str]] = {
    "submit": OFFICERS,
    "withdraw": OFFICERS,
    "confirm_eligibility": (PROGRAMME_OFFICER,),
    "mark_ineligible": (PROGRAMME_OFFICER,),
    "request_changes": (PROGRAMME_OFFICER, *APPROVERS),
    "assess": ASSESSORS,
    "approve": APPROVERS,
    "reject": APPROVERS,
    "accept_offer": OFFICERS,
    "decline_offer": OFFICERS,
    "pay": (PROGRAMME_OFFICER,),
}
# What usually comes next at each stage (any step can still be tried at any stage).
NEXT_APPLICATION_STEPS: dict[str, Sequence[str]] = {
    S.DRAFT: ("submit", "withdraw"),
    S.SUBMITTED: ("confirm_eligibility", "mark_ineligible", "request_changes", "withdraw"),
    S.CHANGES_REQUESTED: ("submit", "withdraw"),
    S.IN_ASSESSMENT: ("assess", "withdraw"),
    S.AWAITING_DECISION: ("approve", "reject", "request_changes", "withdraw"),
    S.OFFERED: ("accept_offer", "decline_offer", "pay"),
    S.EXPERT_MATCHING: ("pay",),
    S.IN_DELIVERY: ("pay",),
    S.OUTCOMES_REPORTED: ("pay",),
}
ENGAGEMENT_STEPS = ("accept_work", "decline_work", "withdraw_offer", "log_work", "complete", "file_report")
NEXT_ENGAGEMENT_STEPS: dict[str, Sequence[str]] = {
    "offered": ("accept_work", "accept_work", "decline_work", "withdraw_offer"),
    "accepted": ("log_work", "log_work", "complete", "file_report"),
    "completed": ("file_report",),
}
REPORT_STEPS = ("confirm_report", "dispute_report", "verify_report")
NEXT_REPORT_STEPS: dict[str, Sequence[str]] = {
    "submitted": ("confirm_report", "dispute_report"),
    "confirmed": ("verify_report",),
    "disputed": ("verify_report",),
}
# The details a step's form carries, drawn only for the steps that have them.
DETAILS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    **{
        step: {"version": VERSION}
        for step in ("submit", "confirm_eligibility", "approve", "accept_offer", "accept_work")
    },
    **{
        step: {"version": VERSION, "reason": REASON}
        for step in ("withdraw", "mark_ineligible", "request_changes", "reject", "decline_offer", "decline_work")
    },
    "pay": {"version": VERSION, "amount": st.sampled_from((150_000, 450_000, 600_000, 700_000))},
    "withdraw_offer": {"reason": REASON},
    "log_work": {"days_tenths": st.sampled_from((15, 0))},
    "file_report": {"due_month": st.sampled_from((3, None, 6)), "with_evidence": st.booleans()},
    "dispute_report": {"reason": REASON},
    "verify_report": {"as_claimed": st.booleans(), "reason": REASON},
}
# The happy path, with whoever usually takes each step ("officer": the lead council's;
# "expert": the one offered the work).
HAPPY_PATH: tuple[tuple[str, str], ...] = (
    ("submit", "officer"),
    ("confirm_eligibility", PROGRAMME_OFFICER),
    ("assess", ASSESSOR_HANNAH),
    ("assess", APPROVER_SAM),  # Sam scores it, so Sam may not decide it
    ("approve", APPROVER_MARGARET),
    ("accept_offer", "officer"),
    ("offer_work", PROGRAMME_OFFICER),
    ("accept_work", "expert"),
    ("log_work", "expert"),
    ("complete", "expert"),
    ("file_report", "expert"),
)
# Where the set-up takes an application: along the happy path to a stage where someone is
# waited on, or off it to an offer declined, a report disputed, an application evaluated.
SET_UP_PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "submitted": HAPPY_PATH[:1],
    "awaiting decision": HAPPY_PATH[:4],
    "offered": HAPPY_PATH[:5],
    "offer declined": (*HAPPY_PATH[:5], ("decline_offer", "officer")),
    "expert matching": HAPPY_PATH[:6],
    "offered to an expert": HAPPY_PATH[:7],
    "in delivery": HAPPY_PATH[:8],
    "work complete": HAPPY_PATH[:10],
    "report filed": HAPPY_PATH,
    "report disputed": (*HAPPY_PATH, ("dispute_report", "officer")),
    "evaluated": (*HAPPY_PATH, ("confirm_report", "officer"), ("verify_report", PROGRAMME_OFFICER)),
}
# Three applications, two of them Babergh's: enough for the money to run out.
SET_UP_BY = (BABERGH_OFFICER, IPSWICH_OFFICER, BABERGH_OFFICER)


class RefusedByThePageError(Exception):
    """A page turns the person away before the domain is asked (a 403 or a 404)."""


@dataclass(frozen=True)
class Census:
    """What exists now, by id, with its status."""

    applications: dict[int, tuple[str, int]]  # status, lead council
    engagements: dict[int, tuple[str, int, int]]  # status, expert, application
    reports: dict[int, str]

    def waiting_for_an_expert(self) -> list[int]:
        """Applications in expert matching with no offer waiting for an answer."""
        offered = {application for status, _, application in self.engagements.values() if status == "offered"}
        return [i for i, (status, _) in self.applications.items() if status == S.EXPERT_MATCHING and i not in offered]

    def live_engagements(self) -> list[int]:
        return [i for i, (status, _, _) in self.engagements.items() if status in ("offered", "accepted", "completed")]


def fingerprint() -> tuple[Any, ...]:
    """Everything a step could change, in one row: a refused step must leave it as it was."""
    return tuple(
        db.session.execute(
            text(
                """
                SELECT
                  (SELECT count(*) FROM application_events),
                  (SELECT count(*) FROM audit_events),
                  (SELECT count(*) FROM assessments),
                  (SELECT count(*) FROM awards),
                  (SELECT string_agg(id || ':' || paid_pence || ':' || (accepted_at IS NOT NULL), ','
                     ORDER BY id) FROM awards),
                  (SELECT count(*) FROM payments),
                  (SELECT string_agg(id || ':' || committed_pence, ',' ORDER BY id) FROM funding_rounds),
                  (SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) FROM applications),
                  (SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) FROM engagements),
                  (SELECT count(*) FROM work_logs),
                  (SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) FROM outcome_reports),
                  (SELECT count(*) FROM evidence_files),
                  (SELECT count(*) FROM outbound_emails),
                  (SELECT count(*) FROM reminders)
                """
            )
        ).one()
    )


def move_allowed(action: str, source: str | None, target: str | None, uses_experts: bool) -> bool:
    """Whether MOVES has this move (a draft's creation is the one move from nowhere)."""
    if action == "create":
        return source is None and target == S.DRAFT
    for move in MOVES:
        if move.action != action or source not in {status.value for status in move.sources}:
            continue
        if move.target is not None:
            expected = move.target.value
        else:  # accepting the offer: to matching when the scheme uses experts, else to delivery
            expected = S.EXPERT_MATCHING.value if uses_experts else S.IN_DELIVERY.value
        if target == expected:
            return True
    return False


def rows(sql: str) -> list[Any]:
    return list(db.session.execute(text(sql)).all())


ENGAGEMENT_AUDIT = {
    "offered": "offered",
    "accepted": "offered,accepted",
    "completed": "offered,accepted,completed",
    "declined": "offered,declined",
    "withdrawn": "offered,withdrawn",
    "expired": "offered,expired",
}
REPORT_AUDIT = {
    "submitted": {"filed"},
    "confirmed": {"filed,confirmed"},
    "disputed": {"filed,disputed"},
    "verified": {"filed,confirmed,verified", "filed,disputed,verified"},
}


INVARIANTS: list[Callable[[WorkflowMachine], None]] = []


def after_each_change(check: Callable[[WorkflowMachine], None]) -> Callable[[WorkflowMachine], None]:
    """An invariant checked after every step that committed something. A refused step is already
    shown to have left the database as it was, so the last check still stands."""

    @functools.wraps(check)
    def run(machine: WorkflowMachine) -> None:
        if machine.checked.get(check.__name__) != machine.commits:
            check(machine)
            machine.checked[check.__name__] = machine.commits

    INVARIANTS.append(run)
    return invariant()(run)


class WorkflowMachine(RuleBasedStateMachine):
    """Random steps by random people; the invariants below hold after each."""

    world: ClassVar[World]
    connection: ClassVar[Connection]

    def __init__(self) -> None:
        super().__init__()
        db.session.remove()
        self._example = self.connection.begin_nested()
        self._census: Census | None = None
        self.commits = 0
        self.checked: dict[str, int] = {}

    def teardown(self) -> None:
        db.session.remove()
        self._example.rollback()

    # People and records ---------------------------------------------------------------------------

    def person(self, name: str) -> User:
        found = db.session.get(User, self.world.people[name])
        assert found is not None
        return found

    def expert_name(self, expert_id: int) -> str:
        return next(name for name, found in self.world.experts.items() if found == expert_id)

    def census(self) -> Census:
        """What exists now (read once after each change)."""
        if self._census is None:
            found: dict[str, dict[int, Any]] = {"application": {}, "engagement": {}, "report": {}}
            for kind, record_id, status, first, second in rows(
                """
                SELECT 'application', id, status, lead_council_id, NULL FROM applications
                UNION ALL SELECT 'engagement', id, status, expert_id, application_id FROM engagements
                UNION ALL SELECT 'report', id, status, NULL, NULL FROM outcome_reports
                ORDER BY 1, 2
                """
            ):
                found[kind][record_id] = {
                    "application": (status, first),
                    "engagement": (status, first, second),
                    "report": status,
                }[kind]
            self._census = Census(found["application"], found["engagement"], found["report"])
        return self._census

    def lead_officer(self, application_id: int) -> str:
        _, council_id = self.census().applications[application_id]
        return next(name for name, council in self.world.councils.items() if council == council_id)

    # One step, as a page takes it ------------------------------------------------------------------

    def attempt(self, label: str, step: Callable[[], None]) -> bool:
        """Run the step and commit it, as a page does; on a refusal roll back, check that it left
        no trace, and say so."""
        self._census = None
        before = fingerprint()
        try:
            step()
        except (WorkflowError, RefusedByThePageError) as refusal:
            db.session.rollback()
            after = fingerprint()
            assert after == before, f"{label} was refused ({refusal}) but changed the database"
            event(f"{label}: refused")
            return False
        db.session.commit()
        self.commits += 1
        event(f"{label}: done")
        return True

    @staticmethod
    def version_for(current: int, version: str) -> int | None:
        """The version a form carries: as read now, from before someone else's change, or none."""
        return {"current": current, "stale": current - 1, "unchecked": None}[version]

    def application_step(self, action: str, application_id: int, actor_name: str, **details: Any) -> bool:
        application = db.session.get(Application, application_id)
        assert application is not None
        actor = self.person(actor_name)
        expected = self.version_for(application.version, details.get("version", "current"))
        reason = details.get("reason", "The figures need more evidence")

        def step() -> None:
            if action == "submit":
                applications.submit(application, actor=actor, expected_version=expected, today=TODAY)
            elif action in ("withdraw", "mark_ineligible", "request_changes"):
                applications.transition(application, action, actor, reason=reason, expected_version=expected)
            elif action == "confirm_eligibility":
                applications.confirm_eligibility(application, actor=actor, reason=None, expected_version=expected)
            elif action == "assess":
                scores = {c.code: (4, "Clear evidence") for c in application.scheme.criteria}
                applications.assess(application, actor=actor, scores=scores, recommendation="approve")
            elif action == "approve":
                applications.approve(application, actor=actor, expected_version=expected)
            elif action == "reject":
                applications.reject(application, actor=actor, reason=reason, expected_version=expected)
            elif application.award is None:  # the offer and payment pages have nothing to show
                raise RefusedByThePageError("no award")
            elif action == "accept_offer":
                applications.accept_offer(
                    application,
                    actor=actor,
                    signatory_name="A Signatory",
                    signatory_role="Chief Executive",
                    expected_version=expected,
                )
            elif action == "decline_offer":
                applications.decline_offer(application, actor=actor, reason=reason, expected_version=expected)
            else:
                assert action == "pay"
                applications.check_version(application, expected)
                applications.record_payment(
                    application.award,
                    amount_pence=details.get("amount", 150_000),
                    paid_on=TODAY,
                    reference="BACS 0001",
                    actor=actor,
                )

        return self.attempt(action, step)

    def offer_work(self, application_id: int, expert_name: str, actor_name: str) -> bool:
        application = db.session.get(Application, application_id)
        assert application is not None
        actor = self.person(actor_name)

        def step() -> None:
            if not can(actor, Permission.CHECK_APPLICATIONS):  # the matching pages' own check
                raise RefusedByThePageError("403")
            engagements.offer(application, self.world.experts[expert_name], actor=actor, today=TODAY)

        return self.attempt("offer_work", step)

    def engagement_step(self, action: str, engagement_id: int, actor_name: str, **details: Any) -> bool:
        engagement = db.session.get(Engagement, engagement_id)
        assert engagement is not None
        actor = self.person(actor_name)
        expected = self.version_for(engagement.version, details.get("version", "current"))
        reason = details.get("reason", "Not able to start this month")

        def step() -> None:
            if action == "accept_work":
                engagements.accept(engagement, actor=actor, today=TODAY, expected_version=expected)
            elif action == "decline_work":
                engagements.decline(engagement, actor=actor, reason=reason, today=TODAY, expected_version=expected)
            elif action == "withdraw_offer":
                if not can(actor, Permission.CHECK_APPLICATIONS):  # the matching pages' own check
                    raise RefusedByThePageError("403")
                engagements.withdraw(engagement, actor=actor, reason=reason)
            elif action == "log_work":
                days_tenths = details.get("days_tenths", 15)
                outcomes.log_work(
                    engagement, actor=actor, worked_on=TODAY, days_tenths=days_tenths, milestone="Review", today=TODAY
                )
            elif action == "complete":
                outcomes.complete(engagement, actor=actor, today=TODAY)
            else:
                assert action == "file_report"
                outcomes.file_report(
                    engagement,
                    actor=actor,
                    due_month=details.get("due_month", 3),
                    claim=a_claim(),
                    evidence=[a_pdf()] if details.get("with_evidence", True) else [],
                    evidence_dir=self.world.evidence_dir,
                    today=TODAY,
                )

        return self.attempt(action, step)

    def report_step(self, action: str, report_id: int, actor_name: str, **details: Any) -> bool:
        report = db.session.get(OutcomeReport, report_id)
        assert report is not None
        actor = self.person(actor_name)
        reason = details.get("reason", "The ledger does not show it")

        def step() -> None:
            if action == "confirm_report":
                outcomes.confirm(report, actor=actor)
            elif action == "dispute_report":
                outcomes.dispute(report, actor=actor, reason=reason)
            else:
                assert action == "verify_report"
                cashable = report.cashable_pence if details.get("as_claimed", True) else report.cashable_pence // 2
                outcomes.verify(
                    report,
                    actor=actor,
                    cashable_pence=cashable,
                    income_pence=report.income_pence,
                    avoided_pence=report.avoided_pence,
                    reason=reason,
                )

        return self.attempt(action, step)

    def start(self, actor_name: str) -> int | None:
        """A council officer starts a draft and completes every section of it (one step); the new
        application's id, or None if refused."""
        actor = self.person(actor_name)
        funding_round = db.session.get(FundingRound, self.world.round_id)
        assert funding_round is not None
        started: list[int] = []

        def step() -> None:
            if actor.council is None:  # the page is for council officers
                raise RefusedByThePageError("403")
            application = applications.start_application(funding_round, council=actor.council, actor=actor, today=TODAY)
            for section, (answers, columns) in FIXED_GRANT_ANSWERS.items():
                applications.save_section(
                    application, section, answers, actor=actor, expected_version=application.version, columns=columns
                )
            started.append(application.id)

        return started[0] if self.attempt("start", step) else None

    # Set-up and rules ----------------------------------------------------------------------------

    @initialize(paths=st.tuples(*(st.sampled_from(tuple(SET_UP_PATHS)) for _ in SET_UP_BY)))
    def set_up_applications(self, paths: tuple[str, ...]) -> None:
        """Applications started by the officers and taken along the named paths, a step of each in
        turn (so they compete for the money and the experts' places), by the people whose job each
        step is; a step refused (the money has gone, say) ends that application's path there."""
        going: dict[int, list[tuple[str, str]]] = {}
        for officer, path in zip(SET_UP_BY, paths, strict=True):
            application_id = self.start(officer)
            if application_id is not None:
                going[application_id] = [
                    (action, officer if who == "officer" else who) for action, who in SET_UP_PATHS[path]
                ]
        while going:
            for application_id, steps in list(going.items()):
                action, who = steps.pop(0)
                done = self.set_up_step(application_id, action, who)
                for check in INVARIANTS:  # hypothesis checks them after the whole set-up only
                    check(self)
                if not done or not steps:
                    del going[application_id]

    def set_up_step(self, application_id: int, action: str, who: str) -> bool:
        if action == "offer_work":
            return any(self.offer_work(application_id, name, who) for name in EXPERTS)
        if action in APPLICATION_STEPS:
            return self.application_step(action, application_id, who)
        application = db.session.get(Application, application_id)
        assert application is not None
        engagement = engagements.live_engagement(application)
        if engagement is None:
            return False
        if action in ENGAGEMENT_STEPS:
            return self.engagement_step(action, engagement.id, self.expert_name(engagement.expert_id))
        report = max(engagement.reports, key=lambda r: r.id)
        return self.report_step(action, report.id, who)

    @precondition(lambda self: len(self.census().applications) < 4)
    @rule(actor=usually(OFFICERS, EVERYONE))
    def start_an_application(self, actor: str) -> None:
        self.start(actor)

    @precondition(lambda self: self.census().applications)
    @rule(data=st.data())
    def step_on_an_application(self, data: st.DataObject) -> None:
        census = self.census().applications
        open_ones = [i for i, (status, _) in census.items() if status in NEXT_APPLICATION_STEPS]
        application_id = data.draw(usually(open_ones, sorted(census)), label="application")
        status, _ = census[application_id]
        action = data.draw(usually(NEXT_APPLICATION_STEPS.get(status, ()), tuple(APPLICATION_STEPS)), label="action")
        natural = APPLICATION_STEPS[action]
        if natural == OFFICERS:
            natural = (self.lead_officer(application_id),)
        actor = data.draw(usually(natural, EVERYONE), label="actor")
        details = {name: data.draw(strategy, label=name) for name, strategy in DETAILS.get(action, {}).items()}
        self.application_step(action, application_id, actor, **details)

    @precondition(lambda self: self.census().waiting_for_an_expert())
    @rule(data=st.data())
    def offer_the_work(self, data: st.DataObject) -> None:
        census = self.census()
        application_id = data.draw(
            usually(census.waiting_for_an_expert(), sorted(census.applications)), label="application"
        )
        expert = data.draw(st.sampled_from(EXPERTS), label="expert")
        actor = data.draw(usually((PROGRAMME_OFFICER,), EVERYONE), label="actor")
        self.offer_work(application_id, expert, actor)

    @precondition(lambda self: self.census().live_engagements())
    @rule(data=st.data())
    def step_on_an_engagement(self, data: st.DataObject) -> None:
        census = self.census()
        engagement_id = data.draw(usually(census.live_engagements(), sorted(census.engagements)), label="engagement")
        status, expert_id, _ = census.engagements[engagement_id]
        action = data.draw(usually(NEXT_ENGAGEMENT_STEPS.get(status, ()), ENGAGEMENT_STEPS), label="action")
        natural = (PROGRAMME_OFFICER,) if action == "withdraw_offer" else (self.expert_name(expert_id),)
        actor = data.draw(usually(natural, EVERYONE), label="actor")
        details = {name: data.draw(strategy, label=name) for name, strategy in DETAILS.get(action, {}).items()}
        self.engagement_step(action, engagement_id, actor, **details)

    @precondition(lambda self: "offered" in {status for status, _, _ in self.census().engagements.values()})
    @rule(days_later=st.sampled_from((3, 10)))
    def expire_offers(self, days_later: int) -> None:
        """The hourly sweep, some days on: offers past their last day expire and the work is
        offered to the next-best expert."""
        self._census = None
        engagements.expire_offers(TODAY + timedelta(days=days_later))
        db.session.commit()
        self.commits += 1

    @precondition(lambda self: self.census().reports)
    @rule(data=st.data())
    def step_on_a_report(self, data: st.DataObject) -> None:
        census = self.census().reports
        report_id = data.draw(st.sampled_from(sorted(census)), label="report")
        action = data.draw(usually(NEXT_REPORT_STEPS.get(census[report_id], ()), REPORT_STEPS), label="action")
        report = db.session.get(OutcomeReport, report_id)
        assert report is not None
        natural = (
            (PROGRAMME_OFFICER,)
            if action == "verify_report"
            else (self.lead_officer(report.engagement.application_id),)
        )
        actor = data.draw(usually(natural, EVERYONE), label="actor")
        details = {name: data.draw(strategy, label=name) for name, strategy in DETAILS.get(action, {}).items()}
        self.report_step(action, report_id, actor, **details)

    # Invariants, read from the database --------------------------------------------------------------

    @after_each_change
    def statuses_are_legal_and_every_move_is_allowed(self) -> None:
        legal = {status.value for status in ApplicationStatus}
        statuses: dict[int, str] = {}
        reached: dict[int, str | None] = {}
        for application_id, status, uses_experts, action, source, target in rows(
            """
            SELECT a.id, a.status, s.uses_experts, e.action, e.from_status, e.to_status
            FROM applications a
            JOIN funding_rounds r ON r.id = a.round_id
            JOIN schemes s ON s.id = r.scheme_id
            LEFT JOIN application_events e
              ON e.application_id = a.id AND (e.from_status IS NOT NULL OR e.to_status IS NOT NULL)
            ORDER BY a.id, e.id
            """
        ):
            assert status in legal, f"application {application_id} is {status}"
            statuses[application_id] = status
            if action is None:
                continue  # no recorded move at all: the comparison below reports it
            assert move_allowed(action, source, target, uses_experts), f"{action}: {source} → {target}"
            assert source == reached.get(application_id), f"application {application_id} moved from {source}"
            reached[application_id] = target
        assert reached == statuses, "an application's status is not where its recorded moves lead"

    @after_each_change
    def every_application_event_has_its_audit_event(self) -> None:
        """Each timeline entry and its audit event, one for one (either without the other is listed)."""
        timeline = """SELECT application_id, 'application.' || action, from_status, to_status
                      FROM application_events"""
        audited = """SELECT subject_id, action, detail->>'from_status', detail->>'to_status'
                     FROM audit_events WHERE subject_type = 'application'"""
        unmatched = rows(f"({timeline} EXCEPT ALL {audited}) UNION ALL ({audited} EXCEPT ALL {timeline})")
        assert not unmatched, f"timeline and audit trail differ: {unmatched}"

    @after_each_change
    def every_engagement_and_report_change_is_audited(self) -> None:
        for engagement_id, status, version, trail, logged, work in rows(
            """
            SELECT e.id, e.status, e.version,
              (SELECT string_agg(substr(a.action, 12), ',' ORDER BY a.id) FROM audit_events a
               WHERE a.subject_type = 'engagement' AND a.subject_id = e.id
                 AND a.action NOT IN ('engagement.work_logged', 'engagement.conflict_overridden')),
              (SELECT count(*) FROM audit_events a WHERE a.subject_type = 'engagement'
                 AND a.subject_id = e.id AND a.action = 'engagement.work_logged'),
              (SELECT count(*) FROM work_logs w WHERE w.engagement_id = e.id)
            FROM engagements e
            """
        ):
            assert trail == ENGAGEMENT_AUDIT[status], f"engagement {engagement_id} is {status}: audited {trail}"
            assert version == len(trail.split(",")), f"engagement {engagement_id} changed unaudited"
            assert logged == work, f"engagement {engagement_id}: {work} days logged, {logged} audited"
        for report_id, status, version, disputed, trail in rows(
            """
            SELECT r.id, r.status, r.version, r.dispute_reason IS NOT NULL,
              (SELECT string_agg(substr(a.action, 16), ',' ORDER BY a.id) FROM audit_events a
               WHERE a.subject_type = 'outcome_report' AND a.subject_id = r.id)
            FROM outcome_reports r
            """
        ):
            assert trail in REPORT_AUDIT[status], f"report {report_id} is {status}: audited {trail}"
            assert version == len(trail.split(",")), f"report {report_id} changed unaudited"
            assert disputed == ("disputed" in trail)

    @after_each_change
    def committed_money_is_the_awards_and_within_the_budget(self) -> None:
        for round_id, committed, budget, awarded in rows(
            """
            SELECT r.id, r.committed_pence, r.budget_pence,
              coalesce((SELECT sum(w.amount_pence) FROM awards w WHERE w.round_id = r.id
                AND NOT EXISTS (SELECT 1 FROM application_events e
                                WHERE e.application_id = w.application_id AND e.action = 'decline_offer')), 0)
            FROM funding_rounds r
            """
        ):
            assert committed == awarded, f"round {round_id}: {committed} committed, awards of {awarded}"
            assert 0 <= committed <= budget, f"round {round_id}: {committed} committed of {budget}"

    @after_each_change
    def payments_stay_within_the_award(self) -> None:
        for award_id, amount, paid, accepted, payments, count in rows(
            """
            SELECT w.id, w.amount_pence, w.paid_pence, w.accepted_at IS NOT NULL,
                   coalesce(sum(p.amount_pence), 0), count(p.id)
            FROM awards w LEFT JOIN payments p ON p.award_id = w.id GROUP BY w.id
            """
        ):
            assert payments == paid <= amount, f"award {award_id}: {payments} paid ({paid} recorded) of {amount}"
            assert accepted or not count, f"award {award_id} paid before it was accepted"

    @after_each_change
    def no_one_decides_an_application_they_scored(self) -> None:
        """No decision (approve, reject, send back from a decision) by someone who had scored the
        application; and each score is on the timeline, by its assessor."""
        scores = "SELECT application_id, assessor_id FROM assessments"
        scored = "SELECT application_id, actor_id FROM application_events WHERE action = 'assess'"
        broken = rows(
            f"""
            SELECT 'decided what they scored', d.application_id, d.actor_id FROM application_events d
            WHERE (d.action IN ('approve', 'reject')
                   OR (d.action = 'request_changes' AND d.from_status = 'awaiting_decision'))
              AND EXISTS (SELECT 1 FROM application_events s
                          WHERE s.application_id = d.application_id AND s.action = 'assess'
                            AND s.actor_id = d.actor_id AND s.id < d.id)
            UNION ALL SELECT 'score and timeline differ', * FROM (({scores}) EXCEPT ALL ({scored})) AS one
            UNION ALL SELECT 'score and timeline differ', * FROM (({scored}) EXCEPT ALL ({scores})) AS other
            """
        )
        assert not broken, f"segregation of duties: {broken}"

    @after_each_change
    def one_award_made_by_one_approval(self) -> None:
        for application_id, round_id, awards, approvals, award_round, approved_by, approver, accepts, accepted in rows(
            """
            SELECT a.id, a.round_id,
              (SELECT count(*) FROM awards w WHERE w.application_id = a.id),
              (SELECT count(*) FROM application_events e WHERE e.application_id = a.id AND e.action = 'approve'),
              w.round_id, w.approved_by_id,
              (SELECT e.actor_id FROM application_events e WHERE e.application_id = a.id AND e.action = 'approve'
               LIMIT 1),
              (SELECT count(*) FROM application_events e
               WHERE e.application_id = a.id AND e.action = 'accept_offer'),
              w.accepted_at IS NOT NULL
            FROM applications a LEFT JOIN awards w ON w.application_id = a.id
            """
        ):
            assert awards <= 1 and awards == approvals, f"application {application_id}: {awards} awards"
            if awards:
                assert award_round == round_id and approved_by == approver
                assert accepted == (accepts == 1)

    @after_each_change
    def experts_within_their_places_and_stages_agree(self) -> None:
        over = rows(
            """
            SELECT x.id, x.capacity FROM experts x
            WHERE x.capacity < (SELECT count(*) FROM engagements e
                                WHERE e.expert_id = x.id AND e.status IN ('offered', 'accepted'))
            """
        )
        assert not over, f"experts (id, places) holding more offers and work than places: {over}"
        delivering = {S.IN_DELIVERY, S.OUTCOMES_REPORTED, S.EVALUATED}
        for application_id, status, offered, working, completed in rows(
            """
            SELECT a.id, a.status,
              (SELECT count(*) FROM engagements e WHERE e.application_id = a.id AND e.status = 'offered'),
              (SELECT count(*) FROM engagements e WHERE e.application_id = a.id AND e.status = 'accepted'),
              (SELECT count(*) FROM engagements e WHERE e.application_id = a.id AND e.status = 'completed')
            FROM applications a
            """
        ):
            assert offered + working + completed <= 1, f"application {application_id} has two live engagements"
            assert not offered or status == S.EXPERT_MATCHING
            assert (working + completed == 1) == (status in delivering), f"application {application_id}: {status}"
            assert status != S.EVALUATED or completed == 1


@pytest.fixture
def world(session: object, tmp_path: Path) -> tuple[World, Connection]:
    """The world, committed inside the test's transaction, and the connection it is on: each
    example runs in a savepoint of its own on it, rolled back at the example's end."""
    made = build_world(tmp_path / "evidence")
    connection = db.session.get_bind()
    assert isinstance(connection, Connection)
    db.session.remove()
    return made, connection


def test_the_workflow_keeps_its_rules_whatever_is_tried(world: tuple[World, Connection]) -> None:
    made, connection = world
    machine = type("Workflow", (WorkflowMachine,), {"world": made, "connection": connection})
    run_state_machine_as_test(machine, settings=SETTINGS)
