"""The start pages, the programme's lists, the public pages and the health check."""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from kombu import Connection
from werkzeug.wrappers import Response

from grants.auth.permissions import public, requires, signed_in_user
from grants.extensions import db
from grants.main import queries
from grants.models import CouncilTier, Region, Role, Specialism
from workflows.permissions import Permission

bp = Blueprint("main", __name__)
logger = logging.getLogger(__name__)

PAGE_SIZE = 25


@bp.route("/")
@public
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("main/index.html")


@bp.route("/home")
@requires(Permission.SIGNED_IN)
def home() -> str:
    user = signed_in_user()
    today = date.today()
    context: dict[str, object] = {"user": user, "roles": sorted(user.roles)}
    if user.has_role(Role.COUNCIL_OFFICER):
        context["open_rounds"] = queries.list_open_rounds(today)
        if user.council is not None:
            context["colleagues"] = queries.list_council_people(user.council)
    if user.is_staff:
        context["open_rounds"] = queries.list_open_rounds(today)
        context["pool"] = queries.pool_summary()
    if user.has_role(Role.ADMINISTRATOR):
        context["awaiting_invitation"] = queries.count_users_awaiting_invitation()
    if user.has_role(Role.EXPERT) and user.expert_id is not None:
        context["expert"] = queries.get_expert(user.expert_id)
    return render_template("main/home.html", **context)


@bp.route("/rounds")
@requires(Permission.VIEW_PROGRAMME)
def rounds() -> str:
    return render_template("main/rounds.html", rounds=queries.list_rounds(), today=date.today())


def _enum_arg(enum_class: type, name: str):
    value = request.args.get(name) or None
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@bp.route("/experts")
@requires(Permission.VIEW_EXPERT_POOL)
def experts() -> str:
    specialism = _enum_arg(Specialism, "specialism")
    region = _enum_arg(Region, "region")
    page = queries.list_experts_page(specialism, region, PAGE_SIZE)
    return render_template(
        "main/experts.html",
        page=page,
        specialism=specialism,
        region=region,
        specialisms=list(Specialism),
        regions=list(Region),
    )


@bp.route("/experts/<int:expert_id>")
@requires(Permission.VIEW_EXPERT_POOL)
def expert(expert_id: int) -> str:
    found = queries.get_expert_or_404(expert_id)
    return render_template("main/expert.html", expert=found)


@bp.route("/councils")
@requires(Permission.VIEW_REGISTER)
def councils() -> str:
    tier = _enum_arg(CouncilTier, "tier")
    search = (request.args.get("q") or "").strip()[:100]
    page = queries.list_councils_page(tier, search, 50)
    return render_template(
        "main/councils.html",
        page=page,
        tier=tier,
        search=search,
        tiers=list(CouncilTier),
        counts=queries.council_counts_by_tier(),
    )


@bp.route("/councils/<gss_code>")
@requires(Permission.VIEW_REGISTER, Permission.APPLY_FOR_COUNCIL)
def council(gss_code: str) -> str:
    """A council's page. Staff see any council; a council officer sees only their own (any
    other is a 404, so the page does not even confirm that another council's record exists)."""
    found = queries.get_council_for(current_user, gss_code)
    if found is None:
        abort(404)
    return render_template(
        "main/council.html",
        council=found,
        people=queries.list_council_people(found),
    )


@bp.route("/accessibility")
@public
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@public
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.route("/cookies")
@public
def cookies() -> str:
    return render_template("main/cookies.html")


@bp.route("/health")
@public
def health() -> tuple[Response, int]:
    """Whether the database and the broker answer. No personal data, nothing cached."""
    checks: dict[str, str] = {}
    try:
        queries.database_answers()
        checks["database"] = "ok"
    except Exception as exc:  # any failure to reach the database is a failed check
        db.session.rollback()
        logger.warning("health: database unreachable: %s", exc)
        checks["database"] = "unavailable"
    celery_config = current_app.config["CELERY"]
    if celery_config.get("task_always_eager"):
        checks["broker"] = "in-process"
    else:
        try:
            with Connection(str(celery_config["broker_url"]), connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:  # any failure to reach the broker is a failed check
            logger.warning("health: broker unreachable: %s", exc)
            checks["broker"] = "unavailable"
    if checks["database"] == "ok":
        last = queries.last_worker_heartbeat()
        checks["worker_last_seen"] = last.isoformat() if last else "never"
    healthy = checks["database"] == "ok" and checks["broker"] in {"ok", "in-process"}
    body = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    body.headers["Cache-Control"] = "no-store"
    return body, 200 if healthy else 503
