"""The life of an application: drafting, partners, the one transition function every status change
goes through, assessment, the decision that commits money, the offer, and payments.

Operations flush and never commit: the caller owns the transaction. Each raises `WorkflowError`
(or a subclass) with a message for the person, having changed nothing it would leave half-done:
the caller rolls back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationEvent,
    ApplicationPartner,
    ApplicationStatus,
    Assessment,
    Award,
    Council,
    FundingRound,
    Introduction,
    PartnerStatus,
    Payment,
    Role,
    Scheme,
    SchemeKind,
    User,
    UserRole,
    utcnow,
)
from notifications import queue_email, reminders
from workflows.after_commit import send_after_commit
from workflows.audit import record_event
from workflows.money import pounds
from workflows.permissions import Permission, can
from workflows.working_days import add_working_days

S = ApplicationStatus
LIVE = frozenset({S.SUBMITTED, S.IN_ASSESSMENT, S.AWAITING_DECISION, S.CHANGES_REQUESTED, S.OFFERED})
BEFORE_DECISION = frozenset({S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.AWAITING_DECISION, S.CHANGES_REQUESTED})
CLOSED = frozenset({S.REJECTED, S.INELIGIBLE, S.WITHDRAWN, S.CLOSED})


class WorkflowError(Exception):
    """A step the rules refuse. The message is for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IllegalMoveError(WorkflowError):
    """The move does not exist from this status, or not for this person (409 in the API)."""


class StaleApplicationError(WorkflowError):
    """Someone else changed the application since the form was opened."""


class BudgetExceededError(WorkflowError):
    """Approving would commit more than the round has left."""


# The form's sections, by kind of scheme: a new scheme of an existing kind needs no code.
SECTIONS: dict[SchemeKind, list[tuple[str, str]]] = {
    SchemeKind.FIXED_GRANT: [
        ("project", "Your project"),
        ("expertise", "The expert you need"),
        ("savings", "Expected savings and income"),
        ("contact", "Lead contact"),
        ("declaration", "Chief officer's confirmation"),
    ],
    SchemeKind.MATCH_FUNDING: [
        ("project", "Your trial"),
        ("outcomes", "Outcomes and how you will measure them"),
        ("funding", "Funding and match"),
        ("partners", "Partner councils"),
        ("contact", "Lead contact"),
        ("declaration", "Chief officer's confirmation"),
    ],
    SchemeKind.MATCHMAKING: [
        ("sharing", "What you want to share"),
        ("geography", "Where your partners could be"),
        ("funding", "Funding for an expert or mediation"),
        ("contact", "Lead contact"),
        ("declaration", "Chief officer's confirmation"),
    ],
}


def sections_for(scheme: Scheme) -> list[tuple[str, str]]:
    """The form's sections; a scheme that takes no joint bids has no partners section."""
    return [(key, label) for key, label in SECTIONS[scheme.kind] if key != "partners" or scheme.allows_partners]


def match_needed(application: Application) -> int:
    """The least match the scheme asks for, given the amount asked for: 0 with no match ratio."""
    ratio = application.scheme.match_ratio_percent or 0
    return (application.amount_requested_pence or 0) * ratio // 100


def match_offered(application: Application) -> int:
    """The lead council's match and every partner's share together."""
    return (application.match_pence or 0) + sum(p.match_share_pence for p in application.partners)


