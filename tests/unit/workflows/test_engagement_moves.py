"""An offer of work to an expert, and a "match the round" run: every action, from every status, by
every kind of person (and by the service itself, with no one acting), against the moves written
out here by hand."""

from __future__ import annotations

import itertools

import pytest

from grants.models import Engagement, EngagementStatus, MatchRun, MatchRunStatus, Role, User, UserRole
from workflows.engagements import ENGAGEMENT, ENGAGEMENT_MOVES, MATCH_RUN, MATCH_RUN_MOVES, EngagementError
from workflows.lifecycle import IllegalMoveError, WorkflowError

THE_EXPERT, ANOTHER_EXPERT = 7, 8
THE_SERVICE = "the service"
EXPERT = "the expert offered the work"
PEOPLE: dict[str, tuple[Role, int | None] | None] = {
    EXPERT: (Role.EXPERT, THE_EXPERT),
    "another expert": (Role.EXPERT, ANOTHER_EXPERT),
    **{role.value: (role, None) for role in Role if role is not Role.EXPERT},
    THE_SERVICE: None,
}
STAFF = Role.PROGRAMME_OFFICER.value

# (action, status, who) → (target, reason required).
ENGAGEMENT_ALLOWED: dict[tuple[str, EngagementStatus, str], tuple[EngagementStatus, bool]] = {
    ("accept", EngagementStatus.OFFERED, EXPERT): (EngagementStatus.ACCEPTED, False),
    ("decline", EngagementStatus.OFFERED, EXPERT): (EngagementStatus.DECLINED, True),
    ("withdraw", EngagementStatus.OFFERED, STAFF): (EngagementStatus.WITHDRAWN, True),
    ("expire", EngagementStatus.OFFERED, THE_SERVICE): (EngagementStatus.EXPIRED, False),
    ("complete", EngagementStatus.ACCEPTED, EXPERT): (EngagementStatus.COMPLETED, False),
}
MATCH_RUN_ALLOWED: dict[tuple[str, MatchRunStatus, str], MatchRunStatus] = {
    ("finish", MatchRunStatus.RUNNING, THE_SERVICE): MatchRunStatus.READY,
    ("fail", MatchRunStatus.RUNNING, THE_SERVICE): MatchRunStatus.FAILED,
    ("confirm", MatchRunStatus.READY, STAFF): MatchRunStatus.CONFIRMED,
    ("discard", MatchRunStatus.READY, STAFF): MatchRunStatus.DISCARDED,
}
ENGAGEMENT_ACTIONS = sorted({move.action for move in ENGAGEMENT_MOVES})
MATCH_RUN_ACTIONS = sorted({move.action for move in MATCH_RUN_MOVES})
ENGAGEMENT_CASES = list(itertools.product(ENGAGEMENT_ACTIONS, list(EngagementStatus), PEOPLE))
MATCH_RUN_CASES = list(itertools.product(MATCH_RUN_ACTIONS, list(MatchRunStatus), PEOPLE))


def person(who: str) -> User | None:
    found = PEOPLE[who]
    if found is None:
        return None
    role, expert_id = found
    user = User(id=10, email="someone@example.gov.uk", name="Someone", is_active=True, expert_id=expert_id)
    user.role_links = [UserRole(role=role)]
    return user


def engagement(status: EngagementStatus) -> Engagement:
    return Engagement(id=1, application_id=2, expert_id=THE_EXPERT, status=status, version=1)


def test_the_tables_name_every_action_there_is() -> None:
    assert {action for action, _, _ in ENGAGEMENT_ALLOWED} == set(ENGAGEMENT_ACTIONS)
    assert {action for action, _, _ in MATCH_RUN_ALLOWED} == set(MATCH_RUN_ACTIONS)


@pytest.mark.parametrize(
    ("action", "status", "who"), ENGAGEMENT_CASES, ids=[f"{a}-{s.value}-{w}" for a, s, w in ENGAGEMENT_CASES]
)
def test_each_person_may_make_exactly_the_allowed_moves_on_an_offer(
    action: str, status: EngagementStatus, who: str
) -> None:
    if (action, status, who) in ENGAGEMENT_ALLOWED:
        move = ENGAGEMENT.find_move(engagement(status), action, person(who))
        assert (move.target, move.reason_required) == ENGAGEMENT_ALLOWED[(action, status, who)]
    else:
        with pytest.raises(WorkflowError):
            ENGAGEMENT.find_move(engagement(status), action, person(who))


@pytest.mark.parametrize(
    ("action", "status", "who"), MATCH_RUN_CASES, ids=[f"{a}-{s.value}-{w}" for a, s, w in MATCH_RUN_CASES]
)
def test_each_person_may_make_exactly_the_allowed_moves_on_a_run(action: str, status: MatchRunStatus, who: str) -> None:
    run = MatchRun(id=1, status=status, version=1)
    if (action, status, who) in MATCH_RUN_ALLOWED:
        assert MATCH_RUN.find_move(run, action, person(who)).target is MATCH_RUN_ALLOWED[(action, status, who)]
    else:
        with pytest.raises(WorkflowError):
            MATCH_RUN.find_move(run, action, person(who))


def test_the_refusals_say_what_is_wrong() -> None:
    offered, declined = engagement(EngagementStatus.OFFERED), engagement(EngagementStatus.DECLINED)
    with pytest.raises(IllegalMoveError, match="Only the expert offered the work can answer the offer"):
        ENGAGEMENT.find_move(offered, "accept", person("another expert"))
    with pytest.raises(WorkflowError, match="This offer has been declined and can no longer be answered"):
        ENGAGEMENT.find_move(declined, "accept", person(EXPERT))
    with pytest.raises(WorkflowError, match="This offer is declined: only a waiting offer can be withdrawn"):
        ENGAGEMENT.find_move(declined, "withdraw", person(STAFF))
    with pytest.raises(WorkflowError, match="Work that is offered cannot be completed"):
        ENGAGEMENT.find_move(offered, "complete", person(EXPERT))
    with pytest.raises(IllegalMoveError, match="Only the expert doing the work can do that"):
        ENGAGEMENT.find_move(engagement(EngagementStatus.ACCEPTED), "complete", person("another expert"))
    confirmed = MatchRun(id=1, status=MatchRunStatus.CONFIRMED, version=1)
    with pytest.raises(WorkflowError, match="This run is confirmed: only a run ready for review can be confirmed"):
        MATCH_RUN.find_move(confirmed, "confirm", person(STAFF))
    with pytest.raises(WorkflowError, match="Only a run ready for review can be discarded"):
        MATCH_RUN.find_move(confirmed, "discard", person(STAFF))


def test_a_refusal_about_the_offer_is_an_engagement_error_and_one_about_the_person_an_illegal_move() -> None:
    with pytest.raises(EngagementError):
        ENGAGEMENT.find_move(engagement(EngagementStatus.EXPIRED), "decline", person(EXPERT))
    with pytest.raises(IllegalMoveError):
        ENGAGEMENT.find_move(engagement(EngagementStatus.OFFERED), "decline", person(THE_SERVICE))
