"""Introductions between councils that want to share services, brokered by the LGA with every
council's consent, and the joint application for funding an agreement can lead to.

A broker proposes an introduction between two or more councils, naming the service areas and
saying why. One officer of each council answers: accept, giving the contact the other councils may
use, or decline, with a reason. Double consent: the contact details are shared only when every
council has accepted; a council that declined, and every council while any has not yet accepted,
never sees the others' details. A decline is never attributed to the council that made it: the
councils are told the introduction was declined, not by whom (staff see who, and why).

    proposed ──every council accepts──> accepted ──> in_discussion ──> agreed ──> closed
        └──────any council declines───> declined
    (a broker may also close an introduction that is proposed, accepted or in discussion, giving
    the reason)

Every change of status goes through `transition()`, the introduction's lifecycle (`INTRODUCTION`)
on the shared door of workflows/lifecycle.py: it locks the introduction's row, checks the version
the person's page was drawn from, finds the move and checks the actor may make it, then audits it
(actor, from, to, reason), bumps the version and sends the messages the move causes.
Operations flush and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import (
    SERVICE_AREA_LABELS,
    Application,
    ApplicationStatus,
    AuditEvent,
    ConsentStatus,
    Council,
    FundingRound,
    Introduction,
    IntroductionParty,
    IntroductionStatus,
    Scheme,
    SchemeKind,
    User,
    utcnow,
)
from notifications import queue_email
from workflows import applications
from workflows.applications import CLOSED as CLOSED_APPLICATIONS
from workflows.audit import record_event
from workflows.lifecycle import Change, IllegalMoveError, Lifecycle, Move, WorkflowError, table
from workflows.permissions import Permission, can

NOTE_MAX = 5_000
REASON_MAX = 2_000
SUMMARY_MAX = 5_000
MAX_COUNCILS = 8

# Introductions still going somewhere: a second one between the same councils is refused.
OPEN = frozenset(
    {
        IntroductionStatus.PROPOSED,
        IntroductionStatus.ACCEPTED,
        IntroductionStatus.IN_DISCUSSION,
        IntroductionStatus.AGREED,
    }
)


class IntroductionError(WorkflowError):
    """A step the rules refuse; the message is for the person who tried it."""


class StaleIntroductionError(IntroductionError):
    """Someone else changed the introduction since the page was drawn."""


@dataclass(frozen=True)
class Contact:
    """Who the other councils may contact, as a council gives it when accepting."""

    name: str
    email: str
    phone: str


# Moves ---------------------------------------------------------------------------------------------

# Every move an introduction may make. An acceptance has no fixed target: "accepted" once every
# council has accepted, else still "proposed" (`choose_target`).
# fmt: off
MOVES: list[Move[IntroductionStatus]] = table(IntroductionStatus, [
    # action            from                               to               permission                     reason
    ("accept",           "proposed",                        None,            Permission.APPLY_FOR_COUNCIL,  False),
    ("decline",          "proposed",                        "declined",      Permission.APPLY_FOR_COUNCIL,  True),
    ("start_discussion", "accepted",                        "in_discussion", Permission.CHECK_APPLICATIONS, False),
    ("record_agreement", "in_discussion",                   "agreed",        Permission.CHECK_APPLICATIONS, True),
    ("close",            "proposed accepted in_discussion", "closed",        Permission.CHECK_APPLICATIONS, True),
    # Closing once the councils have agreed is the usual end: no reason is needed.
    ("close",            "agreed",                          "closed",        Permission.CHECK_APPLICATIONS, False),
])
# fmt: on

ACTION_LABELS = {
    "propose": "Proposed",
    "accept": "Accepted",
    "decline": "Declined",
    "start_discussion": "Recorded as in discussion",
    "record_agreement": "Agreement recorded",
    "close": "Closed",
    "apply_for_funding": "Application for funding started",
}

# What a refusal says cannot be done, per action: "An introduction that is proposed cannot be …".
_ACTION_PHRASES = {
    "accept": "accepted",
    "decline": "declined",
    "start_discussion": "recorded as in discussion",
    "record_agreement": "recorded as agreed",
    "close": "closed",
}


class IntroductionLifecycle(Lifecycle[Introduction, IntroductionStatus]):
    """An introduction at the door: a council's officer answers once for their council, the
    programme team does the rest; the reason is asked for in the words of its field; the last
    acceptance makes it accepted by all; what an agreement and a closing record, and the messages
    each move sends."""

    subject_type = "introduction"
    error = IntroductionError
    # The reason a move needs, in the words of the field that asks for it.
    reason_asks = {
        "decline": ("Give the reason your council is declining", "reason"),
        "record_agreement": ("Enter a summary of what the councils agreed", "summary"),
        "close": ("Give the reason for closing the introduction", "reason"),
    }
    too_long = "This must be {limit:,} characters or fewer"

    def refusal(self, introduction: Introduction, move: Move[IntroductionStatus], actor: User | None) -> str | None:
        if move.permission is not Permission.APPLY_FOR_COUNCIL:
            return (
                None if move.permission and can(actor, move.permission) else "Only the LGA's programme team can do that"
            )
        party = party_of(introduction, actor.council_id) if actor is not None else None
        if not can(actor, move.permission) or party is None:
            return "Only an officer of one of the councils in the introduction can answer it"
        if party.consent is not ConsentStatus.WAITING:
            return f"{party.council.name} has already {party.consent.value} this introduction"
        return None

    def cannot(self, introduction: Introduction, action: str) -> WorkflowError:
        return IllegalMoveError(
            f"An introduction that is {introduction.status.label.lower()} cannot be "
            f"{_ACTION_PHRASES.get(action, action)}"
        )

    def stale(self, introduction: Introduction) -> WorkflowError:
        return StaleIntroductionError(
            "Someone else changed this introduction while you had the page open. Nothing has been "
            "saved: check the introduction as it is now and try again."
        )

    def limit_for(self, move: Move[IntroductionStatus]) -> int:
        return SUMMARY_MAX if move.action == "record_agreement" else REASON_MAX

    def clean(self, reason: str | None) -> str | None:
        return _clean(reason)

    def choose_target(self, introduction: Introduction, move: Move[IntroductionStatus]) -> IntroductionStatus:
        if move.action == "accept":
            return IntroductionStatus.ACCEPTED if contacts_shared(introduction) else IntroductionStatus.PROPOSED
        return super().choose_target(introduction, move)

    def lock(self, introduction: Introduction) -> None:
        """The introduction's row under a lock, and its councils' answers as they are now, so two
        people answering at once are taken one after the other and the second sees the first's
        answer."""
        super().lock(introduction)
        for party in introduction.parties:
            db.session.refresh(party)

    def record(self, change: IntroductionChange, actor: User | None, detail: Mapping[str, Any]) -> None:
        record_event(
            f"introduction.{change.action}",
            actor=actor,
            subject_type="introduction",
            subject_id=change.record.id,
            from_status=change.source.value,
            to_status=change.target.value,
            reason=change.reason,
            council_id=detail.get("council_id"),
            version=change.record.version,
        )

    def moved(self, change: IntroductionChange, actor: User | None) -> None:
        introduction = change.record
        if change.target is IntroductionStatus.AGREED:
            introduction.agreed_at = utcnow()
            introduction.agreement_summary = change.reason or ""
        if change.target is IntroductionStatus.CLOSED:
            introduction.closed_at = utcnow()
        answered = change.move.permission is Permission.APPLY_FOR_COUNCIL and actor is not None
        party = party_of(introduction, actor.council_id) if answered and actor is not None else None
        _send_messages(introduction, change.action, change.source, change.target, party)


IntroductionChange = Change[Introduction, IntroductionStatus]
INTRODUCTION = IntroductionLifecycle(MOVES)


def find_move(introduction: Introduction, action: str, actor: User) -> Move[IntroductionStatus]:
    """The move the actor may make now, or IllegalMoveError saying why not."""
    return INTRODUCTION.find_move(introduction, action, actor)


def allowed_actions(introduction: Introduction, actor: User) -> list[str]:
    """The actions the actor could take now (before the checks that need their input)."""
    return INTRODUCTION.allowed_actions(introduction, actor)


def transition(
    introduction: Introduction,
    action: str,
    actor: User,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    contact: Contact | None = None,
) -> IntroductionStatus:
    """The one way an introduction's status changes, through its lifecycle's door: locks the row,
    checks the version, the move and the actor, applies the move (a council's answer, the
    agreement, the closing), audits it, bumps the version and sends the messages it causes.
    Returns the new status."""

    def answer(move: Move[IntroductionStatus], reason: str | None) -> dict[str, Any] | None:
        """A council's answer: its consent, and the contact it gives or the reason it declines."""
        if action == "accept":
            if contact is None:
                raise IntroductionError("Give the contact the other councils may use", field="contact_name")
            _check_contact(contact)
        if move.permission is not Permission.APPLY_FOR_COUNCIL:
            return None
        party = party_of(introduction, actor.council_id)
        assert party is not None  # the door checked it
        party.answered_by_id = actor.id
        party.answered_at = utcnow()
        if contact is not None:
            party.consent = ConsentStatus.ACCEPTED
            party.contact_name, party.contact_email, party.contact_phone = contact.name, contact.email, contact.phone
        else:
            party.consent = ConsentStatus.DECLINED
            party.decline_reason = reason
        return {"council_id": party.council_id}

    change = INTRODUCTION.transition(
        introduction, action, actor, reason=reason, expected_version=expected_version, before=answer
    )
    return change.target


