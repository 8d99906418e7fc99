"""Scoring partner councils for a shared services matchmaking request: each part of the score and
its reason, the ranking, and who is not suggested at all."""

from __future__ import annotations

import pytest

from grants.models import CouncilTier, Region
from workflows.partner_suggestions import (
    Arrangement,
    Candidate,
    Place,
    SharingRequest,
    candidate_from_register,
    candidate_from_request,
    fit,
    rank,
    request_from_answers,
    same_county_area,
)

T = CouncilTier
SUFFOLK = Place(1, "Suffolk", T.COUNTY, 1, "Suffolk", Region.EAST_OF_ENGLAND)
MID_SUFFOLK = Place(2, "Mid Suffolk", T.DISTRICT, 1, "Suffolk", Region.EAST_OF_ENGLAND)
EAST_SUFFOLK = Place(3, "East Suffolk", T.DISTRICT, 1, "Suffolk", Region.EAST_OF_ENGLAND)
BRECKLAND = Place(4, "Breckland", T.DISTRICT, 10, "Norfolk", Region.EAST_OF_ENGLAND)
NORFOLK_DISTRICT = Place(16, "Broadland", T.DISTRICT, 10, "Norfolk", Region.EAST_OF_ENGLAND)
NORFOLK = Place(10, "Norfolk", T.COUNTY, 10, "Norfolk", Region.EAST_OF_ENGLAND)
MAIDSTONE = Place(5, "Maidstone", T.DISTRICT, 11, "Kent", Region.SOUTH_EAST)
KENT = Place(11, "Kent", T.COUNTY, 11, "Kent", Region.SOUTH_EAST)
YORK = Place(6, "York", T.UNITARY, None, None, Region.YORKSHIRE_AND_THE_HUMBER)
HULL = Place(12, "Kingston upon Hull", T.UNITARY, None, None, Region.YORKSHIRE_AND_THE_HUMBER)
CAMDEN = Place(7, "Camden", T.LONDON_BOROUGH, None, None, Region.LONDON)
ISLINGTON = Place(8, "Islington", T.LONDON_BOROUGH, None, None, Region.LONDON)
LEEDS = Place(9, "Leeds", T.METROPOLITAN, None, None, Region.YORKSHIRE_AND_THE_HUMBER)
CARDIFF = Place(13, "Cardiff", T.WELSH_PRINCIPAL_AREA, None, None, Region.WALES)
NOWHERE = Place(14, "Somewhere", T.DISTRICT, 15, "Elsewhere", None)

SERVICES = frozenset({"services"})
MANAGEMENT = frozenset({"management"})
BOTH = frozenset({"services", "management"})


def ask(
    place: Place = MID_SUFFOLK,
    areas: tuple[str, ...] = ("revenues_and_benefits", "legal"),
    reach: str = "county",
    wants: frozenset[str] = SERVICES,
    request_id: int = 100,
) -> SharingRequest:
    return SharingRequest(request_id=request_id, place=place, wants=wants, areas=areas, reach=reach)


def asking(
    place: Place,
    areas: tuple[str, ...] = ("revenues_and_benefits",),
    wants: frozenset[str] = SERVICES,
    request_id: int = 200,
) -> Candidate:
    return candidate_from_request(ask(place, areas, "anywhere", wants, request_id))


def scored(request: SharingRequest, candidate: Candidate) -> tuple[int, tuple[str, ...]]:
    found = fit(request, candidate)
    assert found is not None
    return found.score, found.reasons


# The score as a whole -----------------------------------------------------------------------------


def test_a_score_is_the_sum_of_four_parts_each_with_its_reason():
    found = fit(ask(), asking(EAST_SUFFOLK, ("revenues_and_benefits", "waste")))
    assert found is not None
    assert found.council_id == EAST_SUFFOLK.council_id and found.other_request_id == 200
    assert found.score == 20 + 30 + 20 + 10
    assert found.reasons == (
        "Service areas: Revenues and benefits (1 of the 2 Mid Suffolk asked for), "
        "which East Suffolk wants to share too",
        "Mid Suffolk and East Suffolk are in the same county area (Suffolk), where Mid Suffolk asked for partners",
        "Both are district councils, with the same services to run",
        "Both want to share services",
    )


