"""Partner councils for shared services matchmaking requests: how well a council fits a request,
and keeping every open request's suggestions up to date.

A request is an application to a scheme of the matchmaking kind. It is *open*, so matched and
suggested to others, from submission while it is still in play: submitted, in assessment,
awaiting a decision, sent back for changes, offered, waiting for an expert or in delivery. A draft
is not yet asking; once withdrawn, rejected, found not eligible or closed it has stopped asking,
and with outcomes reported or evaluated the sharing it asked for is under way.

A candidate is another council's open request, or a council in the register of shared
arrangements (`SharedArrangement`) that already shares one of the service areas asked for. Each is
scored out of 100 in four parts, each with a reason a broker can read:

- service areas, up to 40: the share of the areas asked for that the other council wants to
  share too, or already shares (a request for a management team alone, naming no areas, gives
  every candidate who wants one a fixed 20);
- geography, up to 30, by the reach the request asked for (same county area / same region /
  elsewhere): "county" 30 / 10 / 0, "neighbours" 30 / 20 / 0, "region" 30 / 25 / 0 and "anywhere"
  30 / 25 / 20. The same county area is two districts of one county, or a county and one of its
  districts. The register holds no map, so "neighbours" is taken to mean the same county area or
  region; a council outside a two-tier county that asked for its county area is treated the same
  way;
- tier, up to 20: councils of the same tier, or a county and one of its own districts, 20;
  single-tier councils of different kinds (a unitary authority and a London borough, say) 10; any
  other pair, which runs different services, 0;
- sharing type, up to 10: both want the same (services, a management team, or both) 10; one
  wants both and the other one of them 5; nothing in common 0.

A council with no service area in common with the request is not suggested, unless both want to
share a management team. The scoring functions are pure computation on plain values; the
functions after them load the records, write the suggestions and tell the programme officers.
Those flush and never commit: the caller (the task `workflows.suggest_partners`) owns the
transaction.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.orm import aliased

from grants.extensions import db
from grants.models import (
    SERVICE_AREA_LABELS,
    Application,
    ApplicationStatus,
    Council,
    CouncilTier,
    FundingRound,
    PartnerSuggestion,
    Region,
    Role,
    Scheme,
    SchemeKind,
    SharedArrangement,
    SharedArrangementCouncil,
    utcnow,
)
from notifications import queue_email
from notifications.outbox import absolute_url
from workflows.applications import active_users_with

__all__ = [
    "MAX_SUGGESTIONS",
    "OPEN_STATUSES",
    "Arrangement",
    "Candidate",
    "Outcome",
    "PartnerFit",
    "Place",
    "SharingRequest",
    "candidate_from_register",
    "candidate_from_request",
    "fit",
    "is_open",
    "matchmaking_requests",
    "place_of",
    "rank",
    "request_from_answers",
    "same_county_area",
    "suggest_partners",
    "suggestion_summaries",
    "visible_suggestions",
]

OPEN_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.AWAITING_DECISION,
        ApplicationStatus.CHANGES_REQUESTED,
        ApplicationStatus.OFFERED,
        ApplicationStatus.EXPERT_MATCHING,
        ApplicationStatus.IN_DELIVERY,
    }
)
MAX_SUGGESTIONS = 20

AREA_POINTS = 40
# What every candidate who wants a management team scores for areas when the request names
# none: enough for the other parts to decide, without ranking it above a request that matches well.
NO_AREAS_ASKED_POINTS = 20
GEOGRAPHY_POINTS = 30
TIER_POINTS = 20
SINGLE_TIER_POINTS = 10
TYPE_POINTS = 10
PARTLY_SAME_TYPE_POINTS = 5

# Geography by the request's reach: (the same county area, the same region, elsewhere).
GEOGRAPHY_BY_REACH: dict[str, tuple[int, int, int]] = {
    "county": (GEOGRAPHY_POINTS, 10, 0),
    "neighbours": (GEOGRAPHY_POINTS, 20, 0),
    "region": (GEOGRAPHY_POINTS, 25, 0),
    "anywhere": (GEOGRAPHY_POINTS, 25, 20),
}
DEFAULT_REACH = "neighbours"
NO_MAP = "the register holds no map, so neighbouring is taken to mean the same county area or region"

WANTS_BY_ANSWER: dict[str, frozenset[str]] = {
    "services": frozenset({"services"}),
    "management": frozenset({"management"}),
    "both": frozenset({"services", "management"}),
}

SINGLE_TIER = frozenset(
    {CouncilTier.UNITARY, CouncilTier.METROPOLITAN, CouncilTier.LONDON_BOROUGH, CouncilTier.WELSH_PRINCIPAL_AREA}
)
_TIER_ONE = {
    CouncilTier.COUNTY: "a county council",
    CouncilTier.DISTRICT: "a district council",
    CouncilTier.UNITARY: "a unitary authority",
    CouncilTier.METROPOLITAN: "a metropolitan district",
    CouncilTier.LONDON_BOROUGH: "a London borough",
    CouncilTier.WELSH_PRINCIPAL_AREA: "a Welsh principal area",
}
_TIER_MANY = {
    CouncilTier.COUNTY: "county councils",
    CouncilTier.DISTRICT: "district councils",
    CouncilTier.UNITARY: "unitary authorities",
    CouncilTier.METROPOLITAN: "metropolitan districts",
    CouncilTier.LONDON_BOROUGH: "London boroughs",
    CouncilTier.WELSH_PRINCIPAL_AREA: "Welsh principal areas",
}
# Region names that read without "the" in a sentence.
_NO_ARTICLE = frozenset({Region.LONDON, Region.WALES, Region.YORKSHIRE_AND_THE_HUMBER})
# Arrangements named in a reason before the rest are counted.
ARRANGEMENTS_NAMED = 3


# The values scoring works on ------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A council as geography and tier see it. `county_id` and `county_name` name its county area:
    its own for a county, its county's for a district, none for a single-tier council."""

    council_id: int
    name: str
    tier: CouncilTier
    county_id: int | None
    county_name: str | None
    region: Region | None


