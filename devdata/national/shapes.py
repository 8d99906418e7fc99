"""The rows of the national dataset as they are held in memory while each application's history is
worked out (devdata/national/applying.py and delivery.py), before they are written in bulk.
Not the records: `grants.models` are those."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from grants.models import ApplicationStatus, CouncilTier, ExpertKind, Region, SchemeKind, Specialism
from workflows.schemes import SchemeSettings

_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # replaced when the application is made


@dataclass(frozen=True)
class Council:
    id: int
    gss_code: str
    name: str
    tier: CouncilTier
    region: Region | None


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class Scheme:
    id: int
    settings: SchemeSettings
    criteria: tuple[tuple[str, int], ...]  # code and weight
    evaluation_months: tuple[int, ...]
    sections: tuple[str, ...]
    prefix: str

    @property
    def delivered_by(self) -> ExpertKind:
        return ExpertKind.DELIVERY_PARTNER if self.settings.kind is SchemeKind.MATCH_FUNDING else ExpertKind.INDIVIDUAL


@dataclass(eq=False)
class Round:
    id: int
    scheme: Scheme
    opens_on: date
    closes_on: date
    budget: int
    committed: int = 0


@dataclass(eq=False)
class Expert:
    id: int
    user: Person
    kind: ExpertKind
    vetted: bool
    capacity: int
    specialisms: tuple[Specialism, ...]
    regions: tuple[Region, ...]
    joined: datetime
    places_in_use: int = 0


@dataclass(slots=True)
class Event:
    at: datetime
    action: str
    actor_id: int | None
    source: str | None
    target: str | None
    reason: str | None
    version: int | None  # the version a status change made; None for a note on the timeline
    application_version: int  # the application's version once the event was recorded


@dataclass(slots=True)
class Partner:
    council: Council
    share: int
    officer: Person
    confirmed_at: datetime
    invited_at: datetime
    invited_version: int  # the application's version when the partner was asked


@dataclass(slots=True)
class Assessment:
    assessor_id: int
    scores: dict[str, dict[str, Any]]
    weighted: int
    recommendation: str
    at: datetime


@dataclass(slots=True)
class Payment:
    amount: int
    at: datetime
    reference: str
    recorded_by: int


@dataclass(slots=True, eq=False)
class Award:
    amount: int
    match: int
    approved_by: int
    approved_at: datetime
    accepted_at: datetime | None = None
    accepted_by: int | None = None
    signatory: tuple[str, str] | None = None
    payments: list[Payment] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class Report:
    engagement: Engagement
    due_month: int | None
    period: tuple[date, date]
    claimed: tuple[int, int, int]
    recurring: tuple[bool, bool, bool]
    submitted_at: datetime
    status: str = "submitted"
    answered_by: int | None = None
    answered_at: datetime | None = None
    dispute_reason: str | None = None
    verified: tuple[int, int, int] | None = None
    verification_reason: str | None = None
    verified_by: int | None = None
    verified_at: datetime | None = None
    version: int = 1
    id: int = 0


@dataclass(slots=True, eq=False)
class Engagement:
    application: Application
    expert: Expert
    status: str
    score: int
    reasons: list[str]
    offered_by: int | None
    offered_at: datetime
    expires_on: date
    responded_at: datetime | None = None
    answered_by: int | None = None  # who accepted, declined or withdrew it (None: it expired)
    decline_reason: str | None = None
    completed_at: datetime | None = None
    version: int = 1
    work: list[tuple[date, int, str, datetime]] = field(default_factory=list)  # day, tenths, milestone, logged
    reports: list[Report] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class Application:
    round: Round
    council: Council
    officer: Person
    created_at: datetime
    quality: float  # 0 to 1: how well the assessors will score it
    id: int = 0
    status: str = ApplicationStatus.DRAFT.value
    version: int = 1
    changed_at: datetime = _LONG_AGO
    stage_entered_at: datetime = _LONG_AGO
    title: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    sections_done: list[str] = field(default_factory=list)
    columns: dict[str, int | None] = field(default_factory=dict)  # amounts and savings, in pence
    partners: list[Partner] = field(default_factory=list)
    eligibility_passed: bool | None = None
    eligibility_results: list[dict[str, Any]] = field(default_factory=list)
    eligibility_checked_at: datetime | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    events: list[Event] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    award: Award | None = None
    engagements: list[Engagement] = field(default_factory=list)
    decision_at: datetime | None = None  # when the approver takes it up
    matching_since: datetime | None = None
    first_offer_at: datetime | None = None
    failed_offers: int = 0

    @property
    def scheme(self) -> Scheme:
        return self.round.scheme

    @property
    def reference(self) -> str:
        return f"{self.scheme.prefix}-{self.id:05d}"

    @property
    def amount(self) -> int:
        return self.columns.get("amount_requested_pence") or 0

    @property
    def match_offered(self) -> int:
        return (self.columns.get("match_pence") or 0) + sum(p.share for p in self.partners)


class Email(NamedTuple):
    id: int
    idempotency_key: str
    to_address: str
    user_id: int
    template: str
    subject: str
    text_body: str
    html_body: str
    link: str
    message_id: str
    status: str
    attempts: int
    last_error: None
    created_at: datetime
    due_at: datetime
    claimed_at: datetime
    sent_at: datetime
    failed_at: None
