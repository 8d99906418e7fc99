"""A national-scale dataset to measure the service against.

`generate` fills an empty PostgreSQL database with every council in the register and two officers
for each, the programme's staff, a pool of experts with their accounts, five schemes (the demo
world's three and two more) with a funding round in each of the last ten financial years, and, at
scale 1: 20,000 applications with their whole history, 15,000 offers of work to experts, 100,000
outcome reports, 300,000 audit events and 500,000 sent emails with their in-service notifications.

Each application's life is worked out in memory, move by move, with the moves the workflow allows
(`workflows.applications.MOVES`) and the days people take over each step, up to now: old
applications have finished, recent ones are still on their way. The money keeps the workflow's
rules: an approval commits its award only while the round's budget lasts, a declined offer gives
the money back, payments never pass the award. An expert's offers and work in progress never take
more places than the expert has. Versions go up as the workflow bumps them (each status change,
section saved, partner's answer and assessment); each status change records the version it made.

The rows are written with COPY in the caller's transaction (flushes, never commits). The councils
come from `workflows.register`, the schemes, criteria and rounds from `workflows.schemes`. Every
account shares one password hash, made once by the caller. Every outcome report has one evidence
file, and they share one small stored file: each stored name is unique, so each is a hard link to
it. The same seed and moment give the same data, but for the session tokens and the evidence
files' stored names, which are secrets.
"""

from __future__ import annotations

import io
import os
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import func, select, table, update

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Council,
    CouncilTier,
    Expert,
    ExpertKind,
    FundingRound,
    Region,
    Role,
    Scheme,
    SchemeKind,
    Specialism,
    User,
)
from workflows import council_register as register
from workflows import schemes
from workflows.applications import _MESSAGES as MESSAGES_BY_MOVE
from workflows.applications import MOVES, SECTIONS, reference_prefix
from workflows.demo import POUND, SCHEMES, STANDARD_SERVICE_LEVELS, financial_year
from workflows.outcomes import add_months, due_date
from workflows.uploads import check_upload, store
from workflows.working_days import add_working_days

S = ApplicationStatus

# What scale 1 means.
APPLICATIONS = 20_000
EXPERTS = 2_000
ENGAGEMENTS = 15_000
OUTCOME_REPORTS = 100_000
AUDIT_EVENTS = 300_000
EMAILS = 500_000

YEARS = 10
OFFICERS_PER_COUNCIL = 2
STAFF = {Role.PROGRAMME_OFFICER: 8, Role.ASSESSOR: 20, Role.APPROVER: 4, Role.ADMINISTRATOR: 2}
STAFF_ADDRESSES = {
    Role.PROGRAMME_OFFICER: "programme.officer",
    Role.ASSESSOR: "assessor",
    Role.APPROVER: "approver",
    Role.ADMINISTRATOR: "administrator",
}

# Two more lines of the programme beside the demo world's three.
MORE_SCHEMES: list[dict[str, Any]] = [
    {
        "code": "commercial-skills",
        "name": "Commercial Skills",
        "summary": "A grant of £10,000 for an expert to build a council's commercial skills: contract "
        "management, trading companies and income from fees and charges.",
        "kind": SchemeKind.FIXED_GRANT,
        "fixed_amount_pence": 10_000 * POUND,
        "max_amount_pence": 10_000 * POUND,
        "match_ratio_percent": 0,
        "uses_experts": True,
        "allows_partners": False,
        "one_per_council_per_round": False,
        "eligible_tiers": [],
        "assessments_required": 2,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("income", "Scale and credibility of the income or savings", 3),
            ("skills", "The skills the council will keep afterwards", 2),
        ],
    },
    {
        "code": "digital-pathfinders",
        "name": "Digital Pathfinders",
        "summary": "Up to £50,000, matched at least 50% by the council, for an upper-tier council to redesign "
        "a service around digital channels with a delivery partner. Councils may bid jointly.",
        "kind": SchemeKind.MATCH_FUNDING,
        "fixed_amount_pence": None,
        "max_amount_pence": 50_000 * POUND,
        "match_ratio_percent": 50,
        "uses_experts": True,
        "allows_partners": True,
        "one_per_council_per_round": False,
        "eligible_tiers": [
            CouncilTier.COUNTY,
            CouncilTier.UNITARY,
            CouncilTier.METROPOLITAN,
            CouncilTier.LONDON_BOROUGH,
            CouncilTier.WELSH_PRINCIPAL_AREA,
        ],
        "assessments_required": 3,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("demand", "The service and the demand on it", 2),
            ("design", "The redesign and how its results will be measured", 3),
            ("match", "The match and the partnership", 1),
        ],
    },
]

# Each scheme's share of the applications.
SHARES = {
    "productivity-experts": 0.12,
    "behavioural-insights": 0.28,
    "shared-services": 0.10,
    "commercial-skills": 0.22,
    "digital-pathfinders": 0.28,
}
# Where a one-per-council round has more applications than councils to make them, the rest go here.
OVERFLOW_SCHEME = "commercial-skills"
# A one-per-council round takes applications from at most this share of the councils that may apply.
ONE_PER_COUNCIL_REACH = 0.8
TIER_WEIGHTS = {
    CouncilTier.COUNTY: 2.0,
    CouncilTier.UNITARY: 1.5,
    CouncilTier.METROPOLITAN: 1.5,
    CouncilTier.LONDON_BOROUGH: 1.5,
    CouncilTier.WELSH_PRINCIPAL_AREA: 1.2,
    CouncilTier.DISTRICT: 1.0,
}
# A round's budget: enough for about this share of its applications at a typical amount.
BUDGET_SHARE = 0.6
# The combined score (tenths of a percent) at or above which approvers approve.
APPROVAL_SCORE = 500
# Offers of work that came to nothing go to work matched at least this long ago.
SETTLED = timedelta(days=120)
# A stored evidence file takes at most this many names: ext4 allows 65,000 links to one file.
LINKS_PER_FILE = 60_000

ProgressBar = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


class ScaleDataError(Exception):
    """The database cannot take the dataset; the message says why."""


@dataclass(frozen=True)
class Targets:
    """How many of each kind of row to make."""

    applications: int
    experts: int
    engagements: int
    outcome_reports: int
    audit_events: int
    emails: int

    @classmethod
    def at_scale(cls, scale: float) -> Targets:
        """The counts at scale 1, multiplied by `scale` and rounded (at least one of each)."""
        counts = (APPLICATIONS, EXPERTS, ENGAGEMENTS, OUTCOME_REPORTS, AUDIT_EVENTS, EMAILS)
        return cls(*(max(1, round(count * scale)) for count in counts))


@dataclass(frozen=True)
class StageTiming:
    name: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class SignIn:
    label: str
    email: str


@dataclass(frozen=True)
class ScaleResult:
    """What was made: rows per table, the time of each stage, who can sign in, and the evidence
    files written (to remove should the transaction not commit)."""

    rows: dict[str, int]
    timings: list[StageTiming]
    sign_ins: list[SignIn]
    evidence_files: list[Path]


def refusal() -> str | None:
    """Why the configured database cannot take the dataset (it is not PostgreSQL, or it already
    holds people, schemes, experts or applications), or None. A council register is welcome."""
    if db.engine.dialect.name != "postgresql":
        return "The scale dataset needs PostgreSQL: this database is not PostgreSQL (set DATABASE_URL)."
    held = []
    for label, model in (("applications", Application), ("schemes", Scheme), ("experts", Expert), ("users", User)):
        count = db.session.scalar(select(func.count()).select_from(model)) or 0
        if count:
            held.append(f"{count:,} {label}")
    if held:
        return (
            f"This database is not empty: it holds {', '.join(held)}. The scale dataset goes into an empty, "
            "migrated database."
        )
    return None


def _no_progress(label: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda count: None)


def generate(
    *,
    scale: float,
    seed: int,
    password_hash: str,
    evidence_dir: Path,
    service_url: str,
    now: datetime | None = None,
    progress: ProgressBar = _no_progress,
) -> ScaleResult:
    """Fill the database with the dataset at `scale` (1: national, see the module's docstring),
    opening one progress bar per stage. Raises ScaleDataError when `refusal()` gives a reason.
    Flushes, never commits; the evidence files are written last, and listed in the result."""
    problem = refusal()
    if problem:
        raise ScaleDataError(problem)
    if not 0 < scale <= 10:
        raise ScaleDataError("The scale must be more than 0 and at most 10")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return _Generator(scale, seed, password_hash, evidence_dir, service_url, moment, progress).run()


def remove_files(paths: Iterable[Path]) -> None:
    """Remove evidence files written for a dataset whose transaction did not commit."""
    for path in paths:
        path.unlink(missing_ok=True)


# The shapes held in memory ------------------------------------------------------------------------------

_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # replaced when the application is made


@dataclass(frozen=True)
class _Council:
    id: int
    gss_code: str
    name: str
    tier: CouncilTier
    region: Region | None


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class _Scheme:
    id: int
    kind: SchemeKind
    fixed_amount: int | None
    max_amount: int | None
    match_ratio: int
    uses_experts: bool
    one_per_council: bool
    eligible_tiers: frozenset[CouncilTier]
    assessments_required: int
    service_levels: dict[str, int]
    criteria: tuple[tuple[str, int], ...]  # code and weight
    evaluation_months: tuple[int, ...]
    sections: tuple[str, ...]
    prefix: str

    @property
    def delivered_by(self) -> ExpertKind:
        return ExpertKind.DELIVERY_PARTNER if self.kind is SchemeKind.MATCH_FUNDING else ExpertKind.INDIVIDUAL


@dataclass(eq=False)
class _Round:
    id: int
    scheme: _Scheme
    opens_on: date
    closes_on: date
    budget: int
    committed: int = 0


@dataclass(eq=False)
class _Expert:
    id: int
    user: _Person
    kind: ExpertKind
    vetted: bool
    capacity: int
    specialisms: tuple[Specialism, ...]
    regions: tuple[Region, ...]
    joined: datetime
    places_in_use: int = 0


@dataclass(slots=True)
class _Event:
    at: datetime
    action: str
    actor_id: int | None
    source: str | None
    target: str | None
    reason: str | None
    version: int | None  # the version a status change made; None for a note on the timeline
    application_version: int  # the application's version once the event was recorded


@dataclass(slots=True)
class _Partner:
    council: _Council
    share: int
    officer: _Person
    confirmed_at: datetime
    invited_at: datetime
    invited_version: int  # the application's version when the partner was asked


@dataclass(slots=True)
class _Assessment:
    assessor_id: int
    scores: dict[str, dict[str, Any]]
    weighted: int
    recommendation: str
    at: datetime


