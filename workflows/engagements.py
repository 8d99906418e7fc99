"""Experts matched to approved work: suggestions, offers, answers, expiry, and matching a whole
round at once.

An approved application of a scheme that uses experts waits in "Expert matching". Staff offer it
to an expert (from the ranked suggestions, or from a run that matched the whole round); the
expert accepts, and delivery starts, or declines; an offer not answered within the scheme's
working days expires and the next-best expert is offered the work.

Each offer holds one of the expert's places until it is answered. Offering locks the expert's row
first, so two members of staff offering the same last place at once are taken one after the
other and the second is refused. Operations flush and never commit: the caller owns the
transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import (
    HOLDS_A_PLACE,
    Application,
    ApplicationStatus,
    ConflictOfInterest,
    Engagement,
    EngagementStatus,
    Expert,
    ExpertAvailability,
    ExpertKind,
    FundingRound,
    MatchRun,
    MatchRunStatus,
    OutcomeReport,
    ReportStatus,
    Role,
    Scheme,
    SchemeKind,
    Specialism,
    User,
    VettingStatus,
    utcnow,
)
from notifications import queue_email, reminders
from workflows import applications, matching
from workflows.after_commit import send_after_commit
from workflows.audit import record_event
from workflows.lifecycle import Change, IllegalMoveError, Lifecycle, Move, WorkflowError, table
from workflows.permissions import Permission, can
from workflows.working_days import add_working_days

_KIND_WORDS = {ExpertKind.INDIVIDUAL: "an individual expert", ExpertKind.DELIVERY_PARTNER: "a delivery partner"}


class EngagementError(WorkflowError):
    """An offer or answer the rules refuse; the message is for the person who tried it."""


class AtCapacityError(EngagementError):
    """Every one of the expert's places is taken."""


class ConflictOfInterestError(EngagementError):
    """The expert has a conflict of interest with the council, and no reason to override it."""


# Moves ---------------------------------------------------------------------------------------------

# Every move an engagement may make.
# fmt: off
ENGAGEMENT_MOVES: list[Move[EngagementStatus]] = table(EngagementStatus, [
    # action    from        to           permission                     reason
    # The expert the offer is for answers it while it waits (and before its last day has passed).
    ("accept",   "offered",  "accepted",  Permission.USE_EXPERT_PORTAL,  False),
    ("decline",  "offered",  "declined",  Permission.USE_EXPERT_PORTAL,  True),
    # Staff take back an offer not yet answered.
    ("withdraw", "offered",  "withdrawn", Permission.CHECK_APPLICATIONS, True),
    # The service, once the offer's last day has passed (`expire_offers`).
    ("expire",   "offered",  "expired",   None,                          False),
    # The expert doing the work marks it complete (workflows/outcomes.py).
    ("complete", "accepted", "completed", Permission.USE_EXPERT_PORTAL,  False),
])
# fmt: on


class EngagementLifecycle(Lifecycle[Engagement, EngagementStatus]):
    """An engagement at the door: only the expert it is for answers the offer or completes the
    work; refusals and reasons in the portal's words; audited as "engagement.accepted" and so on."""

    subject_type = "engagement"
    error = EngagementError
    events = {
        "accept": "accepted",
        "decline": "declined",
        "withdraw": "withdrawn",
        "expire": "expired",
        "complete": "completed",
    }
    reason_asks = {
        "decline": ("Give a reason for declining", "reason"),
        "withdraw": ("Give a reason for withdrawing the offer", "reason"),
    }

    def refusal(self, engagement: Engagement, move: Move[EngagementStatus], actor: User | None) -> str | None:
        if move.permission is Permission.USE_EXPERT_PORTAL:
            if can(actor, move.permission) and actor is not None and actor.expert_id == engagement.expert_id:
                return None
            if move.action == "complete":
                return "Only the expert doing the work can do that"
            return "Only the expert offered the work can answer the offer"
        if move.permission is Permission.CHECK_APPLICATIONS and not can(actor, move.permission):
            return "Only the LGA's programme team can withdraw an offer"
        return super().refusal(engagement, move, actor)

    def cannot(self, engagement: Engagement, action: str) -> WorkflowError:
        status = engagement.status.label.lower()
        if action == "complete":
            return EngagementError(f"Work that is {status} cannot be completed")
        if action in ("accept", "decline"):
            return EngagementError(f"This offer has been {status} and can no longer be answered")
        return EngagementError(f"This offer is {status}: only a waiting offer can be {self.events[action]}")

    def stale(self, engagement: Engagement) -> WorkflowError:
        return EngagementError("This offer changed while you were reading it: check it as it is now")

    def limit_for(self, move: Move[EngagementStatus]) -> int | None:
        # Staff's reason for withdrawing is kept to its first 2,000 characters, not refused.
        return None if move.action == "withdraw" else self.reason_limit


