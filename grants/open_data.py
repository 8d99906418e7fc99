"""The programme's grants as open data (360Giving): a page about the data and the two files, open
to everyone."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, stream_with_context, url_for

from grants.auth.permissions import public
from grants.streaming import in_chunks
from workflows import open_data as workflow

bp = Blueprint("open_data", __name__)


def _identifiers() -> workflow.Identifiers:
    return workflow.Identifiers(current_app.config.get("OPEN_DATA_PREFIX") or workflow.DEFAULT_PREFIX)


@bp.route("/open-data")
@public
def index() -> str:
    """What the open data is, its licence, and links to the files."""
    return render_template(
        "open_data/index.html",
        json_url=url_for(".package"),
        csv_url=url_for(".grants_csv"),
        licence_url=workflow.LICENCE_URL,
        licence_name=workflow.LICENCE_NAME,
        prefix=_identifiers().prefix,
        published=workflow.published_count(),
    )


@bp.route("/open-data/360giving.json")
@public
def package() -> Response:
    """The 360Giving data package, sent as it is read. Until a grant is published there is no
    package: the standard asks a package for at least one grant."""
    modified = workflow.last_modified()
    if modified is None:
        abort(404)
    links = workflow.PackageLinks(
        download_url=url_for(".package", _external=True), access_url=url_for(".index", _external=True)
    )
    body = workflow.package_json(_identifiers(), links, modified=modified)
    return Response(stream_with_context(in_chunks(body)), mimetype="application/json")


@bp.route("/open-data/360giving.csv")
@public
def grants_csv() -> Response:
    """The grants in the standard's flattened CSV form, sent as it is read."""
    response = Response(stream_with_context(in_chunks(workflow.grants_csv(_identifiers()))), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="360giving.csv"'
    return response
