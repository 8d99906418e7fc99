"""Every action, from every status, by every role: exactly the moves the programme allows, and no other.

The table of allowed moves is written out here by hand, from the life of an application in the
programme's rules, so that a change to the moves in the code has to be made twice to pass.
"""

from __future__ import annotations

import itertools

import pytest

from grants.models import Application, ApplicationStatus, Assessment, Role, User, UserRole
from workflows.applications import MOVES, IllegalMoveError, find_move

S = ApplicationStatus
R = Role
OWN_COUNCIL, OTHER_COUNCIL = 1, 2
BEFORE_DECISION = [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.AWAITING_DECISION, S.CHANGES_REQUESTED]

ALLOWED: set[tuple[str, ApplicationStatus, Role]] = {
    ("submit", S.DRAFT, R.COUNCIL_OFFICER),
    ("submit", S.CHANGES_REQUESTED, R.COUNCIL_OFFICER),
    *{("withdraw", status, R.COUNCIL_OFFICER) for status in BEFORE_DECISION},
    ("confirm_eligibility", S.SUBMITTED, R.PROGRAMME_OFFICER),
    ("mark_ineligible", S.SUBMITTED, R.PROGRAMME_OFFICER),
    ("request_changes", S.SUBMITTED, R.PROGRAMME_OFFICER),
    ("complete_assessment", S.IN_ASSESSMENT, R.ASSESSOR),
    ("request_changes", S.AWAITING_DECISION, R.APPROVER),
    ("approve", S.AWAITING_DECISION, R.APPROVER),
    ("reject", S.AWAITING_DECISION, R.APPROVER),
    ("accept_offer", S.OFFERED, R.COUNCIL_OFFICER),
    ("decline_offer", S.OFFERED, R.COUNCIL_OFFICER),
    # The expert offered the work accepts it (whose offer it is, workflows/engagements.py checks).
    ("start_delivery", S.EXPERT_MATCHING, R.EXPERT),
    ("report_outcomes", S.IN_DELIVERY, R.EXPERT),
    ("evaluate", S.OUTCOMES_REPORTED, R.PROGRAMME_OFFICER),
}
ACTIONS = sorted({move.action for move in MOVES})
CASES = list(itertools.product(ACTIONS, list(S), list(R)))


def person(role: Role, *, council_id: int | None = None, user_id: int = 10) -> User:
    user = User(id=user_id, email=f"{role.value}@example.gov.uk", name="Someone", is_active=True)
    user.role_links = [UserRole(role=role)]
    user.council_id = council_id if role is R.COUNCIL_OFFICER else None
    return user


def application(status: ApplicationStatus, assessor_ids: tuple[int, ...] = ()) -> Application:
    found = Application(id=1, status=status, lead_council_id=OWN_COUNCIL, version=1)
    found.assessments = [Assessment(assessor_id=assessor_id) for assessor_id in assessor_ids]
    return found


def test_the_table_names_every_action_there_is() -> None:
    assert {action for action, _, _ in ALLOWED} == set(ACTIONS)


@pytest.mark.parametrize(("action", "status", "role"), CASES, ids=[f"{a}-{s.value}-{r.value}" for a, s, r in CASES])
def test_each_role_may_make_exactly_the_allowed_moves(action: str, status: ApplicationStatus, role: Role) -> None:
    actor = person(role, council_id=OWN_COUNCIL)
    subject = application(status)
    if (action, status, role) in ALLOWED:
        assert find_move(subject, action, actor).action == action
    else:
        with pytest.raises(IllegalMoveError):
            find_move(subject, action, actor)


@pytest.mark.parametrize(
    ("action", "status"),
    sorted((action, status) for action, status, role in ALLOWED if role is R.COUNCIL_OFFICER),
)
def test_a_council_officer_of_another_council_may_make_no_move(action: str, status: ApplicationStatus) -> None:
    with pytest.raises(IllegalMoveError, match="cannot do that"):
        find_move(application(status), action, person(R.COUNCIL_OFFICER, council_id=OTHER_COUNCIL))


@pytest.mark.parametrize("action", ["approve", "reject", "request_changes"])
def test_no_one_decides_an_application_they_assessed(action: str) -> None:
    approver = person(R.APPROVER, user_id=7)
    assert find_move(application(S.AWAITING_DECISION, assessor_ids=(8, 9)), action, approver)
    with pytest.raises(IllegalMoveError):
        find_move(application(S.AWAITING_DECISION, assessor_ids=(7, 9)), action, approver)


def test_a_deactivated_person_may_make_no_move() -> None:
    officer = person(R.COUNCIL_OFFICER, council_id=OWN_COUNCIL)
    officer.is_active = False
    with pytest.raises(IllegalMoveError):
        find_move(application(S.DRAFT), "submit", officer)


def test_the_refusal_says_what_is_wrong() -> None:
    officer = person(R.COUNCIL_OFFICER, council_id=OWN_COUNCIL)
    with pytest.raises(IllegalMoveError, match="An application that is rejected cannot be submitted"):
        find_move(application(S.REJECTED), "submit", officer)
    with pytest.raises(IllegalMoveError, match="no such action"):
        find_move(application(S.DRAFT), "teleport", officer)
