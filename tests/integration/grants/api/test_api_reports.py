"""Report summaries through the API: the board report's lines for a quarter with live figures, and
the board reports as issued, unchanged by later changes to the data; for staff only."""

from __future__ import annotations

from datetime import date

from grants.extensions import db
from grants.models import Role
from tests.builders.reporting import current, expected_statuses
from tests.support.api import Api, ok
from workflows import reporting


def test_the_summary_gives_each_lines_outputs_status_rule_and_reference(client, people, board_world) -> None:  # type: ignore[no-untyped-def]
    quarter = current()
    summary = ok(
        Api(client, people["programme"]).get(f"/reports/board-summary?year={quarter.year}&quarter={quarter.number}")
    )
    assert summary["quarter"] == quarter.label
    assert summary["figures_to"] == min(quarter.end, date.today()).isoformat()
    assert summary["rule"]["green_percent"] == 100 and summary["rule"]["amber_percent"] == 80
    lines = {line["line"]: line for line in summary["lines"]}
    assert set(lines) == {"Productivity Experts", "Behavioural Insights"}
    grants = lines["Productivity Experts"]
    assert grants["figures"]["councils"] == 2 and grants["figures"]["target_councils"] == 4
    assert grants["figures"]["verified_pence"] == 2_500_000 and grants["figures"]["claimed_pence"] == 3_000_000
    assert grants["outputs"].startswith("Working with 2 councils so far this year (target 4)")
    councils, savings = expected_statuses()
    measures = {m["measure"]: m for m in grants["measures"]}
    assert measures["councils"]["status"] == councils.status.value
    assert measures["councils"]["rule"] == councils.in_words()
    assert measures["savings"]["status"] == savings.status.value
    assert grants["reference"] == f"PE-{quarter.year}-Q{quarter.number}"
    # With no quarter named, this quarter.
    assert ok(Api(client, people["programme"]).get("/reports/board-summary"))["quarter"] == quarter.label


def test_a_quarter_not_yet_started_is_refused(client, people, board_world) -> None:  # type: ignore[no-untyped-def]
    later = current().next()
    response = Api(client, people["programme"]).get(f"/reports/board-summary?year={later.year}&quarter={later.number}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["parameter"] == "quarter"


def test_an_issued_report_reads_as_issued_after_the_data_changes(client, people, board_world) -> None:  # type: ignore[no-untyped-def]
    quarter = current()
    issued = reporting.issue_board_report(
        quarter, actor=people["approver"], note="For the December board", expected_latest=0, today=date.today()
    )
    db.session.commit()
    staff = Api(client, people["programme"])
    before = ok(staff.get(f"/reports/board-reports/{issued.id}"))
    assert (
        before["version"] == 1
        and before["issued_by"] == "Margaret Doyle"
        and before["note"] == "For the December board"
    )
    # The verified figure changes afterwards: the live summary moves, the issued report does not.
    board_world["report"].verified_cashable_pence = 5_000_000
    db.session.commit()
    live = {line["line"]: line for line in ok(staff.get("/reports/board-summary"))["lines"]}
    assert live["Productivity Experts"]["figures"]["verified_pence"] == 5_000_000
    after = ok(staff.get(f"/reports/board-reports/{issued.id}"))
    assert after == before
    frozen = {line["line"]: line for line in after["lines"]}
    assert frozen["Productivity Experts"]["figures"]["verified_pence"] == 2_500_000
    listed = ok(staff.get("/reports/board-reports"))
    assert [r["id"] for r in listed["data"]] == [issued.id] and listed["meta"]["total"] == 1
    assert staff.get(f"/reports/board-reports/{issued.id + 1000}").status_code == 404


def test_council_officers_and_experts_may_not_read_reports(client, people, make_user, board_world) -> None:  # type: ignore[no-untyped-def]
    expert = make_user(Role.EXPERT, email="sam@experts.example.org", name="Sam Expert")
    for user in (people["officer"], expert):
        for path in ("/reports/board-summary", "/reports/board-reports"):
            response = Api(client, user).get(path)
            assert response.status_code == 403 and response.mimetype == "application/problem+json"
