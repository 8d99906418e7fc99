"""Turning the ONS lower-tier to upper-tier lookup into register entries."""

from __future__ import annotations

from collections import Counter

import pytest

from grants.models.council import CouncilTier
from workflows.council_register import RegisterEntry, ons_records, register_entries


def row(lower_code: str, lower_name: str, upper_code: str | None = None, upper_name: str | None = None) -> dict:
    """One row of the lookup; a council with no upper tier above it is its own upper tier."""
    return {
        "LTLA21CD": lower_code,
        "LTLA21NM": lower_name,
        "UTLA21CD": upper_code or lower_code,
        "UTLA21NM": upper_name or lower_name,
    }


def by_code(entries: list[RegisterEntry]) -> dict[str, RegisterEntry]:
    return {e.gss_code: e for e in entries}


def test_a_district_has_its_county_as_parent_and_the_county_is_an_entry_once() -> None:
    entries = register_entries(
        [
            row("E07000008", "Cambridge", "E10000003", "Cambridgeshire"),
            row("E07000012", "South Cambridgeshire", "E10000003", "Cambridgeshire"),
        ]
    )

    assert [e.gss_code for e in entries].count("E10000003") == 1
    found = by_code(entries)
    assert found["E10000003"] == RegisterEntry("E10000003", "Cambridgeshire", CouncilTier.COUNTY, None)
    assert found["E07000008"] == RegisterEntry("E07000008", "Cambridge", CouncilTier.DISTRICT, "E10000003")
    assert found["E07000012"] == RegisterEntry("E07000012", "South Cambridgeshire", CouncilTier.DISTRICT, "E10000003")
    assert len(entries) == 3


@pytest.mark.parametrize(
    ("gss_code", "name", "tier"),
    [
        ("E06000001", "Hartlepool", CouncilTier.UNITARY),
        ("E09000007", "Camden", CouncilTier.LONDON_BOROUGH),
        ("E08000003", "Manchester", CouncilTier.METROPOLITAN),
        ("W06000015", "Cardiff", CouncilTier.WELSH_PRINCIPAL_AREA),
    ],
)
def test_single_tier_councils_have_no_parent(gss_code: str, name: str, tier: CouncilTier) -> None:
    assert register_entries([row(gss_code, name)]) == [RegisterEntry(gss_code, name, tier, None)]


def test_counties_come_before_districts() -> None:
    # The districts are listed first, and their code sorts before the county's: the order must
    # still put the county first, so that importing can find each district's parent.
    entries = register_entries(
        [
            row("E07000008", "Cambridge", "E10000003", "Cambridgeshire"),
            row("E09000007", "Camden"),
            row("E07000032", "Amber Valley", "E10000007", "Derbyshire"),
            row("E06000001", "Hartlepool"),
        ]
    )

    tiers = [e.tier for e in entries]
    last_county = max(i for i, t in enumerate(tiers) if t is CouncilTier.COUNTY)
    first_district = min(i for i, t in enumerate(tiers) if t is CouncilTier.DISTRICT)
    assert last_county < first_district
    assert {e.gss_code for e in entries} == {
        "E07000008",
        "E10000003",
        "E09000007",
        "E07000032",
        "E10000007",
        "E06000001",
    }


def test_every_parent_comes_before_its_children() -> None:
    entries = register_entries(
        [
            row("E07000012", "South Cambridgeshire", "E10000003", "Cambridgeshire"),
            row("E07000008", "Cambridge", "E10000003", "Cambridgeshire"),
        ]
    )
    position = {e.gss_code: i for i, e in enumerate(entries)}
    for entry in entries:
        if entry.parent_gss_code is not None:
            assert position[entry.parent_gss_code] < position[entry.gss_code]


@pytest.mark.parametrize("upper_code", ["E06000001", "E08000003", "E11000001", "E12000001"])
def test_a_council_under_anything_but_a_county_is_refused(upper_code: str) -> None:
    with pytest.raises(ValueError, match=upper_code):
        register_entries([row("E07000008", "Cambridge", upper_code, "Somewhere else")])


def test_a_row_whose_own_code_is_not_a_councils_is_refused() -> None:
    with pytest.raises(ValueError, match="S12000033"):
        register_entries([row("S12000033", "Aberdeen City")])


def test_whitespace_around_codes_and_names_is_stripped() -> None:
    entries = register_entries(
        [
            {
                "LTLA21CD": " E07000008 ",
                "LTLA21NM": "Cambridge\n",
                "UTLA21CD": "E10000003\t",
                "UTLA21NM": "  Cambridgeshire ",
            },
            # A single-tier council whose upper-tier code differs only by whitespace has no parent.
            {"LTLA21CD": "E09000007", "LTLA21NM": " Camden", "UTLA21CD": " E09000007 ", "UTLA21NM": "Camden "},
        ]
    )

    assert by_code(entries) == {
        "E10000003": RegisterEntry("E10000003", "Cambridgeshire", CouncilTier.COUNTY, None),
        "E07000008": RegisterEntry("E07000008", "Cambridge", CouncilTier.DISTRICT, "E10000003"),
        "E09000007": RegisterEntry("E09000007", "Camden", CouncilTier.LONDON_BOROUGH, None),
    }


def test_no_rows_give_no_entries() -> None:
    assert register_entries([]) == []


@pytest.fixture(scope="module")
def shipped() -> list[RegisterEntry]:
    return register_entries(ons_records())


class TestTheShippedLookup:
    @pytest.fixture
    def entries(self, shipped: list[RegisterEntry]) -> list[RegisterEntry]:
        return shipped

    def test_it_holds_every_council_of_england_and_wales_once(self, entries: list[RegisterEntry]) -> None:
        assert len(entries) == 355
        codes = [e.gss_code for e in entries]
        assert len(set(codes)) == len(codes)

    def test_it_holds_the_expected_number_of_each_tier(self, entries: list[RegisterEntry]) -> None:
        assert Counter(e.tier for e in entries) == {
            CouncilTier.COUNTY: 24,
            CouncilTier.DISTRICT: 181,
            CouncilTier.UNITARY: 59,
            CouncilTier.METROPOLITAN: 36,
            CouncilTier.LONDON_BOROUGH: 33,
            CouncilTier.WELSH_PRINCIPAL_AREA: 22,
        }

    def test_every_district_sits_under_a_county_in_the_list(self, entries: list[RegisterEntry]) -> None:
        found = by_code(entries)
        for entry in entries:
            if entry.tier is CouncilTier.DISTRICT:
                assert entry.parent_gss_code is not None, entry
                assert found[entry.parent_gss_code].tier is CouncilTier.COUNTY, entry
            else:
                assert entry.parent_gss_code is None, entry

    def test_every_county_has_districts(self, entries: list[RegisterEntry]) -> None:
        parents = {e.parent_gss_code for e in entries}
        for entry in entries:
            if entry.tier is CouncilTier.COUNTY:
                assert entry.gss_code in parents, entry

    def test_names_are_given_and_trimmed(self, entries: list[RegisterEntry]) -> None:
        for entry in entries:
            assert entry.name
            assert entry.name == entry.name.strip()
            assert entry.gss_code == entry.gss_code.strip()