# Moves ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One allowed move: the action, the statuses it starts from, where it goes (None: decided by
    the scheme, see `_target`), the permission it needs, and whether a reason is required."""

    action: str
    sources: frozenset[ApplicationStatus]
    target: ApplicationStatus | None
    permission: Permission
    reason_required: bool = False


MOVES: list[Move] = [
    Move("submit", frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED, Permission.APPLY_FOR_COUNCIL),
    Move("withdraw", BEFORE_DECISION, S.WITHDRAWN, Permission.APPLY_FOR_COUNCIL, reason_required=True),
    Move("confirm_eligibility", frozenset({S.SUBMITTED}), S.IN_ASSESSMENT, Permission.CHECK_APPLICATIONS),
    Move("mark_ineligible", frozenset({S.SUBMITTED}), S.INELIGIBLE, Permission.CHECK_APPLICATIONS, True),
    Move("request_changes", frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED, Permission.CHECK_APPLICATIONS, True),
    Move("complete_assessment", frozenset({S.IN_ASSESSMENT}), S.AWAITING_DECISION, Permission.ASSESS_APPLICATIONS),
    Move(
        "request_changes", frozenset({S.AWAITING_DECISION}), S.CHANGES_REQUESTED, Permission.DECIDE_APPLICATIONS, True
    ),
    Move("approve", frozenset({S.AWAITING_DECISION}), S.OFFERED, Permission.DECIDE_APPLICATIONS),
    Move("reject", frozenset({S.AWAITING_DECISION}), S.REJECTED, Permission.DECIDE_APPLICATIONS, True),
    Move("accept_offer", frozenset({S.OFFERED}), None, Permission.APPLY_FOR_COUNCIL),
    Move("decline_offer", frozenset({S.OFFERED}), S.WITHDRAWN, Permission.APPLY_FOR_COUNCIL, True),
    # The expert offered the work accepts it (workflows/engagements.py checks the offer is theirs).
    Move("start_delivery", frozenset({S.EXPERT_MATCHING}), S.IN_DELIVERY, Permission.USE_EXPERT_PORTAL),
    # The expert files the first outcome report (workflows/outcomes.py checks the work is theirs).
    Move("report_outcomes", frozenset({S.IN_DELIVERY}), S.OUTCOMES_REPORTED, Permission.USE_EXPERT_PORTAL),
    # A programme officer verifies the last outcome report due.
    Move("evaluate", frozenset({S.OUTCOMES_REPORTED}), S.EVALUATED, Permission.CHECK_APPLICATIONS),
]

ACTION_LABELS = {
    "create": "Started",
    "submit": "Submitted",
    "withdraw": "Withdrawn",
    "confirm_eligibility": "Eligibility confirmed",
    "mark_ineligible": "Found not eligible",
    "request_changes": "Changes requested",
    "complete_assessment": "Assessment complete",
    "approve": "Approved",
    "reject": "Rejected",
    "accept_offer": "Offer accepted",
    "decline_offer": "Offer declined",
    "assess": "Scored by an assessor",
    "partner_confirmed": "Partner confirmed",
    "partner_declined": "Partner declined",
    "eligibility_checked": "Eligibility checked",
    "payment": "Payment recorded",
    "start_delivery": "Expert accepted: delivery started",
    "expert_offered": "Expert offered the work",
    "expert_declined": "Expert declined the work",
    "expert_offer_expired": "Offer to the expert expired",
    "expert_offer_withdrawn": "Offer to the expert withdrawn",
    "delivery_completed": "Expert completed the work",
    "report_outcomes": "First outcome report filed",
    "outcome_report_filed": "Outcome report filed",
    "evaluate": "Every outcome report verified",
}


def find_move(application: Application, action: str, actor: User) -> Move:
    """The move the actor may make, or IllegalMoveError saying why not."""
    candidates = [m for m in MOVES if m.action == action]
    if not candidates:
        raise IllegalMoveError(f"There is no such action as {action!r}")
    from_here = [m for m in candidates if application.status in m.sources]
    if not from_here:
        raise IllegalMoveError(
            f"An application that is {application.status.label.lower()} cannot be "
            f"{ACTION_LABELS.get(action, action).lower()}"
        )
    for move in from_here:
        if can(actor, move.permission) and _actor_may(actor, application, move):
            return move
    raise IllegalMoveError("You cannot do that to this application")


def _actor_may(actor: User, application: Application, move: Move) -> bool:
    """Who, beyond their role: a council officer acts only for the lead council; no one scores
    an application they applied for, nor decides one they applied for or assessed (segregation
    of duties)."""
    if move.permission is Permission.APPLY_FOR_COUNCIL:
        return actor.council_id == application.lead_council_id
    if move.permission is Permission.ASSESS_APPLICATIONS:
        return not applied_for(actor, application)
    if move.permission is Permission.DECIDE_APPLICATIONS:
        return not applied_for(actor, application) and not any(
            a.assessor_id == actor.id for a in application.assessments
        )
    return True


def applied_for(actor: User, application: Application) -> bool:
    """Whether the person is on the applying side: they made the application, or they work for
    its lead council or a partner council. Such a person may neither score nor decide it."""
    if actor.id is not None and actor.id == application.created_by_id:
        return True
    councils = {application.lead_council_id, *(p.council_id for p in application.partners)}
    return actor.council_id is not None and actor.council_id in councils


def allowed_actions(application: Application, actor: User) -> list[str]:
    """The actions the actor could take now (before the checks that need their input)."""
    found: list[str] = []
    for move in MOVES:
        allowed = application.status in move.sources and can(actor, move.permission)
        if allowed and _actor_may(actor, application, move) and move.action not in found:
            found.append(move.action)
    return found


def transition(
    application: Application,
    action: str,
    actor: User,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ApplicationEvent:
    """The one way an application's status changes: checks the move, the actor and the version,
    then records the change (timeline, audit, version), starts the new stage's clock and sends
    the messages it causes. The action's own rules (money, signatures) are the caller's,
    through the functions below, which call this."""
    _lock(application)
    check_version(application, expected_version)
    move = find_move(application, action, actor)
    reason = (reason or "").strip() or None
    if move.reason_required and not reason:
        raise WorkflowError("Give a reason", field="reason")
    if reason and len(reason) > 2000:
        raise WorkflowError("The reason must be 2,000 characters or fewer", field="reason")
    source = application.status
    target = move.target or _target(application, action)
    application.status = target
    application.version += 1
    _start_stage(application, source)
    event = _record(application, action, actor, source, target, reason)
    _send_messages(application, action, reason)
    return event


def _target(application: Application, action: str) -> ApplicationStatus:
    if action == "accept_offer":
        return S.EXPERT_MATCHING if application.scheme.uses_experts else S.IN_DELIVERY
    raise AssertionError(f"no target for {action}")


def _lock(application: Application) -> None:
    """Reload the application's row under a lock (PostgreSQL), so two people acting at once are
    taken one after the other and the second sees the first's change."""
    db.session.flush()  # a refresh would otherwise drop changes not yet written
    if application.id is not None:
        db.session.refresh(application, with_for_update=True)


