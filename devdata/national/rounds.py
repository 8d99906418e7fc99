"""The national dataset's schemes and rounds: five schemes, a round in each of the last ten
financial years, and the councils that apply to each round."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from sqlalchemy import update

from devdata.common import POUND
from devdata.national.generator import YEARS, Generator, spread
from devdata.national.shapes import Application, Council, Round, Scheme
from devdata.schemes import SCHEMES, STANDARD_SERVICE_LEVELS, SchemeSpec
from grants import models
from grants.extensions import db
from grants.models import AuditEvent, CouncilTier, Role, SchemeKind, User
from workflows import schemes
from workflows.applications import SECTIONS, reference_prefix
from workflows.reporting import year_label
from workflows.schemes import CriterionDetails, SchemeSettings

# Two more lines of the programme beside the demo world's three.
MORE_SCHEMES = [
    SchemeSpec(
        SchemeSettings(
            code="commercial-skills",
            name="Commercial Skills",
            summary="A grant of £10,000 for an expert to build a council's commercial skills: contract "
            "management, trading companies and income from fees and charges.",
            kind=SchemeKind.FIXED_GRANT,
            fixed_amount_pence=10_000 * POUND,
            max_amount_pence=10_000 * POUND,
            uses_experts=True,
            service_levels=STANDARD_SERVICE_LEVELS,
        ),
        criteria=(
            CriterionDetails("income", "Scale and credibility of the income or savings", weight=3),
            CriterionDetails("skills", "The skills the council will keep afterwards", weight=2),
        ),
    ),
    SchemeSpec(
        SchemeSettings(
            code="digital-pathfinders",
            name="Digital Pathfinders",
            summary="Up to £50,000, matched at least 50% by the council, for an upper-tier council to redesign "
            "a service around digital channels with a delivery partner. Councils may bid jointly.",
            kind=SchemeKind.MATCH_FUNDING,
            max_amount_pence=50_000 * POUND,
            match_ratio_percent=50,
            uses_experts=True,
            allows_partners=True,
            eligible_tiers=(
                CouncilTier.COUNTY,
                CouncilTier.UNITARY,
                CouncilTier.METROPOLITAN,
                CouncilTier.LONDON_BOROUGH,
                CouncilTier.WELSH_PRINCIPAL_AREA,
            ),
            assessments_required=3,
            service_levels=STANDARD_SERVICE_LEVELS,
        ),
        criteria=(
            CriterionDetails("demand", "The service and the demand on it", weight=2),
            CriterionDetails("design", "The redesign and how its results will be measured", weight=3),
            CriterionDetails("match", "The match and the partnership", weight=1),
        ),
    ),
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


def make_schemes(g: Generator) -> None:
    """The five schemes, their criteria and a round a year, through `workflows.schemes`, with each
    round's budget set from the applications it will receive."""
    specs = [*SCHEMES, *MORE_SCHEMES]
    counts = _applications_per_round(g, specs)
    with g.stage("Schemes and rounds", len(specs) * (YEARS + 1)) as tick:
        administrator = db.session.get(User, g.staff[Role.ADMINISTRATOR][0].id)
        assert administrator is not None
        for spec in specs:
            scheme = schemes.create_scheme(spec.settings, actor=administrator)
            schemes.set_criteria(scheme, spec.criteria, actor=administrator, today=g.today)
            held = _held(scheme)
            tick(1)
            for (opens_on, closes_on), count in zip(g.years, counts[spec.settings.code], strict=True):
                budget = _budget(g, held, count)
                details = schemes.RoundDetails(
                    name=year_label(opens_on.year),
                    opens_on=opens_on,
                    closes_on=closes_on,
                    budget_pence=budget,
                    target_councils=max(1, round(count * 0.4)),
                    target_savings_pence=budget * 4,
                )
                funding_round = schemes.open_round(scheme, details, actor=administrator)
                g.rounds.append(Round(funding_round.id, held, opens_on, closes_on, budget))
                _plan_applications(g, g.rounds[-1], count)
                tick(1)
        _date_set_up_events(g)


