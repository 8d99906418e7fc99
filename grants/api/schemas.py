"""Models the API's resources share: short references to records, and the problem body."""

from __future__ import annotations

from pydantic import Field

from grants.api.types import Out
from grants.models import Council, Expert, FundingRound, Scheme, User


class CouncilRef(Out):
    id: int
    gss_code: str = Field(description="The ONS GSS code, like E07000200.")
    name: str


class SchemeRef(Out):
    id: int
    code: str
    name: str


class RoundRef(Out):
    id: int
    name: str


class PersonRef(Out):
    id: int
    name: str


class ExpertRef(Out):
    id: int
    name: str


class ProblemError(Out):
    detail: str
    pointer: str | None = Field(None, description="A JSON pointer (RFC 6901) to the field in the request body.")
    parameter: str | None = Field(None, description="The query parameter the problem is about.")


class Problem(Out):
    """A problem (RFC 9457), sent as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] | None = None


def council_ref(council: Council) -> CouncilRef:
    return CouncilRef(id=council.id, gss_code=council.gss_code, name=council.name)


def scheme_ref(scheme: Scheme) -> SchemeRef:
    return SchemeRef(id=scheme.id, code=scheme.code, name=scheme.name)


def round_ref(funding_round: FundingRound) -> RoundRef:
    return RoundRef(id=funding_round.id, name=funding_round.name)


def person_ref(user: User | None) -> PersonRef | None:
    return PersonRef(id=user.id, name=user.name) if user is not None else None


def expert_ref(expert: Expert) -> ExpertRef:
    return ExpertRef(id=expert.id, name=expert.name)