def check_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and application.version != expected_version:
        raise StaleApplicationError(
            "Someone else changed this application while you were working on it. "
            "Your changes have not been saved: check the application as it is now and try again."
        )


def _record(
    application: Application,
    action: str,
    actor: User | None,
    source: ApplicationStatus | None,
    target: ApplicationStatus | None,
    reason: str | None,
) -> ApplicationEvent:
    event = ApplicationEvent(
        application=application,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=source.value if source else None,
        to_status=target.value if target else None,
        reason=reason,
        version=application.version if target is not None else None,
    )
    db.session.add(event)
    record_event(
        f"application.{action}",
        actor=actor,
        subject_type="application",
        subject_id=application.id,
        from_status=source.value if source else None,
        to_status=target.value if target else None,
        reason=reason,
        version=application.version,
    )
    return event


def note_on_timeline(application: Application, action: str, actor: User | None, reason: str | None = None) -> None:
    """Record a step that does not change the status (an expert offered, say) on the timeline and
    in the audit trail."""
    _record(application, action, actor, None, None, reason)


def _start_stage(application: Application, left: ApplicationStatus) -> None:
    """Start the new stage's clock: due after the scheme's service level in working days. Work
    still there the working day after is escalated once to the approvers (a reminder)."""
    now = utcnow()
    application.stage_entered_at = now
    days = application.scheme.service_level_days(application.status.value)
    application.stage_due_on = add_working_days(now.date(), days) if days else None
    reminders.cancel("application", application.id, f"overdue:{left.value}")
    if application.stage_due_on is None:
        return
    approvers = active_users_with(Role.APPROVER)
    if not approvers:
        return
    reminders.schedule(
        subject_type="application",
        subject_id=application.id,
        kind=f"overdue:{application.status.value}",
        user=approvers[0],
        due_on=add_working_days(application.stage_due_on, 1),
        template="stage_overdue",
        link=f"/review/applications/{application.id}",
        context={
            "reference": application.reference,
            "title": application.title,
            "council": application.lead_council.name,
            "stage": application.status.label,
            "due": application.stage_due_on.isoformat(),
        },
    )


