"""Councils, schemes and funding rounds: what applications are made by and to."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from grants.api import queries
from grants.api.auth import api_user
from grants.api.forms_bridge import answer_fields, api_name, blank, is_money
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import found_or_404
from grants.api.routing import Reply, operations
from grants.api.schemas import CouncilRef, SchemeRef, council_ref, scheme_ref
from grants.api.types import Out
from grants.applications import forms as application_forms
from grants.main import queries as main_queries
from grants.models import Council, CouncilTier, FundingRound, Region, Scheme, SchemeKind
from workflows.applications import sections_for
from workflows.permissions import Permission, can

# Councils -------------------------------------------------------------------------------------------


councils_read = operations(tag="Councils", permissions=(Permission.VIEW_REGISTER, Permission.APPLY_FOR_COUNCIL))


class CouncilOut(Out):
    id: int
    gss_code: str
    name: str
    tier: CouncilTier
    region: Region | None
    parent: CouncilRef | None = Field(description="The county a district council is in.")


class CouncilQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="Part of the council's name, or its GSS code.")
    tier: CouncilTier | None = None


def council_out(council: Council) -> CouncilOut:
    return CouncilOut(
        id=council.id,
        gss_code=council.gss_code,
        name=council.name,
        tier=council.tier,
        region=council.region,
        parent=council_ref(council.parent) if council.parent else None,
    )


read = operations(tag="Schemes", permissions=(Permission.SIGNED_IN,))


@councils_read(
    "/councils",
    summary="List councils",
    query=CouncilQuery,
    **listing(CouncilOut),
)
def list_councils(query: CouncilQuery) -> Reply:
    """The council register, by name, searched by part of the name or by GSS code. Council
    officers see it as they do when naming partner councils."""
    found = queries.councils(query.tier, (query.q or "").strip())
    return paginate(found, query, CouncilOut, council_out)


@councils_read(
    "/councils/<gss_code>",
    summary="One council",
    response=CouncilOut,
)
def get_council(gss_code: str) -> CouncilOut:
    """A council by its GSS code. Staff see any council; a council officer only their own."""
    found = found_or_404(main_queries.get_council_for(api_user(), gss_code))
    return council_out(found)


# Schemes and rounds ------------------------------------------------------------------------------------


class Criterion(Out):
    code: str
    label: str
    guidance: str
    weight: int


class Question(Out):
    name: str
    label: str
    kind: str = Field(description="text, money (whole pence), choice, choices, or yes_no.")
    choices: list[str] | None = None


class Section(Out):
    key: str
    label: str
    questions: list[Question]


class RoundOut(Out):
    id: int
    name: str
    scheme: SchemeRef
    opens_on: date
    closes_on: date
    is_open: bool
    # The money and the targets are the programme's: shown to staff, null for anyone else.
    budget_pence: int | None
    committed_pence: int | None
    remaining_pence: int | None
    target_councils: int | None
    target_savings_pence: int | None


class SchemeOut(Out):
    id: int
    code: str
    name: str
    summary: str
    kind: SchemeKind
    fixed_amount_pence: int | None
    max_amount_pence: int | None
    match_ratio_percent: int
    uses_experts: bool
    allows_partners: bool
    is_active: bool
    one_per_council_per_round: bool
    eligible_tiers: list[str]
    assessments_required: int
    evaluation_months: list[int]
    criteria: list[Criterion]
    sections: list[Section] = Field(description="The application form: its sections and their questions.")


class SchemeQuery(PageQuery):
    active: bool | None = Field(None, description="Only schemes taking applications (true) or not (false).")


def _kind(field: object) -> str:
    from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField

    if is_money(field):
        return "money"
    if isinstance(field, BooleanField):
        return "yes_no"
    if isinstance(field, SelectMultipleField):
        return "choices"
    if isinstance(field, RadioField | SelectField):
        return "choice"
    return "text"


def _choice_codes(field: object) -> list[str] | None:
    given = getattr(field, "choices", None)
    if not given:
        return None
    return [str(c.value if hasattr(c, "value") else c[0]) for c in given]


def form_sections(scheme: Scheme) -> list[Section]:
    """The scheme's form as the API takes it: each question by its API name, with the codes a
    choice accepts."""
    sections = []
    for key, label in sections_for(scheme):
        form_class = application_forms.form_class_for(scheme.kind, key)
        if form_class is None:
            continue
        if key == "partners":
            questions = [
                Question(name="partners", label="Partner councils and their shares of the match", kind="partners")
            ]
        else:
            questions = []
            for field in answer_fields(blank(form_class)):
                choices = _choice_codes(field)
                questions.append(
                    Question(name=api_name(field), label=str(field.label.text), kind=_kind(field), choices=choices)
                )
        sections.append(Section(key=key, label=label, questions=questions))
    return sections


def scheme_out(scheme: Scheme) -> SchemeOut:
    return SchemeOut(
        id=scheme.id,
        code=scheme.code,
        name=scheme.name,
        summary=scheme.summary,
        kind=scheme.kind,
        fixed_amount_pence=scheme.fixed_amount_pence,
        max_amount_pence=scheme.max_amount_pence,
        match_ratio_percent=scheme.match_ratio_percent,
        uses_experts=scheme.uses_experts,
        allows_partners=scheme.allows_partners,
        is_active=scheme.is_active,
        one_per_council_per_round=scheme.one_per_council_per_round,
        eligible_tiers=list(scheme.eligible_tiers or []),
        assessments_required=scheme.assessments_required,
        evaluation_months=[int(m) for m in scheme.evaluation_months or []],
        criteria=[Criterion(code=c.code, label=c.label, guidance=c.guidance, weight=c.weight) for c in scheme.criteria],
        sections=form_sections(scheme),
    )


def round_out(funding_round: FundingRound) -> RoundOut:
    staff = may_see_budgets()
    return RoundOut(
        id=funding_round.id,
        name=funding_round.name,
        scheme=scheme_ref(funding_round.scheme),
        opens_on=funding_round.opens_on,
        closes_on=funding_round.closes_on,
        is_open=funding_round.is_open_on(date.today()),
        budget_pence=funding_round.budget_pence if staff else None,
        committed_pence=funding_round.committed_pence if staff else None,
        remaining_pence=funding_round.remaining_pence if staff else None,
        target_councils=funding_round.target_councils if staff else None,
        target_savings_pence=funding_round.target_savings_pence if staff else None,
    )


@read("/schemes", summary="List schemes", query=SchemeQuery, **listing(SchemeOut))
def list_schemes(query: SchemeQuery) -> Reply:
    """The programme's grant schemes, each with its rules, assessment criteria and form."""
    return paginate(queries.schemes(query.active), query, SchemeOut, scheme_out)


@read("/schemes/<int:scheme_id>", summary="One scheme", response=SchemeOut)
def get_scheme(scheme_id: int) -> SchemeOut:
    """A scheme with its rules, assessment criteria and application form."""
    found = found_or_404(queries.get_scheme(scheme_id))
    return scheme_out(found)


class RoundQuery(PageQuery):
    scheme_id: int | None = Field(None, ge=1, le=2_147_483_647)
    open: bool | None = Field(None, description="Only rounds open for applications today (true) or not (false).")


@read("/rounds", summary="List funding rounds", query=RoundQuery, **listing(RoundOut))
def list_rounds(query: RoundQuery) -> Reply:
    """Funding rounds, the latest closing first: their dates and budget. A council applies to an
    open round of an active scheme."""
    found = queries.rounds(query.scheme_id, query.open, date.today())
    return paginate(found, query, RoundOut, round_out)


@read("/rounds/<int:round_id>", summary="One funding round", response=RoundOut)
def get_round(round_id: int) -> RoundOut:
    found = found_or_404(queries.get_round(round_id, with_scheme=True))
    return round_out(found)


def may_see_budgets() -> bool:
    return can(api_user(), Permission.VIEW_PROGRAMME)