def check_version(introduction: Introduction, expected_version: int | None) -> None:
    INTRODUCTION.check_version(introduction, expected_version)


def _clean(text: str | None) -> str | None:
    return (text or "").replace("\r\n", "\n").strip() or None


def _check_contact(contact: Contact) -> None:
    if not contact.name.strip():
        raise IntroductionError("Enter the contact's full name", field="contact_name")
    if len(contact.name) > 120:
        raise IntroductionError("The name must be 120 characters or fewer", field="contact_name")
    if "@" not in contact.email or len(contact.email) > 254:
        raise IntroductionError("Enter the contact's email address", field="contact_email")
    if not contact.phone.strip() or len(contact.phone) > 40:
        raise IntroductionError("Enter the contact's telephone number", field="contact_phone")


# Reading ---------------------------------------------------------------------------------------------


def party_of(introduction: Introduction, council_id: int | None) -> IntroductionParty | None:
    if council_id is None:
        return None
    return next((p for p in introduction.parties if p.council_id == council_id), None)


def contacts_shared(introduction: Introduction) -> bool:
    """Double consent: the councils see each other's contact details only when every one of them
    has accepted. Once any declines, never."""
    return bool(introduction.parties) and all(p.consent is ConsentStatus.ACCEPTED for p in introduction.parties)