def active_users_with(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User).join(UserRole).where(UserRole.role == role, User.is_active.is_(True)).order_by(User.id)
        )
    )


# Messages ------------------------------------------------------------------------------------------

# What each move tells whom: (template, to the applicant, to programme officers).
_MESSAGES: dict[str, tuple[str, bool, bool]] = {
    "submit": ("application_submitted", True, True),
    "withdraw": ("application_withdrawn", False, True),
    "mark_ineligible": ("application_ineligible", True, False),
    "request_changes": ("changes_requested", True, False),
    "approve": ("application_offered", True, False),
    "reject": ("application_rejected", True, False),
    "accept_offer": ("offer_accepted", True, True),
    "decline_offer": ("offer_declined", False, True),
}


def _send_messages(application: Application, action: str, reason: str | None) -> None:
    if action not in _MESSAGES:
        return
    template, to_applicant, to_staff = _MESSAGES[action]
    context = _message_context(application, reason)
    recipients: list[tuple[User, str]] = []
    if to_applicant:
        recipients += [(person, f"/applications/{application.id}") for person in council_contacts(application)]
    if to_staff:
        recipients += [
            (officer, f"/review/applications/{application.id}") for officer in active_users_with(Role.PROGRAMME_OFFICER)
        ]
    for user, link in recipients:
        queue_email(
            to=user,
            template=template,
            key=f"application:{application.id}:v{application.version}:{action}:{user.id}",
            link=link,
            context={**context, "name": user.name, "for_staff": link.startswith("/review")},
            in_app=True,
        )


def council_contacts(application: Application) -> list[User]:
    """Who hears about the application at its lead council: the officer who applied while they
    can still act for that council; once they have left it (deactivated, or moved to another
    council), every active officer of the lead council, so that the news still reaches someone."""
    applicant = application.created_by
    if (
        applicant.is_active
        and applicant.council_id == application.lead_council_id
        and can(applicant, Permission.APPLY_FOR_COUNCIL)
    ):
        return [applicant]
    return [
        user
        for user in db.session.scalars(
            select(User)
            .where(User.council_id == application.lead_council_id, User.is_active.is_(True))
            .order_by(User.id)
        )
        if can(user, Permission.APPLY_FOR_COUNCIL)
    ]


def _message_context(application: Application, reason: str | None) -> dict[str, Any]:
    award = application.award
    return {
        "reference": application.reference,
        "title": application.title or "Untitled application",
        "council": application.lead_council.name,
        "scheme": application.scheme.name,
        "round": application.round.name,
        "reason": reason,
        "amount": award.amount_pence if award else application.amount_requested_pence,
        "status": application.status.label,
    }


# Drafting ------------------------------------------------------------------------------------------


def start_application(
    funding_round: FundingRound, *, council: Council, actor: User, today: date, follow_on: bool = False
) -> Application:
    """A council officer starts a draft for their council in an open round. A follow-on (the
    funding application made from an agreed introduction) is not held to one per council."""
    if not can(actor, Permission.APPLY_FOR_COUNCIL) or actor.council_id != council.id:
        raise IllegalMoveError("You can only apply for your own council")
    if not funding_round.is_open_on(today):
        raise WorkflowError("This round is not open for applications")
    scheme = funding_round.scheme
    if not scheme.is_active:
        raise WorkflowError("This scheme is not taking applications")
    if scheme.one_per_council_per_round and not follow_on:
        existing = db.session.scalar(
            select(Application.reference)
            .where(
                Application.round_id == funding_round.id,
                Application.lead_council_id == council.id,
                Application.status.not_in(CLOSED),
            )
            .limit(1)
        )
        if existing is not None:
            raise WorkflowError(
                f"{council.name} already has an application in this round ({existing}). "
                "A council can have one at a time: carry on with that one, or withdraw it first"
            )
    application = Application(
        reference=f"DRAFT-{utcnow().timestamp():.6f}",
        round=funding_round,
        lead_council=council,
        created_by=actor,
        status=S.DRAFT,
        version=1,
        answers={},
        sections_done=[],
        amount_requested_pence=scheme.fixed_amount_pence,
        stage_entered_at=utcnow(),
    )
    db.session.add(application)
    db.session.flush()
    application.reference = f"{reference_prefix(scheme)}-{application.id:05d}"
    _record(application, "create", actor, None, S.DRAFT, None)
    return application