@dataclass(frozen=True)
class SharingRequest:
    """An open matchmaking request: who asks, what they want to share, and how far they look."""

    request_id: int
    place: Place
    wants: frozenset[str]  # "services", "management", or both
    areas: tuple[str, ...]  # service area codes, in the order of SERVICE_AREA_LABELS
    reach: str


@dataclass(frozen=True)
class Arrangement:
    """One shared arrangement a council is in, from the register."""

    name: str
    service_area: str
    sharing_type: str


@dataclass(frozen=True)
class Candidate:
    """A council that could be suggested: from its own open request (`request_id`), or from the
    register (`arrangements`, the ones it is in)."""

    place: Place
    wants: frozenset[str]
    areas: frozenset[str]
    request_id: int | None = None
    arrangements: tuple[Arrangement, ...] = field(default_factory=tuple)

    @property
    def from_request(self) -> bool:
        return self.request_id is not None


@dataclass(frozen=True)
class PartnerFit:
    """How well one council fits one request: a score out of 100 and a reason for each part."""

    council_id: int
    name: str
    score: int
    reasons: tuple[str, ...]
    other_request_id: int | None


def request_from_answers(request_id: int, place: Place, answers: Mapping[str, Any]) -> SharingRequest:
    """A request as scoring sees it, from the answers of its sharing and geography sections.
    Areas that are not on the list are left out; an unknown reach counts as "neighbours"."""
    sharing = answers.get("sharing") or {}
    geography = answers.get("geography") or {}
    asked = set(sharing.get("areas") or [])
    reach = geography.get("reach")
    return SharingRequest(
        request_id=request_id,
        place=place,
        wants=WANTS_BY_ANSWER.get(sharing.get("what") or "services", WANTS_BY_ANSWER["services"]),
        areas=tuple(code for code in SERVICE_AREA_LABELS if code in asked),
        reach=reach if reach in GEOGRAPHY_BY_REACH else DEFAULT_REACH,
    )


def candidate_from_request(request: SharingRequest) -> Candidate:
    return Candidate(
        place=request.place, wants=request.wants, areas=frozenset(request.areas), request_id=request.request_id
    )


