"""Matching: how long `workflows.matching.assign` takes to find the best assignment of a round of
1,000 approved applications to a pool of 2,000 experts, how much memory the process needs for
it, that its answer is optimal, and how much it gains over the greedy baseline.

Targets: a round of that size matched in at most 2 seconds, by a process that needs at most
300 MB.

No database is involved: the engine works on plain values, so the round is made up in memory from
a seeded random generator, and every run measures the same round.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

from bench.common import ROOT, say

NAME = "matching"

APPLICATIONS = 1_000
EXPERTS = 2_000
SEED = 2026
TIMED_RUNS = 5
TARGET_SECONDS = 2.0
TARGET_MEGABYTES = 300.0
CONFLICT_SHARE = 0.02
# The smaller rounds on which the engine's answer is checked against an exact solver of another
# kind, and the seeds they are made from.
CHECK_APPLICATIONS = 60
CHECK_EXPERTS = 40
CHECK_ROUNDS = 20
# Timings and memory are taken in a fresh process, so that nothing the parent has loaded or
# allocated counts; past this the child has hung.
CHILD_TIMEOUT_SECONDS = 300
# A fixed start date, so that every run sees the same windows.
STARTS_ON = date(2026, 12, 1)

# Councils per region in England and Wales (2021), so that applications come from the regions in
# the proportions councils do.
COUNCILS_BY_REGION = {
    "north_east": 12,
    "north_west": 39,
    "yorkshire_and_the_humber": 21,
    "east_midlands": 40,
    "west_midlands": 30,
    "east_of_england": 45,
    "london": 33,
    "south_east": 64,
    "south_west": 29,
    "wales": 22,
}
# How often each specialism is asked for and offered: the programme's work leans to procurement,
# income, digital and shared services.
SPECIALISM_WEIGHTS = {
    "procurement": 12,
    "commercialisation": 10,
    "digital": 10,
    "shared_services": 8,
    "finance": 8,
    "adult_social_care": 7,
    "childrens_services": 5,
    "asset_management": 6,
    "behavioural_insights": 5,
    "waste_and_environment": 4,
    "housing": 5,
    "workforce": 4,
}


def run() -> dict[str, Any]:
    say(f"matching: {APPLICATIONS:,} applications x {EXPERTS:,} experts, timed in a fresh process")
    measured = _in_child()
    say(
        f"matching: checking against an exact solver on {CHECK_ROUNDS} rounds of {CHECK_APPLICATIONS} x {CHECK_EXPERTS}"
    )
    exact = exact_check()
    return {"round": measured, "exact_check": exact}


def _in_child() -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.matching", "measure"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# The made-up round --------------------------------------------------------------------------------


def make_round(applications: int, experts: int, seed: int, *, conflict_share: float = CONFLICT_SHARE) -> Any:
    """Applications waiting for an expert and a pool of experts, as a round might look: 1 or 2
    specialisms asked for, 1 to 3 offered; councils spread over the regions as councils are;
    capacities 1 to 3 with some places in use; savings verified for about half the pool; about
    a third of the pool with availability windows, some of them starting after the round; a few
    experts not yet vetted; and conflicts of interest with about `conflict_share` of the
    applications' councils. Returns (needs, candidates)."""
    from grants.models import Region, Specialism
    from workflows.matching import Candidate, Need

    chance = random.Random(seed)
    regions = [Region(name) for name in COUNCILS_BY_REGION]
    council_regions: list[Region | None] = []
    for region, count in COUNCILS_BY_REGION.items():
        council_regions += [Region(region)] * count
    councils = len(council_regions)
    # One council in fifty has no region recorded yet.
    council_regions = [None if chance.random() < 0.02 else region for region in council_regions]
    specialisms = [Specialism(name) for name in SPECIALISM_WEIGHTS]
    weights = list(SPECIALISM_WEIGHTS.values())

    def some_specialisms(low: int, high: int) -> frozenset[Specialism]:
        wanted = chance.randint(low, high)
        chosen: set[Specialism] = set()
        while len(chosen) < wanted:
            chosen.add(chance.choices(specialisms, weights)[0])
        return frozenset(chosen)

    needs = []
    for index in range(applications):
        council = chance.randrange(councils)
        later = chance.random() < 0.1
        needs.append(
            Need(
                application_id=index + 1,
                council_id=council + 1,
                region=council_regions[council],
                specialisms=some_specialisms(1, 2),
                starts_on=STARTS_ON + timedelta(days=chance.randint(1, 60)) if later else STARTS_ON,
            )
        )

    conflicts_each = max(1, round(councils * conflict_share))
    candidates = []
    for index in range(experts):
        capacity = chance.randint(1, 3)
        home = chance.choices(regions, [COUNCILS_BY_REGION[region] for region in COUNCILS_BY_REGION])[0]
        covered = {home} | set(chance.sample(regions, chance.choice([0, 0, 1, 2])))
        saved = 0 if chance.random() < 0.5 else int(chance.lognormvariate(11.5, 1.5)) * 100
        candidates.append(
            Candidate(
                expert_id=index + 1,
                name=f"Expert {index + 1}",
                specialisms=some_specialisms(1, 3),
                regions=frozenset(covered),
                capacity=capacity,
                load=chance.choice([0, 0, 0, 1, 1, capacity]) if capacity > 1 else chance.choice([0, 0, 0, 1]),
                verified_savings_pence=saved,
                windows=_windows(chance),
                conflicts=frozenset(chance.sample(range(1, councils + 1), conflicts_each)),
                vetted=chance.random() < 0.95,
            )
        )
    return needs, candidates


