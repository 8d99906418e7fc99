"""Lists in pages: `page` and `per_page` (at most 100) in the query string; the reply carries the
items, links to the other pages, and the total, and the same links in an RFC 8288 `Link` header.
A page costs a fixed number of statements, whatever its size: the count, the rows with what
they show loaded alongside (joined or selected in), and nothing per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlencode

from flask import request
from pydantic import Field, create_model
from sqlalchemy import Select

from grants.api.queries import get_page
from grants.api.routing import Reply
from grants.api.types import INT32_MAX, Out, Query

PER_PAGE_MAX = 100
PER_PAGE_DEFAULT = 25


class PageQuery(Query):
    page: int = Field(1, ge=1, le=INT32_MAX // PER_PAGE_MAX, description="Which page, from 1.")
    per_page: int = Field(PER_PAGE_DEFAULT, ge=1, le=PER_PAGE_MAX, description="Items on a page, at most 100.")


class Links(Out):
    self: str
    first: str
    prev: str | None
    next: str | None
    last: str


class PageMeta(Out):
    total: int = Field(description="Items on every page together.")
    page: int
    per_page: int


@cache
def page_of(item: type[Out]) -> type[Out]:
    """The model of a page of `item`s: {"data": [...], "links": {...}, "meta": {...}}."""
    model: type[Out] = create_model(
        f"{item.__name__}Page",
        __base__=Out,
        data=(list[item], ...),  # type: ignore[valid-type]
        links=(Links, ...),
        meta=(PageMeta, ...),
    )
    return model


def listing(item: type[Out]) -> dict[str, Any]:
    """What a list operation declares about its reply: a page of `item`s, with the Link header."""
    return {"response": page_of(item), "response_headers": ("Link",)}


def _url(page: int) -> str:
    args = [(name, value) for name, value in request.args.items(multi=True) if name != "page"]
    args.append(("page", str(page)))
    return f"{request.base_url}?{urlencode(args)}"


def paginate(
    query: Select[Any],
    params: PageQuery,
    item: type[Out],
    to_item: Callable[[Any], Out],
    *,
    prepare: Callable[[Sequence[Any]], None] | None = None,
) -> Reply:
    """One page of the query's rows as `item`s. `prepare` may load, in a fixed number of
    statements, what the rows need beyond the query's own loading."""
    found = get_page(query, params.page, params.per_page)
    rows = list(found.items)
    if prepare is not None:
        prepare(rows)
    total = found.total or 0
    last = max((total + params.per_page - 1) // params.per_page, 1)
    links = Links(
        self=_url(params.page),
        first=_url(1),
        prev=_url(min(params.page - 1, last)) if params.page > 1 else None,
        next=_url(params.page + 1) if params.page < last else None,
        last=_url(last),
    )
    page: Any = page_of(item)
    body = page(
        data=[to_item(row) for row in rows],
        links=links,
        meta=PageMeta(total=total, page=params.page, per_page=params.per_page),
    )
    rels = [("self", links.self), ("first", links.first), ("prev", links.prev), ("next", links.next)]
    rels.append(("last", links.last))
    header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in rels if url is not None)
    return Reply(body, headers={"Link": header})
