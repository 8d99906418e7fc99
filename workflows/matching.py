"""Matching experts to approved work: how well one expert fits one application, the experts to
suggest for an application, and the best assignment of a whole round.

Pure computation on plain values: no database, no request. The caller loads the waiting
applications as `Need`s and the pool as `Candidate`s, and records what staff confirm.

A fit is scored out of 100 in five parts, each with a reason staff can read:

- specialisms, up to 50: the share of the specialisms asked for that the expert covers
  (a need that asked for none gives every expert a fixed 20);
- region, 20: the expert works in the lead council's region (10 to everyone when it is unknown);
- free places, up to 10: more of the expert's places free scores more;
- verified savings, up to 10: grows with the logarithm of the savings verified from past work,
  from 1 point at £1,000 to 10 at £1 million;
- availability, up to 10: how long the expert stays free from the start date, in full for a
  quarter of a year or more.

Some pairs may not be offered at all (`Fit.blocked`): a conflict of interest, no free place, not
vetted, not available on the start date, or none of the specialisms asked for.

`assign` finds the assignment of a round with the greatest total score, as a minimum-cost flow;
its scores come from `score_matrix`, the same rules as `fit` computed for every pair at once, so
that a round of a thousand applications and two thousand experts is scored in a fraction of a
second. `greedy` is the simple baseline it is measured against.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from grants.models import Region, Specialism
from workflows.money import pounds

__all__ = [
    "Assignment",
    "Candidate",
    "Fit",
    "Need",
    "assign",
    "fit",
    "greedy",
    "score_matrix",
    "suggestions",
]

SPECIALISM_POINTS = 50
# What every expert scores for specialisms when the council asked for none: enough that the
# other parts decide, without ranking such work above work that matches well.
NO_SPECIALISMS_ASKED_POINTS = 20
REGION_POINTS = 20
# When the lead council's region is not recorded, nobody gains or loses by it.
REGION_UNKNOWN_POINTS = 10
PLACES_POINTS = 10
SAVINGS_POINTS = 10
AVAILABILITY_POINTS = 10
# Free for this long from the start date scores the availability part in full.
AVAILABILITY_FULL_DAYS = 91

# The verified savings, in pence, at which each point of the savings part is earned: a
# logarithmic scale from £1,000 (1 point) to £1 million (10 points), in whole pounds. Both `fit`
# and `score_matrix` count thresholds passed, so the two agree to the point.
SAVINGS_THRESHOLDS_PENCE: tuple[int, ...] = tuple(
    round(1_000 * 1_000 ** (step / (SAVINGS_POINTS - 1))) * 100 for step in range(SAVINGS_POINTS)
)

_SPECIALISM_BITS = {specialism: 1 << index for index, specialism in enumerate(Specialism)}
_REGION_BITS = {region: 1 << index for index, region in enumerate(Region)}
# Region names that read without "the" after "Works in".
_REGIONS_WITHOUT_ARTICLE = frozenset({Region.LONDON, Region.WALES, Region.YORKSHIRE_AND_THE_HUMBER})
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Ordinal standing for "no end date" in the vectorised availability.
_OPEN_END = date.max.toordinal()

_Member = TypeVar("_Member", Specialism, Region)
IntMatrix = npt.NDArray[np.int32]
BoolMatrix = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Need:
    """An approved application waiting for an expert."""

    application_id: int
    council_id: int
    region: Region | None  # the lead council's region, None when it is not recorded
    specialisms: frozenset[Specialism]  # the skills the council asked for (may be none)
    starts_on: date  # when the work would start
    # The other councils of a joint bid: an expert with a conflict of interest with any of them
    # may not be offered the work either.
    partner_council_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Candidate:
    """An expert in the pool, as matching sees them."""

    expert_id: int
    name: str
    specialisms: frozenset[Specialism]
    regions: frozenset[Region]
    capacity: int  # engagements at once
    load: int  # places in use now: offers waiting and engagements in delivery
    verified_savings_pence: int  # savings verified from their past engagements
    # Availability windows, each (first day, last day or None for no end). None given means the
    # expert has not said, and is treated as available.
    windows: tuple[tuple[date, date | None], ...]
    conflicts: frozenset[int]  # ids of councils the expert has a conflict of interest with
    vetted: bool

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.load, 0)


@dataclass(frozen=True)
class Fit:
    """How well one expert fits one application: a score out of 100, a reason for each part of
    it, and why the expert may not be offered the work at all (None if they may)."""

    expert_id: int
    score: int
    reasons: tuple[str, ...]
    blocked: str | None


@dataclass(frozen=True)
class Assignment:
    """Experts proposed for a round: the chosen expert's fit for each application that has one,
    the applications no suitable expert could take, and the sum of the chosen scores."""

    pairs: dict[int, Fit]
    unassigned: tuple[int, ...]
    total_score: int


# One pair -----------------------------------------------------------------------------------------


def fit(need: Need, candidate: Candidate) -> Fit:
    """Score one expert for one application, with the reason for each part of the score and, if
    the expert may not be offered the work, every reason why (joined by "; ")."""
    specialism_points, specialism_reason = _specialism_part(need, candidate)
    region_points, region_reason = _region_part(need, candidate)
    places_points, places_reason = _places_part(candidate)
    savings_points, savings_reason = _savings_part(candidate)
    availability = _availability(need.starts_on, candidate.windows)

    blocks = []
    if need.council_id in candidate.conflicts:
        blocks.append("Conflict of interest with this council")
    elif need.partner_council_ids & candidate.conflicts:
        blocks.append("Conflict of interest with a partner council in this bid")
    if not candidate.vetted:
        blocks.append("Not vetted")
    if candidate.load >= candidate.capacity:
        blocks.append(f"At capacity: {_places_in_use(candidate)}")
    if availability.blocked is not None:
        blocks.append(availability.blocked)
    if need.specialisms and not need.specialisms & candidate.specialisms:
        blocks.append("None of the specialisms asked for")

    return Fit(
        expert_id=candidate.expert_id,
        score=specialism_points + region_points + places_points + savings_points + availability.points,
        reasons=(specialism_reason, region_reason, places_reason, savings_reason, availability.reason),
        blocked="; ".join(blocks) or None,
    )


def suggestions(need: Need, candidates: Iterable[Candidate], limit: int = 10) -> list[Fit]:
    """The experts who may be offered this work, best first, at most `limit` of them. Equal
    scores are ordered by expert id, so the list is the same every time. Blocked experts are
    left out: `fit` says why any one of them is blocked."""
    fits = [fit(need, candidate) for candidate in candidates]
    allowed = [one for one in fits if one.blocked is None]
    allowed.sort(key=lambda one: (-one.score, one.expert_id))
    return allowed[: max(limit, 0)]


# The parts of a score -----------------------------------------------------------------------------


def _specialism_part(need: Need, candidate: Candidate) -> tuple[int, str]:
    asked = len(need.specialisms)
    if not asked:
        return NO_SPECIALISMS_ASKED_POINTS, "No particular specialisms asked for"
    covered = [specialism for specialism in Specialism if specialism in need.specialisms & candidate.specialisms]
    if not covered:
        return 0, f"Specialisms: none of the {asked} asked for"
    labels = ", ".join(specialism.label for specialism in covered)
    return SPECIALISM_POINTS * len(covered) // asked, f"Specialisms: {labels} ({len(covered)} of {asked} asked for)"


def _region_part(need: Need, candidate: Candidate) -> tuple[int, str]:
    if need.region is None:
        return REGION_UNKNOWN_POINTS, "The council's region is not recorded"
    name = need.region.label if need.region in _REGIONS_WITHOUT_ARTICLE else f"the {need.region.label}"
    if need.region in candidate.regions:
        return REGION_POINTS, f"Works in {name}"
    return 0, f"Does not work in {name}"


def _places_part(candidate: Candidate) -> tuple[int, str]:
    points = PLACES_POINTS * candidate.free_places // candidate.capacity if candidate.capacity > 0 else 0
    return points, _places_in_use(candidate)


def _places_in_use(candidate: Candidate) -> str:
    noun = "place" if candidate.capacity == 1 else "places"
    return f"{candidate.load} of {candidate.capacity} {noun} in use"


def _savings_part(candidate: Candidate) -> tuple[int, str]:
    saved = candidate.verified_savings_pence
    if saved <= 0:
        return 0, "No verified savings from past work yet"
    return bisect_right(SAVINGS_THRESHOLDS_PENCE, saved), f"{pounds(saved)} of verified savings in past work"


@dataclass(frozen=True)
class _Availability:
    points: int
    reason: str
    blocked: str | None


def _availability(starts_on: date, windows: Sequence[tuple[date, date | None]]) -> _Availability:
    """Whether the expert is free on the start date and for how long after it, counting windows
    that meet or overlap as one stretch."""
    if not windows:
        return _Availability(AVAILABILITY_POINTS, "Has given no dates: taken as available", None)
    for first, last in _merged(windows):
        if first > starts_on:
            return _Availability(0, f"Not available on {_uk_date(starts_on)}", f"Not available until {_uk_date(first)}")
        if last is None:
            return _Availability(AVAILABILITY_POINTS, f"Available from {_uk_date(starts_on)}, with no end date", None)
        if starts_on <= last:
            days = (last - starts_on).days + 1
            return _Availability(
                _availability_points(days),
                f"Available from {_uk_date(starts_on)} to {_uk_date(last)} ({days} day{'' if days == 1 else 's'})",
                None,
            )
    return _Availability(0, f"Not available on {_uk_date(starts_on)}", "Not available")


def _availability_points(days: int) -> int:
    return min(AVAILABILITY_POINTS, AVAILABILITY_POINTS * days // AVAILABILITY_FULL_DAYS)


def _merged(windows: Iterable[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """Windows in date order, those that overlap or follow on the next day joined into one."""
    merged: list[tuple[date, date | None]] = []
    for first, last in sorted(windows, key=lambda window: window[0]):
        if merged:
            previous_first, previous_last = merged[-1]
            if previous_last is None:
                continue
            if first <= previous_last + timedelta(days=1):
                merged[-1] = (previous_first, None if last is None else max(last, previous_last))
                continue
        merged.append((first, last))
    return merged


def _uk_date(day: date) -> str:
    """A date as people write it in the UK: "1 December 2026"."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