EngagementChange = Change[Engagement, EngagementStatus]
ENGAGEMENT = EngagementLifecycle(ENGAGEMENT_MOVES)

# Every move a "match the round" run may make.
# fmt: off
MATCH_RUN_MOVES: list[Move[MatchRunStatus]] = table(MatchRunStatus, [
    # action   from       to           permission                     reason
    # The task computed the proposal, or failed to.
    ("finish",  "running", "ready",     None,                          False),
    ("fail",    "running", "failed",    None,                          False),
    # Staff confirm the proposal, which makes its offers, or discard it.
    ("confirm", "ready",   "confirmed", Permission.CHECK_APPLICATIONS, False),
    ("discard", "ready",   "discarded", Permission.CHECK_APPLICATIONS, False),
])
# fmt: on


class MatchRunLifecycle(Lifecycle[MatchRun, MatchRunStatus]):
    """A matching run at the door: the task finishes it or records its failure; staff confirm or
    discard what is ready for review."""

    subject_type = "match_run"
    error = EngagementError
    events = {"finish": "ready", "fail": "failed", "confirm": "confirmed", "discard": "discarded"}

    def refusal(self, run: MatchRun, move: Move[MatchRunStatus], actor: User | None) -> str | None:
        if move.permission is not None and not can(actor, move.permission):
            return "Only the LGA's programme team can do that"
        return super().refusal(run, move, actor)

    def cannot(self, run: MatchRun, action: str) -> WorkflowError:
        if action == "confirm":
            return EngagementError(f"This run is {run.status.value}: only a run ready for review can be confirmed")
        if action == "discard":
            return EngagementError("Only a run ready for review can be discarded")
        return EngagementError(f"This run is {run.status.value}: it is no longer being worked out")


MATCH_RUN = MatchRunLifecycle(MATCH_RUN_MOVES)


# What the council asked for --------------------------------------------------------------------------


def skills_wanted(application: Application) -> frozenset[Specialism]:
    """The specialisms the work needs: those the council chose for a productivity-expert grant,
    behavioural insights for a trial, shared services for a matchmaking request."""
    kind = application.scheme.kind
    if kind is SchemeKind.MATCH_FUNDING:
        return frozenset({Specialism.BEHAVIOURAL_INSIGHTS})
    if kind is SchemeKind.MATCHMAKING:
        return frozenset({Specialism.SHARED_SERVICES})
    chosen = (application.answers.get("expertise") or {}).get("skills") or []
    known = {s.value for s in Specialism}
    return frozenset(Specialism(code) for code in chosen if code in known)


def who_delivers(scheme: Scheme) -> ExpertKind:
    """A behavioural-insights trial (match funding) is delivered by a delivery partner, an
    organisation; other work by an individual expert."""
    if scheme.kind is SchemeKind.MATCH_FUNDING:
        return ExpertKind.DELIVERY_PARTNER
    return ExpertKind.INDIVIDUAL


def need_for(application: Application, today: date) -> matching.Need:
    return matching.Need(
        application_id=application.id,
        council_id=application.lead_council_id,
        region=application.lead_council.region,
        specialisms=skills_wanted(application),
        starts_on=today,
    )


# The pool as the matcher sees it ----------------------------------------------------------------------


