"""The field types the API's request and response bodies share: ids, versions, money in whole
pence, bounded text. Bounds keep every value inside what the database holds, so a request
cannot reach it with a number or a string it would refuse."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

INT32_MAX = 2_147_483_647
# Beyond any sum the programme deals in: keeps a slip from reaching the database.
MONEY_MAX_PENCE = 1_000_000_000 * 100 - 1

Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
Version = Annotated[
    int,
    Field(
        ge=1,
        le=INT32_MAX,
        description="The record's version as you last read it: a change over a newer version is refused (409).",
    ),
]
Pence = Annotated[int, Field(ge=0, le=MONEY_MAX_PENCE, description="An amount in whole pence.")]


def text(max_length: int, description: str | None = None, *, min_length: int = 0) -> object:
    return Field(max_length=max_length, min_length=min_length, description=description)


class Body(BaseModel):
    """A request body: only the fields named are accepted, so nothing else can be set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query parameters: unknown ones are ignored, as the pages ignore them."""

    model_config = ConfigDict(extra="ignore")