def reference_prefix(scheme: Scheme) -> str:
    """ "productivity-experts" → "PE": the initials of the scheme's code."""
    words = [w for w in re.split(r"[^a-z0-9]+", scheme.code.lower()) if w]
    return "".join(w[0] for w in words).upper()[:6] or "APP"


def editable(application: Application) -> bool:
    return application.status in (S.DRAFT, S.CHANGES_REQUESTED)


def save_section(
    application: Application,
    section: str,
    answers: dict[str, Any],
    *,
    actor: User,
    expected_version: int,
    columns: dict[str, Any] | None = None,
) -> None:
    """Keep one section's answers (already validated by its form), and the typed columns they
    feed (title, amounts, savings). Refused if the application moved on or changed meanwhile."""
    _lock(application)
    check_version(application, expected_version)
    if actor.council_id != application.lead_council_id:
        raise IllegalMoveError("You can only change your own council's application")
    if not editable(application):
        raise IllegalMoveError(f"An application that is {application.status.label.lower()} cannot be changed")
    keys = [key for key, _ in sections_for(application.scheme)]
    if section not in keys:
        raise WorkflowError(f"There is no section {section!r} in this form")
    application.answers = {**application.answers, section: answers}
    if section not in application.sections_done:
        application.sections_done = [k for k in keys if k in {*application.sections_done, section}]
    for name, value in (columns or {}).items():
        if name not in _SECTION_COLUMNS:
            raise AssertionError(f"{name} is not a column a section may set")
        setattr(application, name, value)
    application.version += 1


_SECTION_COLUMNS = {
    "title",
    "amount_requested_pence",
    "match_pence",
    "savings_cashable_pence",
    "savings_income_pence",
    "savings_avoided_pence",
}


def missing_sections(application: Application) -> list[str]:
    return [label for key, label in sections_for(application.scheme) if key not in application.sections_done]


# Partners ------------------------------------------------------------------------------------------


def set_partners(application: Application, shares: dict[Council, int], *, actor: User, expected_version: int) -> None:
    """The partner councils of a joint bid and each one's share of the match. A partner whose
    share changes is asked to confirm again; one removed is dropped."""
    if not application.scheme.allows_partners:
        raise WorkflowError("This scheme does not take joint bids")
    _lock(application)
    check_version(application, expected_version)
    if not editable(application) or actor.council_id != application.lead_council_id:
        raise IllegalMoveError("You cannot change the partners of this application")
    if application.lead_council in shares:
        raise WorkflowError("The lead council cannot also be a partner", field="partners")
    current = {p.council_id: p for p in application.partners}
    for partner in list(application.partners):
        if partner.council not in shares:
            application.partners.remove(partner)
    for council, share in shares.items():
        if share < 0:
            raise WorkflowError("A partner's share cannot be negative", field="partners")
        existing = current.get(council.id)
        if existing is None:
            application.partners.append(ApplicationPartner(council=council, match_share_pence=share))
            _ask_partner_to_confirm(application, council)
        elif existing.match_share_pence != share:
            existing.match_share_pence = share
            existing.status = PartnerStatus.INVITED
            existing.responded_at = None
            existing.responded_by_id = None
            _ask_partner_to_confirm(application, council)
    application.version += 1


def _ask_partner_to_confirm(application: Application, council: Council) -> None:
    officers = db.session.scalars(
        select(User).where(User.council_id == council.id, User.is_active.is_(True)).order_by(User.id)
    ).all()
    for officer in officers:
        queue_email(
            to=officer,
            template="partner_confirmation_requested",
            key=f"partner:{application.id}:{council.id}:v{application.version}:{officer.id}",
            link=f"/applications/{application.id}/partner",
            context={**_message_context(application, None), "name": officer.name, "partner": council.name},
            in_app=True,
        )