def _held(scheme: models.Scheme) -> Scheme:
    """The scheme as the histories need it: its settings as `workflows.schemes` reads them, and what
    an application's life looks up (criteria, evaluation points, sections, reference prefix)."""
    sections = SECTIONS[scheme.kind]
    return Scheme(
        id=scheme.id,
        settings=schemes.SchemeSettings.of(scheme),
        criteria=tuple((c.code, c.weight) for c in scheme.criteria),
        evaluation_months=tuple(sorted({int(m) for m in scheme.evaluation_months or [] if int(m) > 0})),
        sections=tuple(key for key, _ in sections if key != "partners" or scheme.allows_partners),
        prefix=reference_prefix(scheme),
    )


def _eligible(g: Generator, tiers: Iterable[CouncilTier]) -> list[Council]:
    allowed = set(tiers)
    return [c for c in g.councils if not allowed or c.tier in allowed]


def _applications_per_round(g: Generator, specs: Sequence[SchemeSpec]) -> dict[str, list[int]]:
    """How many applications each scheme's round of each year receives: more each year, the current
    year in proportion to the part of it gone, one-per-council rounds capped by the councils."""
    weights = []
    for n, (opens_on, closes_on) in enumerate(g.years):
        gone = min(1.0, max(0.05, (g.today - opens_on).days / (closes_on - opens_on).days))
        weights.append((0.7 + 0.06 * n) * gone)
    by_scheme = dict(zip(SHARES, spread(g.targets.applications, list(SHARES.values())), strict=True))
    counts = {spec.settings.code: spread(by_scheme[spec.settings.code], weights) for spec in specs}
    for spec in specs:
        if spec.settings.one_per_council_per_round:
            cap = int(len(_eligible(g, spec.settings.eligible_tiers)) * ONE_PER_COUNCIL_REACH)
            for year, count in enumerate(counts[spec.settings.code]):
                counts[OVERFLOW_SCHEME][year] += max(0, count - cap)
                counts[spec.settings.code][year] = min(count, cap)
    return counts


def _budget(g: Generator, scheme: Scheme, applications: int) -> int:
    """Whole £10,000s, enough for about BUDGET_SHARE of the round's applications."""
    typical = scheme.settings.fixed_amount_pence or int((scheme.settings.max_amount_pence or 0) * 0.65)
    budget = applications * BUDGET_SHARE * typical * g.rng.uniform(0.85, 1.15)
    return max(1, round(budget / (10_000 * POUND))) * 10_000 * POUND


def _date_set_up_events(g: Generator) -> None:
    """The schemes were set up before the first round, and each round a month before it opened."""
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.subject_type == "scheme")
        .values(occurred_at=g.start - timedelta(days=45))
        .execution_options(synchronize_session=False)
    )
    for held in g.rounds:
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.subject_type == "funding_round", AuditEvent.subject_id == held.id)
            .values(occurred_at=datetime.combine(held.opens_on - timedelta(days=30), clock(10), tzinfo=UTC))
            .execution_options(synchronize_session=False)
        )


def _plan_applications(g: Generator, funding_round: Round, count: int) -> None:
    """The councils that apply to the round, and when each starts its application."""
    scheme = funding_round.scheme
    eligible = _eligible(g, scheme.settings.eligible_tiers)
    if scheme.settings.one_per_council_per_round:
        # A weighted draw without replacement: the largest keys of random() ** (1 / weight).
        chosen = sorted(eligible, key=lambda c: g.rng.random() ** (1 / TIER_WEIGHTS[c.tier]))[-count:]
    else:
        chosen = g.rng.choices(eligible, [TIER_WEIGHTS[c.tier] for c in eligible], k=count)
        if scheme.settings.eligible_tiers:
            # A few councils apply although their tier may not: the eligibility check finds them out.
            others = [c for c in g.councils if c.tier not in scheme.settings.eligible_tiers]
            chosen = [g.rng.choice(others) if g.rng.random() < 0.04 else c for c in chosen]
    opens = datetime.combine(funding_round.opens_on, clock(9), tzinfo=UTC)
    closes = min(datetime.combine(funding_round.closes_on, clock(17), tzinfo=UTC), g.now)
    for council in chosen[:count]:
        officer = g.officers[council.id][0 if g.rng.random() < 0.7 else -1]
        created = g.moment_between(opens, closes)
        g.applications.append(Application(funding_round, council, officer, created, g.rng.betavariate(4, 3)))