@dataclass(slots=True)
class _Payment:
    amount: int
    at: datetime
    reference: str
    recorded_by: int


@dataclass(slots=True, eq=False)
class _Award:
    amount: int
    match: int
    approved_by: int
    approved_at: datetime
    accepted_at: datetime | None = None
    accepted_by: int | None = None
    signatory: tuple[str, str] | None = None
    payments: list[_Payment] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class _Report:
    engagement: _Engagement
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
class _Engagement:
    application: _Application
    expert: _Expert
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
    reports: list[_Report] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class _Application:
    round: _Round
    council: _Council
    officer: _Person
    created_at: datetime
    quality: float  # 0 to 1: how well the assessors will score it
    id: int = 0
    status: str = S.DRAFT.value
    version: int = 1
    changed_at: datetime = _LONG_AGO
    stage_entered_at: datetime = _LONG_AGO
    title: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    sections_done: list[str] = field(default_factory=list)
    columns: dict[str, int | None] = field(default_factory=dict)  # amounts and savings, in pence
    partners: list[_Partner] = field(default_factory=list)
    eligibility_passed: bool | None = None
    eligibility_results: list[dict[str, Any]] = field(default_factory=list)
    eligibility_checked_at: datetime | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    events: list[_Event] = field(default_factory=list)
    assessments: list[_Assessment] = field(default_factory=list)
    award: _Award | None = None
    engagements: list[_Engagement] = field(default_factory=list)
    decision_at: datetime | None = None  # when the approver takes it up
    matching_since: datetime | None = None
    first_offer_at: datetime | None = None
    failed_offers: int = 0

    @property
    def scheme(self) -> _Scheme:
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


class _Email(NamedTuple):
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


# Words ------------------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST = _words(
    "Aisha Alex Amir Bethan Cerys Chris Deborah Dylan Emeka Fiona Gareth Grace Hannah Helen Imran Isla Jack "
    "Julia Kwame Laura Leah Marcus Mohammed Nadia Nia Oliver Owen Philippa Priya Rajesh Rhys Rosa Ruth Sarah "
    "Sian Sunil Tariq Tom Una Victoria William Yusuf Zara"
)
_LAST = _words(
    "Ahmed Barnes Begum Clarke Davies Doyle Evans Fletcher Griffiths Hall Hughes Iqbal Jones Kaur Khan Lewis "
    "Lloyd Mistry Morgan Nolan Okafor O'Brien Patel Price Quinn Reid Roberts Shah Singh Taylor Thomas Turner "
    "Walsh Watson Williams Wright"
)
_FIRMS = (
    "Civic Value Partners",
    "Northpoint Advisory",
    "Public Sector Commercial",
    "Brightside Behavioural Insights",
    "Shared Futures Consulting",
    "Municipal Digital",
    "Assetwise",
    "Nudge Lab for Councils",
    "Civic Trials Unit",
    "Placeworks",
)
_PROJECTS = (
    ("Income from garden waste", "waste"),
    ("Procurement savings review", "procurement"),
    ("Digital council tax", "revenues_and_benefits"),
    ("Fleet and depot rationalisation", "property_and_assets"),
    ("Temporary accommodation costs", "housing"),
    ("Adult social care front door", "adult_social_care"),
    ("Children's placements sufficiency", "childrens_services"),
    ("Commercial property portfolio review", "property_and_assets"),
    ("Customer contact channel shift", "customer_services"),
    ("Building control fees review", "building_control"),
    ("Highways maintenance contract", "highways_and_transport"),
    ("Shared legal service business case", "legal"),
)
_THEMES = (
    ("Council tax reminder letters", "revenue_collection"),
    ("Prompts to recycle food waste", "waste_and_environment"),
    ("Early help for people at risk of homelessness", "homelessness"),
    ("Booking care assessments online", "channel_shift"),
    ("Falls prevention for older residents", "adult_social_care"),
    ("Back-to-work support letters", "skills_and_employment"),
)
_SHARING = _words("hr ict legal procurement audit revenues_and_benefits building_control planning")
_MILESTONES = ("Baseline agreed", "Options appraised with the service", "Changes made and measured")
_JUSTIFICATIONS = (
    "The case is set out clearly with evidence from the council's own figures.",
    "Credible, though the baseline needs to be confirmed.",
    "A sound plan with named officers and a realistic timetable.",
    "The evidence is thin in places; the approach is reasonable.",
)
_REASONS = {
    "withdraw": ("The council has decided to fund the work itself", "Our priorities changed after the budget"),
    "mark_ineligible": ("The council's match does not meet the scheme's ratio", "The council tier cannot apply"),
    "request_changes": ("Please set out the baseline for the savings", "Please add the chief officer's confirmation"),
    "reject": ("The application scored below the threshold for funding", "The savings case is not credible"),
    "decline_offer": ("The council can no longer provide the match", "The project has been overtaken by a restructure"),
    "expert_declined": ("Fully booked for the next two months", "Not the right fit for my experience"),
    "expert_offer_withdrawn": ("The council asked for another expert", "The start date has moved"),
    "dispute": ("The savings include spending that was moved, not saved", "The income figure counts one-off fees"),
}
_BUDGET_SPENT = "The round's budget is fully committed"
_OVERRIDE = "The failed rule does not apply: confirmed with the council's finance team"
_SUBJECTS = {
    "application_submitted": "{ref} has been submitted",
    "application_withdrawn": "{ref} has been withdrawn",
    "application_ineligible": "{ref} is not eligible",
    "changes_requested": "Changes requested to {ref}",
    "application_offered": "{ref} has been approved",
    "application_rejected": "{ref} has not been approved",
    "offer_accepted": "The offer for {ref} has been accepted",
    "offer_declined": "The offer for {ref} has been declined",
    "partner_confirmation_requested": "Confirm your council's part in {ref}",
    "expert_offer_made": "Work offered to you: {ref}",
    "expert_offer_answered": "The expert has answered the offer for {ref}",
    "expert_offer_expired": "The offer for {ref} has expired",
    "expert_offer_withdrawn": "The offer for {ref} has been withdrawn",
    "expert_matched": "An expert is working on {ref}",
    "outcome_report_to_confirm": "Confirm the outcome report for {ref}",
    "outcome_report_answered": "The council has answered the outcome report for {ref}",
    "outcome_report_disputed": "The council disputes the outcome report for {ref}",
    "outcome_report_verified": "The outcome report for {ref} has been verified",
}
_EVIDENCE_NAME = "savings ledger.csv"
_EVIDENCE = (
    b"Measure,Baseline (GBP),Period (GBP)\r\nCashable savings,0,12500\r\nIncome generated,0,4000\r\n"
    b"Costs avoided,0,2500\r\n"
)
_BASELINE = "Spending in the twelve months before the work began, from the council's ledger"
_METHOD = "Ledger totals for the period, against the same months of the baseline year"
_TRIAL = "Fewer missed payments than in the control group"

_APPLICATION_COLUMNS = (
    "id reference round_id lead_council_id created_by_id status version title answers sections_done "
    "amount_requested_pence match_pence savings_cashable_pence savings_income_pence savings_avoided_pence "
    "eligibility_passed eligibility_results eligibility_checked_at submitted_at decided_at stage_entered_at "
    "stage_due_on created_at updated_at"
)
_AWARD_COLUMNS = (
    "id application_id round_id amount_pence match_pence paid_pence approved_by_id approved_at conditions "
    "accepted_at accepted_by_id signatory_name signatory_role"
)
_ENGAGEMENT_COLUMNS = (
    "id application_id expert_id status score reasons offered_by_id offered_at expires_on responded_at "
    "decline_reason completed_at version"
)
_REPORT_COLUMNS = (
    "id engagement_id due_month period_start period_end cashable_pence cashable_recurring income_pence "
    "income_recurring avoided_pence avoided_recurring baseline method trial_results status submitted_by_id "
    "submitted_at council_answered_by_id council_answered_at dispute_reason verified_cashable_pence "
    "verified_income_pence verified_avoided_pence verification_reason verified_by_id verified_at version"
)
_EMAIL_COLUMNS = " ".join(_Email._fields)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def _evening(day: date) -> datetime:
    return datetime.combine(day, clock(18), tzinfo=UTC)


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _spread_within(total: int, room: Sequence[int]) -> list[int]:
    """`total` split in proportion to `room`, none above its room (all of it, if `total` is more)."""
    counts = [0] * len(room)
    wanted = max(0, min(total, sum(room)))
    while sum(counts) < wanted:
        open_ = [i for i in range(len(room)) if counts[i] < room[i]]
        shares = _spread(wanted - sum(counts), [room[i] - counts[i] for i in open_])
        for i, share in zip(open_, shares, strict=True):
            counts[i] += min(share, room[i] - counts[i])
    return counts


# Writing -------------------------------------------------------------------------------------------------


class _Bulk:
    """Binary COPY (the quickest to encode) through the session's own connection, so the rows are in
    its transaction; ids are taken from each table's sequence a block at a time."""

    def __init__(self) -> None:
        raw = db.session.connection().connection.driver_connection
        assert raw is not None
        self._raw = raw
        self.rows: dict[str, int] = {}

    def reserve(self, table: str, count: int) -> int:
        """The first of `count` consecutive ids now set aside in the table's sequence."""
        if count <= 0:
            return 0
        with self._raw.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%(t)s, 'id'), nextval(pg_get_serial_sequence(%(t)s, 'id')) "
                "+ %(n)s - 1)",
                {"t": table, "n": count},
            )
            row = cursor.fetchone()
        return int(row[0]) - count + 1

    def copy(self, table: str, columns: str, rows: Iterable[Sequence[Any]], tick: Callable[[int], None]) -> None:
        """Write the rows, their values in the order of `columns` (names separated by spaces; a
        JSON column takes the Python value)."""
        names = _words(columns)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in names)
        )
        written = 0
        with self._raw.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                (table,),
            )
            types = dict(cursor.fetchall())
            # A thread of its own sends the data, so PostgreSQL stores one batch while the next is made.
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                copy.set_types([types[name] for name in names])
                for row in rows:
                    copy.write_row(row)
                    written += 1
                    if written % 5_000 == 0:
                        tick(5_000)
        tick(written % 5_000)
        self.rows[table] = self.rows.get(table, 0) + written

    def add(self, table: str, columns: str, rows: Sequence[Sequence[Any]], tick: Callable[[int], None]) -> None:
        """Write rows that have no id yet: each is given the next from the table's sequence."""
        first = self.reserve(table, len(rows))
        self.copy(table, f"id {columns}", ((first + n, *row) for n, row in enumerate(rows)), tick)


