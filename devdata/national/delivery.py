"""Approved work delivered: offers to experts (some declined, expired or withdrawn), the one
accepted, the days logged and the work completed; then the outcome reports, each answered by the
council and verified by a programme officer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from devdata.common import POUND
from devdata.national.generator import spread_within
from devdata.national.life import Life
from devdata.national.shapes import Application, Engagement, Expert, Report
from devdata.national.words import MILESTONES, REASONS
from workflows.outcomes import add_months, due_date
from workflows.working_days import add_working_days

# Offers of work that came to nothing go to work matched at least this long ago.
SETTLED = timedelta(days=120)


def _evening(day: date) -> datetime:
    return datetime.combine(day, clock(18), tzinfo=UTC)


def share_failed_offers(life: Life, apps: list[Application]) -> None:
    """The offers that came to nothing (declined, expired, withdrawn), so that the offers add up to
    the target: each goes to work matched long enough ago for every offer to have been answered,
    and none so many that the work runs out of experts to ask."""
    waiting = sorted((a for a in apps if a.first_offer_at), key=lambda a: a.first_offer_at or life.now)
    target = life.g.targets.engagements
    for a in waiting[target:]:
        a.first_offer_at = None  # the latest wait for their first offer
    settled = [a for a in waiting[:target] if a.matching_since and a.matching_since <= life.now - SETTLED]
    room = {id(a): len(life.pools[a.scheme.delivered_by]) // 2 - 1 for a in settled}
    settled = [a for a in settled if room[id(a)] > 0]
    for _ in range(target - len(waiting)):
        if not settled:
            return
        a = life.rng.choice(settled)
        a.failed_offers += 1
        if a.failed_offers >= room[id(a)]:
            settled.remove(a)


def match_and_deliver(life: Life, a: Application) -> None:
    """The offers that came to nothing, then the one accepted (or still waiting): the expert logs
    days and, unless the work is still under way, completes it."""
    g, rng = life.g, life.rng
    at = a.first_offer_at
    assert at is not None
    offered_by: int | None = rng.choice(life.programme).id
    for _ in range(a.failed_offers):
        after = _failed_offer(life, a, at, offered_by)
        if after is None:
            break
        at, by_the_sweep = after
        offered_by = None if by_the_sweep else rng.choice(life.programme).id
    expires_on = add_working_days(at.date(), 5)
    answered = _answer_time(life, at, expires_on)
    completed = g.later(answered, 30, 150) if answered <= life.now else None
    expert = _choose_expert(life, a, at, live=completed is None)
    if expert is None:
        return  # no one free: the work waits for an expert
    e = _offer(life, a, expert, at, offered_by, expires_on)
    if completed is None:
        expert.places_in_use += 1
    if answered > life.now:
        return
    e.status, e.responded_at, e.version, e.answered_by = "accepted", answered, 2, expert.user.id
    life.move(a, answered, "start_delivery", expert.user, f"{expert.user.name} accepted")
    for logged in sorted(g.moment_between(answered, completed or life.now) for _ in range(rng.randint(2, 8))):
        e.work.append((logged.date(), rng.choice((5, 10, 10, 15, 20, 30, 40, 50, 70)), rng.choice(MILESTONES), logged))
    if completed is not None:
        e.status, e.completed_at, e.version = "completed", completed, 3
        life.note(a, completed, "delivery_completed", expert.user.id)


def _answer_time(life: Life, offered_at: datetime, expires_on: date) -> datetime:
    return life.g.moment_between(
        offered_at + timedelta(minutes=30), datetime.combine(expires_on, clock(17), tzinfo=UTC)
    )


def _offer(
    life: Life, a: Application, expert: Expert, at: datetime, offered_by: int | None, expires_on: date
) -> Engagement:
    score = life.rng.randint(45, 98)
    reasons = [
        "Covers the specialisms asked for" if score > 60 else "Covers some of the specialisms asked for",
        "Works in the council's region" if a.council.region in expert.regions else "Works in other regions",
        f"{expert.capacity} {'place' if expert.capacity == 1 else 'places'}",
        "Verified savings from past work" if life.rng.random() < 0.5 else "No verified savings yet",
        "Available now",
    ]
    e = Engagement(a, expert, "offered", score, reasons, offered_by, at, expires_on)
    a.engagements.append(e)
    life.note(a, at, "expert_offered", offered_by, f"Offered to {expert.user.name}")
    return e


def _failed_offer(life: Life, a: Application, at: datetime, offered_by: int | None) -> tuple[datetime, bool] | None:
    """An offer declined, let expire (the hourly sweep then offers the work to the next expert) or
    withdrawn by staff: when the next offer is made, and whether the sweep made it."""
    g, rng = life.g, life.rng
    expert = _choose_expert(life, a, at, live=False)
    if expert is None:
        return None
    expires_on = add_working_days(at.date(), 5)
    outcome = rng.choices(("declined", "expired", "withdrawn"), (55, 30, 15))[0]
    if outcome == "expired":
        answered = datetime.combine(expires_on + timedelta(days=1), clock(0, rng.randint(5, 55)), tzinfo=UTC)
        after: datetime | None = answered + timedelta(seconds=20)
    else:
        answered = _answer_time(life, at, expires_on)
        after = g.later(answered, 0, 3)
    if answered > life.now or after is None:
        return None
    e = _offer(life, a, expert, at, offered_by, expires_on)
    e.status, e.responded_at, e.version = outcome, answered, 2
    name = expert.user.name
    if outcome == "declined":
        e.decline_reason, e.answered_by = rng.choice(REASONS["expert_declined"]), expert.user.id
        life.note(a, answered, "expert_declined", expert.user.id, f"{name} declined: {e.decline_reason}")
    elif outcome == "withdrawn":
        e.decline_reason, e.answered_by = (
            rng.choice(REASONS["expert_offer_withdrawn"]),
            rng.choice(life.programme).id,
        )
        life.note(
            a, answered, "expert_offer_withdrawn", e.answered_by, f"Offer to {name} withdrawn: {e.decline_reason}"
        )
    else:
        life.note(a, answered, "expert_offer_expired", None, f"{name} did not answer in time")
    return after, outcome == "expired"


def _choose_expert(life: Life, a: Application, at: datetime, *, live: bool) -> Expert | None:
    """A vetted expert of the kind the work needs, in the pool by then, with no conflict with the
    council, not asked before, and with a free place if the work is still under way; one who
    covers the skills asked for when such a one turns up."""
    pool = life.pools[a.scheme.delivered_by]
    asked = {e.expert.id for e in a.engagements}
    wanted = set((a.answers.get("expertise") or {}).get("skills") or [])
    fallback = None
    for _ in range(60 if pool else 0):
        expert = life.rng.choice(pool)
        if expert.joined > at or expert.id in asked or (expert.id, a.council.id) in life.g.conflicts:
            continue
        if live and expert.places_in_use >= expert.capacity:
            continue
        if not wanted or wanted & {s.value for s in expert.specialisms}:
            return expert
        fallback = fallback or expert
    return fallback


def number_engagements(life: Life) -> None:
    engagements = sorted((e for a in life.g.applications for e in a.engagements), key=lambda e: e.offered_at)
    first = life.g.bulk.reserve("engagements", len(engagements))
    for n, e in enumerate(engagements):
        e.id = first + n


def report_outcomes(life: Life, apps: list[Application]) -> None:
    """The reports at each evaluation point that has come due, and monthly interim reports to make
    up the target; the council answers each and a programme officer verifies it. The first report
    filed moves the application on; the last evaluation point verified evaluates it."""
    g = life.g
    completed = [e for a in apps for e in a.engagements if e.completed_at]
    for e in completed:
        assert e.completed_at is not None
        finished_on, previous = e.completed_at.date(), 0
        for month in e.application.scheme.evaluation_months:
            period = (add_months(finished_on, previous), add_months(finished_on, month) - timedelta(days=1))
            due = _evening(due_date(finished_on, month) - timedelta(days=3))
            filed = g.later(max(_evening(period[1]), due), 1, 20)
            previous = month
            if filed is not None:
                e.reports.append(_report(life, e, month, period, filed))
    interim = g.targets.outcome_reports - sum(len(e.reports) for e in completed)
    for e, count in zip(
        completed, spread_within(interim, [_months_reportable(life, e) for e in completed]), strict=True
    ):
        assert e.completed_at is not None
        finished_on = e.completed_at.date()
        for month in range(1, count + 1):
            period = (add_months(finished_on, month - 1), add_months(finished_on, month) - timedelta(days=1))
            filed = g.later(_evening(period[1]), 1, 20)
            if filed is not None:
                e.reports.append(_report(life, e, None, period, filed))
    reports = sorted((r for e in completed for r in e.reports), key=lambda r: r.submitted_at)
    first = g.bulk.reserve("outcome_reports", len(reports))
    for n, r in enumerate(reports):
        r.id = first + n
    for e in completed:
        _outcomes_on_the_timeline(life, e)


def _months_reportable(life: Life, e: Engagement) -> int:
    """How many whole months since completion ended long enough ago to have been reported."""
    assert e.completed_at is not None
    finished_on, months = e.completed_at.date(), 0
    while add_months(finished_on, months + 1) <= life.g.today - timedelta(days=25):
        months += 1
    return months


def _report(life: Life, e: Engagement, due_month: int | None, period: tuple[date, date], filed: datetime) -> Report:
    """A claim in proportion to the savings the application expected over the period (or to its
    amount), answered by the council, disputed now and then, and verified, sometimes at less."""
    g, rng, a = life.g, life.rng, e.application
    yearly = [a.columns.get(k) for k in ("savings_cashable_pence", "savings_income_pence", "savings_avoided_pence")]
    if any(v is None for v in yearly):
        base = max(a.amount, 5_000 * POUND) * 4
        yearly = [base * 6 // 10, base // 4, base * 15 // 100]
    months = max(1, (period[1] - period[0]).days // 30)
    cashable, income, avoided = (round((v or 0) * months / 12 * rng.uniform(0.4, 1.3) / POUND) * POUND for v in yearly)
    r = Report(e, due_month, period, (cashable, income, avoided), (True, rng.random() < 0.5, False), filed)
    answered = g.later(filed, 2, 20)
    if answered is None:
        return r
    disputed = rng.random() < 0.08
    r.status, r.answered_by, r.answered_at, r.version = (
        ("disputed" if disputed else "confirmed"),
        a.officer.id,
        answered,
        2,
    )
    r.dispute_reason = rng.choice(REASONS["dispute"]) if disputed else None
    verified = g.later(answered, 3, 30)
    if verified is None:
        return r
    r.status, r.verified_at, r.verified_by, r.version = "verified", verified, rng.choice(life.programme).id, 3
    if disputed or rng.random() < 0.25:
        r.verified = (cashable * 8 // 10 // POUND * POUND, income * 8 // 10 // POUND * POUND, avoided)
        r.verification_reason = "Only the savings the ledger evidences are verified"
    else:
        r.verified = r.claimed
    return r


def _outcomes_on_the_timeline(life: Life, e: Engagement) -> None:
    a, expert = e.application, e.expert.user
    for n, r in enumerate(sorted(e.reports, key=lambda r: r.submitted_at)):
        if n == 0:
            life.move(a, r.submitted_at, "report_outcomes", expert, f"Outcome report {r.id} filed")
        else:
            life.note(a, r.submitted_at, "outcome_report_filed", expert.id)
    scheduled = [r for r in e.reports if r.due_month is not None]
    if len(scheduled) == len(a.scheme.evaluation_months) and all(r.verified_at for r in scheduled):
        last = max(scheduled, key=lambda r: r.verified_at or life.now)
        assert last.verified_at is not None and last.verified_by is not None
        life.move(a, last.verified_at, "evaluate", life.g.people[last.verified_by], "Every outcome report verified")
