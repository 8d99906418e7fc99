"""The records. They import nothing but the extensions."""

from grants.models.audit import AuditEvent, WorkerHeartbeat
from grants.models.base import utcnow
from grants.models.council import Council, CouncilTier, tier_for_gss_code
from grants.models.expert import Expert, ExpertRegion, ExpertSpecialism, Region, Specialism, VettingStatus
from grants.models.notification import (
    EmailStatus,
    Notification,
    OutboundEmail,
    Reminder,
    ReminderStatus,
)
from grants.models.scheme import FundingRound, Scheme, SchemeKind
from grants.models.user import STAFF_ROLES, Role, TokenPurpose, User, UserRole, UserToken

__all__ = [
    "STAFF_ROLES",
    "AuditEvent",
    "Council",
    "CouncilTier",
    "EmailStatus",
    "Expert",
    "ExpertRegion",
    "ExpertSpecialism",
    "FundingRound",
    "Notification",
    "OutboundEmail",
    "Region",
    "Reminder",
    "ReminderStatus",
    "Role",
    "Scheme",
    "SchemeKind",
    "Specialism",
    "TokenPurpose",
    "User",
    "UserRole",
    "UserToken",
    "VettingStatus",
    "WorkerHeartbeat",
    "tier_for_gss_code",
    "utcnow",
]