# The generator ----------------------------------------------------------------------------------------------


class _Generator:
    """The dataset, stage by stage: the set-up (councils, people, schemes, experts), the histories
    worked out in memory (`_Life`), then each kind of row written in bulk."""

    def __init__(
        self,
        scale: float,
        seed: int,
        password_hash: str,
        evidence_dir: Path,
        service_url: str,
        now: datetime,
        progress: ProgressBar,
    ) -> None:
        self.targets = Targets.at_scale(scale)
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - repeatable data, not a secret
        self.password_hash = password_hash
        self.evidence_dir = evidence_dir
        self.service_url = service_url.rstrip("/")
        self.now = now
        self.today = now.date()
        self.progress = progress
        self.timings: list[StageTiming] = []
        self.bulk = _Bulk()
        self.councils: list[_Council] = []
        self.officers: dict[int, list[_Person]] = {}
        self.staff: dict[Role, list[_Person]] = {}
        self.people: dict[int, _Person] = {}
        self.rounds: list[_Round] = []
        self.experts: list[_Expert] = []
        self.conflicts: set[tuple[int, int]] = set()  # expert and council
        self.applications: list[_Application] = []
        self.stored_names: list[str] = []
        first_year = financial_year(self.today)[0].year - YEARS + 1
        self.years = [(date(first_year + n, 4, 1), date(first_year + n + 1, 3, 31)) for n in range(YEARS)]
        self.start = datetime.combine(self.years[0][0], clock(9), tzinfo=UTC)

    def run(self) -> ScaleResult:
        self._make_councils()
        self._make_people()
        self._make_schemes()
        self._make_experts()
        _Life(self).simulate()
        self._write_applications()
        self._write_engagements()
        self._write_reports()
        self._write_timelines()
        self._write_audit()
        self._write_emails()
        self._settle_rounds()
        files = self._write_evidence_files()
        return ScaleResult(self._rows_by_table(), self.timings, self._sign_ins(), files)

    def _rows_by_table(self) -> dict[str, int]:
        """The rows in each table the dataset fills, those the set-up made through the workflows too."""
        names = sorted({*self.bulk.rows, "schemes", "scheme_criteria", "funding_rounds"})
        return {name: db.session.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """A stage of the work: its progress bar, and its time and rows kept for the result."""
        started = time.perf_counter()
        before = sum(self.bulk.rows.values())
        with self.progress(name, total) as tick:
            yield tick
        rows = sum(self.bulk.rows.values()) - before
        self.timings.append(StageTiming(name, rows, time.perf_counter() - started))

    def later(self, at: datetime, low: int, high: int) -> datetime | None:
        """A moment in working hours `low` to `high` days after `at`; None when it is still to come."""
        day = at.date() + timedelta(days=self.rng.randint(low, high))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        moment = datetime.combine(day, clock(8), tzinfo=UTC) + timedelta(minutes=self.rng.randrange(600))
        if moment <= at:
            moment = at + timedelta(minutes=self.rng.randint(2, 90))
        return moment if moment <= self.now else None

    def moment_between(self, first: datetime, last: datetime) -> datetime:
        span = max((last - first).total_seconds(), 1.0)
        return first + timedelta(seconds=self.rng.uniform(0, span))

    def name(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    # Councils, people, schemes, experts -------------------------------------------------------------------

    def _make_councils(self) -> None:
        entries = register.register_entries(register.ons_records())
        with self.stage("Councils", len(entries)) as tick:
            result = register.import_councils(entries)
            tick(result.total)
            self.bulk.rows["councils"] = result.created
            self.councils = [
                _Council(c.id, c.gss_code, c.name, c.tier, c.region)
                for c in db.session.scalars(select(Council).order_by(Council.id))
            ]

    def _make_people(self) -> None:
        """The staff, and two officers for every council, each with a role."""
        people: list[tuple[str, Role, int | None, datetime]] = []
        for role, count in STAFF.items():
            for number in range(1, count + 1):
                email = f"{STAFF_ADDRESSES[role]}{number:02d}@lga.example.gov.uk"
                people.append((email, role, None, self.start - timedelta(days=60)))
        domains: set[str] = set()
        for council in self.councils:
            domain = _slug(council.name)
            domain = f"{domain}-{council.gss_code.lower()}" if domain in domains else domain
            domains.add(domain)
            for number in range(1, OFFICERS_PER_COUNCIL + 1):
                joined = self.start - timedelta(days=self.rng.randint(10, 300))
                people.append((f"officer{number}@{domain}.example.gov.uk", Role.COUNCIL_OFFICER, council.id, joined))
        with self.stage("People", 2 * len(people)) as tick:
            first = self.bulk.reserve("users", len(people))
            users, roles = [], []
            for n, (email, role, council_id, joined) in enumerate(people):
                person = _Person(first + n, self.name(), email)
                self.people[person.id] = person
                if council_id is None:
                    self.staff.setdefault(role, []).append(person)
                else:
                    self.officers.setdefault(council_id, []).append(person)
                users.append((person, council_id, None, joined))
                roles.append((person.id, role.value))
            self._copy_users(users, tick)
            self.bulk.add("user_roles", "user_id role", roles, tick)

    def _copy_users(
        self, users: Sequence[tuple[_Person, int | None, int | None, datetime]], tick: Callable[[int], None]
    ) -> None:
        """Accounts (for a council, for an expert, or for staff), all with the one password hash."""
        rows = [
            (
                person.id,
                person.email,
                person.name,
                self.password_hash,
                council_id,
                expert_id,
                True,
                secrets.token_urlsafe(24),
                joined,
                self.now - timedelta(hours=self.rng.randint(1, 24 * 60)) if self.rng.random() < 0.7 else None,
            )
            for person, council_id, expert_id, joined in users
        ]
        columns = (
            "id email name password_hash council_id expert_id is_active session_token created_at last_signed_in_at"
        )
        self.bulk.copy("users", columns, rows, tick)

    def _make_schemes(self) -> None:
        """The five schemes, their criteria and a round a year, through `workflows.schemes`, with each
        round's budget set from the applications it will receive."""
        specs = [*SCHEMES, *MORE_SCHEMES]
        counts = self._applications_per_round(specs)
        with self.stage("Schemes and rounds", len(specs) * (YEARS + 1)) as tick:
            administrator = db.session.get(User, self.staff[Role.ADMINISTRATOR][0].id)
            assert administrator is not None
            for spec in specs:
                scheme = schemes.create_scheme(schemes.SchemeSettings.from_spec(spec), actor=administrator)
                criteria = [
                    schemes.CriterionDetails(code, label, weight=weight) for code, label, weight in spec["criteria"]
                ]
                schemes.set_criteria(scheme, criteria, actor=administrator, today=self.today)
                held = self._scheme(scheme)
                tick(1)
                for (opens_on, closes_on), count in zip(self.years, counts[spec["code"]], strict=True):
                    budget = self._budget(held, count)
                    details = schemes.RoundDetails(
                        name=f"{opens_on.year}/{str(closes_on.year)[2:]}",
                        opens_on=opens_on,
                        closes_on=closes_on,
                        budget_pence=budget,
                        target_councils=max(1, round(count * 0.4)),
                        target_savings_pence=budget * 4,
                    )
                    funding_round = schemes.open_round(scheme, details, actor=administrator)
                    self.rounds.append(_Round(funding_round.id, held, opens_on, closes_on, budget))
                    self._plan_applications(self.rounds[-1], count)
                    tick(1)
            self._date_set_up_events()

    @staticmethod
    def _scheme(scheme: Scheme) -> _Scheme:
        sections = SECTIONS[scheme.kind]
        return _Scheme(
            id=scheme.id,
            kind=scheme.kind,
            fixed_amount=scheme.fixed_amount_pence,
            max_amount=scheme.max_amount_pence,
            match_ratio=scheme.match_ratio_percent,
            uses_experts=scheme.uses_experts,
            one_per_council=scheme.one_per_council_per_round,
            eligible_tiers=frozenset(CouncilTier(t) for t in scheme.eligible_tiers or []),
            assessments_required=scheme.assessments_required,
            service_levels=dict(scheme.service_levels or {}),
            criteria=tuple((c.code, c.weight) for c in scheme.criteria),
            evaluation_months=tuple(sorted({int(m) for m in scheme.evaluation_months or [] if int(m) > 0})),
            sections=tuple(key for key, _ in sections if key != "partners" or scheme.allows_partners),
            prefix=reference_prefix(scheme),
        )

    def _eligible(self, tiers: Iterable[CouncilTier]) -> list[_Council]:
        allowed = set(tiers)
        return [c for c in self.councils if not allowed or c.tier in allowed]

    def _applications_per_round(self, specs: Sequence[dict[str, Any]]) -> dict[str, list[int]]:
        """How many applications each scheme's round of each year receives: more each year, the current
        year in proportion to the part of it gone, one-per-council rounds capped by the councils."""
        weights = []
        for n, (opens_on, closes_on) in enumerate(self.years):
            gone = min(1.0, max(0.05, (self.today - opens_on).days / (closes_on - opens_on).days))
            weights.append((0.7 + 0.06 * n) * gone)
        by_scheme = dict(zip(SHARES, _spread(self.targets.applications, list(SHARES.values())), strict=True))
        counts = {spec["code"]: _spread(by_scheme[spec["code"]], weights) for spec in specs}
        for spec in specs:
            if spec["one_per_council_per_round"]:
                cap = int(len(self._eligible(spec["eligible_tiers"])) * ONE_PER_COUNCIL_REACH)
                for year, count in enumerate(counts[spec["code"]]):
                    counts[OVERFLOW_SCHEME][year] += max(0, count - cap)
                    counts[spec["code"]][year] = min(count, cap)
        return counts

    def _budget(self, scheme: _Scheme, applications: int) -> int:
        """Whole £10,000s, enough for about BUDGET_SHARE of the round's applications."""
        typical = scheme.fixed_amount or int((scheme.max_amount or 0) * 0.65)
        budget = applications * BUDGET_SHARE * typical * self.rng.uniform(0.85, 1.15)
        return max(1, round(budget / (10_000 * POUND))) * 10_000 * POUND

    def _date_set_up_events(self) -> None:
        """The schemes were set up before the first round, and each round a month before it opened."""
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.subject_type == "scheme")
            .values(occurred_at=self.start - timedelta(days=45))
            .execution_options(synchronize_session=False)
        )
        for held in self.rounds:
            db.session.execute(
                update(AuditEvent)
                .where(AuditEvent.subject_type == "funding_round", AuditEvent.subject_id == held.id)
                .values(occurred_at=datetime.combine(held.opens_on - timedelta(days=30), clock(10), tzinfo=UTC))
                .execution_options(synchronize_session=False)
            )

    def _plan_applications(self, funding_round: _Round, count: int) -> None:
        """The councils that apply to the round, and when each starts its application."""
        scheme = funding_round.scheme
        eligible = self._eligible(scheme.eligible_tiers)
        if scheme.one_per_council:
            # A weighted draw without replacement: the largest keys of random() ** (1 / weight).
            chosen = sorted(eligible, key=lambda c: self.rng.random() ** (1 / TIER_WEIGHTS[c.tier]))[-count:]
        else:
            chosen = self.rng.choices(eligible, [TIER_WEIGHTS[c.tier] for c in eligible], k=count)
            if scheme.eligible_tiers:
                # A few councils apply although their tier may not: the eligibility check finds them out.
                others = [c for c in self.councils if c.tier not in scheme.eligible_tiers]
                chosen = [self.rng.choice(others) if self.rng.random() < 0.04 else c for c in chosen]
        opens = datetime.combine(funding_round.opens_on, clock(9), tzinfo=UTC)
        closes = min(datetime.combine(funding_round.closes_on, clock(17), tzinfo=UTC), self.now)
        for council in chosen[:count]:
            officer = self.officers[council.id][0 if self.rng.random() < 0.7 else -1]
            created = self.moment_between(opens, closes)
            self.applications.append(_Application(funding_round, council, officer, created, self.rng.betavariate(4, 3)))

    def _make_experts(self) -> None:
        """The pool: one in twelve a delivery partner, most vetted, each with specialisms, regions and
        perhaps windows of availability, and an account; about one in five has a conflict of interest
        with a council. The first two dozen are vetted from the start: enough for a small dataset."""
        count = self.targets.experts
        with self.stage("Experts", 7 * count) as tick:
            first, first_user = self.bulk.reserve("experts", count), self.bulk.reserve("users", count)
            for n in range(count):
                partner = n % 12 == 0
                founding = n < 24 or self.rng.random() < 0.6
                joined = (
                    self.moment_between(self.start - timedelta(days=200), self.start)
                    if founding
                    else self.moment_between(self.start, self.now - timedelta(days=30))
                )
                if partner:
                    user = _Person(
                        first_user + n, f"{self.rng.choice(_FIRMS)} {n + 1}", f"partner{n + 1:04d}@delivery.example.org"
                    )
                    skills: tuple[Specialism, ...] = (Specialism.BEHAVIOURAL_INSIGHTS, Specialism.DIGITAL)
                else:
                    user = _Person(first_user + n, self.name(), f"expert{n + 1:04d}@experts.example.org")
                    skills = tuple(self.rng.sample(list(Specialism), self.rng.randint(1, 3)))
                self.people[user.id] = user
                self.experts.append(
                    _Expert(
                        id=first + n,
                        user=user,
                        kind=ExpertKind.DELIVERY_PARTNER if partner else ExpertKind.INDIVIDUAL,
                        vetted=n < 24 or self.rng.random() < 0.9,
                        capacity=self.rng.randint(3, 8) if partner else self.rng.choice((1, 1, 2, 2, 3)),
                        specialisms=skills,
                        regions=tuple(self.rng.sample(list(Region), self.rng.randint(1, 3))),
                        joined=joined,
                    )
                )
            self.bulk.copy(
                "experts",
                "id name email organisation biography day_rate_pence capacity vetting_status kind created_at version",
                [self._expert_row(e) for e in self.experts],
                tick,
            )
            specialisms = [(e.id, s.value) for e in self.experts for s in e.specialisms]
            self.bulk.add("expert_specialisms", "expert_id specialism", specialisms, tick)
            regions = [(e.id, r.value) for e in self.experts for r in e.regions]
            self.bulk.add("expert_regions", "expert_id region", regions, tick)
            self.bulk.add("expert_availability", "expert_id starts_on ends_on note", self._availability(), tick)
            self._copy_users([(e.user, None, e.id, e.joined) for e in self.experts], tick)
            self.bulk.add("user_roles", "user_id role", [(e.user.id, Role.EXPERT.value) for e in self.experts], tick)
            self.bulk.add(
                "conflicts_of_interest",
                "expert_id council_id reason declared_by_expert recorded_by_id recorded_at",
                self._conflicts(),
                tick,
            )

    def _expert_row(self, e: _Expert) -> tuple[Any, ...]:
        partner = e.kind is ExpertKind.DELIVERY_PARTNER
        return (
            e.id,
            e.user.name,
            e.user.email,
            e.user.name if partner else self.rng.choice(_FIRMS),
            f"Has led {', '.join(s.label.lower() for s in e.specialisms)} work with councils.",
            self.rng.randrange(450, 1_100, 25) * POUND,
            e.capacity,
            "vetted" if e.vetted else self.rng.choice(("applied", "suspended")),
            e.kind.value,
            e.joined,
            1,
        )

    def _availability(self) -> list[tuple[int, date, date | None, str]]:
        """Windows for two experts in five (the rest have not said, so count as available): most are
        open now, some after an earlier window that ended."""
        windows: list[tuple[int, date, date | None, str]] = []
        for e in self.experts:
            if self.rng.random() >= 0.4:
                continue
            starts = e.joined.date()
            if self.rng.random() < 0.25:
                ended = starts + timedelta(days=self.rng.randint(60, 400))
                windows.append((e.id, starts, ended, "Between other contracts"))
                starts = ended + timedelta(days=self.rng.randint(20, 90))
            ends = None if self.rng.random() < 0.7 else self.today + timedelta(days=self.rng.randint(60, 720))
            windows.append((e.id, min(starts, self.today), ends, "Available for council work"))
        return windows

    def _conflicts(self) -> list[tuple[Any, ...]]:
        rows = []
        for e in self.experts:
            council = self.rng.choice(self.councils)
            if self.rng.random() >= 0.2 or (e.id, council.id) in self.conflicts:
                continue
            self.conflicts.add((e.id, council.id))
            declared = self.rng.random() < 0.7
            recorded_by = None if declared else self.rng.choice(self.staff[Role.PROGRAMME_OFFICER]).id
            recorded_at = min(e.joined + timedelta(days=self.rng.randint(0, 30)), self.now)
            rows.append(
                (e.id, council.id, f"Worked for {council.name} until recently", declared, recorded_by, recorded_at)
            )
        return rows

    # Writing the histories ----------------------------------------------------------------------------------

    def _write_applications(self) -> None:
        apps = self.applications
        partners = [(a.id, p) for a in apps for p in a.partners]
        assessments = sorted(((a.id, x) for a in apps for x in a.assessments), key=lambda pair: pair[1].at)
        awarded = sorted((a for a in apps if a.award), key=lambda a: a.award.approved_at if a.award else self.now)
        payments = sorted(
            ((a.award, p) for a in awarded if a.award for p in a.award.payments), key=lambda pair: pair[1].at
        )
        total = len(apps) + len(partners) + len(assessments) + len(awarded) + len(payments)
        with self.stage("Applications", total) as tick:
            self.bulk.copy("applications", _APPLICATION_COLUMNS, (self._application_row(a) for a in apps), tick)
            self.bulk.add(
                "application_partners",
                "application_id council_id status match_share_pence responded_by_id responded_at",
                [(app_id, p.council.id, "confirmed", p.share, p.officer.id, p.confirmed_at) for app_id, p in partners],
                tick,
            )
            self.bulk.add(
                "assessments",
                "application_id assessor_id scores weighted_score_tenths recommendation comments submitted_at",
                [
                    (app_id, x.assessor_id, x.scores, x.weighted, x.recommendation, "", x.at)
                    for app_id, x in assessments
                ],
                tick,
            )
            first = self.bulk.reserve("awards", len(awarded))
            for n, a in enumerate(awarded):
                if a.award:
                    a.award.id = first + n
            self.bulk.copy("awards", _AWARD_COLUMNS, (self._award_row(a) for a in awarded), tick)
            self.bulk.add(
                "payments",
                "award_id amount_pence paid_on reference recorded_by_id recorded_at",
                [(award.id, p.amount, p.at.date(), p.reference, p.recorded_by, p.at) for award, p in payments],
                tick,
            )

    def _application_row(self, a: _Application) -> tuple[Any, ...]:
        c = a.columns
        days = a.scheme.service_levels.get(a.status)
        stage_due_on = add_working_days(a.stage_entered_at.date(), int(days)) if days else None
        return (
            a.id,
            a.reference,
            a.round.id,
            a.council.id,
            a.officer.id,
            a.status,
            a.version,
            a.title,
            a.answers,
            a.sections_done,
            c.get("amount_requested_pence"),
            c.get("match_pence"),
            c.get("savings_cashable_pence"),
            c.get("savings_income_pence"),
            c.get("savings_avoided_pence"),
            a.eligibility_passed,
            a.eligibility_results,
            a.eligibility_checked_at,
            a.submitted_at,
            a.decided_at,
            a.stage_entered_at,
            stage_due_on,
            a.created_at,
            a.changed_at,
        )

    @staticmethod
    def _award_row(a: _Application) -> tuple[Any, ...]:
        w = a.award
        assert w is not None
        name, role = w.signatory or (None, None)
        paid = sum(p.amount for p in w.payments)
        return (
            w.id,
            a.id,
            a.round.id,
            w.amount,
            w.match,
            paid,
            w.approved_by,
            w.approved_at,
            "",
            w.accepted_at,
            w.accepted_by,
            name,
            role,
        )

    def engagements(self) -> list[_Engagement]:
        """Every offer of work, in the order made (their ids' order)."""
        return sorted((e for a in self.applications for e in a.engagements), key=lambda e: e.id)

    def _write_engagements(self) -> None:
        engagements = self.engagements()
        logs = sorted(((e, *entry) for e in engagements for entry in e.work), key=lambda row: row[4])
        with self.stage("Engagements", len(engagements) + len(logs)) as tick:
            rows = (
                (
                    e.id,
                    e.application.id,
                    e.expert.id,
                    e.status,
                    e.score,
                    e.reasons,
                    e.offered_by,
                    e.offered_at,
                    e.expires_on,
                    e.responded_at,
                    e.decline_reason,
                    e.completed_at,
                    e.version,
                )
                for e in engagements
            )
            self.bulk.copy("engagements", _ENGAGEMENT_COLUMNS, rows, tick)
            self.bulk.add(
                "work_logs",
                "engagement_id worked_on days_tenths milestone logged_by_id logged_at",
                [
                    (e.id, day, tenths, milestone, e.expert.user.id, logged)
                    for e, day, tenths, milestone, logged in logs
                ],
                tick,
            )

    def _write_reports(self) -> None:
        """The outcome reports, each with its evidence file's row (the files come last)."""
        reports = sorted((r for e in self.engagements() for r in e.reports), key=lambda r: r.id)
        evidence = check_upload(io.BytesIO(_EVIDENCE), _EVIDENCE_NAME, max_bytes=len(_EVIDENCE))
        self.stored_names = [secrets.token_hex(16) for _ in reports]
        with self.stage("Outcome reports", 2 * len(reports)) as tick:
            self.bulk.copy("outcome_reports", _REPORT_COLUMNS, (self._report_row(r) for r in reports), tick)
            self.bulk.add(
                "evidence_files",
                "report_id original_name stored_name content_type size_bytes sha256 uploaded_by_id uploaded_at",
                [
                    (
                        r.id,
                        evidence.original_name,
                        name,
                        evidence.content_type,
                        evidence.size_bytes,
                        evidence.sha256,
                        r.engagement.expert.user.id,
                        r.submitted_at,
                    )
                    for r, name in zip(reports, self.stored_names, strict=True)
                ],
                tick,
            )

    @staticmethod
    def _report_row(r: _Report) -> tuple[Any, ...]:
        trial = _TRIAL if r.engagement.expert.kind is ExpertKind.DELIVERY_PARTNER else ""
        (cashable, income, avoided), recurring = r.claimed, r.recurring
        return (
            r.id,
            r.engagement.id,
            r.due_month,
            *r.period,
            cashable,
            recurring[0],
            income,
            recurring[1],
            avoided,
            recurring[2],
            _BASELINE,
            _METHOD,
            trial,
            r.status,
            r.engagement.expert.user.id,
            r.submitted_at,
            r.answered_by,
            r.answered_at,
            r.dispute_reason,
            *(r.verified or (None, None, None)),
            r.verification_reason,
            r.verified_by,
            r.verified_at,
            r.version,
        )

    def _write_timelines(self) -> None:
        events = sorted(
            ((e.at, a.id, n, e) for a in self.applications for n, e in enumerate(a.events)), key=lambda row: row[:3]
        )
        with self.stage("Timelines", len(events)) as tick:
            self.bulk.add(
                "application_events",
                "application_id actor_id action from_status to_status reason version occurred_at",
                [
                    (app_id, e.actor_id, e.action, e.source, e.target, e.reason, e.version, at)
                    for at, app_id, _, e in events
                ],
                tick,
            )

    # The audit trail and the messages ----------------------------------------------------------------------

    def _write_audit(self) -> None:
        """Every change of status, and an even sample of everything else the service audits, up to the
        target (less the events the set-up wrote through the workflows)."""
        written = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        chosen = sorted(
            self._sample(self._audit_candidates, max(0, self.targets.audit_events - written)), key=lambda row: row[0]
        )
        with self.stage("Audit trail", len(chosen)) as tick:
            self.bulk.add(
                "audit_events",
                "occurred_at actor_id action subject_type subject_id detail request_id",
                [(*row, None if row[1] is None else f"{self.rng.getrandbits(128):032x}") for row in chosen],
                tick,
            )

    def _sample(
        self, candidates: Callable[[], Iterator[tuple[bool, tuple[Any, ...]]]], wanted: int
    ) -> list[tuple[Any, ...]]:
        """`wanted` of the candidates: every one marked as needed, and an even sample of the others
        (selection sampling: one pass to count, one to choose). Should more be needed than wanted,
        an even sample of those."""
        counts = Counter(needed for needed, _ in candidates())
        from_needed = counts[True] >= wanted
        still, left = (wanted, counts[True]) if from_needed else (wanted - counts[True], counts[False])
        chosen: list[tuple[Any, ...]] = []
        for needed, row in candidates():
            if needed and not from_needed:
                chosen.append(row)
            elif needed == from_needed:
                if self.rng.random() * left < still:
                    chosen.append(row)
                    still -= 1
                left -= 1
        return chosen

    def _audit_candidates(self) -> Iterator[tuple[bool, tuple[Any, ...]]]:
        """(needed, row) for what the service audited, as the workflows word it; changes of status are
        needed."""
        for a in self.applications:
            for event in a.events:
                detail = {
                    "from_status": event.source,
                    "to_status": event.target,
                    "reason": event.reason,
                    "version": event.application_version,
                }
                yield (
                    event.version is not None,
                    (event.at, event.actor_id, f"application.{event.action}", "application", a.id, detail),
                )
        for e in self.engagements():
            offered = {"application_id": e.application.id, "expert_id": e.expert.id, "score": e.score}
            yield False, (e.offered_at, e.offered_by, "engagement.offered", "engagement", e.id, offered)
            if e.responded_at is not None:
                answer = {
                    "application_id": e.application.id,
                    **({"reason": e.decline_reason} if e.decline_reason else {}),
                }
                action = "accepted" if e.status in ("accepted", "completed") else e.status
                yield False, (e.responded_at, e.answered_by, f"engagement.{action}", "engagement", e.id, answer)
            for day, tenths, _, logged in e.work:
                logged_detail = {"worked_on": day.isoformat(), "days_tenths": tenths}
                yield False, (logged, e.expert.user.id, "engagement.work_logged", "engagement", e.id, logged_detail)
            if e.completed_at:
                yield False, (e.completed_at, e.expert.user.id, "engagement.completed", "engagement", e.id, {})
            for r in e.reports:
                yield from self._report_audit(r)

    @staticmethod
    def _report_audit(r: _Report) -> Iterator[tuple[bool, tuple[Any, ...]]]:
        filed = {
            "engagement_id": r.engagement.id,
            "due_month": r.due_month,
            "claimed_pence": sum(r.claimed),
            "evidence": 1,
        }
        yield (
            False,
            (r.submitted_at, r.engagement.expert.user.id, "outcome_report.filed", "outcome_report", r.id, filed),
        )
        if r.answered_at:
            action = "outcome_report.disputed" if r.dispute_reason else "outcome_report.confirmed"
            answer = {"reason": r.dispute_reason} if r.dispute_reason else {}
            yield False, (r.answered_at, r.answered_by, action, "outcome_report", r.id, answer)
        if r.verified_at and r.verified:
            verified = {"claimed": list(r.claimed), "verified": list(r.verified), "reason": r.verification_reason}
            yield False, (r.verified_at, r.verified_by, "outcome_report.verified", "outcome_report", r.id, verified)

    def _write_emails(self) -> None:
        """Sent emails, an even sample of those the service sent, each with its in-service
        notification (every message here goes to someone with an account)."""
        chosen = sorted(self._sample(self._email_candidates, self.targets.emails), key=lambda row: row[0])
        domain = re.sub(r"^[a-z]+://", "", self.service_url).split("/")[0].split(":")[0] or "localhost"
        with self.stage("Emails and notifications", 2 * len(chosen)) as tick:
            first = self.bulk.reserve("outbound_emails", len(chosen))
            emails = [self._email(first + n, row, domain) for n, row in enumerate(chosen)]
            self.bulk.copy("outbound_emails", _EMAIL_COLUMNS, emails, tick)
            self.bulk.add(
                "notifications",
                "idempotency_key user_id title body link created_at read_at",
                [
                    (
                        m.idempotency_key,
                        m.user_id,
                        m.subject,
                        m.text_body,
                        m.link,
                        m.created_at,
                        self._read_at(m.created_at),
                    )
                    for m in emails
                ],
                tick,
            )

    def _email(self, email_id: int, row: tuple[Any, ...], domain: str) -> _Email:
        at, person, template, key, path, reference = row
        link = self.service_url + path
        subject = _SUBJECTS[template].format(ref=reference)
        text_body = f"Dear {person.name},\n\n{subject}.\n\nSee it in the service:\n{link}\n"
        html_body = f'<p>Dear {escape(person.name)},</p><p>{escape(subject)}.</p><p><a href="{link}">{link}</a></p>'
        message_id = f"<{int(at.timestamp())}.{email_id}.{self.seed}@{domain}>"
        sent = at + timedelta(seconds=2)
        return _Email(
            email_id,
            key,
            person.email,
            person.id,
            template,
            subject,
            text_body,
            html_body,
            link,
            message_id,
            "sent",
            1,
            None,
            at,
            at,
            at + timedelta(seconds=1),
            sent,
            None,
        )

    def _read_at(self, at: datetime) -> datetime | None:
        """Most messages are read within a fortnight; the newest, mostly not yet."""
        unread = 0.7 if at > self.now - timedelta(days=14) else 0.15
        if self.rng.random() < unread:
            return None
        return min(at + timedelta(minutes=self.rng.randint(10, 14 * 24 * 60)), self.now)

    def _email_candidates(self) -> Iterator[tuple[bool, tuple[Any, ...]]]:
        """(False, row) for every email the service sent, keyed as the workflows key them."""
        staff = self.staff[Role.PROGRAMME_OFFICER]
        for a in self.applications:
            ref = a.reference
            for p in a.partners:
                for officer in self.officers[p.council.id]:
                    key = f"partner:{a.id}:{p.council.id}:v{p.invited_version}:{officer.id}"
                    yield (
                        False,
                        (
                            p.invited_at,
                            officer,
                            "partner_confirmation_requested",
                            key,
                            f"/applications/{a.id}/partner",
                            ref,
                        ),
                    )
            for event in a.events:
                if event.version is None or event.action not in MESSAGES_BY_MOVE:
                    continue
                template, to_applicant, to_staff = MESSAGES_BY_MOVE[event.action]
                people = [(a.officer, f"/applications/{a.id}")] if to_applicant else []
                people += [(o, f"/review/applications/{a.id}") for o in staff] if to_staff else []
                for person, path in people:
                    key = f"application:{a.id}:v{event.version}:{event.action}:{person.id}"
                    yield False, (event.at, person, template, key, path, ref)
            for e in a.engagements:
                yield from self._engagement_emails(e, staff)
                for r in e.reports:
                    yield from self._report_emails(r, staff)

    @staticmethod
    def _engagement_emails(e: _Engagement, staff: list[_Person]) -> Iterator[tuple[bool, tuple[Any, ...]]]:
        a, expert, offer = e.application, e.expert.user, f"/portal/offers/{e.id}"
        yield (
            False,
            (e.offered_at, expert, "expert_offer_made", f"engagement:{e.id}:v1:expert_offer_made", offer, a.reference),
        )
        if e.responded_at is None:
            return
        if e.status in ("expired", "withdrawn"):
            template = f"expert_offer_{e.status}"
            yield False, (e.responded_at, expert, template, f"engagement:{e.id}:v2:{template}", offer, a.reference)
            return
        for officer in staff:
            key = f"engagement:{e.id}:v2:expert_offer_answered:{officer.id}"
            yield (
                False,
                (e.responded_at, officer, "expert_offer_answered", key, f"/matching/applications/{a.id}", a.reference),
            )
        if e.status != "declined":
            key = f"engagement:{e.id}:matched:{a.officer.id}"
            yield False, (e.responded_at, a.officer, "expert_matched", key, f"/applications/{a.id}", a.reference)

    @staticmethod
    def _report_emails(r: _Report, staff: list[_Person]) -> Iterator[tuple[bool, tuple[Any, ...]]]:
        a, expert, ref = r.engagement.application, r.engagement.expert.user, r.engagement.application.reference
        council_page, expert_page = f"/applications/{a.id}/reports/{r.id}", f"/portal/engagements/{r.engagement.id}"
        key = f"outcome_report:{r.id}:v1:outcome_report_to_confirm:{a.officer.id}"
        yield False, (r.submitted_at, a.officer, "outcome_report_to_confirm", key, council_page, ref)
        if r.answered_at is None:
            return
        for officer in staff:
            key = f"outcome_report:{r.id}:v2:outcome_report_answered:{officer.id}"
            yield False, (r.answered_at, officer, "outcome_report_answered", key, f"/outcomes/reports/{r.id}", ref)
        if r.dispute_reason:
            key = f"outcome_report:{r.id}:v2:outcome_report_disputed:{expert.id}"
            yield False, (r.answered_at, expert, "outcome_report_disputed", key, expert_page, ref)
        if r.verified_at is None:
            return
        for person, path in ((expert, expert_page), (a.officer, council_page)):
            key = f"outcome_report:{r.id}:v3:outcome_report_verified:{person.id}"
            yield False, (r.verified_at, person, "outcome_report_verified", key, path, ref)

    # Finishing ----------------------------------------------------------------------------------------------

    def _settle_rounds(self) -> None:
        """Each round's commitment: its awards, less the offers declined."""
        with self.stage("Round commitments", len(self.rounds)) as tick:
            for held in self.rounds:
                db.session.execute(
                    update(FundingRound)
                    .where(FundingRound.id == held.id)
                    .values(committed_pence=held.committed)
                    .execution_options(synchronize_session=False)
                )
                tick(1)

    def _write_evidence_files(self) -> list[Path]:
        """The evidence files: one small stored file under every report's stored name (hard links, to
        a new copy every LINKS_PER_FILE names). Removes what it wrote if it fails."""
        checked = check_upload(io.BytesIO(_EVIDENCE), _EVIDENCE_NAME, max_bytes=len(_EVIDENCE))
        written: list[Path] = []
        with self.stage("Evidence files", len(self.stored_names)) as tick:
            try:
                for n, name in enumerate(self.stored_names):
                    path = self.evidence_dir / name
                    if n % LINKS_PER_FILE == 0:
                        (self.evidence_dir / store(checked, self.evidence_dir)).rename(path)
                        original = path
                    else:
                        os.link(original, path)
                    written.append(path)
                    if n % 5_000 == 4_999:
                        tick(5_000)
                tick(len(self.stored_names) % 5_000)
            except BaseException:
                remove_files(written)
                raise
        return written

    def _sign_ins(self) -> list[SignIn]:
        """The first of each kind of staff, the first officer of the council with most applications,
        and an expert with work under way."""
        found = [SignIn(role.label, people[0].email) for role, people in self.staff.items()]
        busiest = Counter(a.council.id for a in self.applications).most_common(1)
        if busiest:
            council = next(c for c in self.councils if c.id == busiest[0][0])
            found.append(SignIn(f"{Role.COUNCIL_OFFICER.label} ({council.name})", self.officers[council.id][0].email))
        delivering = next((e for e in self.engagements() if e.status == "accepted"), None)
        if delivering is not None:
            found.append(SignIn(Role.EXPERT.label, delivering.expert.user.email))
        return found