def candidates(expert_ids: list[int] | None = None, *, kind: ExpertKind | None = None) -> list[matching.Candidate]:
    """Every expert in the pool (or those named, or those of one kind), with their places in use,
    verified savings, availability and conflicts: five queries however large the pool."""
    experts_query = select(Expert).order_by(Expert.id)
    if expert_ids is not None:
        experts_query = experts_query.where(Expert.id.in_(expert_ids))
    if kind is not None:
        experts_query = experts_query.where(Expert.kind == kind)
    experts = list(db.session.scalars(experts_query))
    ids = [e.id for e in experts]
    if not ids:
        return []
    load: dict[int, int] = {
        expert_id: int(count)
        for expert_id, count in db.session.execute(
            select(Engagement.expert_id, func.count())
            .where(Engagement.expert_id.in_(ids), Engagement.status.in_(HOLDS_A_PLACE))
            .group_by(Engagement.expert_id)
        )
    }
    verified = (
        func.coalesce(OutcomeReport.verified_cashable_pence, 0)
        + func.coalesce(OutcomeReport.verified_income_pence, 0)
        + func.coalesce(OutcomeReport.verified_avoided_pence, 0)
    )
    savings: dict[int, int] = {
        expert_id: int(total or 0)
        for expert_id, total in db.session.execute(
            select(Engagement.expert_id, func.sum(verified))
            .join(OutcomeReport, OutcomeReport.engagement_id == Engagement.id)
            .where(Engagement.expert_id.in_(ids), OutcomeReport.status == ReportStatus.VERIFIED)
            .group_by(Engagement.expert_id)
        )
    }
    windows: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for expert_id, starts_on, ends_on in db.session.execute(
        select(ExpertAvailability.expert_id, ExpertAvailability.starts_on, ExpertAvailability.ends_on)
        .where(ExpertAvailability.expert_id.in_(ids))
        .order_by(ExpertAvailability.starts_on)
    ):
        windows[expert_id].append((starts_on, ends_on))
    conflicts: dict[int, set[int]] = defaultdict(set)
    for expert_id, council_id in db.session.execute(
        select(ConflictOfInterest.expert_id, ConflictOfInterest.council_id).where(ConflictOfInterest.expert_id.in_(ids))
    ):
        conflicts[expert_id].add(council_id)
    return [
        matching.Candidate(
            expert_id=e.id,
            name=e.name,
            specialisms=frozenset(e.specialisms),
            regions=frozenset(e.regions),
            capacity=e.capacity,
            load=int(load.get(e.id, 0)),
            verified_savings_pence=int(savings.get(e.id) or 0),
            windows=tuple(windows.get(e.id, [])),
            conflicts=frozenset(conflicts.get(e.id, set())),
            vetted=e.vetting_status is VettingStatus.VETTED,
        )
        for e in experts
    ]


def ruled_out(application_ids: list[int]) -> set[tuple[int, int]]:
    """(application, expert) pairs not to offer again: the expert declined the work, let the
    offer expire, or had it withdrawn."""
    if not application_ids:
        return set()
    rows = db.session.execute(
        select(Engagement.application_id, Engagement.expert_id).where(
            Engagement.application_id.in_(application_ids),
            Engagement.status.in_((EngagementStatus.DECLINED, EngagementStatus.EXPIRED, EngagementStatus.WITHDRAWN)),
        )
    )
    return {(a, e) for a, e in rows}


@dataclass(frozen=True)
class Suggestions:
    ranked: list[matching.Fit]
    # Experts with the skills asked for who cannot be offered the work, each with the reason: a
    # conflict of interest (which staff may override with a reason) or no free place.
    blocked: list[matching.Fit]
    ruled_out: set[int]


def suggestions_for(application: Application, today: date, *, limit: int = 10) -> Suggestions:
    need = need_for(application, today)
    pool = candidates(kind=who_delivers(application.scheme))
    excluded = {expert for _, expert in ruled_out([application.id])}
    offered = [c for c in pool if c.expert_id not in excluded]
    ranked = matching.suggestions(need, offered, limit=limit)
    blocked = []
    for candidate in offered:
        found = matching.fit(need, candidate)
        if found.blocked and candidate.specialisms & need.specialisms and candidate.vetted:
            blocked.append(found)
    blocked.sort(key=lambda f: (-f.score, f.expert_id))
    return Suggestions(ranked, blocked[:limit], excluded)


# Offers --------------------------------------------------------------------------------------------


def live_engagement(application: Application) -> Engagement | None:
    """The offer waiting for an answer, the work under way, or the work done."""
    return db.session.scalar(
        select(Engagement).where(
            Engagement.application_id == application.id,
            Engagement.status.in_((EngagementStatus.OFFERED, EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED)),
        )
    )


