"""A national-scale dataset to measure the service against.

`generate` fills an empty PostgreSQL database with every council in the register and two officers
for each, the programme's staff, a pool of experts with their accounts, five schemes (the demo
world's three and two more) with a funding round in each of the last ten financial years, and, at
scale 1: 20,000 applications with their whole history, 15,000 offers of work to experts, 100,000
outcome reports, 300,000 audit events and 500,000 sent emails with their in-service notifications,
and 600 shared arrangements on the shared services map with their savings by year
(arrangements.py).

Each application's life is worked out in memory, move by move, with the moves the workflow allows
(`workflows.applications.MOVES`) and the days people take over each step, up to now: old
applications have finished, recent ones are still on their way. The money keeps the workflow's
rules: an approval commits its award only while the round's budget lasts, a declined offer gives
the money back, payments never pass the award. An expert's offers and work in progress never take
more places than the expert has. Versions go up as the workflow bumps them (each status change,
section saved, partner's answer and assessment); each status change records the version it made.

The rows are written with COPY in the caller's transaction (flushes, never commits). The councils
come from `workflows.council_register`, the schemes, criteria and rounds from `workflows.schemes`. Every
account shares one password hash, made once by the caller. Every outcome report has one evidence
file, and they share one small stored file: each stored name is unique, so each is a hard link to
it. The same seed and moment give the same data, but for the session tokens and the evidence
files' stored names, which are secrets.

The stages, in the order `_run` takes them: councils, people and experts (people.py), schemes and
rounds with the applications each will receive (rounds.py), the histories worked out in memory
(`_live`, with applying.py and delivery.py moving each application on through life.py), then the
rows written in bulk (writing.py, messages.py, through bulk.py), the rounds' commitments and the
evidence files. generator.py holds what the stages share; shapes.py the rows held in memory.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, table, update

from devdata.national import applying, arrangements, delivery, messages, people, rounds, writing
from devdata.national.generator import Generator, ProgressBar, StageTiming
from devdata.national.life import Life
from devdata.national.words import EVIDENCE, EVIDENCE_NAME
from grants.extensions import db
from grants.models import Application, ApplicationStatus, Expert, FundingRound, Role, Scheme, User
from workflows.uploads import check_upload, store

# A stored evidence file takes at most this many names: ext4 allows 65,000 links to one file.
LINKS_PER_FILE = 60_000


class ScaleDataError(Exception):
    """The database cannot take the dataset; the message says why."""


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
    return _run(Generator(scale, seed, password_hash, evidence_dir, service_url, moment, progress))


def remove_files(paths: Iterable[Path]) -> None:
    """Remove evidence files written for a dataset whose transaction did not commit."""
    for path in paths:
        path.unlink(missing_ok=True)


def _run(g: Generator) -> ScaleResult:
    """Each stage in turn, each opening its own progress bar."""
    people.make_councils(g)
    people.make_people(g)
    rounds.make_schemes(g)
    people.make_experts(g)
    _live(g)
    writing.write_applications(g)
    writing.write_engagements(g)
    writing.write_reports(g)
    writing.write_timelines(g)
    messages.write_audit(g)
    messages.write_emails(g)
    arrangements.make_arrangements(g)
    _settle_rounds(g)
    files = _write_evidence_files(g)
    return ScaleResult(_rows_by_table(g), g.timings, _sign_ins(g), files)


def _live(g: Generator) -> None:
    """Every application, in the order they were started (their ids' order). Decisions are taken
    in the order they were made, so that a round's budget is spent as it was."""
    life = Life(g)
    apps = sorted(g.applications, key=lambda a: a.created_at)
    first = g.bulk.reserve("applications", len(apps))
    for n, a in enumerate(apps):
        a.id = first + n
    g.applications = apps
    with g.stage("Histories", 5 * len(apps)) as tick:
        for a in apps:
            applying.draft_to_decision(life, a)
        tick(len(apps))
        for a in sorted((a for a in apps if a.decision_at), key=lambda a: a.decision_at or life.now):
            applying.decide(life, a)
        tick(len(apps))
        for a in apps:
            if a.status == ApplicationStatus.OFFERED:
                applying.answer_offer(life, a)
        tick(len(apps))
        delivery.share_failed_offers(life, apps)
        for a in apps:
            if a.first_offer_at is not None:
                delivery.match_and_deliver(life, a)
        delivery.number_engagements(life)
        tick(len(apps))
        delivery.report_outcomes(life, apps)
        tick(len(apps))


def _rows_by_table(g: Generator) -> dict[str, int]:
    """The rows in each table the dataset fills, those the set-up made through the workflows too."""
    names = sorted({*g.bulk.rows, "schemes", "scheme_criteria", "funding_rounds"})
    return {name: db.session.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}


def _settle_rounds(g: Generator) -> None:
    """Each round's commitment: its awards, less the offers declined."""
    with g.stage("Round commitments", len(g.rounds)) as tick:
        for held in g.rounds:
            db.session.execute(
                update(FundingRound)
                .where(FundingRound.id == held.id)
                .values(committed_pence=held.committed)
                .execution_options(synchronize_session=False)
            )
            tick(1)


def _write_evidence_files(g: Generator) -> list[Path]:
    """The evidence files: one small stored file under every report's stored name (hard links, to
    a new copy every LINKS_PER_FILE names). Removes what it wrote if it fails."""
    checked = check_upload(io.BytesIO(EVIDENCE), EVIDENCE_NAME, max_bytes=len(EVIDENCE))
    written: list[Path] = []
    with g.stage("Evidence files", len(g.stored_names)) as tick:
        try:
            for n, name in enumerate(g.stored_names):
                path = g.evidence_dir / name
                if n % LINKS_PER_FILE == 0:
                    (g.evidence_dir / store(checked, g.evidence_dir)).rename(path)
                    original = path
                else:
                    os.link(original, path)
                written.append(path)
                if n % 5_000 == 4_999:
                    tick(5_000)
            tick(len(g.stored_names) % 5_000)
        except BaseException:
            remove_files(written)
            raise
    return written


def _sign_ins(g: Generator) -> list[SignIn]:
    """The first of each kind of staff, the first officer of the council with most applications,
    and an expert with work under way."""
    found = [SignIn(role.label, members[0].email) for role, members in g.staff.items()]
    busiest = Counter(a.council.id for a in g.applications).most_common(1)
    if busiest:
        council = next(c for c in g.councils if c.id == busiest[0][0])
        found.append(SignIn(f"{Role.COUNCIL_OFFICER.label} ({council.name})", g.officers[council.id][0].email))
    delivering = next((e for e in g.engagements() if e.status == "accepted"), None)
    if delivering is not None:
        found.append(SignIn(Role.EXPERT.label, delivering.expert.user.email))
    return found