def candidate_from_register(place: Place, arrangements: Sequence[Arrangement]) -> Candidate:
    wants: frozenset[str] = frozenset()
    for arrangement in arrangements:
        wants |= WANTS_BY_ANSWER.get(arrangement.sharing_type, WANTS_BY_ANSWER["services"])
    return Candidate(
        place=place,
        wants=wants,
        areas=frozenset(a.service_area for a in arrangements),
        arrangements=tuple(arrangements),
    )


# One pair ----------------------------------------------------------------------------------------


def same_county_area(one: Place, other: Place) -> bool:
    """Two districts of one county, or a county and one of its districts."""
    return one.county_id is not None and one.county_id == other.county_id and one.council_id != other.council_id


def fit(request: SharingRequest, candidate: Candidate) -> PartnerFit | None:
    """Score one council for one request, with the reason for each part; None when it is not to
    be suggested: the same council, or no service area in common and not both wanting a
    management team."""
    if candidate.place.council_id == request.place.council_id:
        return None
    common = [code for code in request.areas if code in candidate.areas]
    both_management = "management" in request.wants and "management" in candidate.wants
    if not common and not both_management:
        return None
    parts = (
        _area_part(request, candidate, common),
        _geography_part(request, candidate.place),
        _tier_part(request.place, candidate.place),
        _type_part(request, candidate),
    )
    return PartnerFit(
        council_id=candidate.place.council_id,
        name=candidate.place.name,
        score=sum(points for points, _ in parts),
        reasons=tuple(reason for _, reason in parts),
        other_request_id=candidate.request_id,
    )


def rank(request: SharingRequest, candidates: Iterable[Candidate], limit: int = MAX_SUGGESTIONS) -> list[PartnerFit]:
    """The councils to suggest for a request, best first, one row per council, at most `limit`.
    A council found both by its own request and in the register keeps its better score (its
    request on a tie). Equal scores put councils with their own request first, then by name."""
    best: dict[int, PartnerFit] = {}
    for candidate in candidates:
        found = fit(request, candidate)
        if found is None:
            continue
        kept = best.get(found.council_id)
        if kept is None or _order(found) < _order(kept):
            best[found.council_id] = found
    return sorted(best.values(), key=_order)[: max(limit, 0)]


def _order(found: PartnerFit) -> tuple[int, int, str, int]:
    return (-found.score, 0 if found.other_request_id is not None else 1, found.name, found.council_id)


# The parts of a score -------------------------------------------------------------------------------


def _area_part(request: SharingRequest, candidate: Candidate, common: list[str]) -> tuple[int, str]:
    asker, other = request.place.name, candidate.place.name
    if not request.areas:
        return NO_AREAS_ASKED_POINTS, f"{asker} asks for no particular service areas, only a management team"
    if not common:
        return 0, f"No service area in common with those {asker} asked for"
    labels = ", ".join(SERVICE_AREA_LABELS.get(code, code) for code in common)
    asked = len(request.areas)
    share = f"({len(common)} of the {asked} {asker} asked for)" if asked > 1 else f"(the one {asker} asked for)"
    points = AREA_POINTS * len(common) // asked
    if candidate.from_request:
        return points, f"Service areas: {labels} {share}, which {other} wants to share too"
    named = [a.name for a in candidate.arrangements if a.service_area in common]
    return points, f"Service areas: {labels} {share}, which {other} already shares ({_names(named)})"


def _names(names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) <= ARRANGEMENTS_NAMED:
        return ", ".join(unique)
    rest = len(unique) - ARRANGEMENTS_NAMED
    return ", ".join(unique[:ARRANGEMENTS_NAMED]) + f" and {rest} more"


def _region_name(region: Region) -> str:
    return region.label if region in _NO_ARTICLE else f"the {region.label}"