def test_the_demo_pair_in_one_county_is_suggested_to_each_other_above_the_pair_from_different_regions():
    mid = ask(MID_SUFFOLK, ("revenues_and_benefits", "legal"), "county", request_id=1)
    east = ask(EAST_SUFFOLK, ("revenues_and_benefits", "waste"), "county", request_id=2)
    maidstone = ask(MAIDSTONE, ("revenues_and_benefits", "planning"), "anywhere", request_id=3)
    pool = [candidate_from_request(r) for r in (mid, east, maidstone)]
    neighbours = [fit(mid, pool[1]), fit(east, pool[0])]
    apart = [fit(mid, pool[2]), fit(east, pool[2]), fit(maidstone, pool[0]), fit(maidstone, pool[1])]
    assert all(f is not None for f in [*neighbours, *apart])
    assert min(f.score for f in neighbours if f) > max(f.score for f in apart if f)
    assert [f.name for f in rank(mid, pool)] == ["East Suffolk", "Maidstone"]
    assert [f.name for f in rank(east, pool)] == ["Mid Suffolk", "Maidstone"]


# Service areas ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theirs", "points", "share"),
    [
        (("revenues_and_benefits",), 20, "Revenues and benefits (1 of the 2 Mid Suffolk asked for)"),
        (("legal", "revenues_and_benefits", "waste"), 40, "Revenues and benefits, Legal services (2 of the 2"),
    ],
)
def test_the_more_of_the_areas_asked_for_the_other_wants_the_more_it_scores(theirs, points, share):
    score, reasons = scored(ask(), asking(EAST_SUFFOLK, theirs))
    assert score == points + 30 + 20 + 10
    assert share in reasons[0] and "East Suffolk wants to share too" in reasons[0]


def test_one_area_asked_for_and_shared_scores_the_part_in_full():
    score, reasons = scored(ask(areas=("legal",)), asking(EAST_SUFFOLK, ("legal",)))
    assert score == 100
    assert (
        reasons[0]
        == "Service areas: Legal services (the one Mid Suffolk asked for), which East Suffolk wants to share too"
    )


def test_a_council_in_the_register_is_suggested_for_the_areas_it_already_shares_naming_the_arrangements():
    arrangements = [
        Arrangement("Anglia Revenues Partnership", "revenues_and_benefits", "services"),
        Arrangement("Suffolk Waste Partnership", "waste", "services"),
    ]
    candidate = candidate_from_register(EAST_SUFFOLK, arrangements)
    found = fit(ask(), candidate)
    assert found is not None and found.other_request_id is None
    assert found.reasons[0] == (
        "Service areas: Revenues and benefits (1 of the 2 Mid Suffolk asked for), "
        "which East Suffolk already shares (Anglia Revenues Partnership)"
    )
    assert found.reasons[3] == "Mid Suffolk wants to share services, as East Suffolk already does"
    assert found.score == 80


def test_many_arrangements_are_named_up_to_three_then_counted():
    arrangements = [Arrangement(f"Partnership {n}", "legal", "services") for n in range(5)]
    found = fit(ask(), candidate_from_register(EAST_SUFFOLK, arrangements))
    assert found is not None
    assert found.reasons[0].endswith("(Partnership 0, Partnership 1, Partnership 2 and 2 more)")


def test_a_council_with_no_area_in_common_is_not_suggested():
    assert fit(ask(), asking(EAST_SUFFOLK, ("waste", "planning"))) is None
    assert fit(ask(), candidate_from_register(EAST_SUFFOLK, [Arrangement("Waste", "waste", "services")])) is None
    assert rank(ask(), [asking(EAST_SUFFOLK, ("waste",)), asking(BRECKLAND, ("legal",))])[0].name == "Breckland"
    assert len(rank(ask(), [asking(EAST_SUFFOLK, ("waste",))])) == 0