def _windows(chance: random.Random) -> tuple[tuple[date, date | None], ...]:
    kind = chance.random()
    if kind < 0.65:
        return ()  # has not said
    if kind < 0.8:  # free from some time ago, with no end
        return ((STARTS_ON - timedelta(days=chance.randint(0, 200)), None),)
    if kind < 0.9:  # free for a while around the round
        first = STARTS_ON - timedelta(days=chance.randint(0, 60))
        return ((first, first + timedelta(days=chance.randint(30, 180))),)
    # busy now, free from later on, perhaps after a short gap
    later = STARTS_ON + timedelta(days=chance.randint(10, 120))
    earlier = STARTS_ON - timedelta(days=chance.randint(60, 120))
    return ((earlier, STARTS_ON - timedelta(days=chance.randint(1, 30))), (later, None))


# Time and memory, in the child process ------------------------------------------------------------


def _peak_megabytes() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure() -> dict[str, Any]:
    """Runs in a fresh process: the round made, then `assign` timed, with the process's peak
    resident memory before and after; then the greedy baseline on the same round."""
    from workflows.matching import assign, greedy, score_matrix

    after_imports = _peak_megabytes()
    needs, candidates = make_round(APPLICATIONS, EXPERTS, SEED)
    baseline = _peak_megabytes()

    seconds = []
    result = None
    for _ in range(TIMED_RUNS):
        started = time.perf_counter()
        result = assign(needs, candidates)
        seconds.append(time.perf_counter() - started)
    assert result is not None
    peak = _peak_megabytes()

    started = time.perf_counter()
    scores, allowed = score_matrix(needs, candidates)
    scoring_seconds = time.perf_counter() - started

    started = time.perf_counter()
    baseline_result = greedy(needs, candidates)
    greedy_seconds = time.perf_counter() - started

    places = sum(candidate.free_places for candidate in candidates)
    conflicted = sum(1 for need in needs for candidate in candidates if need.council_id in candidate.conflicts) / (
        len(needs) * len(candidates)
    )
    return {
        "applications": len(needs),
        "experts": len(candidates),
        "free_places": places,
        "pairs": len(needs) * len(candidates),
        "pairs_allowed": int(allowed.sum()),
        "pairs_in_conflict_share": round(conflicted, 4),
        "seed": SEED,
        "assign_seconds": {
            "runs": len(seconds),
            "first": round(seconds[0], 3),
            "median": round(statistics.median(seconds), 3),
            "max": round(max(seconds), 3),
        },
        "score_matrix_seconds": round(scoring_seconds, 3),
        "target_seconds": TARGET_SECONDS,
        "meets_time_target": max(seconds) <= TARGET_SECONDS,
        "memory_mb": {
            "after_imports": round(after_imports, 1),
            "before_assign": round(baseline, 1),
            "peak": round(peak, 1),
            "growth_during_assign": round(peak - baseline, 1),
        },
        "target_mb": TARGET_MEGABYTES,
        "meets_memory_target": peak <= TARGET_MEGABYTES,
        "assign": {
            "total_score": result.total_score,
            "assigned": len(result.pairs),
            "unassigned": len(result.unassigned),
            "mean_score": round(result.total_score / max(len(result.pairs), 1), 1),
        },
        "greedy": {
            "total_score": baseline_result.total_score,
            "assigned": len(baseline_result.pairs),
            "unassigned": len(baseline_result.unassigned),
            "mean_score": round(baseline_result.total_score / max(len(baseline_result.pairs), 1), 1),
            "seconds": round(greedy_seconds, 3),
        },
        "gain_over_greedy_percent": round(
            100 * (result.total_score - baseline_result.total_score) / max(baseline_result.total_score, 1), 2
        ),
        "max_score_seen": int(scores.max()),
    }


