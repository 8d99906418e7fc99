"""A joint bid's partner councils: the lead names them and each one's share of the match; each
partner's officer confirms taking part, or declines, and may change the answer while the bid is a
draft. A partner's status changes only through its lifecycle's door (`PARTNER`), whose moves are
on the application's timeline and audit trail. Operations flush and never commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationPartner,
    ApplicationStatus,
    Council,
    PartnerStatus,
    User,
    utcnow,
)
from notifications import queue_email
from workflows.applications.drafts import editable
from workflows.applications.messages import message_context
from workflows.applications.moves import IllegalMoveError, WorkflowError, check_version, lock, note_on_timeline
from workflows.audit import record_event
from workflows.lifecycle import Change, Lifecycle, Move, table
from workflows.permissions import Permission, can

# fmt: off
PARTNER_MOVES: list[Move[PartnerStatus]] = table(PartnerStatus, [
    # action     from  to           permission                    reason
    # The partner council's officer answers, and may change the answer while the bid is a draft.
    ("confirm",   "*", "confirmed", Permission.APPLY_FOR_COUNCIL, False),
    ("decline",   "*", "declined",  Permission.APPLY_FOR_COUNCIL, False),
    # The lead council changed the partner's share: the partner is asked to confirm again.
    ("ask_again", "*", "invited",   Permission.APPLY_FOR_COUNCIL, False),
])
# fmt: on


class PartnerLifecycle(Lifecycle[ApplicationPartner, PartnerStatus]):
    """A partner at the door: its own council's officer answers, the lead council's asks again.
    The answers are on the application's timeline; asking again is audited only (the council
    sees the change of share that caused it)."""

    subject_type = "application"
    events = {"confirm": "partner_confirmed", "decline": "partner_declined", "ask_again": "partner_asked_again"}

    def refusal(self, partner: ApplicationPartner, move: Move[PartnerStatus], actor: User | None) -> str | None:
        # Asking again is the lead council's; answering, the partner council's.
        lead = move.action == "ask_again"
        council_id = partner.application.lead_council_id if lead else partner.council_id
        if move.permission is not None and can(actor, move.permission) and actor and actor.council_id == council_id:
            return None
        if lead:
            return "You cannot change the partners of this application"
        return "Your council is not a partner in this application"

    def record(self, change: PartnerChange, actor: User | None, detail: Mapping[str, Any]) -> None:
        partner = change.record
        name = self.events[change.action]
        if change.action != "ask_again":
            note_on_timeline(partner.application, name, actor, partner.council.name)
            return
        record_event(
            f"application.{name}",
            actor=actor,
            subject_type="application",
            subject_id=partner.application_id,
            council_id=partner.council_id,
            reason=partner.council.name,
            version=partner.application.version,
        )


PartnerChange = Change[ApplicationPartner, PartnerStatus]
PARTNER = PartnerLifecycle(PARTNER_MOVES)


def set_partners(application: Application, shares: dict[Council, int], *, actor: User, expected_version: int) -> None:
    """The partner councils of a joint bid and each one's share of the match. A partner whose
    share changes is asked to confirm again; one removed is dropped."""
    if not application.scheme.allows_partners:
        raise WorkflowError("This scheme does not take joint bids")
    lock(application)
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
            _ask_again(existing, actor)
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
            context={**message_context(application, None), "name": officer.name, "partner": council.name},
            in_app=True,
        )


def _ask_again(partner: ApplicationPartner, actor: User) -> None:
    """The partner's answer was to a share that has changed: it no longer stands."""

    def forget_the_answer(move: Move[PartnerStatus], reason: str | None) -> None:
        partner.responded_at = None
        partner.responded_by_id = None

    PARTNER.transition(partner, "ask_again", actor, before=forget_the_answer)


def respond_as_partner(application: Application, *, actor: User, confirm: bool) -> ApplicationPartner:
    """A partner council's officer confirms taking part (and the share of the match) or declines."""
    lock(application)
    partner = next((p for p in application.partners if p.council_id == actor.council_id), None)
    if partner is None or not can(actor, Permission.APPLY_FOR_COUNCIL):
        raise IllegalMoveError("Your council is not a partner in this application")
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED):
        raise IllegalMoveError("This application is no longer waiting for its partners")

    def answer(move: Move[PartnerStatus], reason: str | None) -> None:
        partner.responded_by_id = actor.id
        partner.responded_at = utcnow()
        application.version += 1  # the timeline entry the door writes carries the new version

    PARTNER.transition(partner, "confirm" if confirm else "decline", actor, before=answer)
    return partner
