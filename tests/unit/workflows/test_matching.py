"""The expert-matching engine: each part of a fit's score and its reason, each block, the order of
suggestions, and the assignment of a round: optimal (against an exhaustive search), never over an
expert's free places, never a blocked or excluded pair, and at least as good as the greedy baseline."""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from grants.models import Region, Specialism
from workflows.matching import (
    SAVINGS_THRESHOLDS_PENCE,
    Assignment,
    Candidate,
    Need,
    assign,
    fit,
    greedy,
    score_matrix,
    suggestions,
)

START = date(2026, 12, 1)
PROCUREMENT, FINANCE, DIGITAL, HOUSING = (
    Specialism.PROCUREMENT,
    Specialism.FINANCE,
    Specialism.DIGITAL,
    Specialism.HOUSING,
)


def need(application_id: int = 1, **changes: object) -> Need:
    base = Need(
        application_id=application_id,
        council_id=100,
        region=Region.EAST_OF_ENGLAND,
        specialisms=frozenset({PROCUREMENT, FINANCE}),
        starts_on=START,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def expert(expert_id: int = 1, **changes: object) -> Candidate:
    """An expert who fits `need()` perfectly: every part of the score in full."""
    base = Candidate(
        expert_id=expert_id,
        name=f"Expert {expert_id}",
        specialisms=frozenset({PROCUREMENT, FINANCE}),
        regions=frozenset({Region.EAST_OF_ENGLAND}),
        capacity=2,
        load=0,
        verified_savings_pence=100_000_000,  # £1 million
        windows=(),
        conflicts=frozenset(),
        vetted=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# The parts of a score -----------------------------------------------------------------------------


def test_a_perfect_fit_scores_100_with_a_reason_for_each_part() -> None:
    result = fit(need(), expert())
    assert result.score == 100
    assert result.blocked is None
    assert result.expert_id == 1
    assert result.reasons == (
        "Specialisms: Procurement, Finance (2 of 2 asked for)",
        "Works in the East of England",
        "0 of 2 places in use",
        "£1,000,000 of verified savings in past work",
        "Has given no dates: taken as available",
    )


def test_specialisms_score_the_share_covered() -> None:
    half = fit(need(), expert(specialisms=frozenset({FINANCE, DIGITAL})))
    assert half.reasons[0] == "Specialisms: Finance (1 of 2 asked for)"
    assert half.score == 100 - 25
    third = fit(need(specialisms=frozenset({PROCUREMENT, FINANCE, HOUSING})), expert())
    assert third.reasons[0] == "Specialisms: Procurement, Finance (2 of 3 asked for)"
    assert third.score == 100 - 50 + 33


def test_work_that_asked_for_no_specialism_gives_every_expert_the_same_modest_part() -> None:
    open_work = need(specialisms=frozenset())
    for offered in ({PROCUREMENT}, {HOUSING, DIGITAL}, set()):
        result = fit(open_work, expert(specialisms=frozenset(offered)))
        assert result.reasons[0] == "No particular specialisms asked for"
        assert result.score == 100 - 50 + 20
        assert result.blocked is None


def test_region_scores_20_when_the_expert_works_there() -> None:
    away = fit(need(region=Region.WALES), expert())
    assert away.reasons[1] == "Does not work in Wales"
    assert away.score == 80
    assert away.blocked is None
    assert fit(need(region=Region.LONDON), expert(regions=frozenset({Region.LONDON}))).reasons[1] == "Works in London"
    assert fit(need(region=Region.NORTH_EAST), expert()).reasons[1] == "Does not work in the North East"
    unknown = fit(need(region=None), expert())
    assert unknown.reasons[1] == "The council's region is not recorded"
    assert unknown.score == 90


@pytest.mark.parametrize(
    ("capacity", "load", "points", "reason"),
    [
        (2, 0, 10, "0 of 2 places in use"),
        (2, 1, 5, "1 of 2 places in use"),
        (3, 1, 6, "1 of 3 places in use"),
        (3, 2, 3, "2 of 3 places in use"),
        (1, 0, 10, "0 of 1 place in use"),
    ],
)
def test_more_free_places_score_more(capacity: int, load: int, points: int, reason: str) -> None:
    result = fit(need(), expert(capacity=capacity, load=load))
    assert result.reasons[2] == reason
    assert result.score == 90 + points


@pytest.mark.parametrize(
    ("pence", "points", "reason"),
    [
        (0, 0, "No verified savings from past work yet"),
        (99_900, 0, "£999 of verified savings in past work"),
        (100_000, 1, "£1,000 of verified savings in past work"),
        (1_000_000, 4, "£10,000 of verified savings in past work"),
        (12_000_000, 7, "£120,000 of verified savings in past work"),
        (99_999_900, 9, "£999,999 of verified savings in past work"),
        (100_000_000, 10, "£1,000,000 of verified savings in past work"),
        (2_500_000_000, 10, "£25,000,000 of verified savings in past work"),
    ],
)
def test_verified_savings_score_on_a_log_scale_capped_at_a_million(pence: int, points: int, reason: str) -> None:
    result = fit(need(), expert(verified_savings_pence=pence))
    assert result.reasons[3] == reason
    assert result.score == 90 + points


def test_savings_thresholds_rise_tenfold_every_three_points() -> None:
    assert SAVINGS_THRESHOLDS_PENCE[0] == 100_000
    assert SAVINGS_THRESHOLDS_PENCE[3] == 1_000_000
    assert SAVINGS_THRESHOLDS_PENCE[6] == 10_000_000
    assert SAVINGS_THRESHOLDS_PENCE[9] == 100_000_000
    assert list(SAVINGS_THRESHOLDS_PENCE) == sorted(set(SAVINGS_THRESHOLDS_PENCE))


@pytest.mark.parametrize(
    ("windows", "points", "reason"),
    [
        ((), 10, "Has given no dates: taken as available"),
        (((date(2026, 6, 1), None),), 10, "Available from 1 December 2026, with no end date"),
        (
            ((date(2026, 11, 1), date(2027, 3, 31)),),
            10,
            "Available from 1 December 2026 to 31 March 2027 (121 days)",
        ),
        (((date(2026, 11, 1), date(2026, 12, 30)),), 3, "Available from 1 December 2026 to 30 December 2026 (30 days)"),
        (((START, START),), 0, "Available from 1 December 2026 to 1 December 2026 (1 day)"),
        # Two windows that follow on count as one stretch.
        (
            ((date(2027, 1, 1), date(2027, 2, 28)), (date(2026, 11, 1), date(2026, 12, 31))),
            9,
            "Available from 1 December 2026 to 28 February 2027 (90 days)",
        ),
    ],
)
def test_availability_scores_how_long_the_expert_stays_free(
    windows: tuple[tuple[date, date | None], ...], points: int, reason: str
) -> None:
    result = fit(need(), expert(windows=windows))
    assert result.reasons[4] == reason
    assert result.score == 90 + points
    assert result.blocked is None


# Blocks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("work", "candidate", "blocked"),
    [
        (need(), expert(conflicts=frozenset({100})), "Conflict of interest with this council"),
        (
            need(partner_council_ids=frozenset({200, 300})),
            expert(conflicts=frozenset({300})),
            "Conflict of interest with a partner council in this bid",
        ),
        (need(), expert(capacity=2, load=2), "At capacity: 2 of 2 places in use"),
        (need(), expert(capacity=1, load=1), "At capacity: 1 of 1 place in use"),
        (need(), expert(vetted=False), "Not vetted"),
        (need(), expert(windows=((date(2027, 3, 3), None),)), "Not available until 3 March 2027"),
        (
            need(),
            expert(windows=((date(2026, 1, 1), date(2026, 11, 30)), (date(2027, 3, 3), date(2027, 6, 1)))),
            "Not available until 3 March 2027",
        ),
        (need(), expert(windows=((date(2026, 1, 1), date(2026, 11, 30)),)), "Not available"),
        (need(), expert(specialisms=frozenset({HOUSING})), "None of the specialisms asked for"),
    ],
)
def test_each_block_says_why(work: Need, candidate: Candidate, blocked: str) -> None:
    assert fit(work, candidate).blocked == blocked


def test_an_expert_free_again_later_is_not_available_on_the_start_date() -> None:
    result = fit(need(), expert(windows=((date(2027, 3, 3), None),)))
    assert result.reasons[4] == "Not available on 1 December 2026"
    assert result.score == 90


def test_every_block_is_given_at_once() -> None:
    result = fit(need(), expert(conflicts=frozenset({100}), vetted=False, specialisms=frozenset({HOUSING})))
    assert result.blocked == "Conflict of interest with this council; Not vetted; None of the specialisms asked for"


def test_a_conflict_with_another_council_does_not_block() -> None:
    assert fit(need(), expert(conflicts=frozenset({101}))).blocked is None


# Suggestions --------------------------------------------------------------------------------------


def test_suggestions_are_best_first_ties_by_expert_id_and_leave_out_the_blocked() -> None:
    pool = [
        expert(7, regions=frozenset()),  # 80
        expert(3),  # 100
        expert(5, regions=frozenset()),  # 80, ties with 7
        expert(1, vetted=False),  # would be 100, but blocked
        expert(9, specialisms=frozenset({FINANCE})),  # 75
        expert(2, load=2),  # at capacity
    ]
    found = suggestions(need(), pool)
    assert [(one.expert_id, one.score) for one in found] == [(3, 100), (5, 80), (7, 80), (9, 75)]
    assert all(one.blocked is None for one in found)
    assert [one.expert_id for one in suggestions(need(), pool, limit=2)] == [3, 5]
    assert suggestions(need(), pool, limit=0) == []
    assert [one.expert_id for one in suggestions(need(), reversed(pool))] == [3, 5, 7, 9]


# Assigning a round --------------------------------------------------------------------------------


def _check_valid(
    result: Assignment, needs: list[Need], pool: list[Candidate], excluded: Collection[tuple[int, int]] = ()
) -> None:
    """The rules every assignment keeps, whoever made it."""
    by_id = {candidate.expert_id: candidate for candidate in pool}
    by_need = {one.application_id: one for one in needs}
    assert set(result.pairs) | set(result.unassigned) == set(by_need)
    assert not set(result.pairs) & set(result.unassigned)
    taken: dict[int, int] = {}
    for application_id, chosen in result.pairs.items():
        candidate = by_id[chosen.expert_id]
        assert chosen == fit(by_need[application_id], candidate)
        assert chosen.blocked is None
        assert (application_id, chosen.expert_id) not in excluded
        taken[chosen.expert_id] = taken.get(chosen.expert_id, 0) + 1
    for expert_id, count in taken.items():
        assert count <= by_id[expert_id].capacity - by_id[expert_id].load
    assert result.total_score == sum(chosen.score for chosen in result.pairs.values())


def test_assign_gives_no_expert_more_work_than_their_free_places() -> None:
    needs = [need(index) for index in range(1, 5)]
    pool = [expert(1, capacity=3, load=1), expert(2, capacity=1, regions=frozenset())]
    result = assign(needs, pool)
    _check_valid(result, needs, pool)
    assert sorted(chosen.expert_id for chosen in result.pairs.values()) == [1, 1, 2]
    assert len(result.unassigned) == 1


def test_assign_never_chooses_a_blocked_pair() -> None:
    needs = [need(1), need(2, council_id=200)]
    pool = [expert(1, conflicts=frozenset({100})), expert(2, vetted=False), expert(3, load=2)]
    result = assign(needs, pool)
    _check_valid(result, needs, pool)
    assert result.pairs[2].expert_id == 1
    assert result.unassigned == (1,)
    assert result.total_score == 100


def test_assign_honours_pairs_staff_excluded() -> None:
    needs = [need(1)]
    pool = [expert(1), expert(2, regions=frozenset())]
    assert assign(needs, pool).pairs[1].expert_id == 1
    result = assign(needs, pool, excluded={(1, 1)})
    assert result.pairs[1].expert_id == 2
    assert assign(needs, pool, excluded=[(1, 1), (1, 2)]).unassigned == (1,)
    assert greedy(needs, pool, excluded={(1, 1)}).pairs[1].expert_id == 2


def test_work_nobody_suitable_can_take_is_left_unassigned() -> None:
    needs = [need(1, specialisms=frozenset({HOUSING})), need(2)]
    result = assign(needs, [expert(1)])
    assert result.unassigned == (1,)
    assert list(result.pairs) == [2]
    empty = assign(needs, [])
    assert empty == Assignment(pairs={}, unassigned=(1, 2), total_score=0)
    assert assign([], [expert(1)]) == Assignment(pairs={}, unassigned=(), total_score=0)


def test_greedy_is_beaten_when_the_first_application_takes_the_expert_the_second_needed() -> None:
    # Expert 1 is the best for both applications but has one place; expert 2 can do only the
    # first. Greedy serves the first with expert 1 and leaves the second with nobody.
    first = need(1, specialisms=frozenset({PROCUREMENT}))
    second = need(2, specialisms=frozenset({HOUSING}))
    pool = [
        expert(1, specialisms=frozenset({PROCUREMENT, HOUSING}), capacity=1),
        expert(2, specialisms=frozenset({PROCUREMENT}), regions=frozenset()),
    ]
    baseline = greedy([first, second], pool)
    assert {key: chosen.expert_id for key, chosen in baseline.pairs.items()} == {1: 1}
    assert baseline.unassigned == (2,)
    assert baseline.total_score == 100
    best = assign([first, second], pool)
    assert {key: chosen.expert_id for key, chosen in best.pairs.items()} == {1: 2, 2: 1}
    assert best.total_score == 80 + 100
    assert best.total_score > baseline.total_score


def test_repeated_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="application"):
        assign([need(1), need(1)], [expert(1)])
    with pytest.raises(ValueError, match="expert"):
        greedy([need(1)], [expert(1), expert(1)])


