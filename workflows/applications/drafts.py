"""Drafting an application: the form's sections by kind of scheme, starting a draft, and saving
a section (version-checked). Operations flush and never commit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Council,
    FundingRound,
    Scheme,
    SchemeKind,
    User,
    utcnow,
)
from workflows.applications.moves import (
    CLOSED,
    IllegalMoveError,
    WorkflowError,
    check_version,
    lock,
    record_on_timeline,
)
from workflows.permissions import Permission, can

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
        status=ApplicationStatus.DRAFT,
        version=1,
        answers={},
        sections_done=[],
        amount_requested_pence=scheme.fixed_amount_pence,
        stage_entered_at=utcnow(),
    )
    db.session.add(application)
    db.session.flush()
    application.reference = f"{reference_prefix(scheme)}-{application.id:05d}"
    record_on_timeline(application, "create", actor, None, ApplicationStatus.DRAFT, None)
    return application


def reference_prefix(scheme: Scheme) -> str:
    """ "productivity-experts" → "PE": the initials of the scheme's code."""
    words = [w for w in re.split(r"[^a-z0-9]+", scheme.code.lower()) if w]
    return "".join(w[0] for w in words).upper()[:6] or "APP"


def editable(application: Application) -> bool:
    return application.status in (ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED)


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
    lock(application)
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