def test_a_council_is_never_suggested_to_itself():
    assert fit(ask(), asking(MID_SUFFOLK, ("revenues_and_benefits", "legal"))) is None


def test_both_wanting_a_management_team_is_enough_without_an_area_in_common():
    score, reasons = scored(ask(wants=BOTH), asking(EAST_SUFFOLK, ("waste",), wants=MANAGEMENT))
    assert reasons[0] == "No service area in common with those Mid Suffolk asked for"
    assert reasons[3] == (
        "Mid Suffolk wants to share services and a management team; East Suffolk wants to share a management "
        "team: they have a management team in common"
    )
    assert score == 0 + 30 + 20 + 5
    assert fit(ask(wants=BOTH), asking(EAST_SUFFOLK, ("waste",), wants=SERVICES)) is None


def test_a_request_for_a_management_team_alone_scores_every_council_wanting_one_the_same_for_areas():
    request = ask(areas=(), wants=MANAGEMENT)
    score, reasons = scored(request, asking(EAST_SUFFOLK, (), wants=MANAGEMENT))
    assert reasons[0] == "Mid Suffolk asks for no particular service areas, only a management team"
    assert score == 20 + 30 + 20 + 10
    assert fit(request, asking(EAST_SUFFOLK, ("revenues_and_benefits",), wants=SERVICES)) is None


# Geography ----------------------------------------------------------------------------------------


def test_the_same_county_area_is_two_districts_of_one_county_or_a_county_and_its_district():
    assert same_county_area(MID_SUFFOLK, EAST_SUFFOLK)
    assert same_county_area(SUFFOLK, MID_SUFFOLK) and same_county_area(MID_SUFFOLK, SUFFOLK)
    assert not same_county_area(MID_SUFFOLK, BRECKLAND)
    assert not same_county_area(NORFOLK, MID_SUFFOLK)
    assert not same_county_area(YORK, HULL)  # single-tier councils have no county area


@pytest.mark.parametrize(
    ("reach", "county", "region", "elsewhere"),
    [
        ("county", 30, 10, 0),
        ("neighbours", 30, 20, 0),
        ("region", 30, 25, 0),
        ("anywhere", 30, 25, 20),
    ],
)
def test_geography_scores_by_the_reach_asked_for(reach, county, region, elsewhere):
    request = ask(reach=reach)
    points = [scored(request, asking(place))[0] - 20 - 20 - 10 for place in (EAST_SUFFOLK, BRECKLAND, MAIDSTONE)]
    assert points == [county, region, elsewhere]


def test_the_same_county_area_outranks_the_same_region_which_outranks_another_region():
    for reach in ("county", "neighbours", "region", "anywhere"):
        ranked = rank(ask(reach=reach), [asking(MAIDSTONE), asking(BRECKLAND), asking(EAST_SUFFOLK)])
        assert [f.name for f in ranked] == ["East Suffolk", "Breckland", "Maidstone"], reach
        assert ranked[0].score > ranked[1].score > ranked[2].score, reach


def test_each_reach_is_explained_in_plain_words():
    def geography(reach: str, place: Place) -> str:
        return scored(ask(reach=reach), asking(place))[1][1]

    assert geography("county", BRECKLAND) == (
        "Breckland is in the East of England, like Mid Suffolk, "
        "but not in the Suffolk county area Mid Suffolk asked for"
    )
    assert geography("county", MAIDSTONE) == (
        "Maidstone is in the South East, Mid Suffolk in the East of England: outside the county area Mid Suffolk "
        "asked for"
    )
    no_map = "the register holds no map, so neighbouring is taken to mean the same county area or region"
    assert geography("neighbours", EAST_SUFFOLK) == (
        f"Mid Suffolk and East Suffolk are in the same county area (Suffolk), so count as neighbours: {no_map}"
    )
    assert geography("neighbours", BRECKLAND) == "Breckland is in the East of England, like Mid Suffolk. T" + no_map[1:]
    assert geography("neighbours", MAIDSTONE).endswith(": not a neighbour. T" + no_map[1:])
    assert geography("region", EAST_SUFFOLK) == "Mid Suffolk and East Suffolk are in the same county area (Suffolk)"
    assert geography("region", BRECKLAND).endswith(", the region Mid Suffolk asked for")
    assert geography("region", MAIDSTONE).endswith(": outside the region Mid Suffolk asked for")
    assert geography("anywhere", BRECKLAND).endswith("; Mid Suffolk will share with councils anywhere")
    assert geography("anywhere", MAIDSTONE) == (
        "Maidstone is in the South East, Mid Suffolk in the East of England; Mid Suffolk will share with councils "
        "anywhere, so distance counts for little"
    )


