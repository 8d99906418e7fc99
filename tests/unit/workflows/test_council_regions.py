"""The region of every council in the register, from the table of upper-tier areas of April 2021."""

from __future__ import annotations

from collections import Counter

import pytest

from grants.models import CouncilTier, Region
from workflows.council_regions import REGION_BY_UPPER_TIER_CODE, region_for_upper_tier
from workflows.council_register import RegisterEntry, ons_records, register_entries


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    return ons_records()


@pytest.fixture(scope="module")
def entries(records: list[dict[str, str]]) -> dict[str, RegisterEntry]:
    return {e.gss_code: e for e in register_entries(records)}


def test_the_table_holds_exactly_the_upper_tier_areas_of_the_lookup(records: list[dict[str, str]]) -> None:
    upper_tier_codes = {row["UTLA21CD"].strip() for row in records}
    assert len(upper_tier_codes) == 174
    assert set(REGION_BY_UPPER_TIER_CODE) == upper_tier_codes


def test_every_council_in_the_lookup_has_a_region(entries: dict[str, RegisterEntry]) -> None:
    assert len(entries) == 355
    for entry in entries.values():
        assert isinstance(entry.region, Region), entry


def test_every_region_has_councils(entries: dict[str, RegisterEntry]) -> None:
    assert {e.region for e in entries.values()} == set(Region)


def test_a_district_is_in_its_countys_region(entries: dict[str, RegisterEntry]) -> None:
    districts = [e for e in entries.values() if e.tier is CouncilTier.DISTRICT]
    assert len(districts) == 181
    for district in districts:
        assert district.parent_gss_code is not None
        assert district.region is entries[district.parent_gss_code].region, district


def test_london_boroughs_and_only_they_are_in_london(entries: dict[str, RegisterEntry]) -> None:
    for entry in entries.values():
        assert (entry.tier is CouncilTier.LONDON_BOROUGH) == (entry.region is Region.LONDON), entry


def test_welsh_principal_areas_and_only_they_are_in_wales(entries: dict[str, RegisterEntry]) -> None:
    for entry in entries.values():
        assert (entry.tier is CouncilTier.WELSH_PRINCIPAL_AREA) == (entry.region is Region.WALES), entry


def test_lower_tier_councils_per_region_match_the_ons_figures_for_2021(records: list[dict[str, str]]) -> None:
    # The local authority districts of April 2021. North Yorkshire still had its seven districts
    # (so Yorkshire and the Humber had 21, not the 15 of April 2023), and Northamptonshire's seven
    # districts had just become two unitaries (so the East Midlands had 35, not 40).
    counts = Counter(region_for_upper_tier(row["UTLA21CD"].strip()) for row in records)
    assert counts == {
        Region.NORTH_EAST: 12,
        Region.NORTH_WEST: 39,
        Region.YORKSHIRE_AND_THE_HUMBER: 21,
        Region.EAST_MIDLANDS: 35,
        Region.WEST_MIDLANDS: 30,
        Region.EAST_OF_ENGLAND: 45,
        Region.LONDON: 33,
        Region.SOUTH_EAST: 64,
        Region.SOUTH_WEST: 30,
        Region.WALES: 22,
    }
    assert counts.total() == len(records) == 331