def waiting_for_an_expert(round_id: int | None = None) -> Select[tuple[Application]]:
    """Applications in expert matching with no offer waiting: the matching queue."""
    has_offer = (
        select(Engagement.id)
        .where(Engagement.application_id == Application.id, Engagement.status.in_(HOLDS_A_PLACE))
        .exists()
    )
    query = select(Application).where(Application.status == ApplicationStatus.EXPERT_MATCHING, ~has_offer)
    if round_id is not None:
        query = query.where(Application.round_id == round_id)
    return query.order_by(Application.id)


def offer(
    application: Application,
    expert_id: int,
    *,
    actor: User | None,
    today: date,
    override_reason: str | None = None,
    match_run: MatchRun | None = None,
) -> Engagement:
    """Offer the application's work to the expert. Refused when the application is not waiting
    for an expert, when an offer is already waiting, when the expert is not vetted, has no free
    place, or has a conflict of interest with the council (unless a reason to override it is
    given, which is recorded)."""
    applications.lock(application)
    if application.status is not ApplicationStatus.EXPERT_MATCHING:
        raise IllegalMoveError(
            f"An application that is {application.status.label.lower()} is not waiting for an expert"
        )
    current = live_engagement(application)
    if current is not None:
        raise EngagementError(f"This work has already been offered to {current.expert.name}")
    # Lock the expert's row: whoever offers the last place first takes it; the other waits here,
    # then counts the place as taken.
    expert = db.session.get(Expert, expert_id, with_for_update=True, populate_existing=True)
    if expert is None:
        raise EngagementError("There is no such expert in the pool")
    if expert.vetting_status is not VettingStatus.VETTED:
        raise EngagementError(f"{expert.name} is not vetted, so cannot be offered work")
    needed = who_delivers(application.scheme)
    if expert.kind is not needed:
        raise EngagementError(
            f"{expert.name} is {_KIND_WORDS[expert.kind]}: this work needs {_KIND_WORDS[needed]}. Choose another"
        )
    in_use = places_in_use(expert.id)
    if in_use >= expert.capacity:
        raise AtCapacityError(
            f"{expert.name} is at capacity: {in_use} of {expert.capacity} "
            f"{'place' if expert.capacity == 1 else 'places'} in use. Choose another expert"
        )
    if (application.id, expert.id) in ruled_out([application.id]):
        raise EngagementError(f"{expert.name} has already declined this work or let the offer expire")
    reason = (override_reason or "").strip() or None
    conflict = db.session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.expert_id == expert.id, ConflictOfInterest.council_id == application.lead_council_id
        )
    )
    if conflict is not None and reason is None:
        raise ConflictOfInterestError(
            f"{expert.name} has a conflict of interest with {application.lead_council.name}: {conflict.reason}. "
            "Choose another expert, or give the reason for overriding the conflict",
            field="override_reason",
        )
    if reason is not None and len(reason) > 2000:
        raise EngagementError("The reason must be 2,000 characters or fewer", field="override_reason")
    [candidate] = candidates([expert.id])
    found = matching.fit(need_for(application, today), candidate)
    engagement = Engagement(
        application=application,
        expert=expert,
        status=EngagementStatus.OFFERED,
        score=found.score,
        reasons=list(found.reasons),
        conflict_override_reason=reason if conflict is not None else None,
        offered_by_id=actor.id if actor else None,
        offered_at=utcnow(),
        expires_on=add_working_days(today, application.scheme.offer_expiry_working_days),
        match_run_id=match_run.id if match_run else None,
    )
    db.session.add(engagement)
    db.session.flush()
    record_event(
        "engagement.offered",
        actor=actor,
        subject_type="engagement",
        subject_id=engagement.id,
        application_id=application.id,
        expert_id=expert.id,
        score=found.score,
        expires_on=engagement.expires_on.isoformat(),
        match_run_id=engagement.match_run_id,
    )
    if conflict is not None:
        record_event(
            "engagement.conflict_overridden",
            actor=actor,
            subject_type="engagement",
            subject_id=engagement.id,
            council_id=application.lead_council_id,
            expert_id=expert.id,
            reason=reason,
        )
    applications.note_on_timeline(application, "expert_offered", actor, f"Offered to {expert.name}")
    _tell_expert(engagement, "expert_offer_made")
    _schedule_expiry_reminder(engagement, today)
    return engagement


