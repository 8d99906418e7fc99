"""Filters and globals for the templates: money in pounds, times in UK time, navigation."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from grants.components import govuk_table, govuk_tag
from grants.status_tags import status_tag, status_words
from workflows.applications import applied_for
from workflows.formatting import uk_date, uk_datetime
from workflows.messages import unread_count
from workflows.money import pounds
from workflows.permissions import Permission, can


def link(href: str, text: object) -> Markup:
    """An escaped GOV.UK link, for table cells and other places that take HTML."""
    return Markup('<a class="govuk-link" href="{}">{}</a>').format(href, text)


def with_line_breaks(text: str | None) -> Markup:
    """Text typed over several lines, escaped, keeping its line breaks on the page."""
    return Markup("<br>").join(escape(line) for line in (text or "").strip().splitlines())


def unread_messages() -> int:
    """The signed-in user's unread messages, counted at most once a request."""
    if "unread_messages" not in g:
        g.unread_messages = unread_count(current_user)
    return int(g.unread_messages)


def _messages_text() -> str:
    unread = unread_messages()
    return f"Messages ({unread} unread)" if unread else "Messages"


def navigation() -> list[dict[str, Any]]:
    """The service navigation for the signed-in user: only what their roles reach."""
    if not current_user.is_authenticated:
        return []
    items = [("Home", "main.home", Permission.SIGNED_IN)]
    items += [
        ("Applications", "applications.index", Permission.APPLY_FOR_COUNCIL),
        ("Applications", "review.queue", Permission.VIEW_PROGRAMME),
        ("Your work", "portal.index", Permission.USE_EXPERT_PORTAL),
        ("Your profile", "experts.my_profile", Permission.USE_EXPERT_PORTAL),
        ("Matching", "matching.index", Permission.CHECK_APPLICATIONS),
        ("Outcomes", "outcomes.index", Permission.CHECK_APPLICATIONS),
        ("Shared services", "sharing.requests", Permission.CHECK_APPLICATIONS),
        ("Funding rounds", "main.rounds", Permission.VIEW_PROGRAMME),
        ("Dashboard", "reports.dashboard", Permission.VIEW_PROGRAMME),
        ("Expert pool", "main.experts", Permission.VIEW_EXPERT_POOL),
        ("Councils", "main.councils", Permission.VIEW_REGISTER),
        ("Shared services map", "sharing.register", Permission.VIEW_PROGRAMME),
        ("Shared services map", "sharing.register", Permission.APPLY_FOR_COUNCIL),
        ("Schemes", "admin.schemes", Permission.MANAGE_SCHEMES),
        ("Users", "admin.users", Permission.MANAGE_USERS),
        ("Emails", "admin.emails", Permission.MANAGE_MESSAGES),
        (_messages_text(), "messages.index", Permission.SIGNED_IN),
    ]
    nav = []
    shown = set()
    for text, endpoint, permission in items:
        if can(current_user, permission) and endpoint not in shown:
            shown.add(endpoint)
            href = url_for(endpoint)
            inside = href != "/" and request.path.startswith(href.rstrip("/") + "/")
            nav.append({"text": text, "href": href, "active": request.path == href or inside})
    return nav


def register(app: Flask) -> None:
    app.add_template_filter(pounds)
    app.add_template_filter(uk_datetime)
    app.add_template_filter(uk_date)
    app.add_template_global(navigation)
    app.add_template_global(link)
    app.add_template_global(can)
    app.add_template_global(applied_for)
    app.add_template_global(Permission)
    app.add_template_global(govuk_table)
    app.add_template_global(govuk_tag)
    app.add_template_global(status_tag)
    app.add_template_global(status_words)
    app.add_template_global(with_line_breaks)

    @app.context_processor
    def _service() -> dict[str, Any]:
        return {"service_name": app.config["SERVICE_NAME"]}
