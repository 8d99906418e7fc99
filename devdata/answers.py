"""An application's answers as the forms save them, for both datasets: for each section, the
answers and the typed columns they feed (`workflows.applications.save_section` takes the pair).
Amounts are in pence; the answers show them in whole pounds, as a person types them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devdata.common import POUND

# A section's answers and the columns they feed.
Section = tuple[dict[str, Any], dict[str, Any]]
Answers = dict[str, Section]


def contact(name: str, job_title: str, email: str) -> Section:
    return {"name": name, "job_title": job_title, "email": email, "phone": "0300 123 4567"}, {}


def declaration(chief_officer: str) -> Section:
    return {"chief_officer": chief_officer, "job_title": "Chief Executive", "confirmed": True}, {}


def expert_grant(
    *,
    title: str,
    area: str,
    problem: str,
    skills: list[str],
    savings: tuple[int, int, int],
    contact: Section,
    declaration: Section,
) -> Answers:
    """A fixed grant for an expert: the project, the skills wanted and the yearly savings expected
    (cashable, income, costs avoided)."""
    cashable, income, avoided = savings
    return {
        "project": (
            {"title": title, "service_area": area, "problem": problem, "approach": "An expert reviews and redesigns"},
            {"title": title},
        ),
        "expertise": ({"skills": skills, "detail": "Experience with councils of our size"}, {}),
        "savings": (
            {
                "cashable": str(cashable // POUND),
                "income": str(income // POUND),
                "avoided": str(avoided // POUND),
                "months": 12,
            },
            {"savings_cashable_pence": cashable, "savings_income_pence": income, "savings_avoided_pence": avoided},
        ),
        "contact": contact,
        "declaration": declaration,
    }


def trial(
    *,
    title: str,
    theme: str,
    description: str,
    outcomes: str,
    amount: int,
    match: int,
    contact: Section,
    declaration: Section,
    partners: Iterable[tuple[str, str, int]] = (),
) -> Answers:
    """Match funding for a trial: the project, its outcomes, the amount and the lead council's
    match, and a joint bid's partners (see `partner_shares`)."""
    return {
        "project": ({"title": title, "theme": theme, "description": description}, {"title": title}),
        "outcomes": ({"outcomes": outcomes, "measures": "Against a control group"}, {}),
        "funding": (
            {"amount": str(amount // POUND), "match": str(match // POUND)},
            {"amount_requested_pence": amount, "match_pence": match},
        ),
        "partners": ({"partners": partner_shares(partners)}, {}),
        "contact": contact,
        "declaration": declaration,
    }


def partner_shares(partners: Iterable[tuple[str, str, int]]) -> list[dict[str, str]]:
    """A joint bid's partners as the partners section lists them: each council's GSS code, name
    and share of the match."""
    return [{"gss_code": code, "council": name, "share": f"{share // POUND:,}"} for code, name, share in partners]


def sharing(
    *,
    what: str,
    areas: list[str],
    title: str,
    reach: str,
    wanted: str,
    amount: int,
    contact: Section,
    declaration: Section,
) -> Answers:
    """Shared services matchmaking: what the council would share and where, and the help wanted."""
    return {
        "sharing": ({"what": what, "areas": areas, "detail": ""}, {"title": title}),
        "geography": ({"reach": reach, "detail": ""}, {}),
        "funding": ({"wanted": wanted, "amount": str(amount // POUND)}, {"amount_requested_pence": amount}),
        "contact": contact,
        "declaration": declaration,
    }
