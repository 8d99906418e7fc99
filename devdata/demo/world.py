"""The demo world: the council register, one person per role, the three schemes of the
Productivity Programme with a current funding round each, a pool of experts and delivery partners,
applications at each stage (devdata/demo/stages.py) and shared arrangements on the map.

Idempotent: a second run adds nothing and changes nothing it made before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select

from devdata.common import financial_year
from devdata.demo.arrangements import seed_arrangements
from devdata.demo.people import DemoCredential, seed_delivery_partners, seed_experts, seed_people
from devdata.demo.stages import seed_applications
from devdata.schemes import SCHEMES
from grants.extensions import db
from grants.models import FundingRound, Scheme, SchemeCriterion
from workflows import council_register
from workflows.reporting import year_label


@dataclass(frozen=True)
class DemoResult:
    councils: council_register.ImportResult
    schemes_created: int
    rounds_created: int
    experts_created: int
    credentials: list[DemoCredential]
    applications_created: int = 0


def _seed_schemes(today: date) -> tuple[int, int]:
    """The schemes missing, with their columns as `workflows.schemes` writes them, their criteria, and
    a round for the current financial year. Made directly rather than by an administrator's
    operations, which would need the demo's administrator first and put the set-up on the audit
    trail."""
    schemes_created = rounds_created = 0
    opens, closes = financial_year(today)
    for spec in SCHEMES:
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == spec.settings.code))
        if scheme is None:
            scheme = Scheme(**spec.settings.columns())
            db.session.add(scheme)
            schemes_created += 1
        if not scheme.criteria:
            scheme.criteria = [
                SchemeCriterion(code=c.code, label=c.label, weight=c.weight, position=position)
                for position, c in enumerate(spec.criteria)
            ]
        db.session.flush()
        round_name = year_label(opens.year)
        existing = db.session.scalar(
            select(FundingRound).where(FundingRound.scheme_id == scheme.id, FundingRound.name == round_name)
        )
        if existing is None and spec.round is not None:
            db.session.add(
                FundingRound(
                    scheme_id=scheme.id, name=round_name, opens_on=opens, closes_on=closes, **asdict(spec.round)
                )
            )
            rounds_created += 1
    return schemes_created, rounds_created


def seed_demo(today: date) -> DemoResult:
    """Create whatever of the demo world is missing. Flushes, never commits."""
    councils = council_register.import_councils(council_register.register_entries(council_register.ons_records()))
    schemes_created, rounds_created = _seed_schemes(today)
    experts_created = seed_experts() + seed_delivery_partners()
    credentials = seed_people()
    applications_created = seed_applications(today)
    seed_arrangements(today)
    return DemoResult(councils, schemes_created, rounds_created, experts_created, credentials, applications_created)
