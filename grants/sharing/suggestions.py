"""Suggested partner councils for a matchmaking request, for the broker: the open requests with
how many councils are suggested for each, and one request's suggestions ranked with the reasons
for each score. Proposing an introduction has a page of its own: its action appears beside each
suggestion once that page exists."""

from __future__ import annotations

from flask import abort, current_app, render_template

from grants.auth.permissions import requires
from grants.fields import REACH
from grants.models import SERVICE_AREA_LABELS, SHARING_TYPE_LABELS, Application
from grants.sharing import queries
from grants.sharing.views import bp
from workflows import partner_suggestions
from workflows.introductions import matchmaking_request as workflow_request
from workflows.permissions import Permission

__all__ = ["bp"]

PAGE_SIZE = 25
INTRODUCTION_ENDPOINT = "sharing.new_introduction"


def _labels(application: Application) -> dict[str, str]:
    """What a request asks for, in words."""
    sharing = application.answers.get("sharing") or {}
    geography = application.answers.get("geography") or {}
    areas = [SERVICE_AREA_LABELS.get(code, code) for code in sharing.get("areas") or []]
    return {
        "what": SHARING_TYPE_LABELS.get(sharing.get("what") or "", "Not said"),
        "areas": ", ".join(areas) or "None named",
        "reach": dict(REACH).get(geography.get("reach") or "", "Not said"),
        "detail": sharing.get("detail") or "",
        "talked_to": geography.get("detail") or "",
    }


@bp.route("/requests")
@requires(Permission.CHECK_APPLICATIONS)
def requests() -> str:
    """The open matchmaking requests, the longest waiting first, each with how many councils are
    suggested and the best score."""
    page = queries.list_matchmaking_requests_page(PAGE_SIZE)
    items: list[Application] = list(page.items)
    return render_template(
        "sharing/suggestions_requests.html",
        page=page,
        labels={a.id: _labels(a) for a in items},
        summaries=partner_suggestions.suggestion_summaries([a.id for a in items]),
    )


@bp.route("/requests/<int:application_id>")
@requires(Permission.CHECK_APPLICATIONS)
def request(application_id: int) -> str:
    """One request and its suggested partners, best first. A request that is no longer open is
    shown with its status, and nothing suggested."""
    application = workflow_request(application_id)
    if application is None:
        abort(404)
    is_open = partner_suggestions.is_open(application)
    found = partner_suggestions.visible_suggestions(application.id) if is_open else []
    return render_template(
        "sharing/suggestions_request.html",
        application=application,
        labels=_labels(application),
        is_open=is_open,
        suggestions=found,
        can_introduce=INTRODUCTION_ENDPOINT in current_app.view_functions,
        introduction_endpoint=INTRODUCTION_ENDPOINT,
    )