def respond_as_partner(application: Application, *, actor: User, confirm: bool) -> ApplicationPartner:
    """A partner council's officer confirms taking part (and the share of the match) or declines."""
    _lock(application)
    partner = next((p for p in application.partners if p.council_id == actor.council_id), None)
    if partner is None or not can(actor, Permission.APPLY_FOR_COUNCIL):
        raise IllegalMoveError("Your council is not a partner in this application")
    if application.status not in (S.DRAFT, S.CHANGES_REQUESTED):
        raise IllegalMoveError("This application is no longer waiting for its partners")
    partner.status = PartnerStatus.CONFIRMED if confirm else PartnerStatus.DECLINED
    partner.responded_by_id = actor.id
    partner.responded_at = utcnow()
    application.version += 1
    action = "partner_confirmed" if confirm else "partner_declined"
    _record(application, action, actor, None, None, partner.council.name)
    return partner


# Submission and eligibility ------------------------------------------------------------------------


def submit(application: Application, *, actor: User, expected_version: int | None, today: date) -> None:
    missing = missing_sections(application)
    if missing:
        raise WorkflowError("Complete every section before you submit: " + ", ".join(missing))
    waiting = [p.council.name for p in application.partners if p.status is not PartnerStatus.CONFIRMED]
    if waiting:
        raise WorkflowError(
            "Each partner council must confirm before you submit. Still to confirm: " + ", ".join(waiting)
        )
    if match_offered(application) < match_needed(application):
        raise WorkflowError(
            f"Your council's match and your partners' shares add up to {pounds(match_offered(application))}: "
            f"at least {pounds(match_needed(application))} is needed. Change the funding or the partners section"
        )
    if not application.round.is_open_on(today) and application.status is S.DRAFT:
        raise WorkflowError("This round has closed")
    transition(application, "submit", actor, expected_version=expected_version)
    application.submitted_at = utcnow()
    application.eligibility_passed = None
    application.eligibility_results = []
    application.eligibility_checked_at = None
    send_after_commit("workflows.check_eligibility", application.id)
    if application.scheme.kind is SchemeKind.MATCHMAKING:
        send_after_commit("workflows.suggest_partners", application.id)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


def check_eligibility(application: Application, today: date) -> list[RuleResult]:
    """Check the scheme's rules and record the result; the status does not change: a programme
    officer confirms, or overrides with a reason. Running it again gives the same record."""
    scheme = application.scheme
    results: list[RuleResult] = []
    submitted_on = (application.submitted_at or utcnow()).date()
    funding_round = application.round
    results.append(
        RuleResult(
            "round_open",
            funding_round.opens_on <= submitted_on <= funding_round.closes_on,
            f"Submitted on {submitted_on:%d %B %Y}; the round is open {funding_round.opens_on:%d %B %Y} "
            f"to {funding_round.closes_on:%d %B %Y}",
        )
    )
    if scheme.eligible_tiers:
        tier = application.lead_council.tier.value
        results.append(
            RuleResult(
                "council_tier", tier in scheme.eligible_tiers, f"The lead council is a {tier.replace('_', ' ')} council"
            )
        )
    if scheme.one_per_council_per_round and _made_from_an_introduction(application):
        results.append(
            RuleResult(
                "one_per_council",
                True,
                "Made from an agreed introduction: not held to one application per council",
            )
        )
    elif scheme.one_per_council_per_round:
        others = db.session.scalar(
            select(func.count())
            .select_from(Application)
            .where(
                Application.round_id == application.round_id,
                Application.lead_council_id == application.lead_council_id,
                Application.id != application.id,
                Application.status.in_(LIVE | {S.EXPERT_MATCHING, S.IN_DELIVERY}),
            )
        )
        results.append(
            RuleResult(
                "one_per_council",
                not others,
                f"{others or 'No'} other live application(s) from this council in this round",
            )
        )
    amount = application.amount_requested_pence or 0
    if scheme.fixed_amount_pence is not None:
        results.append(
            RuleResult(
                "amount",
                amount == scheme.fixed_amount_pence,
                f"Asked for {pounds(amount)}; the grant is {pounds(scheme.fixed_amount_pence)}",
            )
        )
    elif scheme.max_amount_pence is not None:
        results.append(
            RuleResult(
                "amount",
                0 < amount <= scheme.max_amount_pence,
                f"Asked for {pounds(amount)}; at most {pounds(scheme.max_amount_pence)}",
            )
        )
    if scheme.match_ratio_percent:
        match, needed = match_offered(application), match_needed(application)
        results.append(
            RuleResult("match", match >= needed, f"A match of {pounds(match)}; at least {pounds(needed)} is needed")
        )
    if application.partners:
        unconfirmed = [p.council.name for p in application.partners if p.status is not PartnerStatus.CONFIRMED]
        results.append(
            RuleResult(
                "partners",
                not unconfirmed,
                "All partners confirmed" if not unconfirmed else "Not confirmed: " + ", ".join(unconfirmed),
            )
        )
    application.eligibility_results = [r.__dict__ for r in results]
    application.eligibility_passed = all(r.passed for r in results)
    application.eligibility_checked_at = utcnow()
    _record(
        application, "eligibility_checked", None, None, None, "Passed" if application.eligibility_passed else "Failed"
    )
    return results