@pytest.mark.parametrize(
    ("gss_code", "name", "region"),
    [
        # North East
        ("E06000001", "Hartlepool", Region.NORTH_EAST),
        ("E06000047", "County Durham", Region.NORTH_EAST),
        ("E06000057", "Northumberland", Region.NORTH_EAST),
        ("E08000024", "Sunderland", Region.NORTH_EAST),
        ("E08000037", "Gateshead", Region.NORTH_EAST),
        # North West
        ("E10000006", "Cumbria", Region.NORTH_WEST),
        ("E07000028", "Carlisle", Region.NORTH_WEST),
        ("E07000123", "Preston", Region.NORTH_WEST),
        ("E08000003", "Manchester", Region.NORTH_WEST),
        ("E08000012", "Liverpool", Region.NORTH_WEST),
        ("E06000006", "Halton", Region.NORTH_WEST),
        ("E06000007", "Warrington", Region.NORTH_WEST),
        ("E06000049", "Cheshire East", Region.NORTH_WEST),
        # Yorkshire and the Humber
        ("E10000023", "North Yorkshire", Region.YORKSHIRE_AND_THE_HUMBER),
        ("E07000165", "Harrogate", Region.YORKSHIRE_AND_THE_HUMBER),
        ("E06000012", "North East Lincolnshire", Region.YORKSHIRE_AND_THE_HUMBER),
        ("E06000013", "North Lincolnshire", Region.YORKSHIRE_AND_THE_HUMBER),
        ("E06000014", "York", Region.YORKSHIRE_AND_THE_HUMBER),
        ("E08000019", "Sheffield", Region.YORKSHIRE_AND_THE_HUMBER),
        ("E08000035", "Leeds", Region.YORKSHIRE_AND_THE_HUMBER),
        # East Midlands
        ("E10000007", "Derbyshire", Region.EAST_MIDLANDS),
        ("E07000032", "Amber Valley", Region.EAST_MIDLANDS),
        ("E07000138", "Lincoln", Region.EAST_MIDLANDS),
        ("E06000017", "Rutland", Region.EAST_MIDLANDS),
        ("E06000061", "North Northamptonshire", Region.EAST_MIDLANDS),
        ("E06000062", "West Northamptonshire", Region.EAST_MIDLANDS),
        # West Midlands
        ("E10000028", "Staffordshire", Region.WEST_MIDLANDS),
        ("E07000192", "Cannock Chase", Region.WEST_MIDLANDS),
        ("E07000236", "Redditch", Region.WEST_MIDLANDS),
        ("E06000019", "Herefordshire, County of", Region.WEST_MIDLANDS),
        ("E06000051", "Shropshire", Region.WEST_MIDLANDS),
        ("E06000020", "Telford and Wrekin", Region.WEST_MIDLANDS),
        ("E08000025", "Birmingham", Region.WEST_MIDLANDS),
        ("E08000026", "Coventry", Region.WEST_MIDLANDS),
        # East of England
        ("E10000029", "Suffolk", Region.EAST_OF_ENGLAND),
        ("E07000200", "Babergh", Region.EAST_OF_ENGLAND),
        ("E07000008", "Cambridge", Region.EAST_OF_ENGLAND),
        ("E07000243", "Stevenage", Region.EAST_OF_ENGLAND),
        ("E06000056", "Central Bedfordshire", Region.EAST_OF_ENGLAND),
        ("E06000055", "Bedford", Region.EAST_OF_ENGLAND),
        ("E06000032", "Luton", Region.EAST_OF_ENGLAND),
        ("E06000031", "Peterborough", Region.EAST_OF_ENGLAND),
        ("E06000033", "Southend-on-Sea", Region.EAST_OF_ENGLAND),
        ("E06000034", "Thurrock", Region.EAST_OF_ENGLAND),
        # London
        ("E09000001", "City of London", Region.LONDON),
        ("E09000007", "Camden", Region.LONDON),
        ("E09000033", "Westminster", Region.LONDON),
        # South East
        ("E10000016", "Kent", Region.SOUTH_EAST),
        ("E07000110", "Maidstone", Region.SOUTH_EAST),
        ("E07000178", "Oxford", Region.SOUTH_EAST),
        ("E06000042", "Milton Keynes", Region.SOUTH_EAST),
        ("E06000060", "Buckinghamshire", Region.SOUTH_EAST),
        ("E06000046", "Isle of Wight", Region.SOUTH_EAST),
        ("E06000035", "Medway", Region.SOUTH_EAST),
        # South West
        ("E10000008", "Devon", Region.SOUTH_WEST),
        ("E07000041", "Exeter", Region.SOUTH_WEST),
        ("E07000078", "Cheltenham", Region.SOUTH_WEST),
        ("E06000030", "Swindon", Region.SOUTH_WEST),
        ("E06000053", "Isles of Scilly", Region.SOUTH_WEST),
        ("E06000058", "Bournemouth, Christchurch and Poole", Region.SOUTH_WEST),
        ("E06000023", "Bristol, City of", Region.SOUTH_WEST),
        # Wales
        ("W06000015", "Cardiff", Region.WALES),
        ("W06000023", "Powys", Region.WALES),
        ("W06000001", "Isle of Anglesey", Region.WALES),
    ],
)
def test_named_councils_are_in_their_regions(
    entries: dict[str, RegisterEntry], gss_code: str, name: str, region: Region
) -> None:
    entry = entries[gss_code]
    assert (entry.name, entry.region) == (name, region)


@pytest.mark.parametrize(
    "gss_code",
    [
        "E10000021",  # Northamptonshire, abolished in April 2021
        "E07000150",  # Corby, a district: districts take their county's region
        "E12000001",  # the North East region itself
        "S12000033",  # Aberdeen City
        "",
    ],
)
def test_a_code_missing_from_the_table_is_refused(gss_code: str) -> None:
    with pytest.raises(ValueError, match=repr(gss_code)):
        region_for_upper_tier(gss_code)


def test_a_council_under_a_county_missing_from_the_table_stops_the_register() -> None:
    row = {"LTLA21CD": "E07000150", "LTLA21NM": "Corby", "UTLA21CD": "E10000021", "UTLA21NM": "Northamptonshire"}
    with pytest.raises(ValueError, match="E10000021"):
        register_entries([row])


def test_a_single_tier_council_missing_from_the_table_stops_the_register() -> None:
    row = {"LTLA21CD": "E06000028", "LTLA21NM": "Bournemouth", "UTLA21CD": "E06000028", "UTLA21NM": "Bournemouth"}
    with pytest.raises(ValueError, match="E06000028"):
        register_entries([row])


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        REGION_BY_UPPER_TIER_CODE["E10000021"] = Region.EAST_MIDLANDS  # type: ignore[index]