# The exact check ----------------------------------------------------------------------------------


def exact_total(needs: list[Any], candidates: list[Any]) -> int:
    """The greatest total score, found by another exact method: each expert split into one column
    per free place, one "nobody" column per application, and the square assignment problem on
    that solved with OR-tools' linear-sum-assignment. Scores come from `fit`, one pair at a time,
    so this checks the whole-array scoring as well as the flow."""
    from ortools.graph.python import linear_sum_assignment

    from workflows.matching import fit

    slots = [candidate for candidate in candidates for _ in range(candidate.free_places)]
    rows = len(needs) + len(slots)  # applications, then padding rows that take what is left
    columns = len(slots) + len(needs)  # places, then one "nobody" per application
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    fits = {}
    for row, need in enumerate(needs):
        for candidate in candidates:
            fits[need.application_id, candidate.expert_id] = fit(need, candidate)
        for column, candidate in enumerate(slots):
            one = fits[need.application_id, candidate.expert_id]
            if one.blocked is None:
                solver.add_arc_with_cost(row, column, -one.score)
        solver.add_arc_with_cost(row, len(slots) + row, 0)
    for row in range(len(needs), rows):
        for column in range(columns):
            solver.add_arc_with_cost(row, column, 0)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"the exact solver did not finish: {status!r}")
    return -int(solver.optimal_cost())


def exact_check() -> dict[str, Any]:
    """`assign` against the exact solver on smaller rounds, each from its own seed. A round this
    small is made tighter than the big one (fewer experts than applications), so that choices
    compete for places."""
    from workflows.matching import assign, greedy

    rounds = []
    for offset in range(CHECK_ROUNDS):
        needs, candidates = make_round(CHECK_APPLICATIONS, CHECK_EXPERTS, SEED + 1 + offset)
        engine = assign(needs, candidates).total_score
        exact = exact_total(needs, candidates)
        rounds.append(
            {
                "seed": SEED + 1 + offset,
                "assign": engine,
                "exact": exact,
                "greedy": greedy(needs, candidates).total_score,
            }
        )
    equal = sum(1 for one in rounds if one["assign"] == one["exact"])
    gains = [100 * (one["assign"] - one["greedy"]) / max(one["greedy"], 1) for one in rounds]
    return {
        "applications": CHECK_APPLICATIONS,
        "experts": CHECK_EXPERTS,
        "rounds": len(rounds),
        "equal": equal,
        "all_equal": equal == len(rounds),
        "never_below_greedy": all(one["assign"] >= one["greedy"] for one in rounds),
        "gain_over_greedy_percent": {"mean": round(statistics.mean(gains), 2), "max": round(max(gains), 2)},
        "method": "linear-sum assignment over one column per free place (OR-tools), scores from fit()",
        "by_round": rounds,
    }