def _made_from_an_introduction(application: Application) -> bool:
    return (
        db.session.scalar(select(Introduction.id).where(Introduction.funding_application_id == application.id))
        is not None
    )


def confirm_eligibility(
    application: Application, *, actor: User, reason: str | None, expected_version: int | None
) -> None:
    """Move a submitted application to assessment. Overriding a failed check needs a reason."""
    if application.eligibility_passed is None:
        raise WorkflowError("Wait for the eligibility check to finish")
    if application.eligibility_passed is False and not (reason or "").strip():
        raise WorkflowError("The eligibility check failed: give the reason for overriding it", field="reason")
    transition(application, "confirm_eligibility", actor, reason=reason, expected_version=expected_version)


# Assessment ----------------------------------------------------------------------------------------


def assess(
    application: Application,
    *,
    actor: User,
    scores: dict[str, tuple[int, str]],
    recommendation: str,
    comments: str = "",
) -> Assessment:
    """Record one assessor's scores (every criterion 0-5, each with a justification). When the
    scheme's number of assessments is reached the application goes to a decision."""
    _lock(application)
    if not can(actor, Permission.ASSESS_APPLICATIONS):
        raise IllegalMoveError("Only an assessor can score applications")
    if application.status is not S.IN_ASSESSMENT:
        raise IllegalMoveError(f"An application that is {application.status.label.lower()} is not being assessed")
    if applied_for(actor, application):
        raise IllegalMoveError("You cannot score an application you or your council applied for")
    if any(a.assessor_id == actor.id for a in application.assessments):
        raise WorkflowError("You have already scored this application")
    criteria = application.scheme.criteria
    if not criteria:
        raise WorkflowError("This scheme has no assessment criteria")
    if recommendation not in ("approve", "reject", "changes"):
        raise WorkflowError("Choose a recommendation", field="recommendation")
    clean: dict[str, Any] = {}
    for criterion in criteria:
        if criterion.code not in scores:
            raise WorkflowError(f"Score {criterion.label}", field=criterion.code)
        score, justification = scores[criterion.code]
        if not 0 <= score <= 5:
            raise WorkflowError(f"Score {criterion.label} from 0 to 5", field=criterion.code)
        if not justification.strip():
            raise WorkflowError(f"Justify the score for {criterion.label}", field=criterion.code)
        clean[criterion.code] = {"score": score, "justification": justification.strip()}
    total_weight = sum(c.weight for c in criteria)
    weighted = sum(clean[c.code]["score"] * c.weight for c in criteria)
    assessment = Assessment(
        application=application,
        assessor_id=actor.id,
        scores=clean,
        weighted_score_tenths=round(weighted * 1000 / (5 * total_weight)),
        recommendation=recommendation,
        comments=comments.strip(),
    )
    db.session.add(assessment)
    application.version += 1
    _record(application, "assess", actor, None, None, None)
    db.session.flush()
    if len(application.assessments) >= application.scheme.assessments_required:
        transition(application, "complete_assessment", actor)
    return assessment


def combined_score_tenths(application: Application) -> int | None:
    """The mean of the assessors' weighted scores, in tenths of a percent."""
    if not application.assessments:
        return None
    return round(sum(a.weighted_score_tenths for a in application.assessments) / len(application.assessments))


# Decision, offer, payments -------------------------------------------------------------------------


def award_amount(application: Application) -> int:
    """What the application was made for (a fixed grant's amount as it was when the draft was
    started: a later change to the scheme does not reach applications already made)."""
    if application.amount_requested_pence is not None:
        return application.amount_requested_pence
    return application.scheme.fixed_amount_pence or 0