def places_in_use(expert_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Engagement)
            .where(Engagement.expert_id == expert_id, Engagement.status.in_(HOLDS_A_PLACE))
        )
        or 0
    )


def own_engagement(user: User, engagement_id: int) -> Engagement | None:
    """The engagement if it is the signed-in expert's own; anyone else's is None (a 404)."""
    if user.expert_id is None:
        return None
    return db.session.scalar(
        select(Engagement).where(Engagement.id == engagement_id, Engagement.expert_id == user.expert_id)
    )


def accept(engagement: Engagement, *, actor: User, today: date, expected_version: int | None = None) -> None:
    """The expert takes the work on: delivery starts."""
    _settle(engagement, "accept", actor, today=today, expected_version=expected_version)
    application = engagement.application
    applications.transition(application, "start_delivery", actor, reason=f"{engagement.expert.name} accepted")
    reminders.cancel("engagement", engagement.id, "offer_expiring")
    _tell_staff(engagement, "expert_offer_answered")
    for person in applications.council_contacts(application):
        queue_email(
            to=person,
            template="expert_matched",
            key=f"engagement:{engagement.id}:matched:{person.id}",
            link=f"/applications/{application.id}",
            context={**_context(engagement), "name": person.name},
            in_app=True,
        )


def decline(
    engagement: Engagement, *, actor: User, reason: str, today: date, expected_version: int | None = None
) -> None:
    """The expert turns the work down (a reason is needed). The place is freed and the work goes
    back to the matching queue for staff, who are told."""
    change = _settle(engagement, "decline", actor, today=today, reason=reason, expected_version=expected_version)
    applications.note_on_timeline(
        engagement.application, "expert_declined", actor, f"{engagement.expert.name} declined: {change.reason}"
    )
    reminders.cancel("engagement", engagement.id, "offer_expiring")
    _tell_staff(engagement, "expert_offer_answered")


def withdraw(engagement: Engagement, *, actor: User, reason: str) -> None:
    """Staff take back an offer not yet answered (a reason is needed): the place is freed."""
    change = _settle(engagement, "withdraw", actor, today=None, reason=reason)
    why = change.reason
    applications.note_on_timeline(
        engagement.application, "expert_offer_withdrawn", actor, f"Offer to {engagement.expert.name} withdrawn: {why}"
    )
    reminders.cancel("engagement", engagement.id, "offer_expiring")
    _tell_expert(engagement, "expert_offer_withdrawn", reason=why)