def shared_contacts(introduction: Introduction, council_id: int) -> list[IntroductionParty]:
    """The other councils' contacts, as the council may see them: none until every council has
    accepted."""
    if not contacts_shared(introduction):
        return []
    return [p for p in introduction.parties if p.council_id != council_id]


def service_area_labels(introduction: Introduction) -> list[str]:
    return [SERVICE_AREA_LABELS.get(code, code) for code in introduction.service_areas]


def council_names(introduction: Introduction) -> list[str]:
    return [p.council.name for p in introduction.parties]


def get_for_council(user: User, introduction_id: int) -> Introduction | None:
    """The introduction if the officer's council is part of it; anyone else's is None (a 404)."""
    if user.council_id is None or not can(user, Permission.APPLY_FOR_COUNCIL):
        return None
    return db.session.scalar(
        select(Introduction)
        .join(IntroductionParty, IntroductionParty.introduction_id == Introduction.id)
        .where(Introduction.id == introduction_id, IntroductionParty.council_id == user.council_id)
        .options(selectinload(Introduction.parties).selectinload(IntroductionParty.council))
    )


def list_for_council(council_id: int) -> Select[tuple[Introduction]]:
    """The introductions the council is part of, the most recently proposed first."""
    return (
        select(Introduction)
        .join(IntroductionParty, IntroductionParty.introduction_id == Introduction.id)
        .where(IntroductionParty.council_id == council_id)
        .options(selectinload(Introduction.parties).selectinload(IntroductionParty.council))
        .order_by(Introduction.proposed_at.desc(), Introduction.id.desc())
    )


def list_introductions(status: IntroductionStatus | None = None) -> Select[tuple[Introduction]]:
    """Every introduction (for staff), or those in one status, the most recently proposed first."""
    query = select(Introduction).options(selectinload(Introduction.parties).selectinload(IntroductionParty.council))
    if status is not None:
        query = query.where(Introduction.status == status)
    return query.order_by(Introduction.proposed_at.desc(), Introduction.id.desc())


