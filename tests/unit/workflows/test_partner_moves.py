"""A joint bid's partner: every action, from every answer, by every role and council, against the
moves written out here by hand: the partner council's officer answers (and may change the answer),
the lead council's officer asks again when the share changes, and no one else does either."""

from __future__ import annotations

import itertools

import pytest

from grants.models import Application, ApplicationPartner, PartnerStatus, Role, User, UserRole
from workflows.applications import PARTNER, PARTNER_MOVES
from workflows.lifecycle import IllegalMoveError

P = PartnerStatus
LEAD, PARTNER_COUNCIL, ELSEWHERE = 1, 2, 3

# (action, status, role, council): the moves allowed; every other combination is refused.
ALLOWED: set[tuple[str, PartnerStatus, Role, int | None]] = {
    *{("confirm", status, Role.COUNCIL_OFFICER, PARTNER_COUNCIL) for status in P},
    *{("decline", status, Role.COUNCIL_OFFICER, PARTNER_COUNCIL) for status in P},
    *{("ask_again", status, Role.COUNCIL_OFFICER, LEAD) for status in P},
}
TARGETS = {"confirm": P.CONFIRMED, "decline": P.DECLINED, "ask_again": P.INVITED}
ACTIONS = sorted({move.action for move in PARTNER_MOVES})
PEOPLE = [(Role.COUNCIL_OFFICER, council) for council in (LEAD, PARTNER_COUNCIL, ELSEWHERE)] + [
    (role, None) for role in Role if role is not Role.COUNCIL_OFFICER
]
CASES = list(itertools.product(ACTIONS, list(P), PEOPLE))


def person(role: Role, council_id: int | None) -> User:
    user = User(id=10, email=f"{role.value}@example.gov.uk", name="Someone", is_active=True, council_id=council_id)
    user.role_links = [UserRole(role=role)]
    return user


def partner(status: PartnerStatus) -> ApplicationPartner:
    application = Application(id=1, lead_council_id=LEAD, version=1)
    return ApplicationPartner(id=5, application=application, council_id=PARTNER_COUNCIL, status=status, version=1)


def test_the_table_names_every_action_there_is() -> None:
    assert {action for action, _, _, _ in ALLOWED} == set(ACTIONS) == set(TARGETS)


@pytest.mark.parametrize(
    ("action", "status", "who"), CASES, ids=[f"{a}-{s.value}-{r.value}-{c}" for a, s, (r, c) in CASES]
)
def test_each_person_may_make_exactly_the_allowed_moves(
    action: str, status: PartnerStatus, who: tuple[Role, int | None]
) -> None:
    role, council_id = who
    if (action, status, role, council_id) in ALLOWED:
        move = PARTNER.find_move(partner(status), action, person(role, council_id))
        assert (move.action, move.target) == (action, TARGETS[action])
    else:
        with pytest.raises(IllegalMoveError):
            PARTNER.find_move(partner(status), action, person(role, council_id))


def test_the_refusals_say_who_may_act() -> None:
    with pytest.raises(IllegalMoveError, match="Your council is not a partner in this application"):
        PARTNER.find_move(partner(P.INVITED), "confirm", person(Role.COUNCIL_OFFICER, LEAD))
    with pytest.raises(IllegalMoveError, match="You cannot change the partners of this application"):
        PARTNER.find_move(partner(P.CONFIRMED), "ask_again", person(Role.COUNCIL_OFFICER, PARTNER_COUNCIL))


def test_a_deactivated_officer_may_make_no_move() -> None:
    officer = person(Role.COUNCIL_OFFICER, PARTNER_COUNCIL)
    officer.is_active = False
    assert PARTNER.allowed_actions(partner(P.INVITED), officer) == []
    assert PARTNER.allowed_actions(partner(P.INVITED), person(Role.COUNCIL_OFFICER, PARTNER_COUNCIL)) == [
        "confirm",
        "decline",
    ]
