"""Statuses as GOV.UK tags: one colour for each status wherever the service shows it, and the words
for the statuses whose records give none.

The colours follow the GOV.UK Design System's use of colour in tags. Grey is for what is not, or
no longer, under way (a draft, closed, withdrawn, expired); blue for what waits on the programme
team, light blue for work in progress and purple for a decision to come; yellow for an answer
awaited (an offer, an invitation, a council's consent); orange for something turned back or turned
down (changes requested, declined, disputed); turquoise for work under way; green for what is
done or agreed; red for a refusal or a failure. A status with the same words has the same colour
wherever it appears (tests/unit/test_status_tags.py checks it)."""

from __future__ import annotations

import enum

from grants.models import (
    ApplicationStatus,
    ConsentStatus,
    EmailStatus,
    EngagementStatus,
    IntroductionStatus,
    PartnerStatus,
    ReportStatus,
)

COLOURS: dict[type[enum.StrEnum], dict[str, str]] = {
    ApplicationStatus: {
        ApplicationStatus.DRAFT: "grey",
        ApplicationStatus.SUBMITTED: "blue",
        ApplicationStatus.IN_ASSESSMENT: "light-blue",
        ApplicationStatus.AWAITING_DECISION: "purple",
        ApplicationStatus.CHANGES_REQUESTED: "orange",
        ApplicationStatus.OFFERED: "yellow",
        ApplicationStatus.EXPERT_MATCHING: "turquoise",
        ApplicationStatus.IN_DELIVERY: "turquoise",
        ApplicationStatus.OUTCOMES_REPORTED: "green",
        ApplicationStatus.EVALUATED: "green",
        ApplicationStatus.CLOSED: "grey",
        ApplicationStatus.REJECTED: "red",
        ApplicationStatus.INELIGIBLE: "red",
        ApplicationStatus.WITHDRAWN: "grey",
    },
    PartnerStatus: {
        PartnerStatus.INVITED: "yellow",
        PartnerStatus.CONFIRMED: "green",
        PartnerStatus.DECLINED: "orange",
    },
    IntroductionStatus: {
        IntroductionStatus.PROPOSED: "blue",
        IntroductionStatus.ACCEPTED: "green",
        IntroductionStatus.DECLINED: "orange",
        IntroductionStatus.IN_DISCUSSION: "light-blue",
        IntroductionStatus.AGREED: "purple",
        IntroductionStatus.CLOSED: "grey",
    },
    ConsentStatus: {
        ConsentStatus.WAITING: "yellow",
        ConsentStatus.ACCEPTED: "green",
        ConsentStatus.DECLINED: "orange",
    },
    EngagementStatus: {
        EngagementStatus.OFFERED: "yellow",
        EngagementStatus.ACCEPTED: "turquoise",
        EngagementStatus.COMPLETED: "green",
        EngagementStatus.DECLINED: "orange",
        EngagementStatus.EXPIRED: "grey",
        EngagementStatus.WITHDRAWN: "grey",
    },
    ReportStatus: {
        ReportStatus.SUBMITTED: "yellow",
        ReportStatus.CONFIRMED: "blue",
        ReportStatus.DISPUTED: "orange",
        ReportStatus.VERIFIED: "green",
    },
    EmailStatus: {
        EmailStatus.PENDING: "yellow",
        EmailStatus.SENDING: "blue",
        EmailStatus.SENT: "green",
        EmailStatus.FAILED: "red",
    },
}

# The words of the statuses whose enumerations carry no label of their own.
WORDS: dict[type[enum.StrEnum], dict[str, str]] = {
    PartnerStatus: {
        PartnerStatus.INVITED: "Not yet confirmed",
        PartnerStatus.CONFIRMED: "Confirmed",
        PartnerStatus.DECLINED: "Declined",
    },
    ConsentStatus: {
        ConsentStatus.WAITING: "Not yet answered",
        ConsentStatus.ACCEPTED: "Accepted",
        ConsentStatus.DECLINED: "Declined",
    },
    EmailStatus: {
        EmailStatus.PENDING: "Waiting to be sent",
        EmailStatus.SENDING: "Being sent",
        EmailStatus.SENT: "Sent",
        EmailStatus.FAILED: "Failed",
    },
}


def status_words(status: enum.StrEnum) -> str:
    """What a status is called on the pages."""
    words = WORDS.get(type(status))
    return words[status] if words is not None else str(status.label)  # type: ignore[attr-defined]


def status_tag(status: enum.StrEnum) -> dict[str, str]:
    """The parameters of the GOV.UK tag that shows a status: its words and its colour."""
    return {"text": status_words(status), "classes": f"govuk-tag--{COLOURS[type(status)][status]}"}
