"""GOV.UK Frontend's table and tag, made in Python with the same markup as its Jinja macros.

The busiest pages (the staff queue, a council's list of applications, an application's staff
page) spent a third of each request in the `govukTable` macro of govuk-frontend-jinja, in the
`govukAttributes` macro it calls for every cell, and in `govukTag` called for every row. These
functions give the same HTML as those macros for every parameter they take, escaped the same way
(`text`, `caption`, classes and attribute values escaped; `html` passed through as markup), in a
fraction of the time. Only the whitespace between tags differs. tests/unit/grants/test_components.py
renders both and compares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Undefined
from jinja2.filters import do_indent
from markupsafe import Markup, escape

Params = Mapping[str, Any]


def _attributes(attributes: object) -> str:
    """What the `govukAttributes` macro makes: a string passes through as it is; a mapping gives
    ` name="value"` for each entry, with booleans as "true" or "false". An entry given as
    `{"value": …, "optional": true}` gives ` name` alone when its value is true and nothing when
    its value is None or false."""
    if isinstance(attributes, str):
        return attributes
    if not isinstance(attributes, Mapping):
        return ""
    html = ""
    for name, value in attributes.items():
        if isinstance(value, Mapping) and _given(value, "val"):
            value = value["val"]  # the macro's way of taking a Nunjucks `safe` value
        if isinstance(value, Mapping):
            optional = value.get("optional") is True
            value, has_value = value.get("value", ""), _given(value, "value")
        else:
            optional, has_value = False, True
            if value is True or value is False:
                value = "true" if value else "false"
        if optional and value is True:
            html += f" {escape(name)}"
        elif not optional or (has_value and value is not None and value is not False):
            html += f' {escape(name)}="{escape(value)}"'
    return html


def _given(mapping: Params, key: str) -> bool:
    """Whether the key is there with a value a template did not leave undefined."""
    return key in mapping and not isinstance(mapping[key], Undefined)


def _more(value: object, prefix: str = " ") -> str:
    """An optional addition to a class name, escaped, or nothing when it is not given."""
    return f"{prefix}{escape(value)}" if value else ""


def _content(cell: Params) -> str:
    """A cell's content: its `html` as it is, or else its `text` escaped."""
    html = cell.get("html")
    # `html` is markup by the macros' own contract (they pass it through `safe`).
    return Markup(html) if html else escape(cell.get("text", ""))  # noqa: S704


def _spans(cell: Params) -> str:
    """A cell's colspan, rowspan and other attributes."""
    colspan, rowspan = cell.get("colspan"), cell.get("rowspan")
    return (
        (f' colspan="{escape(colspan)}"' if colspan else "")
        + (f' rowspan="{escape(rowspan)}"' if rowspan else "")
        + _attributes(cell.get("attributes"))
    )


def govuk_table(params: Params) -> Markup:
    """The `govukTable` macro's table: caption, head and rows (empty rows left out), each cell
    with its format, classes, colspan, rowspan and attributes; the first cell of each row a
    header when `firstCellIsHeader` is set."""
    parts = [f'<table class="govuk-table{_more(params.get("classes"))}"{_attributes(params.get("attributes"))}>']
    caption = params.get("caption")
    if caption:
        parts.append(
            f'<caption class="govuk-table__caption{_more(params.get("captionClasses"))}">{escape(caption)}</caption>'
        )
    head = params.get("head")
    if head:
        parts.append('<thead class="govuk-table__head"><tr class="govuk-table__row">')
        for item in head:
            parts.append(
                '<th scope="col" class="govuk-table__header'
                f'{_more(item.get("format"), " govuk-table__header--")}{_more(item.get("classes"))}"'
                f"{_spans(item)}>{_content(item)}</th>"
            )
        parts.append("</tr></thead>")
    parts.append('<tbody class="govuk-table__body">')
    first_is_header = params.get("firstCellIsHeader")
    for row in params.get("rows") or ():
        if not row:
            continue
        parts.append('<tr class="govuk-table__row">')
        for index, cell in enumerate(row):
            if index == 0 and first_is_header:
                parts.append(
                    f'<th scope="row" class="govuk-table__header{_more(cell.get("classes"))}"'
                    f"{_spans(cell)}>{_content(cell)}</th>"
                )
            else:
                parts.append(
                    '<td class="govuk-table__cell'
                    f'{_more(cell.get("format"), " govuk-table__cell--")}{_more(cell.get("classes"))}"'
                    f"{_spans(cell)}>{_content(cell)}</td>"
                )
        parts.append("</tr>")
    parts.append("</tbody></table>\n")
    return Markup("".join(parts))  # noqa: S704 - every value in it was escaped above


def govuk_tag(params: Params) -> Markup:
    """The `govukTag` macro's tag: its `text` escaped, or its `html` trimmed and indented as the
    macro does, with its classes and attributes."""
    html = params.get("html")
    # `html` is markup by the macro's own contract (it passes it through `safe`).
    content = do_indent(Markup(html).strip(), 2) if html else escape(params.get("text", ""))  # noqa: S704
    return Markup(  # noqa: S704 - every value in it was escaped above
        f'<strong class="govuk-tag{_more(params.get("classes"))}"'
        f"{_attributes(params.get('attributes'))}>\n  {content}\n</strong>\n"
    )