# Random rounds ------------------------------------------------------------------------------------

SPECIALISMS = list(Specialism)
REGIONS = list(Region)


def random_round(chance: random.Random, needs: int, experts: int) -> tuple[list[Need], list[Candidate]]:
    """A small round where most things vary: specialisms, regions (some unknown), start dates,
    capacities and load, savings, windows, conflicts (lead and partner councils) and vetting.
    Few specialisms and regions, so that pairs often fit and compete."""
    few_specialisms, few_regions = SPECIALISMS[:4], REGIONS[:3]
    councils = list(range(1, 6))
    work = [
        Need(
            application_id=10 + index,
            council_id=chance.choice(councils),
            region=chance.choice([*few_regions, None]),
            specialisms=frozenset(chance.sample(few_specialisms, chance.randint(0, 2))),
            starts_on=START + timedelta(days=chance.choice([0, 0, 0, 20])),
            partner_council_ids=frozenset(chance.sample(councils, chance.choice([0, 0, 0, 1]))),
        )
        for index in range(needs)
    ]
    pool = []
    for index in range(experts):
        capacity = chance.randint(1, 2)
        windows: tuple[tuple[date, date | None], ...] = chance.choice(
            [
                (),
                (),
                ((START - timedelta(days=10), None),),
                ((START - timedelta(days=10), START + timedelta(days=chance.randint(0, 120))),),
                ((START + timedelta(days=chance.randint(1, 30)), None),),
                ((START - timedelta(days=40), START - timedelta(days=1)), (START, START + timedelta(days=5))),
            ]
        )
        pool.append(
            Candidate(
                expert_id=100 + index,
                name=f"Expert {index}",
                specialisms=frozenset(chance.sample(few_specialisms, chance.randint(1, 3))),
                regions=frozenset(chance.sample(few_regions, chance.randint(0, 2))),
                capacity=capacity,
                load=chance.choice([0, 0, 0, 1, capacity]),
                verified_savings_pence=chance.choice([0, 50_000, 1_000_000, 12_000_000, 150_000_000]),
                windows=windows,
                conflicts=frozenset(chance.sample(councils, chance.choice([0, 0, 0, 1]))),
                vetted=chance.random() < 0.9,
            )
        )
    return work, pool