def _settle(
    engagement: Engagement,
    action: str,
    actor: User | None,
    *,
    today: date | None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> EngagementChange:
    """Settle a waiting offer through the door: accepted, declined, withdrawn or expired. An answer
    counts only while the offer lasts (on `today`); the door records when it was settled, and the
    reason for turning it down or taking it back (kept to 2,000 characters; the audit event has it
    in full)."""

    def settle(move: Move[EngagementStatus], why: str | None) -> dict[str, Any] | None:
        if today is not None and engagement.expires_on < today:
            raise EngagementError("This offer has expired and can no longer be answered")
        engagement.responded_at = utcnow()
        if why is None:
            return None
        engagement.decline_reason = why[:2000]
        return {"reason": why}

    return ENGAGEMENT.transition(
        engagement,
        action,
        actor,
        reason=reason,
        expected_version=expected_version,
        before=settle,
        detail={"application_id": engagement.application_id},
    )


# Expiry ---------------------------------------------------------------------------------------------


def expire_offers(today: date) -> list[int]:
    """Expire every offer past its last day, and offer each piece of work to the next-best
    expert. Safe to run twice or in two places at once: each offer is locked and checked first,
    so it expires once. Returns the ids of the engagements that expired."""
    due = db.session.scalars(
        select(Engagement.id)
        .where(Engagement.status == EngagementStatus.OFFERED, Engagement.expires_on < today)
        .order_by(Engagement.id)
    ).all()
    expired = []
    for engagement_id in due:
        engagement = db.session.get(Engagement, engagement_id, with_for_update=True, populate_existing=True)
        if engagement is None or engagement.status is not EngagementStatus.OFFERED or engagement.expires_on >= today:
            continue
        _settle(engagement, "expire", None, today=None)
        applications.note_on_timeline(
            engagement.application, "expert_offer_expired", None, f"{engagement.expert.name} did not answer in time"
        )
        _tell_expert(engagement, "expert_offer_expired")
        db.session.flush()
        offer_next_best(engagement.application, today)
        expired.append(engagement.id)
    return expired


def offer_next_best(application: Application, today: date) -> Engagement | None:
    """Offer the work to the best expert who can take it and has not turned it down. With no one
    left, staff are told the work is waiting."""
    if application.status is not ApplicationStatus.EXPERT_MATCHING or live_engagement(application) is not None:
        return None
    found = suggestions_for(application, today, limit=1).ranked
    if found:
        try:
            # offer() checks everything before it writes anything, so a refusal leaves no trace.
            return offer(application, found[0].expert_id, actor=None, today=today)
        except EngagementError:
            pass  # the place went meanwhile: staff choose
    for officer in applications.active_users_with(Role.PROGRAMME_OFFICER):
        queue_email(
            to=officer,
            template="expert_needed",
            key=f"application:{application.id}:expert_needed:{today.isoformat()}:{officer.id}",
            link=f"/matching/applications/{application.id}",
            context={**applications.message_context(application, None), "name": officer.name},
            in_app=True,
        )
    return None


# Matching a whole round -------------------------------------------------------------------------------


def start_match_run(funding_round: FundingRound, *, actor: User) -> MatchRun:
    """Ask for the round's waiting applications to be matched; a task computes the proposal."""
    running = db.session.scalar(
        select(MatchRun.id).where(MatchRun.round_id == funding_round.id, MatchRun.status == MatchRunStatus.RUNNING)
    )
    if running is not None:
        raise EngagementError("This round is being matched already: wait for that run to finish")
    run = MatchRun(round_id=funding_round.id, status=MatchRunStatus.RUNNING, requested_by_id=actor.id, proposal=[])
    db.session.add(run)
    db.session.flush()
    record_event(
        "match_run.requested", actor=actor, subject_type="match_run", subject_id=run.id, round=funding_round.id
    )
    send_after_commit("workflows.match_round", run.id)
    return run


def compute_match_run(run: MatchRun, today: date) -> None:
    """Work out the optimal assignment of the round's waiting applications and keep it as the
    run's proposal, with the greedy assignment's total for comparison."""
    waiting = list(db.session.scalars(waiting_for_an_expert(run.round_id)))
    needs = [need_for(a, today) for a in waiting]
    pool = candidates(kind=who_delivers(run.funding_round.scheme))
    excluded = ruled_out([a.id for a in waiting])
    best = matching.assign(needs, pool, excluded=excluded)
    baseline = matching.greedy(needs, pool, excluded=excluded)
    proposal = [
        {
            "application_id": need.application_id,
            "expert_id": best.pairs[need.application_id].expert_id if need.application_id in best.pairs else None,
            "score": best.pairs[need.application_id].score if need.application_id in best.pairs else None,
            "reasons": list(best.pairs[need.application_id].reasons) if need.application_id in best.pairs else [],
        }
        for need in needs
    ]

    def keep_the_proposal(move: Move[MatchRunStatus], reason: str | None) -> None:
        run.proposal = proposal
        run.total_score = best.total_score
        run.greedy_total_score = baseline.total_score
        run.finished_at = utcnow()

    MATCH_RUN.transition(
        run,
        "finish",
        None,
        before=keep_the_proposal,
        detail={
            "applications": len(needs),
            "matched": len(best.pairs),
            "total_score": best.total_score,
            "greedy_total_score": baseline.total_score,
        },
    )


def fail_match_run(run: MatchRun, error: Exception) -> None:
    """Record that the run's proposal could not be worked out, and why (staff see it and may ask
    again)."""
    text = f"{type(error).__name__}: {error}"[:2000]

    def keep_the_error(move: Move[MatchRunStatus], reason: str | None) -> None:
        run.error = text
        run.finished_at = utcnow()

    MATCH_RUN.transition(run, "fail", None, before=keep_the_error, detail={"error": text})


@dataclass(frozen=True)
class RunOutcome:
    offered: list[Engagement]
    refused: list[tuple[Application, str]]  # what could not be offered, and why


def confirm_match_run(run: MatchRun, choices: dict[int, int | None], *, actor: User, today: date) -> RunOutcome:
    """Make the offers staff confirmed (application id: expert id, or None for no offer yet).
    Each offer is made on its own: one that is refused (the expert's last place went meanwhile)
    is reported and the others stand."""
    offered: list[Engagement] = []
    refused: list[tuple[Application, str]] = []

    def make_the_offers(move: Move[MatchRunStatus], reason: str | None) -> dict[str, Any]:
        proposed = {row["application_id"] for row in run.proposal}
        for application_id, expert_id in choices.items():
            if application_id not in proposed or expert_id is None:
                continue
            application = db.session.get(Application, application_id)
            if application is None:
                continue
            try:
                # offer() checks everything before it writes anything, so a refusal leaves no trace.
                offered.append(offer(application, expert_id, actor=actor, today=today, match_run=run))
            except WorkflowError as error:
                refused.append((application, str(error)))
        run.confirmed_by_id = actor.id
        run.confirmed_at = utcnow()
        return {"offered": len(offered), "refused": len(refused)}

    MATCH_RUN.transition(run, "confirm", actor, before=make_the_offers)
    return RunOutcome(offered, refused)


def discard_match_run(run: MatchRun, *, actor: User) -> None:
    MATCH_RUN.transition(run, "discard", actor)


# Messages ------------------------------------------------------------------------------------------


def _context(engagement: Engagement) -> dict[str, Any]:
    application = engagement.application
    return {
        **applications.message_context(application, None),
        "expert": engagement.expert.name,
        "expires_on": engagement.expires_on.isoformat(),
        "engagement_status": engagement.status.label,
        "decline_reason": engagement.decline_reason,
        "skills": ", ".join(sorted(s.label for s in skills_wanted(application))),
    }


def expert_user(expert: Expert) -> User | None:
    return db.session.scalar(select(User).where(User.expert_id == expert.id, User.is_active.is_(True)))


def _tell_expert(engagement: Engagement, template: str, **extra: Any) -> None:
    """Email the expert (in the service too when they have an account; by address when not)."""
    user = expert_user(engagement.expert)
    queue_email(
        to=user or engagement.expert.email,
        template=template,
        key=f"engagement:{engagement.id}:v{engagement.version}:{template}",
        link=f"/portal/offers/{engagement.id}",
        context={**_context(engagement), "name": engagement.expert.name, **extra},
        in_app=user is not None,
    )


def _tell_staff(engagement: Engagement, template: str) -> None:
    for officer in applications.active_users_with(Role.PROGRAMME_OFFICER):
        queue_email(
            to=officer,
            template=template,
            key=f"engagement:{engagement.id}:v{engagement.version}:{template}:{officer.id}",
            link=f"/matching/applications/{engagement.application_id}",
            context={**_context(engagement), "name": officer.name},
            in_app=True,
        )


def _schedule_expiry_reminder(engagement: Engagement, today: date) -> None:
    """Remind the expert on the last working day of the offer, if that is after today."""
    user = expert_user(engagement.expert)
    last_day = engagement.expires_on
    if user is None or last_day <= today:
        return
    reminders.schedule(
        subject_type="engagement",
        subject_id=engagement.id,
        kind="offer_expiring",
        user=user,
        due_on=last_day,
        template="expert_offer_expiring",
        link=f"/portal/offers/{engagement.id}",
        context={k: v for k, v in _context(engagement).items() if k != "decline_reason"},
    )


def offers_for_expert(expert_id: int) -> Select[tuple[Engagement]]:
    """Everything offered to one expert, each with its application and lead council loaded (the
    portal names both for every row)."""
    return (
        select(Engagement)
        .where(Engagement.expert_id == expert_id)
        .options(joinedload(Engagement.application).joinedload(Application.lead_council))
        .order_by(
            and_(Engagement.status == EngagementStatus.OFFERED).desc(),
            Engagement.offered_at.desc(),
            Engagement.id.desc(),
        )
    )