def approve(application: Application, *, actor: User, conditions: str = "", expected_version: int | None) -> Award:
    """Approve and commit the award against the round's budget, in one step that cannot commit
    more than the budget however many approvers click at once: a guarded UPDATE of the round
    that only succeeds while the money is there."""
    _lock(application)
    check_version(application, expected_version)
    find_move(application, "approve", actor)  # refuse before touching the budget
    amount = award_amount(application)
    if amount <= 0:
        raise WorkflowError("This application asks for no money")
    committed = db.session.execute(
        update(FundingRound)
        .where(
            FundingRound.id == application.round_id,
            FundingRound.committed_pence + amount <= FundingRound.budget_pence,
        )
        .values(committed_pence=FundingRound.committed_pence + amount)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], committed).rowcount:
        db.session.refresh(application.round)
        raise BudgetExceededError(
            f"The round has £{application.round.remaining_pence / 100:,.2f} left, and this award needs "
            f"£{amount / 100:,.2f}. Nothing has been committed."
        )
    award = Award(
        application=application,
        round_id=application.round_id,
        amount_pence=amount,
        match_pence=(application.match_pence or 0) + sum(p.match_share_pence for p in application.partners),
        approved_by_id=actor.id,
        conditions=conditions.strip(),
    )
    db.session.add(award)
    transition(application, "approve", actor, expected_version=expected_version)
    application.decided_at = utcnow()
    db.session.refresh(application.round)
    return award


def reject(application: Application, *, actor: User, reason: str, expected_version: int | None) -> None:
    transition(application, "reject", actor, reason=reason, expected_version=expected_version)
    application.decided_at = utcnow()


def accept_offer(
    application: Application, *, actor: User, signatory_name: str, signatory_role: str, expected_version: int | None
) -> None:
    name, role = signatory_name.strip(), signatory_role.strip()
    if not name:
        raise WorkflowError("Enter the name of the person signing for the council", field="signatory_name")
    if not role:
        raise WorkflowError("Enter the signatory's job title", field="signatory_role")
    # The move is checked first: only an offered application may be accepted, and it has its award.
    transition(application, "accept_offer", actor, expected_version=expected_version)
    award = application.award
    assert award is not None
    award.accepted_at = utcnow()
    award.accepted_by_id = actor.id
    award.signatory_name = name[:120]
    award.signatory_role = role[:120]


def decline_offer(application: Application, *, actor: User, reason: str, expected_version: int | None) -> None:
    """The council turns the offer down: the money goes back to the round."""
    transition(application, "decline_offer", actor, reason=reason, expected_version=expected_version)
    award = application.award
    assert award is not None
    db.session.execute(
        update(FundingRound)
        .where(FundingRound.id == award.round_id)
        .values(committed_pence=FundingRound.committed_pence - award.amount_pence)
        .execution_options(synchronize_session=False)
    )


def record_payment(award: Award, *, amount_pence: int, paid_on: date, reference: str, actor: User) -> Payment:
    """A tranche paid; what is paid never exceeds what was awarded (a guarded UPDATE)."""
    if not can(actor, Permission.CHECK_APPLICATIONS):
        raise IllegalMoveError("Only programme staff record payments")
    if award.accepted_at is None:
        raise WorkflowError("The offer has not been accepted yet")
    if amount_pence <= 0:
        raise WorkflowError("Enter an amount more than £0", field="amount")
    paid = db.session.execute(
        update(Award)
        .where(Award.id == award.id, Award.paid_pence + amount_pence <= Award.amount_pence)
        .values(paid_pence=Award.paid_pence + amount_pence)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], paid).rowcount:
        db.session.refresh(award)
        raise WorkflowError(f"Only £{award.unpaid_pence / 100:,.2f} of this award is unpaid", field="amount")
    payment = Payment(
        award=award,
        amount_pence=amount_pence,
        paid_on=paid_on,
        reference=reference.strip()[:80],
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    _record(award.application, "payment", actor, None, None, f"£{amount_pence / 100:,.2f} ({reference.strip()})")
    db.session.flush()
    db.session.refresh(award)
    return payment


def overdue_count(today: date) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(Application).where(Application.stage_due_on < today)) or 0
    )