def exhaustive_best(needs: list[Need], pool: list[Candidate], excluded: set[tuple[int, int]]) -> int:
    """The greatest total score over every way of giving each application one expert or none,
    scored one pair at a time with `fit`."""
    options: list[list[tuple[int, int]]] = []
    for work in needs:
        allowed = []
        for candidate_index, candidate in enumerate(pool):
            one = fit(work, candidate)
            if one.blocked is None and (work.application_id, candidate.expert_id) not in excluded:
                allowed.append((candidate_index, one.score))
        options.append(allowed)
    free = [candidate.free_places for candidate in pool]
    best = 0

    def search(position: int, total: int) -> None:
        nonlocal best
        if position == len(needs):
            best = max(best, total)
            return
        search(position + 1, total)
        for candidate_index, score in options[position]:
            if free[candidate_index] > 0:
                free[candidate_index] -= 1
                search(position + 1, total + score)
                free[candidate_index] += 1

    search(0, 0)
    return best


@pytest.mark.parametrize("seed", range(150))
def test_assign_is_optimal_and_never_below_greedy_on_small_random_rounds(seed: int) -> None:
    chance = random.Random(seed)
    needs, pool = random_round(chance, chance.randint(1, 6), chance.randint(1, 4))
    excluded = {
        (work.application_id, candidate.expert_id) for work in needs for candidate in pool if chance.random() < 0.1
    }
    result = assign(needs, pool, excluded=excluded)
    _check_valid(result, needs, pool, excluded)
    assert result.total_score == exhaustive_best(needs, pool, excluded)
    baseline = greedy(needs, pool, excluded=excluded)
    _check_valid(baseline, needs, pool, excluded)
    assert result.total_score >= baseline.total_score