def _geography_part(request: SharingRequest, other: Place) -> tuple[int, str]:
    here = request.place
    asker = here.name
    reach = request.reach
    # A council outside a two-tier county has no county area to look in: its nearest are taken
    # as they are for "neighbours".
    no_county_area = reach == "county" and here.county_id is None
    county_points, region_points, elsewhere_points = GEOGRAPHY_BY_REACH[DEFAULT_REACH if no_county_area else reach]
    same_region = here.region is not None and here.region == other.region

    if same_county_area(here, other):
        fact = f"{asker} and {other.name} are in the same county area ({here.county_name})"
        if reach == "county":
            return county_points, f"{fact}, where {asker} asked for partners"
        if reach == "neighbours":
            return county_points, f"{fact}, so count as neighbours: {NO_MAP}"
        return county_points, fact

    if no_county_area:
        lead = f"{asker} is not in a two-tier county, so its county area is taken as its neighbours: {NO_MAP}"
    elif reach == "neighbours":
        lead = NO_MAP[0].upper() + NO_MAP[1:]
    else:
        lead = ""

    if same_region and here.region is not None:
        fact = f"{other.name} is in {_region_name(here.region)}, like {asker}"
        if no_county_area or reach == "neighbours":
            return region_points, f"{fact}. {lead}"
        if reach == "county":
            return region_points, f"{fact}, but not in the {here.county_name} county area {asker} asked for"
        if reach == "region":
            return region_points, f"{fact}, the region {asker} asked for"
        return region_points, f"{fact}; {asker} will share with councils anywhere"

    if here.region is None or other.region is None:
        unknown = asker if here.region is None else other.name
        fact = f"The region of {unknown} is not recorded, and {other.name} is not in {asker}'s county area"
    else:
        fact = f"{other.name} is in {_region_name(other.region)}, {asker} in {_region_name(here.region)}"
    if reach == "anywhere":
        return elsewhere_points, f"{fact}; {asker} will share with councils anywhere, so distance counts for little"
    if no_county_area or reach == "neighbours":
        return elsewhere_points, f"{fact}: not a neighbour. {lead}"
    if reach == "county":
        return elsewhere_points, f"{fact}: outside the county area {asker} asked for"
    return elsewhere_points, f"{fact}: outside the region {asker} asked for"


def _tier_part(here: Place, other: Place) -> tuple[int, str]:
    if here.tier is other.tier:
        return TIER_POINTS, f"Both are {_TIER_MANY[here.tier]}, with the same services to run"
    pair = {here.tier, other.tier}
    if pair == {CouncilTier.COUNTY, CouncilTier.DISTRICT}:
        county, district = (here, other) if here.tier is CouncilTier.COUNTY else (other, here)
        if district.county_id == county.council_id:
            return TIER_POINTS, f"{county.name} is the county council for {district.name}'s area"
        return 0, (
            f"{county.name} is a county council, but not {district.name}'s: "
            "a county and a district elsewhere run different services in different places"
        )
    if pair <= SINGLE_TIER:
        return SINGLE_TIER_POINTS, (
            f"{here.name} is {_TIER_ONE[here.tier]} and {other.name} {_TIER_ONE[other.tier]}: "
            "both run every council service in their area"
        )
    return 0, (
        f"{here.name} is {_TIER_ONE[here.tier]} and {other.name} {_TIER_ONE[other.tier]}: "
        "they run different sets of services"
    )


def _wanted(wants: frozenset[str]) -> str:
    if wants == WANTS_BY_ANSWER["both"]:
        return "services and a management team"
    if wants == WANTS_BY_ANSWER["management"]:
        return "a management team"
    return "services"


def _type_part(request: SharingRequest, candidate: Candidate) -> tuple[int, str]:
    asker, other = request.place.name, candidate.place.name
    theirs = _wanted(candidate.wants)
    if candidate.from_request:
        if request.wants == candidate.wants:
            return TYPE_POINTS, f"Both want to share {theirs}"
        told = f"{asker} wants to share {_wanted(request.wants)}; {other} wants to share {theirs}"
    else:
        if request.wants == candidate.wants:
            return TYPE_POINTS, f"{asker} wants to share {theirs}, as {other} already does"
        told = f"{asker} wants to share {_wanted(request.wants)}; {other} already shares {theirs}"
    common = request.wants & candidate.wants
    if common:
        return PARTLY_SAME_TYPE_POINTS, f"{told}: they have {_wanted(frozenset(common))} in common"
    return 0, told


# Loading, writing and telling --------------------------------------------------------------------