# Every pair at once -------------------------------------------------------------------------------


def score_matrix(needs: Sequence[Need], candidates: Sequence[Candidate]) -> tuple[IntMatrix, BoolMatrix]:
    """The score of every candidate for every need, and whether the pair is allowed (not blocked),
    as two arrays with a row per need and a column per candidate, in the order given. The same
    rules as `fit`, computed with whole-array arithmetic: specialisms and regions as bit masks."""
    rows, columns = len(needs), len(candidates)
    if not rows or not columns:
        return np.zeros((rows, columns), dtype=np.int32), np.zeros((rows, columns), dtype=np.bool_)

    asked_masks = np.array([_mask(need.specialisms, _SPECIALISM_BITS) for need in needs], dtype=np.int64)
    offered_masks = np.array([_mask(one.specialisms, _SPECIALISM_BITS) for one in candidates], dtype=np.int64)
    asked = np.bitwise_count(asked_masks).astype(np.int32)[:, None]
    covered = np.bitwise_count(asked_masks[:, None] & offered_masks[None, :]).astype(np.int32)
    scores = np.where(asked > 0, SPECIALISM_POINTS * covered // np.maximum(asked, 1), NO_SPECIALISMS_ASKED_POINTS)
    scores = scores.astype(np.int32)
    allowed = (asked == 0) | (covered > 0)
    del covered

    need_regions = np.array(
        [_REGION_BITS[need.region] if need.region is not None else 0 for need in needs], dtype=np.int64
    )
    expert_regions = np.array([_mask(one.regions, _REGION_BITS) for one in candidates], dtype=np.int64)
    scores += np.where(
        need_regions[:, None] == 0,
        REGION_UNKNOWN_POINTS,
        np.where(need_regions[:, None] & expert_regions[None, :], REGION_POINTS, 0),
    ).astype(np.int32)

    capacity = np.array([one.capacity for one in candidates], dtype=np.int64)
    load = np.array([one.load for one in candidates], dtype=np.int64)
    free = np.maximum(capacity - load, 0)
    places = np.where(capacity > 0, PLACES_POINTS * free // np.maximum(capacity, 1), 0)
    saved = np.array([one.verified_savings_pence for one in candidates], dtype=np.int64)
    savings = np.searchsorted(np.array(SAVINGS_THRESHOLDS_PENCE, dtype=np.int64), saved, side="right")
    scores += (places + savings).astype(np.int32)[None, :]

    vetted = np.array([one.vetted for one in candidates], dtype=np.bool_)
    allowed &= (vetted & (load < capacity))[None, :]

    availability_points, available = _availability_matrix(needs, candidates)
    scores += availability_points
    allowed &= available
    allowed &= ~_conflict_matrix(needs, candidates)
    return scores, allowed


def _mask(members: Iterable[_Member], bits: Mapping[_Member, int]) -> int:
    mask = 0
    for member in members:
        mask |= bits[member]
    return mask


def _availability_matrix(needs: Sequence[Need], candidates: Sequence[Candidate]) -> tuple[IntMatrix, BoolMatrix]:
    """Availability points and whether each candidate is free on each need's start date. Worked
    out once per distinct start date (a round usually has one), then spread to the needs."""
    window_owner: list[int] = []
    window_first: list[int] = []
    window_last: list[int] = []
    for column, candidate in enumerate(candidates):
        for first, last in _merged(candidate.windows):
            window_owner.append(column)
            window_first.append(first.toordinal())
            window_last.append(_OPEN_END if last is None else last.toordinal())
    owners = np.array(window_owner, dtype=np.int64)
    firsts = np.array(window_first, dtype=np.int64)
    lasts = np.array(window_last, dtype=np.int64)
    said_nothing = np.array([not candidate.windows for candidate in candidates], dtype=np.bool_)

    days = sorted({need.starts_on for need in needs})
    day_row = {day: row for row, day in enumerate(days)}
    points = np.zeros((len(days), len(candidates)), dtype=np.int32)
    available = np.zeros((len(days), len(candidates)), dtype=np.bool_)
    for row, day in enumerate(days):
        ordinal = day.toordinal()
        points[row, said_nothing] = AVAILABILITY_POINTS
        available[row, said_nothing] = True
        # Merged windows never overlap, so at most one of a candidate's covers the day.
        covering = (firsts <= ordinal) & (ordinal <= lasts)
        runway = lasts[covering] - ordinal + 1
        window_points = np.where(
            lasts[covering] == _OPEN_END,
            AVAILABILITY_POINTS,
            np.minimum(AVAILABILITY_POINTS, AVAILABILITY_POINTS * runway // AVAILABILITY_FULL_DAYS),
        )
        points[row, owners[covering]] = window_points
        available[row, owners[covering]] = True

    need_rows = np.array([day_row[need.starts_on] for need in needs], dtype=np.int64)
    return points[need_rows], available[need_rows]


def _conflict_matrix(needs: Sequence[Need], candidates: Sequence[Candidate]) -> BoolMatrix:
    """Whether each candidate has a conflict of interest with any council of each need's bid."""
    councils = sorted({need.council_id for need in needs} | {c for need in needs for c in need.partner_council_ids})
    council_row = {council: row for row, council in enumerate(councils)}
    by_council = np.zeros((len(councils), len(candidates)), dtype=np.bool_)
    council_rows: list[int] = []
    columns: list[int] = []
    for column, candidate in enumerate(candidates):
        for council in candidate.conflicts:
            row = council_row.get(council)
            if row is not None:
                council_rows.append(row)
                columns.append(column)
    by_council[np.array(council_rows, dtype=np.int64), np.array(columns, dtype=np.int64)] = True
    conflicts = by_council[np.array([council_row[need.council_id] for need in needs], dtype=np.int64)]
    for row, need in enumerate(needs):
        for partner in need.partner_council_ids:
            conflicts[row] |= by_council[council_row[partner]]
    return conflicts


# A whole round ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Round:
    """A round ready to solve: candidates in expert-id order, every pair's score, and which pairs
    may be chosen (neither blocked nor excluded by staff)."""

    needs: Sequence[Need]
    candidates: list[Candidate]
    scores: IntMatrix
    allowed: BoolMatrix


def _prepare(needs: Sequence[Need], candidates: Sequence[Candidate], excluded: Collection[tuple[int, int]]) -> _Round:
    _refuse_repeats("application", [need.application_id for need in needs])
    _refuse_repeats("expert", [candidate.expert_id for candidate in candidates])
    ordered = sorted(candidates, key=lambda candidate: candidate.expert_id)
    scores, allowed = score_matrix(needs, ordered)
    if excluded:
        need_row = {need.application_id: row for row, need in enumerate(needs)}
        expert_column = {candidate.expert_id: column for column, candidate in enumerate(ordered)}
        for application_id, expert_id in excluded:
            row, column = need_row.get(application_id), expert_column.get(expert_id)
            if row is not None and column is not None:
                allowed[row, column] = False
    return _Round(needs, ordered, scores, allowed)


def _refuse_repeats(noun: str, ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"each {noun} may appear only once")


def _assignment(round_: _Round, chosen: Iterable[tuple[int, int]]) -> Assignment:
    """The Assignment for chosen (row, column) pairs, each Fit with its reasons from `fit`."""
    pairs: dict[int, Fit] = {}
    for row, column in chosen:
        need = round_.needs[row]
        pairs[need.application_id] = fit(need, round_.candidates[column])
    unassigned = tuple(need.application_id for need in round_.needs if need.application_id not in pairs)
    return Assignment(pairs=pairs, unassigned=unassigned, total_score=sum(one.score for one in pairs.values()))


def assign(
    needs: Sequence[Need], candidates: Sequence[Candidate], *, excluded: Collection[tuple[int, int]] = ()
) -> Assignment:
    """The assignment with the greatest total score: each application to at most one expert,
    each expert to no more applications than their free places, never a blocked pair nor one in
    `excluded` ((application_id, expert_id) pairs staff ruled out, such as declined offers).

    Solved exactly as a minimum-cost flow: source → each application (1) → each allowed expert
    (cost minus the score) → sink (the expert's free places), with an arc of score 0 from each
    application straight to the sink for work nobody suitable can take. The same input always
    gives the same assignment."""
    round_ = _prepare(needs, candidates, excluded)
    rows, columns = np.nonzero(round_.allowed)
    if not len(rows):
        return _assignment(round_, ())

    count, experts = len(round_.needs), len(round_.candidates)
    source, sink = 0, count + experts + 1
    need_nodes = np.arange(1, count + 1, dtype=np.int32)
    expert_nodes = np.arange(count + 1, count + experts + 1, dtype=np.int32)
    free = np.array([candidate.free_places for candidate in round_.candidates], dtype=np.int64)
    # Never more places than applications: keeps the numbers small for the solver.
    free = np.minimum(free, count)

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(count, source, dtype=np.int32), need_nodes, np.ones(count, np.int64), np.zeros(count, np.int64)
    )
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        need_nodes[rows],
        expert_nodes[columns],
        np.ones(len(rows), np.int64),
        -round_.scores[rows, columns].astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        need_nodes, np.full(count, sink, dtype=np.int32), np.ones(count, np.int64), np.zeros(count, np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        expert_nodes, np.full(experts, sink, dtype=np.int32), free, np.zeros(experts, np.int64)
    )
    flow.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([count, -count], dtype=np.int64))
    status = flow.solve()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"the matching solver stopped without an optimal answer: {status!r}")

    used = flow.flows(np.asarray(pair_arcs, dtype=np.int32)) > 0
    return _assignment(round_, zip(rows[used].tolist(), columns[used].tolist(), strict=True))


def greedy(
    needs: Sequence[Need], candidates: Sequence[Candidate], *, excluded: Collection[tuple[int, int]] = ()
) -> Assignment:
    """The simple baseline `assign` is measured against: applications in the order given, each
    taking the best-scoring expert (the lowest expert id among equals) who may be offered it and
    still has a free place."""
    round_ = _prepare(needs, candidates, excluded)
    free = np.array([candidate.free_places for candidate in round_.candidates], dtype=np.int64)
    chosen: list[tuple[int, int]] = []
    for row in range(len(round_.needs)):
        open_ = round_.allowed[row] & (free > 0)
        if not open_.any():
            continue
        column = int(np.argmax(np.where(open_, round_.scores[row], -1)))
        free[column] -= 1
        chosen.append((row, column))
    return _assignment(round_, chosen)