def test_over_many_rounds_assign_sometimes_beats_greedy() -> None:
    # The exhaustive check above allows equality; the engine must also be strictly better
    # somewhere, or it would be no better than the baseline.
    wins = 0
    for seed in range(150):
        chance = random.Random(seed)
        needs, pool = random_round(chance, chance.randint(1, 6), chance.randint(1, 4))
        wins += assign(needs, pool).total_score > greedy(needs, pool).total_score
    assert wins > 0


def test_the_whole_array_scores_equal_fit_for_every_pair() -> None:
    chance = random.Random(7)
    needs, pool = random_round(chance, 40, 60)
    # Wider than random_round's: every specialism and region, and windows of every shape.
    needs += [
        need(1_000 + index, specialisms=frozenset(chance.sample(SPECIALISMS, 2)), region=chance.choice(REGIONS))
        for index in range(20)
    ]
    pool += [
        expert(
            1_000 + index,
            specialisms=frozenset(chance.sample(SPECIALISMS, 3)),
            regions=frozenset(chance.sample(REGIONS, 2)),
            capacity=3,
            load=chance.randint(0, 3),
            verified_savings_pence=chance.randint(0, 200_000_000),
            windows=((START - timedelta(days=chance.randint(0, 50)), START + timedelta(days=chance.randint(-5, 200))),),
        )
        for index in range(20)
    ]
    scores, allowed = score_matrix(needs, pool)
    assert scores.shape == allowed.shape == (len(needs), len(pool))
    expected_scores = np.array([[fit(work, candidate).score for candidate in pool] for work in needs])
    expected_allowed = np.array([[fit(work, candidate).blocked is None for candidate in pool] for work in needs])
    assert np.array_equal(scores, expected_scores)
    assert np.array_equal(allowed, expected_allowed)
    assert allowed.any()
    assert not allowed.all()


def test_the_same_round_gives_the_same_assignment() -> None:
    chance = random.Random(11)
    needs, pool = random_round(chance, 30, 20)
    first = assign(needs, pool)
    assert assign(needs, pool) == first
    shuffled = pool[:]
    chance.shuffle(shuffled)
    assert assign(needs, shuffled) == first
