"""An outcome report: every action, from every status, by every kind of person, against the
moves written out here by hand: the lead council confirms or disputes the figures claimed, a
programme officer verifies them once the council has answered, and no one else does anything."""

from __future__ import annotations

import itertools

import pytest

from grants.models import Application, Engagement, OutcomeReport, ReportStatus, Role, User, UserRole
from workflows.lifecycle import IllegalMoveError, WorkflowError
from workflows.outcomes import REPORT, REPORT_MOVES, OutcomeError

LEAD, OTHER = 1, 2
LEAD_OFFICER = "an officer of the lead council"
PEOPLE: dict[str, tuple[Role, int | None]] = {
    LEAD_OFFICER: (Role.COUNCIL_OFFICER, LEAD),
    "an officer of another council": (Role.COUNCIL_OFFICER, OTHER),
    **{role.value: (role, None) for role in Role if role is not Role.COUNCIL_OFFICER},
}
STAFF = Role.PROGRAMME_OFFICER.value

# (action, status, who) → (target, reason required). Verifying needs a reason only for other
# figures than those claimed, or figures the council disputed: `verify` asks for it.
ALLOWED: dict[tuple[str, ReportStatus, str], tuple[ReportStatus, bool]] = {
    ("confirm", ReportStatus.SUBMITTED, LEAD_OFFICER): (ReportStatus.CONFIRMED, False),
    ("dispute", ReportStatus.SUBMITTED, LEAD_OFFICER): (ReportStatus.DISPUTED, True),
    ("verify", ReportStatus.CONFIRMED, STAFF): (ReportStatus.VERIFIED, False),
    ("verify", ReportStatus.DISPUTED, STAFF): (ReportStatus.VERIFIED, False),
}
ACTIONS = sorted({move.action for move in REPORT_MOVES})
CASES = list(itertools.product(ACTIONS, list(ReportStatus), PEOPLE))


def person(who: str) -> User:
    role, council_id = PEOPLE[who]
    user = User(id=10, email="someone@example.gov.uk", name="Someone", is_active=True, council_id=council_id)
    user.role_links = [UserRole(role=role)]
    return user


def report(status: ReportStatus) -> OutcomeReport:
    engagement = Engagement(id=3, application=Application(id=2, lead_council_id=LEAD))
    return OutcomeReport(id=1, engagement=engagement, status=status, version=1)


def test_the_table_names_every_action_there_is() -> None:
    assert {action for action, _, _ in ALLOWED} == set(ACTIONS)


@pytest.mark.parametrize(("action", "status", "who"), CASES, ids=[f"{a}-{s.value}-{w}" for a, s, w in CASES])
def test_each_person_may_make_exactly_the_allowed_moves(action: str, status: ReportStatus, who: str) -> None:
    if (action, status, who) in ALLOWED:
        move = REPORT.find_move(report(status), action, person(who))
        assert (move.target, move.reason_required) == ALLOWED[(action, status, who)]
    else:
        with pytest.raises(WorkflowError):
            REPORT.find_move(report(status), action, person(who))


def test_the_refusals_say_what_is_wrong() -> None:
    with pytest.raises(IllegalMoveError, match="Only the lead council can confirm or dispute the figures"):
        REPORT.find_move(report(ReportStatus.SUBMITTED), "dispute", person("an officer of another council"))
    with pytest.raises(IllegalMoveError, match="Only a programme officer can verify outcome reports"):
        REPORT.find_move(report(ReportStatus.CONFIRMED), "verify", person(LEAD_OFFICER))
    with pytest.raises(OutcomeError, match="This report is verified: it cannot be confirmed now"):
        REPORT.find_move(report(ReportStatus.VERIFIED), "confirm", person(LEAD_OFFICER))
    with pytest.raises(OutcomeError, match="The council must confirm or dispute the figures before they are verified"):
        REPORT.find_move(report(ReportStatus.SUBMITTED), "verify", person(STAFF))
    with pytest.raises(OutcomeError, match="This report has been verified already"):
        REPORT.find_move(report(ReportStatus.VERIFIED), "verify", person(STAFF))
