"""The Python table and tag give the same HTML as GOV.UK Frontend's Jinja macros.

Each case is rendered twice, by the `govukTable` or `govukTag` macro of govuk-frontend-jinja (in
an environment set up as the app sets up its own) and by `govuk_table` or `govuk_tag`, and the two
must be equal once the whitespace between tags is taken out. Hostile text in every place a value
can go shows the escaping is the same.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from grants.components import govuk_table, govuk_tag
from tests.support.paths import ROOT

TEMPLATES = ROOT / "templates"
HOSTILE = '<script>alert("x")</script> & \'quotes\' "double" &amp; </td>'
NASTY_NAME = 'data-x"><script>'


def _environment() -> jinja2.Environment:
    """Loaders and whitespace settings as `grants._init_templates` gives the app."""
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(TEMPLATES),
                jinja2.PrefixLoader(
                    {
                        "govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja"),
                        "govuk_frontend_wtf": jinja2.PackageLoader("govuk_frontend_wtf"),
                    }
                ),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(govuk_table=govuk_table, govuk_tag=govuk_tag)
    return environment


ENV = _environment()
MACROS = (
    '{% from "govuk_frontend_jinja/components/table/macro.html" import govukTable %}'
    '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
)


def _normal(html: str) -> str:
    """The markup without the whitespace between tags, which is all that may differ."""
    return re.sub(r">\s+<", "><", html).strip()


def _macro(name: str, params: dict[str, Any]) -> str:
    return ENV.from_string(MACROS + "{{ " + name + "(params) }}").render(params=params)


# Every parameter the attributes macro reads, in each of its forms.
ATTRIBUTE_CASES: list[Any] = [
    None,
    "",
    {},
    ' data-raw="as it is"',
    {"id": "totals", "data-count": 3, "data-zero": 0, "data-none": None},
    {"aria-hidden": True, "hidden": False, "data-text": "true"},
    {"hidden": {"value": True, "optional": True}},
    {"hidden": {"value": False, "optional": True}},
    {"hidden": {"value": None, "optional": True}},
    {"hidden": {"optional": True}},
    {"hidden": {"value": "", "optional": True}},
    {"data-zero": {"value": 0, "optional": True}},
    {"data-kept": {"value": True, "optional": False}},
    {"data-kept": {"value": "x"}},
    {"data-empty": {}},
    {"data-wrapped": {"val": "inner"}},
    {"data-wrapped": {"val": {"value": True, "optional": True}}},
    {"data-wrapped": {"val": None}},
    {"data-hostile": HOSTILE, NASTY_NAME: "x", "data-markup": Markup("<b>kept</b>")},
    {"aria-label": {"value": HOSTILE, "optional": True}},
]

TABLE_CASES: list[dict[str, Any]] = [
    {},
    {"rows": []},
    {"rows": [[{"text": "Only"}]]},
    {"rows": [[], None, [{"text": "After empty rows"}], []]},
    {"caption": "", "captionClasses": "ignored", "head": [], "rows": [[{"text": "a"}]]},
    {"caption": 0, "classes": "", "rows": [[{"text": 0}, {"text": None}, {}, {"html": ""}, {"html": "", "text": "x"}]]},
    {
        "caption": HOSTILE,
        "captionClasses": HOSTILE,
        "classes": HOSTILE,
        "attributes": {"data-hostile": HOSTILE},
        "head": [{"text": HOSTILE, "classes": HOSTILE, "format": HOSTILE, "colspan": HOSTILE, "rowspan": HOSTILE}],
        "rows": [
            [{"text": HOSTILE, "classes": HOSTILE, "format": HOSTILE, "attributes": {NASTY_NAME: HOSTILE}}],
            [{"html": "<em>" + HOSTILE + "</em>"}, {"html": Markup("<strong>&amp;</strong>")}],
            [{"text": Markup("<b>already markup</b>")}],
        ],
    },
    {
        "caption": Markup("<span>Markup caption</span>"),
        "classes": "app-table govuk-!-margin-bottom-0",
        "attributes": ' data-module="app-table" id="raw"',
        "firstCellIsHeader": True,
        "head": [
            {"html": "<abbr>Ref</abbr>", "classes": "app-ref", "colspan": 2, "rowspan": 1},
            {"text": "Amount", "format": "numeric", "attributes": {"aria-sort": "ascending"}},
        ],
        "rows": [
            [
                {"text": "Row header", "classes": "app-row", "format": "numeric", "colspan": 2},
                {"text": "£1,000", "format": "numeric", "rowspan": 2, "attributes": {"data-pence": 100000}},
            ],
            [
                {"html": '<a class="govuk-link" href="/x?a=1&amp;b=2">Link</a>', "rowspan": "3"},
                {"text": "", "colspan": 0, "rowspan": None, "attributes": "data-raw"},
            ],
        ],
    },
    {"firstCellIsHeader": False, "rows": [[{"text": "Not a header", "format": "numeric"}, {"text": "b"}]]},
    {"firstCellIsHeader": True, "rows": [[{"html": "<b>head</b>", "attributes": {"scope": "rowgroup"}}]]},
    *({"rows": [[{"text": "cell", "attributes": attributes}]]} for attributes in ATTRIBUTE_CASES),
    *({"attributes": attributes, "head": [{"text": "h", "attributes": attributes}]} for attributes in ATTRIBUTE_CASES),
    # The shapes our own templates use.
    {
        "caption": "Applications: Submitted: applications",
        "captionClasses": "govuk-visually-hidden",
        "head": [
            {"text": "Reference"},
            {"text": "Council"},
            {"text": "Amount", "format": "numeric"},
            {"text": "Status"},
            {"text": "Stage due"},
        ],
        "rows": [
            [
                {"html": Markup('<a class="govuk-link" href="/review/applications/1">PB-0001</a>')},
                {"text": "Council of O'Brien & Sons <Ltd>"},
                {"text": "£12,500", "format": "numeric"},
                {"html": govuk_tag({"text": "Submitted", "classes": "govuk-tag--blue"})},
                {"html": "1 December 2026 " + govuk_tag({"text": "Overdue", "classes": "govuk-tag--red"})},
            ],
        ],
    },
    {
        "caption": "Councils",
        "captionClasses": "govuk-table__caption--m",
        "firstCellIsHeader": True,
        "head": [{"text": "Council"}, {"text": "Councils", "format": "numeric"}],
        "rows": [[{"text": "District"}, {"text": 164, "format": "numeric"}], [{"text": "Unitary"}, {"text": 0}]],
        "attributes": {"id": "by-region"},
    },
    {
        "caption": "What happened in each quarter",
        "captionClasses": "govuk-table__caption--s",
        "firstCellIsHeader": True,
        "head": [{"text": "Quarter"}, {"text": "Applications", "format": "numeric"}],
        "rows": [[{"html": "Q1<br>2026"}, {"text": "Not started", "colspan": 6}]],
    },
    {
        "caption": "Users",
        "captionClasses": "govuk-visually-hidden",
        "head": [{"text": "Name"}, {"text": "Email"}],
        "rows": [[{"text": "Ann"}, {"text": "ann+<x>@example.org", "classes": "govuk-!-text-break-word"}]],
    },
]

TAG_CASES: list[dict[str, Any]] = [
    {},
    {"text": "Overdue", "classes": "govuk-tag--red"},
    *({"text": "Status", "classes": f"govuk-tag--{colour}"} for colour in ("grey", "green", "blue", "yellow")),
    {"text": "Last day", "classes": "govuk-tag--orange"},
    {"text": "Unread", "classes": "govuk-tag--blue govuk-!-margin-left-1"},
    {"text": "No classes"},
    {"text": "", "classes": ""},
    {"text": None},
    {"text": 0},
    {"text": HOSTILE, "classes": HOSTILE, "attributes": {"data-x": HOSTILE, NASTY_NAME: "y"}},
    {"text": Markup("<b>already markup</b>")},
    {"html": "<b>bold</b>", "text": "ignored"},
    {"html": "", "text": "used when html is empty"},
    {"html": "  \n <b>first</b>\n  second line\n\n\tthird\r\nfourth  \n"},
    {"html": Markup("<span>one\ntwo</span>")},
    {"html": "   "},
    *({"text": "attributes", "attributes": attributes} for attributes in ATTRIBUTE_CASES),
]


@pytest.mark.parametrize("params", TABLE_CASES)
def test_table_matches_the_macro(params: dict[str, Any]) -> None:
    made = govuk_table(params)
    assert isinstance(made, Markup)
    assert _normal(made) == _normal(_macro("govukTable", params))


@pytest.mark.parametrize("params", TAG_CASES)
def test_tag_matches_the_macro(params: dict[str, Any]) -> None:
    made = govuk_tag(params)
    assert isinstance(made, Markup)
    assert _normal(made) == _normal(_macro("govukTag", params))


def test_hostile_text_is_escaped() -> None:
    table = govuk_table({"caption": HOSTILE, "rows": [[{"text": HOSTILE, "attributes": {"title": HOSTILE}}]]})
    tag = govuk_tag({"text": HOSTILE, "attributes": {"title": HOSTILE}})
    for html in (table, tag):
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert "&amp;amp;" in html
        assert "&#34;" in html and "&#39;" in html


def test_html_is_passed_through() -> None:
    assert '<td class="govuk-table__cell"><em>kept</em></td>' in govuk_table({"rows": [[{"html": "<em>kept</em>"}]]})
    assert "<em>kept</em>" in govuk_tag({"html": "<em>kept</em>"})


def test_params_built_in_a_template_match_the_macro() -> None:
    """Cells built in a template, undefined values among them, as a page builds them."""
    params = (
        '{"caption": caption, "classes": missing, "attributes": {"id": missing, "data-x": {"value": missing,'
        ' "optional": true}, "data-y": {"val": missing}}, "firstCellIsHeader": true,'
        ' "head": [{"text": "A"}, {"text": missing, "format": missing}],'
        ' "rows": [[{"text": missing}, {"html": missing, "text": caption}, {"html": "<i>" ~ caption ~ "</i>"}],'
        ' [], [{"text": 5 * 3, "format": "numeric", "colspan": missing}]]}'
    )
    tag = '{"text": missing, "classes": missing, "attributes": {"data-x": missing}}'
    source = "{{ %s(" + params + ") }}{{ %s(" + tag + ") }}"
    context = {"caption": HOSTILE}
    by_macro = ENV.from_string(MACROS + source % ("govukTable", "govukTag")).render(context)
    by_python = ENV.from_string(source % ("govuk_table", "govuk_tag")).render(context)
    assert _normal(by_python) == _normal(by_macro)


def test_wide_table_wraps_the_same_table() -> None:
    params = {"caption": HOSTILE, "head": [{"text": "A"}], "rows": [[{"text": "1"}]]}
    wide = ENV.get_template("components/wide_table.html").module.wide_table(params)  # type: ignore[attr-defined]
    expected = (
        f'<div class="app-table-scroll" role="region" aria-label="{Markup.escape(HOSTILE)}" tabindex="0">'
        f"{_macro('govukTable', params)}</div>"
    )
    assert _normal(wide) == _normal(expected)