def counts_by_status() -> dict[IntroductionStatus, int]:
    return {
        status: int(count)
        for status, count in db.session.execute(select(Introduction.status, func.count()).group_by(Introduction.status))
    }


def timeline(introduction: Introduction) -> list[AuditEvent]:
    """Every change to the introduction, newest first (for staff: it names who declined)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "introduction", AuditEvent.subject_id == introduction.id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        )
    )


def matchmaking_request(application_id: int) -> Application | None:
    """A council's matchmaking request: an application to a scheme of the matchmaking kind, once
    submitted (a draft is the council's own, seen by no one else)."""
    application = db.session.get(Application, application_id)
    if (
        application is None
        or application.status is ApplicationStatus.DRAFT
        or application.scheme.kind is not SchemeKind.MATCHMAKING
    ):
        return None
    return application


def latest_request(council_id: int) -> Application | None:
    """The council's most recent matchmaking request still in play, if any."""
    return db.session.scalar(
        select(Application)
        .join(FundingRound, FundingRound.id == Application.round_id)
        .join(Scheme, Scheme.id == FundingRound.scheme_id)
        .where(
            Application.lead_council_id == council_id,
            Scheme.kind == SchemeKind.MATCHMAKING,
            Application.status.not_in(CLOSED_APPLICATIONS),
        )
        .order_by(Application.id.desc())
        .limit(1)
    )


def default_contact(party: IntroductionParty, officer: User) -> Contact:
    """What the accept form starts with: the lead contact of the council's matchmaking request,
    or else the officer answering."""
    given = ((party.request.answers if party.request else {}) or {}).get("contact") or {}
    if given.get("name") and given.get("email"):
        return Contact(str(given["name"]), str(given["email"]), str(given.get("phone") or ""))
    return Contact(officer.name, officer.email, "")


def find_councils(entries: Iterable[str]) -> tuple[list[Council], list[str]]:
    """Councils named by GSS code or by name (either case), in the order given, each once; and
    the entries that name no council, or more than one."""
    found: list[Council] = []
    unknown: list[str] = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        council = db.session.scalar(select(Council).where(func.upper(Council.gss_code) == text.upper()))
        if council is None:
            named = list(db.session.scalars(select(Council).where(func.lower(Council.name) == text.lower()).limit(2)))
            council = named[0] if len(named) == 1 else None
        if council is None:
            unknown.append(text)
        elif council not in found:
            found.append(council)
    return found, unknown


# Proposing ----------------------------------------------------------------------------------------


def propose(
    councils: list[Council],
    *,
    service_areas: list[str],
    note: str,
    actor: User,
    request: Application | None = None,
) -> Introduction:
    """A broker introduces two or more councils to each other for the service areas named, saying
    why. Each council's officers are told and asked to answer. The request the introduction
    starts from (if any) is linked to its council; each other council's own matchmaking request,
    if it has one, to it."""
    if not can(actor, Permission.CHECK_APPLICATIONS):
        raise IllegalMoveError("Only a programme officer can propose an introduction")
    unique = list(dict.fromkeys(councils))
    if len(unique) < 2:
        raise IntroductionError("Name at least two councils to introduce to each other", field="councils")
    if len(unique) > MAX_COUNCILS:
        raise IntroductionError(f"Name at most {MAX_COUNCILS} councils", field="councils")
    areas = list(dict.fromkeys(service_areas))
    if not areas:
        raise IntroductionError("Choose at least one service area", field="service_areas")
    if any(area not in SERVICE_AREA_LABELS for area in areas):
        raise IntroductionError("Choose service areas from the list", field="service_areas")
    why = _clean(note)
    if not why:
        raise IntroductionError("Say why these councils should talk to each other", field="note")
    if len(why) > NOTE_MAX:
        raise IntroductionError(f"The note must be {NOTE_MAX:,} characters or fewer", field="note")
    if request is not None and request.lead_council not in unique:
        raise IntroductionError(
            f"The request this starts from is {request.lead_council.name}'s: include that council", field="councils"
        )
    existing = _open_between({c.id for c in unique})
    if existing is not None:
        raise IntroductionError(
            f"These councils already have an introduction that is {existing.status.label.lower()} "
            f"(number {existing.id}): carry on with that one",
            field="councils",
        )
    introduction = Introduction(
        status=IntroductionStatus.PROPOSED,
        service_areas=areas,
        note=why,
        proposed_by=actor,
        proposed_at=utcnow(),
        agreement_summary="",
        version=1,
    )
    for council in unique:
        own = request if request is not None and request.lead_council_id == council.id else latest_request(council.id)
        introduction.parties.append(
            IntroductionParty(council=council, consent=ConsentStatus.WAITING, request_id=own.id if own else None)
        )
    db.session.add(introduction)
    db.session.flush()
    record_event(
        "introduction.propose",
        actor=actor,
        subject_type="introduction",
        subject_id=introduction.id,
        from_status=None,
        to_status=IntroductionStatus.PROPOSED.value,
        reason=why,
        councils=[c.id for c in unique],
        service_areas=areas,
        request_id=request.id if request else None,
        version=introduction.version,
    )
    _send_messages(introduction, "propose", None, IntroductionStatus.PROPOSED, None)
    return introduction


def _open_between(council_ids: set[int]) -> Introduction | None:
    """An introduction still going somewhere between exactly these councils."""
    involving = select(IntroductionParty.introduction_id).where(IntroductionParty.council_id.in_(council_ids))
    candidates = db.session.scalars(
        select(Introduction).where(Introduction.status.in_(OPEN), Introduction.id.in_(involving))
    )
    for candidate in candidates:
        if {p.council_id for p in candidate.parties} == council_ids:
            return candidate
    return None


# The steps, each through the one transition -------------------------------------------------------


def accept(introduction: Introduction, *, actor: User, contact: Contact, expected_version: int | None) -> None:
    """An officer accepts for their council, giving the contact the other councils may use once
    every council has accepted. The last acceptance makes the introduction "accepted by all"."""
    clean = Contact(contact.name.strip(), contact.email.strip().lower(), contact.phone.strip())
    transition(introduction, "accept", actor, expected_version=expected_version, contact=clean)


def decline(introduction: Introduction, *, actor: User, reason: str, expected_version: int | None) -> None:
    """An officer declines for their council (a reason is needed, seen only by LGA staff). The
    introduction is over; the others are told it was declined, not by whom."""
    transition(introduction, "decline", actor, reason=reason, expected_version=expected_version)


def start_discussion(introduction: Introduction, *, actor: User, expected_version: int | None) -> None:
    """A broker records that the councils, having all accepted, are talking."""
    transition(introduction, "start_discussion", actor, expected_version=expected_version)


def record_agreement(introduction: Introduction, *, actor: User, summary: str, expected_version: int | None) -> None:
    """A broker records what the councils agreed (a summary is needed). Every council is told,
    and may now apply for the scheme's funding together."""
    transition(introduction, "record_agreement", actor, reason=summary, expected_version=expected_version)


def close(introduction: Introduction, *, actor: User, reason: str | None, expected_version: int | None) -> None:
    """A broker closes the introduction: with a reason unless the councils have agreed."""
    transition(introduction, "close", actor, reason=reason, expected_version=expected_version)


# Funding ----------------------------------------------------------------------------------------


def open_funding_round(introduction: Introduction, today: date) -> FundingRound | None:
    """The open round of a shared-services (matchmaking) scheme to apply to: the scheme of a
    council's own request first, then any, the one closing soonest."""
    preferred = {p.request.round.scheme_id for p in introduction.parties if p.request is not None}
    rounds = list(
        db.session.scalars(
            select(FundingRound)
            .join(Scheme, Scheme.id == FundingRound.scheme_id)
            .where(
                Scheme.kind == SchemeKind.MATCHMAKING,
                Scheme.is_active.is_(True),
                FundingRound.opens_on <= today,
                FundingRound.closes_on >= today,
            )
            .order_by(FundingRound.closes_on, FundingRound.id)
        )
    )
    return next((r for r in rounds if r.scheme_id in preferred), rounds[0] if rounds else None)


def apply_for_funding(
    introduction: Introduction, *, actor: User, today: date, expected_version: int | None
) -> Application:
    """Start the joint application for the scheme's funding (a shared-service expert or
    mediation) from an introduction that reached agreement: the officer's council leads it, the
    other councils are its partners (each asked to confirm as usual), and its sharing section
    starts with the introduction's service areas. Refused when there is no open round, or an
    application has already been made from the introduction."""
    INTRODUCTION.lock(introduction)
    check_version(introduction, expected_version)
    if not can(actor, Permission.APPLY_FOR_COUNCIL) or party_of(introduction, actor.council_id) is None:
        raise IllegalMoveError("Only an officer of one of the councils in the introduction can apply for funding")
    if introduction.status is not IntroductionStatus.AGREED:
        raise IllegalMoveError(
            f"An introduction that is {introduction.status.label.lower()} cannot apply for funding: "
            "the councils must reach an agreement first"
        )
    if introduction.funding_application is not None:
        made = introduction.funding_application
        raise IntroductionError(
            f"{made.lead_council.name} has already started an application for funding from this "
            f"introduction ({made.reference})"
        )
    funding_round = open_funding_round(introduction, today)
    if funding_round is None:
        raise IntroductionError(
            "No round of the shared services scheme is open for applications at the moment, so there is "
            "nothing to apply to yet"
        )
    if not funding_round.scheme.allows_partners:
        raise IntroductionError(f"{funding_round.scheme.name} does not take joint applications")
    lead = actor.council
    assert lead is not None
    application = applications.start_application(funding_round, council=lead, actor=actor, today=today, follow_on=True)
    labels = service_area_labels(introduction)
    title = "Sharing services: " + ", ".join(labels)
    applications.save_section(
        application,
        "sharing",
        {"what": "services", "areas": list(introduction.service_areas), "detail": introduction.agreement_summary},
        actor=actor,
        expected_version=application.version,
        columns={"title": title if len(title) <= 200 else title[:199] + "…"},
    )
    partners = {p.council: 0 for p in introduction.parties if p.council_id != lead.id}
    applications.set_partners(application, partners, actor=actor, expected_version=application.version)
    applications.note_on_timeline(
        application,
        "from_introduction",
        actor,
        "Started from the introduction of " + and_list(council_names(introduction)),
    )
    introduction.funding_application = application
    introduction.version += 1
    record_event(
        "introduction.apply_for_funding",
        actor=actor,
        subject_type="introduction",
        subject_id=introduction.id,
        from_status=introduction.status.value,
        to_status=introduction.status.value,
        reason=None,
        application_id=application.id,
        council_id=lead.id,
        version=introduction.version,
    )
    return application


# Messages ------------------------------------------------------------------------------------------


def and_list(names: list[str]) -> str:
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def council_officers(council_id: int) -> list[User]:
    return [
        user
        for user in db.session.scalars(
            select(User).where(User.council_id == council_id, User.is_active.is_(True)).order_by(User.id)
        )
        if can(user, Permission.APPLY_FOR_COUNCIL)
    ]


def _context(introduction: Introduction) -> dict[str, Any]:
    return {
        "number": introduction.id,
        "councils": and_list(council_names(introduction)),
        "service_areas": ", ".join(service_area_labels(introduction)),
        "note": introduction.note,
        "summary": introduction.agreement_summary,
        "status": introduction.status.label,
    }


# What each move tells whom: (template, to the councils, to the broker). A decline is not sent
# to the council that made it, and names no council.
_MESSAGES: dict[str, tuple[str, bool, bool]] = {
    "propose": ("introduction_proposed", True, False),
    "accept": ("introduction_accepted", True, True),
    "decline": ("introduction_declined", True, True),
    "record_agreement": ("introduction_agreed", True, True),
}


def _send_messages(
    introduction: Introduction,
    action: str,
    source: IntroductionStatus | None,
    target: IntroductionStatus,
    party: IntroductionParty | None,
) -> None:
    if action not in _MESSAGES:
        return
    if action == "accept" and target is not IntroductionStatus.ACCEPTED:
        return  # told once, when the last council accepts
    template, to_councils, to_broker = _MESSAGES[action]
    context = _context(introduction)
    recipients: list[tuple[User, str, bool]] = []
    if to_councils:
        for each in introduction.parties:
            if action == "decline" and party is not None and each.council_id == party.council_id:
                continue
            recipients += [
                (officer, f"/applications/introductions/{introduction.id}", False)
                for officer in council_officers(each.council_id)
            ]
    broker = introduction.proposed_by
    if to_broker and broker.is_active:
        recipients.append((broker, f"/sharing/introductions/{introduction.id}", True))
    for user, link, for_staff in recipients:
        queue_email(
            to=user,
            template=template,
            key=f"introduction:{introduction.id}:v{introduction.version}:{action}:{user.id}",
            link=link,
            context={**context, "name": user.name, "for_staff": for_staff},
            in_app=True,
        )