def matchmaking_requests() -> Select[tuple[Application]]:
    """Every open matchmaking request, the longest waiting first."""
    return (
        select(Application)
        .join(FundingRound, FundingRound.id == Application.round_id)
        .join(Scheme, Scheme.id == FundingRound.scheme_id)
        .where(Scheme.kind == SchemeKind.MATCHMAKING, Application.status.in_(OPEN_STATUSES))
        .order_by(Application.submitted_at, Application.id)
    )


def is_open(application: Application) -> bool:
    return application.scheme.kind is SchemeKind.MATCHMAKING and application.status in OPEN_STATUSES


def visible_suggestions(request_id: int) -> list[PartnerSuggestion]:
    """A request's suggestions, best first, leaving out any from a request that has since stopped
    asking (withdrawn, say): it drops out at once, and from the rows the next time they are
    worked out."""
    return list(db.session.scalars(_visible().where(PartnerSuggestion.request_id == request_id).order_by(*_ranked())))


def suggestion_summaries(request_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """For each request, how many councils are suggested and the best score."""
    if not request_ids:
        return {}
    query = (
        _visible()
        .with_only_columns(PartnerSuggestion.request_id, func.count(), func.max(PartnerSuggestion.score))
        .where(PartnerSuggestion.request_id.in_(request_ids))
        .group_by(PartnerSuggestion.request_id)
    )
    return {request_id: (int(found), int(best)) for request_id, found, best in db.session.execute(query)}


def _visible() -> Select[tuple[PartnerSuggestion]]:
    other = aliased(Application)
    return (
        select(PartnerSuggestion)
        .join(Council, Council.id == PartnerSuggestion.council_id)
        .outerjoin(other, other.id == PartnerSuggestion.other_request_id)
        .where(or_(PartnerSuggestion.other_request_id.is_(None), other.status.in_(OPEN_STATUSES)))
    )


def _ranked() -> tuple[Any, ...]:
    return (
        PartnerSuggestion.score.desc(),
        PartnerSuggestion.other_request_id.is_(None),
        Council.name,
        PartnerSuggestion.council_id,
    )


def place_of(council: Council, councils: Mapping[int, Council]) -> Place:
    if council.tier is CouncilTier.COUNTY:
        county: Council | None = council
    elif council.tier is CouncilTier.DISTRICT and council.parent_id is not None:
        county = councils.get(council.parent_id)
    else:
        county = None
    return Place(
        council_id=council.id,
        name=council.name,
        tier=council.tier,
        county_id=county.id if county else None,
        county_name=county.name if county else None,
        region=council.region,
    )


@dataclass(frozen=True)
class Outcome:
    """What one run changed: the requests whose suggestions were written, and the councils newly
    suggested for each."""

    rewritten: tuple[int, ...]
    new: dict[int, list[PartnerFit]]


def suggest_partners(request_id: int) -> Outcome | None:
    """Work out the request's suggestions again, and those of every other open request it now
    appears in (or appeared in), replacing their rows: best first, at most MAX_SUGGESTIONS each,
    rows left as they are where nothing changed. A request that is no longer open loses its
    own suggestions and drops out of the others'. The programme officers are told once, by email
    and in the service, of each council newly suggested. None if the application is not a
    matchmaking request. Runs one at a time (a PostgreSQL advisory lock for the transaction), so
    two requests arriving together each see the other. Flushes, never commits."""
    application = db.session.get(Application, request_id)
    if application is None or application.scheme.kind is not SchemeKind.MATCHMAKING:
        return None
    _one_at_a_time()
    councils = {c.id: c for c in db.session.scalars(select(Council))}
    places = {council_id: place_of(c, councils) for council_id, c in councils.items()}
    requests = {
        a.id: request_from_answers(a.id, places[a.lead_council_id], a.answers)
        for a in db.session.scalars(matchmaking_requests())
    }
    pool = [*(candidate_from_request(r) for r in requests.values()), *_register_candidates(places)]

    this = requests.get(request_id)
    affected = set(
        db.session.scalars(
            select(PartnerSuggestion.request_id).where(
                or_(
                    PartnerSuggestion.council_id == application.lead_council_id,
                    PartnerSuggestion.other_request_id == request_id,
                ),
                PartnerSuggestion.request_id != request_id,
            )
        )
    )
    if this is not None:
        arriving = candidate_from_request(this)
        affected |= {other.request_id for other in requests.values() if fit(other, arriving) is not None}

    now = utcnow()
    new: dict[int, list[PartnerFit]] = {}
    rewritten = [request_id]
    new[request_id] = _write(request_id, rank(this, pool) if this is not None else [], now)
    for other_id in sorted(affected):
        other = requests.get(other_id)
        if other is None:
            continue  # no longer open: its rows are hidden and left as they were
        rewritten.append(other_id)
        new[other_id] = _write(other_id, rank(other, pool), now)
    found = {key: fits for key, fits in new.items() if fits}
    if found:
        _tell_programme_officers(request_id, found)
    return Outcome(tuple(rewritten), found)


def _one_at_a_time() -> None:
    """Wait for any other run to commit first: each run then reads the requests the other wrote."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(b"workflows.suggest_partners") - 2**31
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _register_candidates(places: Mapping[int, Place]) -> list[Candidate]:
    by_council: dict[int, list[Arrangement]] = {}
    rows = db.session.execute(
        select(
            SharedArrangementCouncil.council_id,
            SharedArrangement.name,
            SharedArrangement.service_area,
            SharedArrangement.sharing_type,
        )
        .join(SharedArrangement, SharedArrangement.id == SharedArrangementCouncil.arrangement_id)
        .order_by(SharedArrangementCouncil.council_id, SharedArrangement.name, SharedArrangement.id)
    )
    for council_id, name, service_area, sharing_type in rows:
        by_council.setdefault(council_id, []).append(Arrangement(name, service_area, sharing_type))
    return [
        candidate_from_register(places[council_id], arrangements)
        for council_id, arrangements in by_council.items()
        if council_id in places
    ]


def _write(request_id: int, fits: list[PartnerFit], now: datetime) -> list[PartnerFit]:
    """Make the request's rows these, touching only those that change; returns the councils
    that had no row before."""
    existing = {
        row.council_id: row
        for row in db.session.scalars(select(PartnerSuggestion).where(PartnerSuggestion.request_id == request_id))
    }
    wanted = {found.council_id for found in fits}
    for council_id, stale in existing.items():
        if council_id not in wanted:
            db.session.delete(stale)
    added: list[PartnerFit] = []
    for found in fits:
        row = existing.get(found.council_id)
        if row is None:
            db.session.add(
                PartnerSuggestion(
                    request_id=request_id,
                    council_id=found.council_id,
                    other_request_id=found.other_request_id,
                    score=found.score,
                    reasons=list(found.reasons),
                    computed_at=now,
                )
            )
            added.append(found)
        elif (row.score, list(row.reasons), row.other_request_id) != (
            found.score,
            list(found.reasons),
            found.other_request_id,
        ):
            row.score = found.score
            row.reasons = list(found.reasons)
            row.other_request_id = found.other_request_id
            row.computed_at = now
    db.session.flush()
    return added


def _tell_programme_officers(request_id: int, found: dict[int, list[PartnerFit]]) -> None:
    """One message per programme officer for the run, listing each request with the councils newly
    suggested for it. The key is made of what is new, so a run repeated sends nothing more."""
    order = sorted(found, key=lambda key: (key != request_id, key))
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(order)))}
    requests = [
        {
            "reference": applications[key].reference,
            "council": applications[key].lead_council.name,
            "link": absolute_url(f"/sharing/requests/{key}"),
            "partners": [
                {"council": f.name, "score": f.score, "from_request": f.other_request_id is not None}
                for f in found[key]
            ],
        }
        for key in order
    ]
    pairs = ",".join(f"{key}:{f.council_id}" for key in order for f in found[key])
    digest = hashlib.sha256(pairs.encode()).hexdigest()[:20]
    for officer in active_users_with(Role.PROGRAMME_OFFICER):
        queue_email(
            to=officer,
            template="partners_suggested",
            key=f"request:{request_id}:partners_suggested:{digest}:{officer.id}",
            link=f"/sharing/requests/{order[0]}",
            context={"name": officer.name, "requests": requests},
            in_app=True,
        )