def test_region_names_read_as_in_a_sentence():
    _, reasons = scored(ask(YORK, reach="region"), asking(HULL))
    assert reasons[1] == "Kingston upon Hull is in Yorkshire and the Humber, like York, the region York asked for"
    _, reasons = scored(ask(CAMDEN, reach="region"), asking(ISLINGTON))
    assert reasons[1] == "Islington is in London, like Camden, the region Camden asked for"


def test_a_council_outside_a_two_tier_county_asking_for_its_county_area_is_matched_as_with_neighbours():
    same_region, reasons = scored(ask(YORK, reach="county"), asking(HULL))
    assert same_region == 20 + 20 + 20 + 10
    assert reasons[1].startswith(
        "Kingston upon Hull is in Yorkshire and the Humber, like York. York is not in a two-tier"
    )
    assert "the register holds no map" in reasons[1]
    elsewhere, _ = scored(ask(YORK, reach="county"), asking(CAMDEN))
    assert elsewhere == 20 + 0 + 10 + 10


def test_a_region_not_recorded_is_said_and_scores_as_elsewhere():
    score, reasons = scored(ask(reach="county"), asking(NOWHERE))
    assert reasons[1].startswith("The region of Somewhere is not recorded, and Somewhere is not in Mid Suffolk's")
    assert score == 20 + 0 + 20 + 10


# Tier ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("here", "there", "points", "reason"),
    [
        (MID_SUFFOLK, EAST_SUFFOLK, 20, "Both are district councils, with the same services to run"),
        (SUFFOLK, MID_SUFFOLK, 20, "Suffolk is the county council for Mid Suffolk's area"),
        (MID_SUFFOLK, SUFFOLK, 20, "Suffolk is the county council for Mid Suffolk's area"),
        (SUFFOLK, NORFOLK, 20, "Both are county councils, with the same services to run"),
        (YORK, HULL, 20, "Both are unitary authorities, with the same services to run"),
        (CAMDEN, ISLINGTON, 20, "Both are London boroughs, with the same services to run"),
        (
            YORK,
            LEEDS,
            10,
            "York is a unitary authority and Leeds a metropolitan district: "
            "both run every council service in their area",
        ),
        (
            CARDIFF,
            CAMDEN,
            10,
            "Cardiff is a Welsh principal area and Camden a London borough: both run every council service in "
            "their area",
        ),
        (
            KENT,
            MID_SUFFOLK,
            0,
            "Kent is a county council, but not Mid Suffolk's: a county and a district elsewhere run different "
            "services in different places",
        ),
        (
            MID_SUFFOLK,
            YORK,
            0,
            "Mid Suffolk is a district council and York a unitary authority: they run different sets of services",
        ),
        (
            SUFFOLK,
            CAMDEN,
            0,
            "Suffolk is a county council and Camden a London borough: they run different sets of services",
        ),
    ],
)
def test_compatible_tiers_score_and_incompatible_ones_score_nothing(here, there, points, reason):
    _, reasons = scored(ask(here, reach="anywhere"), asking(there))
    assert reasons[2] == reason
    found = fit(ask(here, reach="anywhere"), asking(there))
    assert found is not None
    geography = {30, 25, 20}
    assert found.score - 20 - 10 - points in geography


