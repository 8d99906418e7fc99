"""What every stage of the national dataset shares: its targets, the state of the dataset being
made (`Generator`), and the arithmetic of spreading a total."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from devdata.national.bulk import Bulk
from devdata.national.shapes import Application, Council, Engagement, Expert, Person, Round
from devdata.national.words import FIRST, LAST
from grants.models import Role
from workflows.reporting import financial_year_bounds, financial_year_of

# What scale 1 means.
APPLICATIONS = 20_000
EXPERTS = 2_000
ENGAGEMENTS = 15_000
OUTCOME_REPORTS = 100_000
AUDIT_EVENTS = 300_000
EMAILS = 500_000

YEARS = 10

ProgressBar = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


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


def spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def spread_within(total: int, room: Sequence[int]) -> list[int]:
    """`total` split in proportion to `room`, none above its room (all of it, if `total` is more)."""
    counts = [0] * len(room)
    wanted = max(0, min(total, sum(room)))
    while sum(counts) < wanted:
        open_ = [i for i in range(len(room)) if counts[i] < room[i]]
        shares = spread(wanted - sum(counts), [room[i] - counts[i] for i in open_])
        for i, share in zip(open_, shares, strict=True):
            counts[i] += min(share, room[i] - counts[i])
    return counts


class Generator:
    """The dataset being made: what each stage has made so far, for the stages after it, and the
    clock, the random numbers and the bulk writer they share (devdata/national/dataset.py runs the
    stages in order)."""

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
        self.bulk = Bulk()
        self.councils: list[Council] = []
        self.officers: dict[int, list[Person]] = {}
        self.staff: dict[Role, list[Person]] = {}
        self.people: dict[int, Person] = {}
        self.rounds: list[Round] = []
        self.experts: list[Expert] = []
        self.conflicts: set[tuple[int, int]] = set()  # expert and council
        self.applications: list[Application] = []
        self.stored_names: list[str] = []
        first_year = financial_year_of(self.today) - YEARS + 1
        self.years = [financial_year_bounds(first_year + n) for n in range(YEARS)]
        self.start = datetime.combine(self.years[0][0], clock(9), tzinfo=UTC)

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
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def engagements(self) -> list[Engagement]:
        """Every offer of work, in the order made (their ids' order)."""
        return sorted((e for a in self.applications for e in a.engagements), key=lambda e: e.id)
