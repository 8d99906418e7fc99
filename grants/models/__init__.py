"""The records. They import nothing but the extensions."""

from grants.models.application import (
    Application,
    ApplicationEvent,
    ApplicationPartner,
    ApplicationStatus,
    Assessment,
    Award,
    PartnerStatus,
    Payment,
)
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
from grants.models.scheme import FundingRound, Scheme, SchemeCriterion, SchemeKind
from grants.models.user import STAFF_ROLES, Role, TokenPurpose, User, UserRole, UserToken

__all__ = [
    "STAFF_ROLES",
    "Application",
    "ApplicationEvent",
    "ApplicationPartner",
    "ApplicationStatus",
    "Assessment",
    "AuditEvent",
    "Award",
    "Council",
    "CouncilTier",
    "EmailStatus",
    "Expert",
    "ExpertRegion",
    "ExpertSpecialism",
    "FundingRound",
    "Notification",
    "OutboundEmail",
    "PartnerStatus",
    "Payment",
    "Region",
    "Reminder",
    "ReminderStatus",
    "Role",
    "Scheme",
    "SchemeCriterion",
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