# The report ---------------------------------------------------------------------------------------


def report(figures: dict[str, Any]) -> str:
    """The figures of one run against their targets, as Markdown."""
    host, measured, exact = figures["machine"], figures["round"], figures["exact_check"]
    timing, memory = measured["assign_seconds"], measured["memory_mb"]
    engine, baseline = measured["assign"], measured["greedy"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    load = ", ".join(f"{value:.1f}" for value in figures["load_average_before"])
    lines = [
        f"Measured {figures['measured_at'][:10]} on {host['cores']} cores ({host['processor']}), "
        f"{host['ram_gib']} GiB RAM, Python {host['python']}; load average before the run {load}. "
        f"The whole benchmark took {figures['benchmark_seconds']:.0f} s.",
        "",
        "| figure | measured | target | |",
        "| --- | --- | --- | --- |",
        f"| `assign`: {measured['applications']:,} applications x {measured['experts']:,} experts "
        f"({measured['pairs_allowed']:,} of {measured['pairs']:,} pairs allowed, {measured['free_places']:,} free "
        f"places), median / slowest of {timing['runs']} runs | **{timing['median']:.2f} s** / {timing['max']:.2f} s "
        f"| at most {measured['target_seconds']:.0f} s | {verdict(measured['meets_time_target'])} |",
        f"| … of which scoring every pair (`score_matrix`) | {measured['score_matrix_seconds']:.2f} s | | |",
        f"| peak memory of the process that ran it | **{memory['peak']:.0f} MB** "
        f"| at most {measured['target_mb']:.0f} MB | {verdict(measured['meets_memory_target'])} |",
        f"| … of which before `assign` (interpreter, imports, the round) / growth during it "
        f"| {memory['before_assign']:.0f} MB / {memory['growth_during_assign']:.0f} MB | | |",
        f"| total score equals an exact solver's ({exact['rounds']} rounds of {exact['applications']} x "
        f"{exact['experts']}) | {exact['equal']} of {exact['rounds']} | all | {verdict(exact['all_equal'])} |",
        f"| total score, `assign` / `greedy` | {engine['total_score']:,} / {baseline['total_score']:,} "
        f"(**{measured['gain_over_greedy_percent']:+.1f}%**) | at least greedy's "
        f"| {verdict(engine['total_score'] >= baseline['total_score'])} |",
        f"| applications given an expert, `assign` / `greedy` | {engine['assigned']:,} / {baseline['assigned']:,} "
        f"of {measured['applications']:,} | | |",
        f"| mean score of a chosen pair, `assign` / `greedy` | {engine['mean_score']:.1f} / "
        f"{baseline['mean_score']:.1f} | | |",
        f"| `greedy` on the same round | {baseline['seconds']:.2f} s | | |",
        f"| gain over `greedy` on the {exact['rounds']} tighter rounds of {exact['applications']} x "
        f"{exact['experts']}, mean / largest | {exact['gain_over_greedy_percent']['mean']:+.1f}% / "
        f"{exact['gain_over_greedy_percent']['max']:+.1f}% | never below | {verdict(exact['never_below_greedy'])} |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    # The fresh process `run` starts: `python -m bench.matching measure`.
    if sys.argv[1:] != ["measure"]:
        sys.exit("usage: python -m bench.matching measure (or python -m bench matching for the whole benchmark)")
    print(json.dumps(measure()))