# Lives ------------------------------------------------------------------------------------------------------

_TARGETS = {(move.action, source.value): move.target for move in MOVES for source in move.sources}


class _Life:
    """Each application's life, from the draft to where it stands now, move by move."""

    def __init__(self, generator: _Generator) -> None:
        self.g = generator
        self.rng = generator.rng
        self.now = generator.now
        self.programme = generator.staff[Role.PROGRAMME_OFFICER]
        self.assessors = generator.staff[Role.ASSESSOR]
        self.approvers = generator.staff[Role.APPROVER]
        self.pools = {kind: [e for e in generator.experts if e.vetted and e.kind is kind] for kind in ExpertKind}

    def simulate(self) -> None:
        """Every application, in the order they were started (their ids' order). Decisions are taken
        in the order they were made, so that a round's budget is spent as it was."""
        g = self.g
        apps = sorted(g.applications, key=lambda a: a.created_at)
        first = g.bulk.reserve("applications", len(apps))
        for n, a in enumerate(apps):
            a.id = first + n
        g.applications = apps
        with g.stage("Histories", 5 * len(apps)) as tick:
            for a in apps:
                self._draft_to_decision(a)
            tick(len(apps))
            for a in sorted((a for a in apps if a.decision_at), key=lambda a: a.decision_at or self.now):
                self._decide(a)
            tick(len(apps))
            for a in apps:
                if a.status == S.OFFERED:
                    self._answer_offer(a)
            tick(len(apps))
            self._share_failed_offers(apps)
            for a in apps:
                if a.first_offer_at is not None:
                    self._match_and_deliver(a)
            self._number_engagements()
            tick(len(apps))
            self._report_outcomes(apps)
            tick(len(apps))

    # The timeline -------------------------------------------------------------------------------------------

    def _move(
        self, a: _Application, at: datetime, action: str, actor: _Person | None, reason: str | None = None
    ) -> None:
        """A change of status as `applications.transition` makes it, and only a move MOVES allows:
        the version goes up and the event records it."""
        if (action, a.status) not in _TARGETS:
            raise AssertionError(f"{action} is not a move from {a.status}")
        target = _TARGETS[(action, a.status)] or (S.EXPERT_MATCHING if a.scheme.uses_experts else S.IN_DELIVERY)
        a.version += 1
        a.events.append(
            _Event(at, action, actor.id if actor else None, a.status, target.value, reason, a.version, a.version)
        )
        a.status = target.value
        a.stage_entered_at = a.changed_at = at

    @staticmethod
    def _note(a: _Application, at: datetime, action: str, actor_id: int | None, reason: str | None = None) -> None:
        a.events.append(_Event(at, action, actor_id, None, None, reason, None, a.version))

    @staticmethod
    def _bump(a: _Application, at: datetime) -> None:
        a.version += 1
        a.changed_at = at

    # From the draft to the decision -------------------------------------------------------------------------

    def _draft_to_decision(self, a: _Application) -> None:
        """Sections saved, a joint bid's partners, submission; then the eligibility check and the
        assessments. A draft not submitted before its round closed stays a draft."""
        rng = self.rng
        a.changed_at = a.stage_entered_at = a.created_at
        a.columns = {"amount_requested_pence": a.scheme.fixed_amount}
        a.events.append(_Event(a.created_at, "create", a.officer.id, None, S.DRAFT.value, None, 1, 1))
        answers = self._answers(a)
        sections = a.scheme.sections
        submit_at = self.g.later(a.created_at, 3, 40)
        if rng.random() < 0.03 or submit_at is None or submit_at.date() > a.round.closes_on:
            self._save(a, answers, sections[: rng.randint(0, len(sections) - 1)], min(submit_at or self.now, self.now))
            return
        self._save(a, answers, sections, submit_at)
        if a.scheme.kind is SchemeKind.MATCH_FUNDING and rng.random() < 0.3:
            self._bring_in_partners(a, submit_at)
        self._submit(a, submit_at)

    def _save(
        self,
        a: _Application,
        answers: dict[str, tuple[dict[str, Any], dict[str, Any]]],
        keys: Sequence[str],
        by: datetime,
    ) -> None:
        for key, at in zip(keys, sorted(self.g.moment_between(a.created_at, by) for _ in keys), strict=True):
            section, columns = answers[key]
            a.answers[key] = section
            a.title = columns.pop("title", a.title)
            a.columns.update(columns)
            self._bump(a, at)
        a.sections_done = [k for k in a.scheme.sections if k in a.answers]

    def _answers(self, a: _Application) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        """Each section's answers and the columns they feed, as the forms save them."""
        rng, scheme = self.rng, a.scheme
        contact = {
            "name": a.officer.name,
            "job_title": "Head of Service",
            "email": a.officer.email,
            "phone": "0300 123 4567",
        }
        common: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
            "contact": (contact, {}),
            "declaration": ({"chief_officer": self.g.name(), "job_title": "Chief Executive", "confirmed": True}, {}),
        }
        if scheme.kind is SchemeKind.FIXED_GRANT:
            title, area = rng.choice(_PROJECTS)
            skills = [s.value for s in rng.sample(list(Specialism), rng.randint(1, 2))]
            yearly = rng.randrange(20_000, 400_000, 1_000) * POUND
            savings = (yearly * 6 // 10, yearly // 4, yearly - yearly * 6 // 10 - yearly // 4)
            project = {
                "title": title,
                "service_area": area,
                "problem": "Costs rise faster than the budget",
                "approach": "An expert reviews and redesigns",
            }
            in_pounds = {
                "cashable": str(savings[0] // POUND),
                "income": str(savings[1] // POUND),
                "avoided": str(savings[2] // POUND),
                "months": 12,
            }
            in_pence = dict(
                zip(("savings_cashable_pence", "savings_income_pence", "savings_avoided_pence"), savings, strict=True)
            )
            return {
                "project": (project, {"title": title}),
                "expertise": ({"skills": skills, "detail": "Experience with councils of our size"}, {}),
                "savings": (in_pounds, in_pence),
                **common,
            }
        maximum = scheme.max_amount or 20_000 * POUND
        amount = min(maximum, max(1, round(maximum * rng.uniform(0.3, 1.0) / (500 * POUND))) * 500 * POUND)
        if scheme.kind is SchemeKind.MATCH_FUNDING:
            title, theme = rng.choice(_THEMES)
            needed = amount * scheme.match_ratio // 100
            # A few offer less match than the scheme asks for: the eligibility check finds them out.
            match = needed * 8 // 10 if rng.random() < 0.04 else round(needed * rng.uniform(1.0, 1.5) / POUND) * POUND
            return {
                "project": (
                    {"title": title, "theme": theme, "description": "A randomised trial of a new approach"},
                    {"title": title},
                ),
                "outcomes": ({"outcomes": "Less demand on the service", "measures": "Against a control group"}, {}),
                "funding": (
                    {"amount": str(amount // POUND), "match": str(match // POUND)},
                    {"amount_requested_pence": amount, "match_pence": match},
                ),
                "partners": ({"partners": []}, {}),
                **common,
            }
        areas = rng.sample(_SHARING, rng.randint(1, 3))
        return {
            "sharing": (
                {"what": rng.choice(("services", "management", "both")), "areas": areas, "detail": ""},
                {"title": f"Sharing {areas[0].replace('_', ' ')}"},
            ),
            "geography": ({"reach": rng.choice(("county", "neighbours", "region")), "detail": ""}, {}),
            "funding": (
                {"wanted": rng.choice(("expert", "mediation", "both")), "amount": str(amount // POUND)},
                {"amount_requested_pence": amount},
            ),
            **common,
        }

    def _bring_in_partners(self, a: _Application, by: datetime) -> None:
        """A joint bid: the lead names one to three councils of its region and their shares of the
        match; each partner's officer confirms before the lead submits."""
        rng, g = self.rng, self.g
        near = [c for c in g.councils if c.region == a.council.region and c.id != a.council.id]
        chosen = rng.sample(near, min(len(near), rng.randint(1, 3)))
        if not chosen:
            return
        match = a.columns.get("match_pence") or 0
        invited_at, invited_version = g.moment_between(a.changed_at, by), a.version
        self._bump(a, invited_at)
        for council, at in zip(chosen, sorted(g.moment_between(invited_at, by) for _ in chosen), strict=True):
            officer = g.officers[council.id][0]
            share = round(match * rng.uniform(0.1, 0.3) / POUND) * POUND
            a.partners.append(_Partner(council, share, officer, at, invited_at, invited_version))
            self._bump(a, at)
            self._note(a, at, "partner_confirmed", officer.id, council.name)
        lead = match - sum(p.share for p in a.partners)
        a.columns["match_pence"] = lead
        a.answers["funding"] = {**a.answers["funding"], "match": str(lead // POUND)}
        shares = [
            {"gss_code": p.council.gss_code, "council": p.council.name, "share": f"{p.share // POUND:,}"}
            for p in a.partners
        ]
        a.answers["partners"] = {"partners": shares}

    def _submit(self, a: _Application, at: datetime) -> None:
        """Submit, and record the eligibility check the task runs straight after."""
        self._move(a, at, "submit", a.officer)
        a.submitted_at = at
        checked_at = at + timedelta(minutes=self.rng.randint(1, 5))
        if checked_at > self.now:
            return
        a.eligibility_results = self._eligibility(a, at.date())
        a.eligibility_passed = all(r["passed"] for r in a.eligibility_results)
        a.eligibility_checked_at = a.changed_at = checked_at
        self._note(a, checked_at, "eligibility_checked", None, "Passed" if a.eligibility_passed else "Failed")
        self._check(a)

    @staticmethod
    def _eligibility(a: _Application, submitted_on: date) -> list[dict[str, Any]]:
        """The rules `applications.check_eligibility` records, in its words."""
        scheme, r, amount = a.scheme, a.round, a.amount

        def rule(name: str, passed: bool, detail: str) -> dict[str, Any]:
            return {"rule": name, "passed": passed, "detail": detail}

        results = [
            rule(
                "round_open",
                r.opens_on <= submitted_on <= r.closes_on,
                f"Submitted on {submitted_on:%d %B %Y}; the round is open {r.opens_on:%d %B %Y} "
                f"to {r.closes_on:%d %B %Y}",
            )
        ]
        if scheme.eligible_tiers:
            tier = a.council.tier
            results.append(
                rule(
                    "council_tier",
                    tier in scheme.eligible_tiers,
                    f"The lead council is a {tier.value.replace('_', ' ')} council",
                )
            )
        if scheme.one_per_council:
            results.append(
                rule("one_per_council", True, "No other live application(s) from this council in this round")
            )
        if scheme.fixed_amount is not None:
            results.append(
                rule(
                    "amount",
                    amount == scheme.fixed_amount,
                    f"Asked for {_pounds(amount)}; the grant is {_pounds(scheme.fixed_amount)}",
                )
            )
        elif scheme.max_amount is not None:
            results.append(
                rule(
                    "amount",
                    0 < amount <= scheme.max_amount,
                    f"Asked for {_pounds(amount)}; at most {_pounds(scheme.max_amount)}",
                )
            )
        if scheme.match_ratio:
            needed = amount * scheme.match_ratio // 100
            detail = f"A match of {_pounds(a.match_offered)}; at least {_pounds(needed)} is needed"
            results.append(rule("match", a.match_offered >= needed, detail))
        if a.partners:
            results.append(rule("partners", True, "All partners confirmed"))
        return results

    def _check(self, a: _Application) -> None:
        """A programme officer confirms the eligibility (overriding a failed check with a reason), finds
        the application not eligible, or asks for changes (once), after which the council submits again
        or withdraws; the council may also withdraw."""
        g, rng = self.g, self.rng
        assert a.eligibility_checked_at is not None
        at = g.later(a.eligibility_checked_at, 1, 8)
        if at is None:
            return
        officer = rng.choice(self.programme)
        if not a.eligibility_passed:
            if rng.random() < 0.85:
                self._move(a, at, "mark_ineligible", officer, rng.choice(_REASONS["mark_ineligible"]))
                return
            self._move(a, at, "confirm_eligibility", officer, _OVERRIDE)
            self._assess(a)
            return
        roll, asked_before = rng.random(), any(e.action == "request_changes" for e in a.events)
        if roll < 0.06 and not asked_before:
            self._move(a, at, "request_changes", officer, rng.choice(_REASONS["request_changes"]))
            again = g.later(at, 3, 20)
            if again is None:
                return
            if rng.random() < 0.15:
                self._move(a, again, "withdraw", a.officer, rng.choice(_REASONS["withdraw"]))
                return
            self._bump(a, again)  # the section asked about, saved again
            self._submit(a, again)
        elif roll < 0.09:
            self._move(a, at, "withdraw", a.officer, rng.choice(_REASONS["withdraw"]))
        else:
            self._move(a, at, "confirm_eligibility", officer)
            self._assess(a)

    def _assess(self, a: _Application) -> None:
        """Each assessor scores every criterion; the last moves the application to a decision, which
        an approver takes up (or the council withdraws first)."""
        g, rng, scheme = self.g, self.rng, a.scheme
        total_weight = sum(weight for _, weight in scheme.criteria)
        at: datetime | None = a.stage_entered_at
        for n, assessor in enumerate(rng.sample(self.assessors, scheme.assessments_required), start=1):
            at = g.later(at or self.now, 1, 10)
            if at is None:
                return
            scores: dict[str, dict[str, Any]] = {
                code: {
                    "score": max(0, min(5, round(a.quality * 5 + rng.gauss(0, 0.8)))),
                    "justification": rng.choice(_JUSTIFICATIONS),
                }
                for code, _ in scheme.criteria
            }
            weighted = round(sum(scores[code]["score"] * w for code, w in scheme.criteria) * 1000 / (5 * total_weight))
            recommendation = "approve" if weighted >= 600 else "changes" if weighted >= 450 else "reject"
            a.assessments.append(_Assessment(assessor.id, scores, weighted, recommendation, at))
            self._bump(a, at)
            self._note(a, at, "assess", assessor.id)
            if n == scheme.assessments_required:
                self._move(a, at, "complete_assessment", assessor)
        decide_at = g.later(a.stage_entered_at, 2, 14)
        if decide_at is not None and rng.random() < 0.02:
            self._move(a, decide_at, "withdraw", a.officer, rng.choice(_REASONS["withdraw"]))
        else:
            a.decision_at = decide_at

    def _decide(self, a: _Application) -> None:
        """Approve while the round's budget lasts, or reject."""
        assert a.decision_at is not None
        at, r = a.decision_at, a.round
        approver = self.rng.choice(self.approvers)
        score = round(sum(x.weighted for x in a.assessments) / len(a.assessments))
        if score >= APPROVAL_SCORE and r.committed + a.amount <= r.budget:
            r.committed += a.amount
            a.award = _Award(a.amount, a.match_offered, approver.id, at)
            self._move(a, at, "approve", approver)
        else:
            reason = _BUDGET_SPENT if score >= APPROVAL_SCORE else self.rng.choice(_REASONS["reject"])
            self._move(a, at, "reject", approver, reason)
        a.decided_at = at

    def _answer_offer(self, a: _Application) -> None:
        """The council accepts the offer (a signatory signs for it) and is paid in one or two
        tranches, or declines it and the money goes back to the round."""
        g, rng, award = self.g, self.rng, a.award
        assert a.decided_at is not None and award is not None
        at = g.later(a.decided_at, 3, 20)
        if at is None:
            return
        if rng.random() < 0.04:
            self._move(a, at, "decline_offer", a.officer, rng.choice(_REASONS["decline_offer"]))
            a.round.committed -= award.amount
            return
        self._move(a, at, "accept_offer", a.officer)
        award.accepted_at, award.accepted_by = at, a.officer.id
        award.signatory = (g.name(), rng.choice(("Chief Executive", "Section 151 Officer", "Director of Resources")))
        half = award.amount // 2
        tranches = [award.amount] if award.amount <= 10_000 * POUND else [half, award.amount - half]
        paid_at: datetime | None = at
        for number, amount in enumerate(tranches, start=1):
            paid_at = g.later(paid_at or self.now, 10, 40) if number == 1 else g.later(paid_at or self.now, 90, 200)
            if paid_at is None:
                break
            officer, reference = rng.choice(self.programme), f"{a.reference}/{number}"
            award.payments.append(_Payment(amount, paid_at, reference, officer.id))
            self._note(a, paid_at, "payment", officer.id, f"{_pounds(amount)} ({reference})")
        if a.status == S.EXPERT_MATCHING:
            a.matching_since = at
            a.first_offer_at = g.later(at, 1, 8)

    # Experts ------------------------------------------------------------------------------------------------

    def _share_failed_offers(self, apps: list[_Application]) -> None:
        """The offers that came to nothing (declined, expired, withdrawn), so that the offers add up to
        the target: each goes to work matched long enough ago for every offer to have been answered,
        and none so many that the work runs out of experts to ask."""
        waiting = sorted((a for a in apps if a.first_offer_at), key=lambda a: a.first_offer_at or self.now)
        target = self.g.targets.engagements
        for a in waiting[target:]:
            a.first_offer_at = None  # the latest wait for their first offer
        settled = [a for a in waiting[:target] if a.matching_since and a.matching_since <= self.now - SETTLED]
        room = {id(a): len(self.pools[a.scheme.delivered_by]) // 2 - 1 for a in settled}
        settled = [a for a in settled if room[id(a)] > 0]
        for _ in range(target - len(waiting)):
            if not settled:
                return
            a = self.rng.choice(settled)
            a.failed_offers += 1
            if a.failed_offers >= room[id(a)]:
                settled.remove(a)

    def _match_and_deliver(self, a: _Application) -> None:
        """The offers that came to nothing, then the one accepted (or still waiting): the expert logs
        days and, unless the work is still under way, completes it."""
        g, rng = self.g, self.rng
        at = a.first_offer_at
        assert at is not None
        offered_by: int | None = rng.choice(self.programme).id
        for _ in range(a.failed_offers):
            after = self._failed_offer(a, at, offered_by)
            if after is None:
                break
            at, by_the_sweep = after
            offered_by = None if by_the_sweep else rng.choice(self.programme).id
        expires_on = add_working_days(at.date(), 5)
        answered = self._answer_time(at, expires_on)
        completed = g.later(answered, 30, 150) if answered <= self.now else None
        expert = self._choose_expert(a, at, live=completed is None)
        if expert is None:
            return  # no one free: the work waits for an expert
        e = self._offer(a, expert, at, offered_by, expires_on)
        if completed is None:
            expert.places_in_use += 1
        if answered > self.now:
            return
        e.status, e.responded_at, e.version, e.answered_by = "accepted", answered, 2, expert.user.id
        self._move(a, answered, "start_delivery", expert.user, f"{expert.user.name} accepted")
        for logged in sorted(g.moment_between(answered, completed or self.now) for _ in range(rng.randint(2, 8))):
            e.work.append(
                (logged.date(), rng.choice((5, 10, 10, 15, 20, 30, 40, 50, 70)), rng.choice(_MILESTONES), logged)
            )
        if completed is not None:
            e.status, e.completed_at, e.version = "completed", completed, 3
            self._note(a, completed, "delivery_completed", expert.user.id)

    def _answer_time(self, offered_at: datetime, expires_on: date) -> datetime:
        return self.g.moment_between(
            offered_at + timedelta(minutes=30), datetime.combine(expires_on, clock(17), tzinfo=UTC)
        )

    def _offer(
        self, a: _Application, expert: _Expert, at: datetime, offered_by: int | None, expires_on: date
    ) -> _Engagement:
        score = self.rng.randint(45, 98)
        reasons = [
            "Covers the specialisms asked for" if score > 60 else "Covers some of the specialisms asked for",
            "Works in the council's region" if a.council.region in expert.regions else "Works in other regions",
            f"{expert.capacity} {'place' if expert.capacity == 1 else 'places'}",
            "Verified savings from past work" if self.rng.random() < 0.5 else "No verified savings yet",
            "Available now",
        ]
        e = _Engagement(a, expert, "offered", score, reasons, offered_by, at, expires_on)
        a.engagements.append(e)
        self._note(a, at, "expert_offered", offered_by, f"Offered to {expert.user.name}")
        return e

    def _failed_offer(self, a: _Application, at: datetime, offered_by: int | None) -> tuple[datetime, bool] | None:
        """An offer declined, let expire (the hourly sweep then offers the work to the next expert) or
        withdrawn by staff: when the next offer is made, and whether the sweep made it."""
        g, rng = self.g, self.rng
        expert = self._choose_expert(a, at, live=False)
        if expert is None:
            return None
        expires_on = add_working_days(at.date(), 5)
        outcome = rng.choices(("declined", "expired", "withdrawn"), (55, 30, 15))[0]
        if outcome == "expired":
            answered = datetime.combine(expires_on + timedelta(days=1), clock(0, rng.randint(5, 55)), tzinfo=UTC)
            after: datetime | None = answered + timedelta(seconds=20)
        else:
            answered = self._answer_time(at, expires_on)
            after = g.later(answered, 0, 3)
        if answered > self.now or after is None:
            return None
        e = self._offer(a, expert, at, offered_by, expires_on)
        e.status, e.responded_at, e.version = outcome, answered, 2
        name = expert.user.name
        if outcome == "declined":
            e.decline_reason, e.answered_by = rng.choice(_REASONS["expert_declined"]), expert.user.id
            self._note(a, answered, "expert_declined", expert.user.id, f"{name} declined: {e.decline_reason}")
        elif outcome == "withdrawn":
            e.decline_reason, e.answered_by = (
                rng.choice(_REASONS["expert_offer_withdrawn"]),
                rng.choice(self.programme).id,
            )
            self._note(
                a, answered, "expert_offer_withdrawn", e.answered_by, f"Offer to {name} withdrawn: {e.decline_reason}"
            )
        else:
            self._note(a, answered, "expert_offer_expired", None, f"{name} did not answer in time")
        return after, outcome == "expired"

    def _choose_expert(self, a: _Application, at: datetime, *, live: bool) -> _Expert | None:
        """A vetted expert of the kind the work needs, in the pool by then, with no conflict with the
        council, not asked before, and with a free place if the work is still under way; one who
        covers the skills asked for when such a one turns up."""
        pool = self.pools[a.scheme.delivered_by]
        asked = {e.expert.id for e in a.engagements}
        wanted = set((a.answers.get("expertise") or {}).get("skills") or [])
        fallback = None
        for _ in range(60 if pool else 0):
            expert = self.rng.choice(pool)
            if expert.joined > at or expert.id in asked or (expert.id, a.council.id) in self.g.conflicts:
                continue
            if live and expert.places_in_use >= expert.capacity:
                continue
            if not wanted or wanted & {s.value for s in expert.specialisms}:
                return expert
            fallback = fallback or expert
        return fallback

    def _number_engagements(self) -> None:
        engagements = sorted((e for a in self.g.applications for e in a.engagements), key=lambda e: e.offered_at)
        first = self.g.bulk.reserve("engagements", len(engagements))
        for n, e in enumerate(engagements):
            e.id = first + n

    # Outcomes -----------------------------------------------------------------------------------------------

    def _report_outcomes(self, apps: list[_Application]) -> None:
        """The reports at each evaluation point that has come due, and monthly interim reports to make
        up the target; the council answers each and a programme officer verifies it. The first report
        filed moves the application on; the last evaluation point verified evaluates it."""
        g = self.g
        completed = [e for a in apps for e in a.engagements if e.completed_at]
        for e in completed:
            assert e.completed_at is not None
            finished_on, previous = e.completed_at.date(), 0
            for month in e.application.scheme.evaluation_months:
                period = (add_months(finished_on, previous), add_months(finished_on, month) - timedelta(days=1))
                due = _evening(due_date(finished_on, month) - timedelta(days=3))
                filed = g.later(max(_evening(period[1]), due), 1, 20)
                previous = month
                if filed is not None:
                    e.reports.append(self._report(e, month, period, filed))
        interim = g.targets.outcome_reports - sum(len(e.reports) for e in completed)
        for e, count in zip(
            completed, _spread_within(interim, [self._months_reportable(e) for e in completed]), strict=True
        ):
            assert e.completed_at is not None
            finished_on = e.completed_at.date()
            for month in range(1, count + 1):
                period = (add_months(finished_on, month - 1), add_months(finished_on, month) - timedelta(days=1))
                filed = g.later(_evening(period[1]), 1, 20)
                if filed is not None:
                    e.reports.append(self._report(e, None, period, filed))
        reports = sorted((r for e in completed for r in e.reports), key=lambda r: r.submitted_at)
        first = g.bulk.reserve("outcome_reports", len(reports))
        for n, r in enumerate(reports):
            r.id = first + n
        for e in completed:
            self._outcomes_on_the_timeline(e)

    def _months_reportable(self, e: _Engagement) -> int:
        """How many whole months since completion ended long enough ago to have been reported."""
        assert e.completed_at is not None
        finished_on, months = e.completed_at.date(), 0
        while add_months(finished_on, months + 1) <= self.g.today - timedelta(days=25):
            months += 1
        return months

    def _report(self, e: _Engagement, due_month: int | None, period: tuple[date, date], filed: datetime) -> _Report:
        """A claim in proportion to the savings the application expected over the period (or to its
        amount), answered by the council, disputed now and then, and verified, sometimes at less."""
        g, rng, a = self.g, self.rng, e.application
        yearly = [a.columns.get(k) for k in ("savings_cashable_pence", "savings_income_pence", "savings_avoided_pence")]
        if any(v is None for v in yearly):
            base = max(a.amount, 5_000 * POUND) * 4
            yearly = [base * 6 // 10, base // 4, base * 15 // 100]
        months = max(1, (period[1] - period[0]).days // 30)
        cashable, income, avoided = (
            round((v or 0) * months / 12 * rng.uniform(0.4, 1.3) / POUND) * POUND for v in yearly
        )
        r = _Report(e, due_month, period, (cashable, income, avoided), (True, rng.random() < 0.5, False), filed)
        answered = g.later(filed, 2, 20)
        if answered is None:
            return r
        disputed = rng.random() < 0.08
        r.status, r.answered_by, r.answered_at, r.version = (
            ("disputed" if disputed else "confirmed"),
            a.officer.id,
            answered,
            2,
        )
        r.dispute_reason = rng.choice(_REASONS["dispute"]) if disputed else None
        verified = g.later(answered, 3, 30)
        if verified is None:
            return r
        r.status, r.verified_at, r.verified_by, r.version = "verified", verified, rng.choice(self.programme).id, 3
        if disputed or rng.random() < 0.25:
            r.verified = (cashable * 8 // 10 // POUND * POUND, income * 8 // 10 // POUND * POUND, avoided)
            r.verification_reason = "Only the savings the ledger evidences are verified"
        else:
            r.verified = r.claimed
        return r

    def _outcomes_on_the_timeline(self, e: _Engagement) -> None:
        a, expert = e.application, e.expert.user
        for n, r in enumerate(sorted(e.reports, key=lambda r: r.submitted_at)):
            if n == 0:
                self._move(a, r.submitted_at, "report_outcomes", expert, f"Outcome report {r.id} filed")
            else:
                self._note(a, r.submitted_at, "outcome_report_filed", expert.id)
        scheduled = [r for r in e.reports if r.due_month is not None]
        if len(scheduled) == len(a.scheme.evaluation_months) and all(r.verified_at for r in scheduled):
            last = max(scheduled, key=lambda r: r.verified_at or self.now)
            assert last.verified_at is not None and last.verified_by is not None
            self._move(
                a, last.verified_at, "evaluate", self.g.people[last.verified_by], "Every outcome report verified"
            )
