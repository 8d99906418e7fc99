"""An introduction: every action, from every status, by every kind of person, against the moves
written out here by hand: an officer of a council still to answer accepts or declines for it; the
programme team records the discussion and the agreement and closes; no one else does anything."""

from __future__ import annotations

import itertools

import pytest

from grants.models import (
    ConsentStatus,
    Council,
    Introduction,
    IntroductionParty,
    IntroductionStatus,
    Role,
    User,
    UserRole,
)
from workflows.introductions import INTRODUCTION, MOVES
from workflows.lifecycle import IllegalMoveError

WAITING, ANSWERED, OUTSIDE = 1, 2, 3  # councils: still to answer, has answered, not introduced
OFFICER = "officer of the council still to answer"
PEOPLE = {
    OFFICER: (Role.COUNCIL_OFFICER, WAITING),
    "officer of the council that answered": (Role.COUNCIL_OFFICER, ANSWERED),
    "officer of another council": (Role.COUNCIL_OFFICER, OUTSIDE),
    **{role.value: (role, None) for role in Role if role is not Role.COUNCIL_OFFICER},
}
STAFF = Role.PROGRAMME_OFFICER.value

# (action, status, who) → (target, reason required); None as the target: chosen by the rule that
# an introduction is accepted once every council has accepted.
ALLOWED: dict[tuple[str, IntroductionStatus, str], tuple[IntroductionStatus | None, bool]] = {
    ("accept", IntroductionStatus.PROPOSED, OFFICER): (None, False),
    ("decline", IntroductionStatus.PROPOSED, OFFICER): (IntroductionStatus.DECLINED, True),
    ("start_discussion", IntroductionStatus.ACCEPTED, STAFF): (IntroductionStatus.IN_DISCUSSION, False),
    ("record_agreement", IntroductionStatus.IN_DISCUSSION, STAFF): (IntroductionStatus.AGREED, True),
    ("close", IntroductionStatus.PROPOSED, STAFF): (IntroductionStatus.CLOSED, True),
    ("close", IntroductionStatus.ACCEPTED, STAFF): (IntroductionStatus.CLOSED, True),
    ("close", IntroductionStatus.IN_DISCUSSION, STAFF): (IntroductionStatus.CLOSED, True),
    ("close", IntroductionStatus.AGREED, STAFF): (IntroductionStatus.CLOSED, False),
}
ACTIONS = sorted({move.action for move in MOVES})
CASES = list(itertools.product(ACTIONS, list(IntroductionStatus), PEOPLE))


def person(who: str) -> User:
    role, council_id = PEOPLE[who]
    user = User(id=10, email="someone@example.gov.uk", name="Someone", is_active=True, council_id=council_id)
    user.role_links = [UserRole(role=role)]
    return user


def introduction(status: IntroductionStatus) -> Introduction:
    found = Introduction(id=1, status=status, version=1)
    found.parties = [
        IntroductionParty(council_id=WAITING, council=Council(name="Babergh"), consent=ConsentStatus.WAITING),
        IntroductionParty(council_id=ANSWERED, council=Council(name="Ipswich"), consent=ConsentStatus.ACCEPTED),
    ]
    return found


def test_the_table_names_every_action_there_is() -> None:
    assert {action for action, _, _ in ALLOWED} == set(ACTIONS)


@pytest.mark.parametrize(("action", "status", "who"), CASES, ids=[f"{a}-{s.value}-{w}" for a, s, w in CASES])
def test_each_person_may_make_exactly_the_allowed_moves(action: str, status: IntroductionStatus, who: str) -> None:
    if (action, status, who) in ALLOWED:
        move = INTRODUCTION.find_move(introduction(status), action, person(who))
        assert (move.target, move.reason_required) == ALLOWED[(action, status, who)]
    else:
        with pytest.raises(IllegalMoveError):
            INTRODUCTION.find_move(introduction(status), action, person(who))


def test_the_refusals_say_what_is_wrong() -> None:
    proposed = introduction(IntroductionStatus.PROPOSED)
    with pytest.raises(IllegalMoveError, match="Ipswich has already accepted this introduction"):
        INTRODUCTION.find_move(proposed, "decline", person("officer of the council that answered"))
    with pytest.raises(IllegalMoveError, match="Only an officer of one of the councils"):
        INTRODUCTION.find_move(proposed, "accept", person("officer of another council"))
    with pytest.raises(IllegalMoveError, match="Only the LGA's programme team"):
        INTRODUCTION.find_move(proposed, "close", person(OFFICER))
    with pytest.raises(IllegalMoveError, match="An introduction that is declined cannot be closed"):
        INTRODUCTION.find_move(introduction(IntroductionStatus.DECLINED), "close", person(STAFF))


def test_the_last_acceptance_makes_it_accepted_by_all() -> None:
    [accept] = [move for move in MOVES if move.action == "accept"]
    waiting = introduction(IntroductionStatus.PROPOSED)
    assert INTRODUCTION.choose_target(waiting, accept) is IntroductionStatus.PROPOSED
    waiting.parties[0].consent = ConsentStatus.ACCEPTED
    assert INTRODUCTION.choose_target(waiting, accept) is IntroductionStatus.ACCEPTED
