"""A joint bid's partner councils: the lead names them and each one's share of the match; each
partner's officer confirms taking part, or declines. Operations flush and never commit."""

from __future__ import annotations

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
from workflows.applications.moves import IllegalMoveError, WorkflowError, check_version, lock, record_on_timeline
from workflows.permissions import Permission, can


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
            context={**message_context(application, None), "name": officer.name, "partner": council.name},
            in_app=True,
        )


def respond_as_partner(application: Application, *, actor: User, confirm: bool) -> ApplicationPartner:
    """A partner council's officer confirms taking part (and the share of the match) or declines."""
    lock(application)
    partner = next((p for p in application.partners if p.council_id == actor.council_id), None)
    if partner is None or not can(actor, Permission.APPLY_FOR_COUNCIL):
        raise IllegalMoveError("Your council is not a partner in this application")
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED):
        raise IllegalMoveError("This application is no longer waiting for its partners")
    partner.status = PartnerStatus.CONFIRMED if confirm else PartnerStatus.DECLINED
    partner.responded_by_id = actor.id
    partner.responded_at = utcnow()
    application.version += 1
    action = "partner_confirmed" if confirm else "partner_declined"
    record_on_timeline(application, action, actor, None, None, partner.council.name)
    return partner
