"""The `flask` commands that make development data: `flask demo seed` (the demo world `make run`
serves) and `flask scale-data generate` (a national-scale dataset in an empty PostgreSQL database,
to measure the service against). Flask finds them through the `flask.commands` entry points in
pyproject.toml, so that no module of the service imports them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from devdata import demo, national
from devdata.common import new_password
from grants.extensions import db
from workflows.passwords import hash_password, password_problem

demo_cli = AppGroup("demo", help="Demonstration data.")
scale_data_cli = AppGroup("scale-data", help="A national-scale dataset for performance work.")


@contextmanager
def _progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(length=max(total, 1), label=f"{label:<26}", show_pos=True, show_eta=False) as bar:
        yield bar.update


@demo_cli.command("seed")
def seed_demo_command() -> None:
    """Create the demo world: councils, one user per role, the three schemes, about 40 experts, and
    applications at each stage."""
    result = demo.seed_demo(date.today())
    db.session.commit()
    click.echo(
        f"Councils: {result.councils.total} ({result.councils.created} added). "
        f"Schemes added: {result.schemes_created}. Rounds added: {result.rounds_created}. "
        f"Experts added: {result.experts_created}. Applications added: {result.applications_created}."
    )
    if result.credentials:
        click.echo("\nDemo sign-ins (shown this once; keep them somewhere safe):")
        for credential in result.credentials:
            click.echo(f"  {credential.role.label:<18} {credential.email:<45} {credential.password}")
    else:
        click.echo("Demo users exist already; their passwords were shown when they were made.")
        click.echo("Use 'Forgot your password?' on the sign-in page, or 'flask users create', for another.")


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
    problem = national.refusal()
    if problem:
        raise click.ClickException(problem)
    password = password or new_password()
    weak = password_problem(password)
    if weak:
        raise click.BadParameter(weak, param_hint="--password")
    started = time.perf_counter()
    try:
        result = national.generate(
            scale=scale,
            seed=seed,
            password_hash=hash_password(password),
            evidence_dir=Path(current_app.config["EVIDENCE_DIR"]),
            service_url=current_app.config["SERVICE_URL"],
            progress=_progress_bar,
        )
    except national.ScaleDataError as error:
        raise click.ClickException(str(error)) from None
    committing = time.perf_counter()
    try:
        db.session.commit()
    except BaseException:
        national.remove_files(result.evidence_files)
        raise
    committed = time.perf_counter()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    finished = time.perf_counter()
    timings = [
        *result.timings,
        national.StageTiming("Commit", 0, committed - committing),
        national.StageTiming("Analyse", 0, finished - committed),
    ]
    _report(timings, result.rows, finished - started)
    click.echo(f"  {'evidence files (hard links)':<26} {len(result.evidence_files):>9,}")
    click.echo("\nSign-ins (every account has this password):")
    for sign_in in result.sign_ins:
        click.echo(f"  {sign_in.label:<40} {sign_in.email}")
    click.echo(f"  {'Password':<40} {password}")


def _report(timings: list[national.StageTiming], rows: dict[str, int], total: float) -> None:
    click.echo("\nStage                          rows     seconds")
    for timing in timings:
        click.echo(f"  {timing.name:<26} {timing.rows:>9,} {timing.seconds:>9.1f}")
    click.echo(f"  {'Total':<26} {sum(t.rows for t in timings):>9,} {total:>9.1f}")
    click.echo("\nRows by table:")
    for table, count in sorted(rows.items()):
        click.echo(f"  {table:<26} {count:>9,}")
