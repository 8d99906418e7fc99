"""The demo's shared arrangements on the shared services map, with their savings by year, recorded
through the same operations as staff use."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from devdata.common import POUND, financial_year, first_year_savings
from grants.extensions import db
from grants.models import SharedArrangement, User
from workflows import arrangement_history, arrangements
from workflows.reporting.periods import financial_year_of

# Shared arrangements for the shared services map: councils, service area, what is shared, the
# start date and the annual savings in pounds (estimated, claimed, verified; None: not yet). The
# arrangements are modelled on real ones; the figures are illustrative. The demo programme officer
# records them.
ARRANGEMENTS_RECORDED_BY = "programme.officer@lga.example.gov.uk"
# A start date of None is the first day of the current financial year: an arrangement the
# shared-services round counts this year.
DEMO_ARRANGEMENTS: list[tuple[str, list[str], str, str, date | None, int, int | None, int | None]] = [
    (
        "Babergh and Mid Suffolk shared workforce",
        ["E07000200", "E07000203"],
        "hr",
        "both",
        date(2011, 6, 1),
        3_000_000,
        3_400_000,
        3_150_000,
    ),
    (
        "Anglia Revenues Partnership",
        ["E07000143", "E07000009", "E07000010", "E07000244", "E07000245"],
        "revenues_and_benefits",
        "services",
        date(2003, 4, 1),
        1_500_000,
        1_800_000,
        1_750_000,
    ),
    (
        "Broadland and South Norfolk one team",
        ["E07000144", "E07000149"],
        "customer_services",
        "both",
        date(2019, 1, 1),
        1_700_000,
        1_900_000,
        None,
    ),
    (
        "Tri-borough children's services",
        ["E09000033", "E09000020", "E09000013"],
        "childrens_services",
        "both",
        date(2011, 6, 1),
        8_000_000,
        9_200_000,
        8_700_000,
    ),
    (
        "South London Legal Partnership",
        ["E09000024", "E09000027", "E09000021", "E09000029"],
        "legal",
        "services",
        date(2011, 10, 1),
        600_000,
        720_000,
        None,
    ),
    (
        "Worcestershire Regulatory Services",
        ["E10000034", "E07000234", "E07000235", "E07000236", "E07000237", "E07000238", "E07000239"],
        "environmental_health",
        "services",
        date(2010, 6, 1),
        1_000_000,
        1_100_000,
        1_050_000,
    ),
    (
        "Shared Regulatory Services for Bridgend, Cardiff and the Vale of Glamorgan",
        ["W06000013", "W06000015", "W06000014"],
        "environmental_health",
        "services",
        date(2015, 5, 1),
        1_100_000,
        1_200_000,
        None,
    ),
    (
        "Gwynedd and Anglesey joint planning policy unit",
        ["W06000002", "W06000001"],
        "planning",
        "services",
        date(2011, 4, 1),
        150_000,
        180_000,
        175_000,
    ),
    (
        "York and North Yorkshire shared internal audit",
        ["E06000014", "E10000023"],
        "audit",
        "services",
        date(2009, 4, 1),
        250_000,
        300_000,
        None,
    ),
    (
        "South Hams and West Devon shared workforce",
        ["E07000044", "E07000047"],
        "customer_services",
        "both",
        date(2007, 4, 1),
        2_000_000,
        2_400_000,
        2_300_000,
    ),
    (
        "STAR shared procurement",
        ["E08000007", "E08000009", "E08000005", "E08000008"],
        "procurement",
        "services",
        date(2014, 4, 1),
        1_800_000,
        2_100_000,
        None,
    ),
    (
        "Adur and Worthing shared management team",
        ["E07000223", "E07000229"],
        "ict",
        "management",
        date(2008, 4, 1),
        1_500_000,
        None,
        None,
    ),
    (
        "Breckland and South Holland shared management team",
        ["E07000143", "E07000140"],
        "customer_services",
        "management",
        date(2010, 10, 1),
        1_000_000,
        1_100_000,
        1_050_000,
    ),
    (
        "Rushmoor and Hart building control partnership",
        ["E07000092", "E07000089"],
        "building_control",
        "services",
        None,
        450_000,
        520_000,
        480_000,
    ),
]


# Arrangements that have ended: the last day, and why.
ENDED: dict[str, tuple[date, str]] = {
    "Breckland and South Holland shared management team": (
        date(2018, 9, 30),
        "The councils chose new partners, and the shared management team was wound down.",
    ),
}


def _history(arrangement: SharedArrangement, officer: User, today: date) -> None:
    """Each year's savings as the councils reported them: the first year a part year (by the months
    the arrangement ran in it), the full annual savings after; claimed for every year that has
    finished, verified by the LGA for those that finished more than a year ago (the last year's
    claim is still being checked), and only the estimate for the year in progress."""
    current = financial_year_of(today)
    first = financial_year_of(arrangement.started_on)
    started_on = arrangement.started_on
    for row in list(arrangement.years):
        if row.year == first:
            estimated, claimed, verified = (
                first_year_savings(pence, started_on)
                for pence in (
                    arrangement.estimated_annual_savings_pence,
                    arrangement.claimed_annual_savings_pence,
                    arrangement.verified_annual_savings_pence,
                )
            )
        else:
            estimated = arrangement.estimated_annual_savings_pence
            claimed = arrangement.claimed_annual_savings_pence
            verified = arrangement.verified_annual_savings_pence
        figures = arrangement_history.YearFigures(
            estimated_pence=estimated,
            claimed_pence=claimed if row.year < current else None,
            verified_pence=verified if row.year < current - 1 else None,
        )
        arrangement_history.record_year(
            arrangement, row.year, figures, actor=officer, expected_version=None, today=today
        )


def seed_arrangements(today: date) -> int:
    """The demo's shared arrangements, recorded by the demo programme officer through the same
    operations as staff use, with their savings by year and, for one, its end; one already on the
    map (by name) is left as it is."""
    officer = db.session.scalar(select(User).where(User.email == ARRANGEMENTS_RECORDED_BY))
    if officer is None:
        return 0
    existing = set(db.session.scalars(select(SharedArrangement.name)))
    created = 0
    for name, codes, area, sharing, started_on, estimated, claimed, verified in DEMO_ARRANGEMENTS:
        if name in existing:
            continue
        details = arrangements.ArrangementDetails(
            name=name,
            service_area=area,
            sharing_type=sharing,
            started_on=started_on or financial_year(today)[0],
            estimated_annual_savings_pence=estimated * POUND,
            claimed_annual_savings_pence=claimed * POUND if claimed is not None else None,
            verified_annual_savings_pence=verified * POUND if verified is not None else None,
        )
        made = arrangements.record_arrangement(details, codes, actor=officer, today=today, source="demo")
        if name in ENDED:
            ended_on, reason = ENDED[name]
            arrangement_history.end_arrangement(
                made, ended_on=ended_on, reason=reason, actor=officer, expected_version=None, today=today
            )
        _history(made, officer, today)
        created += 1
    return created
