"""No main page's SQL grows with the data. The national dataset (`flask scale-data generate`) is
made at two small scales, one four times the other, and each page the benchmark measures
(bench/pages.py) is asked for by the person the benchmark signs in as: the busiest council's
officer, the expert with most work under way, the application with the longest history. Each
page must run the same number of statements on both datasets (a statement per row would show as
a difference) and no more than its ceiling here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from bench.pages import PASSWORD, World, count_statements, find_world, pages
from devdata.commands import scale_data_cli
from grants.extensions import db
from grants.models import User
from tests.support.services import DATABASE, SMTP_PORT, drop_database, recreate_database
from tests.support.workers import sending_app
from workflows import api_tokens

pytestmark = pytest.mark.timeout(300)

SCALES = {"small": "0.01", "larger": "0.04"}
SEED = "7"

# The most statements each page may run. Every figure is the count measured when the guard was
# written, with nothing to spare: a new statement on a page must be a choice, made here.
CEILINGS = {
    "staff queue": 7,
    "application staff page": 19,
    "council's application list": 10,
    "expert portal": 7,
    "dashboard": 14,
    "board report preview": 5,
    "API applications": 4,
    "API engagements": 9,
    "API outcome reports": 11,
}


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[World, dict[str, int]]]]:
    """Each scale's dataset, in a database of its own, and the statements each page ran on it."""
    found: dict[str, tuple[World, dict[str, int]]] = {}
    names = []
    try:
        for label, scale in SCALES.items():
            name = f"{DATABASE}_statements_{label}"
            names.append(name)
            url = recreate_database(name)
            evidence: Path = tmp_path_factory.mktemp(f"evidence-{label}")
            with sending_app(url, None, smtp_port=SMTP_PORT, EVIDENCE_DIR=evidence) as app:
                with app.app_context():
                    upgrade()
                made = app.test_cli_runner().invoke(
                    scale_data_cli, args=["generate", "--scale", scale, "--seed", SEED, "--password", PASSWORD]
                )
                assert made.exit_code == 0, made.output
                world = find_world(url)
                with app.app_context():
                    officer = db.session.scalar(select(User).where(User.email == world.emails["programme_officer"]))
                    assert officer is not None
                    token = api_tokens.create_token(officer, name="Statements", expires_in_days=1, actor=officer)
                    db.session.commit()
                found[label] = (world, count_statements(app, world, token.secret))
        yield found
    finally:
        for name in names:
            drop_database(name)


def test_the_pages_guarded_are_the_benchmarks_main_pages(counted) -> None:  # type: ignore[no-untyped-def]
    world, _ = counted["small"]
    assert sorted(CEILINGS) == sorted(page.label for page in pages(world))


def test_the_larger_dataset_has_more_of_what_the_pages_show(counted) -> None:  # type: ignore[no-untyped-def]
    from bench.common import sql

    def rows(world: World) -> tuple[int, ...]:
        [found] = sql(
            world.url,
            "SELECT (SELECT count(*) FROM applications), (SELECT count(*) FROM engagements),"
            " (SELECT count(*) FROM outcome_reports), (SELECT count(*) FROM application_events"
            f"  WHERE application_id = {world.application_id})",
        )
        return tuple(found)

    small, larger = rows(counted["small"][0]), rows(counted["larger"][0])
    assert all(b > a for a, b in zip(small[:3], larger[:3], strict=True)), (small, larger)
    assert larger[0] >= 3 * small[0]


@pytest.mark.parametrize("page", sorted(CEILINGS))
def test_a_page_runs_the_same_statements_however_much_data_there_is(counted, page: str) -> None:  # type: ignore[no-untyped-def]
    small, larger = counted["small"][1][page], counted["larger"][1][page]
    assert small == larger, f"{page}: {small} statements on the small dataset, {larger} on the larger"
    assert larger <= CEILINGS[page], f"{page}: {larger} statements, more than its ceiling of {CEILINGS[page]}"
