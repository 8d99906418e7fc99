"""`flask scale-data` commands: a national-scale dataset in an empty PostgreSQL database, to measure
the service against (see workflows/scale_data.py for what it holds)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from grants.extensions import db
from workflows import scale_data
from workflows.passwords import hash_password, password_problem

scale_data_cli = AppGroup("scale-data", help="A national-scale dataset for performance work.")

_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@contextmanager
def _progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(length=max(total, 1), label=f"{label:<26}", show_pos=True, show_eta=False) as bar:
        yield bar.update


def _new_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(6)) for _ in range(4))


@scale_data_cli.command("generate")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.001, max=10.0),
    default=1.0,
    show_default=True,
    help="1 is national: 20,000 applications, 500,000 emails and the rest in proportion.",
)
@click.option("--seed", type=int, default=2017, show_default=True, help="The same seed gives the same data.")
@click.option("--password", help="The password every account shares (a new one is made and shown if not given).")
def generate_command(scale: float, seed: int, password: str | None) -> None:
    """Fill an empty, migrated PostgreSQL database with ten years of the programme at national scale,
    then analyse it. Every account shares one password, shown at the end."""
    problem = scale_data.refusal()
    if problem:
        raise click.ClickException(problem)
    password = password or _new_password()
    weak = password_problem(password)
    if weak:
        raise click.BadParameter(weak, param_hint="--password")
    started = time.perf_counter()
    try:
        result = scale_data.generate(
            scale=scale,
            seed=seed,
            password_hash=hash_password(password),
            evidence_dir=Path(current_app.config["EVIDENCE_DIR"]),
            service_url=current_app.config["SERVICE_URL"],
            progress=_progress_bar,
        )
    except scale_data.ScaleDataError as error:
        raise click.ClickException(str(error)) from None
    committing = time.perf_counter()
    try:
        db.session.commit()
    except BaseException:
        scale_data.remove_files(result.evidence_files)
        raise
    committed = time.perf_counter()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    finished = time.perf_counter()
    timings = [
        *result.timings,
        scale_data.StageTiming("Commit", 0, committed - committing),
        scale_data.StageTiming("Analyse", 0, finished - committed),
    ]
    _report(timings, result.rows, finished - started)
    click.echo(f"  {'evidence files (hard links)':<26} {len(result.evidence_files):>9,}")
    click.echo("\nSign-ins (every account has this password):")
    for sign_in in result.sign_ins:
        click.echo(f"  {sign_in.label:<40} {sign_in.email}")
    click.echo(f"  {'Password':<40} {password}")


def _report(timings: list[scale_data.StageTiming], rows: dict[str, int], total: float) -> None:
    click.echo("\nStage                          rows     seconds")
    for timing in timings:
        click.echo(f"  {timing.name:<26} {timing.rows:>9,} {timing.seconds:>9.1f}")
    click.echo(f"  {'Total':<26} {sum(t.rows for t in timings):>9,} {total:>9.1f}")
    click.echo("\nRows by table:")
    for table, count in sorted(rows.items()):
        click.echo(f"  {table:<26} {count:>9,}")