def test_an_incompatible_tier_ranks_below_a_compatible_one_otherwise_alike():
    ranked = rank(ask(MID_SUFFOLK, reach="region"), [asking(NORFOLK), asking(BRECKLAND)])
    assert [f.name for f in ranked] == ["Breckland", "Norfolk"]
    assert ranked[0].score - ranked[1].score == 20


# Sharing type -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mine", "theirs", "points", "reason"),
    [
        (SERVICES, SERVICES, 10, "Both want to share services"),
        (MANAGEMENT, MANAGEMENT, 10, "Both want to share a management team"),
        (BOTH, BOTH, 10, "Both want to share services and a management team"),
        (
            BOTH,
            SERVICES,
            5,
            "Mid Suffolk wants to share services and a management team; East Suffolk wants to share services: "
            "they have services in common",
        ),
        (
            SERVICES,
            MANAGEMENT,
            0,
            "Mid Suffolk wants to share services; East Suffolk wants to share a management team",
        ),
    ],
)
def test_what_each_wants_to_share(mine, theirs, points, reason):
    found = fit(ask(wants=mine), asking(EAST_SUFFOLK, ("revenues_and_benefits",), wants=theirs))
    assert found is not None
    assert found.reasons[3] == reason
    assert found.score == 20 + 30 + 20 + points


def test_what_a_council_in_the_register_shares_is_read_from_its_arrangements():
    candidate = candidate_from_register(
        EAST_SUFFOLK,
        [Arrangement("Revenues", "revenues_and_benefits", "services"), Arrangement("One team", "hr", "management")],
    )
    assert candidate.wants == BOTH
    _, reasons = scored(ask(wants=SERVICES), candidate)
    assert reasons[3] == (
        "Mid Suffolk wants to share services; East Suffolk already shares services and a management team: "
        "they have services in common"
    )


# Ranking ------------------------------------------------------------------------------------------


def test_a_council_found_both_ways_appears_once_with_its_own_request_on_a_tie():
    own = asking(EAST_SUFFOLK, ("revenues_and_benefits",))
    register = candidate_from_register(EAST_SUFFOLK, [Arrangement("ARP", "revenues_and_benefits", "services")])
    [found] = rank(ask(), [register, own])
    assert found.other_request_id == 200
    better = candidate_from_register(
        EAST_SUFFOLK,
        [Arrangement("ARP", "revenues_and_benefits", "services"), Arrangement("Legal", "legal", "services")],
    )
    [found] = rank(ask(), [own, better])
    assert found.other_request_id is None and found.score == 100


def test_equal_scores_put_councils_with_their_own_request_first_then_by_name():
    register = candidate_from_register(BRECKLAND, [Arrangement("ARP", "revenues_and_benefits", "services")])
    ranked = rank(ask(EAST_SUFFOLK, reach="region"), [register, asking(NORFOLK_DISTRICT), asking(MID_SUFFOLK)])
    assert [f.name for f in ranked] == ["Mid Suffolk", "Broadland", "Breckland"]


def test_at_most_the_limit_is_kept_best_first():
    pool = [
        asking(Place(1000 + n, f"District {n:02d}", T.DISTRICT, 1, "Suffolk", Region.EAST_OF_ENGLAND))
        for n in range(30)
    ]
    ranked = rank(ask(), pool)
    assert len(ranked) == 20 and ranked[0].name == "District 00" and ranked[-1].name == "District 19"
    assert rank(ask(), pool, limit=3) == ranked[:3]


# Reading a request --------------------------------------------------------------------------------


def test_a_request_is_read_from_its_answers():
    request = request_from_answers(
        7,
        MID_SUFFOLK,
        {
            "sharing": {"what": "both", "areas": ["legal", "revenues_and_benefits", "other", "made_up"]},
            "geography": {"reach": "region"},
        },
    )
    assert request == SharingRequest(7, MID_SUFFOLK, BOTH, ("revenues_and_benefits", "legal"), "region")
    sparse = request_from_answers(8, MID_SUFFOLK, {})
    assert (sparse.wants, sparse.areas, sparse.reach) == (SERVICES, (), "neighbours")
