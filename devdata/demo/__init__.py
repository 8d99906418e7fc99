"""The demo world: the council register, one person per role, the three schemes of the
Productivity Programme with a current funding round each, a pool of experts and delivery partners,
applications at each stage, and shared arrangements on the map. `seed_demo` makes what is missing."""

from devdata.common import financial_year
from devdata.demo.applications import DEMO_APPLICATIONS
from devdata.demo.arrangements import DEMO_ARRANGEMENTS
from devdata.demo.people import DEMO_EXPERT_EMAIL, DemoCredential
from devdata.demo.world import DemoResult, seed_demo

__all__ = [
    "DEMO_APPLICATIONS",
    "DEMO_ARRANGEMENTS",
    "DEMO_EXPERT_EMAIL",
    "DemoCredential",
    "DemoResult",
    "financial_year",
    "seed_demo",
]
