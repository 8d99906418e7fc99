"""The life of an application: drafting, partners, submission and eligibility, assessment, the
decision that commits money, the offer and payments, every change of status through one door.

- `moves`: the moves an application may make (`MOVES`), who may make each, its lifecycle
  (`APPLICATION`, on the shared door of workflows/lifecycle.py) and `transition`, the timeline
  and each stage's clock;
- `messages`: whom each move tells, and who hears about an application at its council;
- `drafts`: the form's sections by kind of scheme, starting a draft, saving a section;
- `partners`: a joint bid's partner councils and their answers (`PARTNER_MOVES`, `PARTNER`);
- `eligibility`: submission and the eligibility check;
- `decisions`: assessment, the decision, the council's answer to the offer, payments.

What other packages use is imported from here. Operations flush and never commit: the caller
owns the transaction. Each raises `WorkflowError` (or a subclass) with a message for the person,
having changed nothing it would leave half-done: the caller rolls back.
"""

from workflows.applications.decisions import (
    BudgetExceededError,
    accept_offer,
    approve,
    assess,
    award_amount,
    combined_score_tenths,
    decline_offer,
    record_payment,
    reject,
)
from workflows.applications.drafts import (
    SECTIONS,
    editable,
    match_needed,
    match_offered,
    missing_sections,
    reference_prefix,
    save_section,
    sections_for,
    start_application,
)
from workflows.applications.eligibility import RuleResult, check_eligibility, confirm_eligibility, submit
from workflows.applications.messages import MESSAGES, active_users_with, council_contacts, message_context, named
from workflows.applications.moves import (
    ACTION_LABELS,
    APPLICATION,
    BEFORE_DECISION,
    CLOSED,
    LIVE,
    MOVES,
    StaleApplicationError,
    allowed_actions,
    applied_for,
    check_version,
    find_move,
    lock,
    note_on_timeline,
    transition,
)
from workflows.applications.partners import PARTNER, PARTNER_MOVES, respond_as_partner, set_partners
from workflows.lifecycle import IllegalMoveError, Move, WorkflowError

__all__ = [
    "ACTION_LABELS",
    "APPLICATION",
    "BEFORE_DECISION",
    "CLOSED",
    "LIVE",
    "MESSAGES",
    "MOVES",
    "PARTNER",
    "PARTNER_MOVES",
    "SECTIONS",
    "BudgetExceededError",
    "IllegalMoveError",
    "Move",
    "RuleResult",
    "StaleApplicationError",
    "WorkflowError",
    "accept_offer",
    "active_users_with",
    "allowed_actions",
    "applied_for",
    "approve",
    "assess",
    "award_amount",
    "check_eligibility",
    "check_version",
    "combined_score_tenths",
    "confirm_eligibility",
    "council_contacts",
    "decline_offer",
    "editable",
    "find_move",
    "lock",
    "match_needed",
    "match_offered",
    "message_context",
    "missing_sections",
    "named",
    "note_on_timeline",
    "record_payment",
    "reference_prefix",
    "reject",
    "respond_as_partner",
    "save_section",
    "sections_for",
    "set_partners",
    "start_application",
    "submit",
    "transition",
]
