"""The tier of a council is read from the first three characters of its ONS GSS code."""

from __future__ import annotations

import pytest

from grants.models.council import CouncilTier, tier_for_gss_code


@pytest.mark.parametrize(
    ("gss_code", "tier"),
    [
        ("E10000003", CouncilTier.COUNTY),  # Cambridgeshire
        ("E07000008", CouncilTier.DISTRICT),  # Cambridge
        ("E06000001", CouncilTier.UNITARY),  # Hartlepool
        ("E08000003", CouncilTier.METROPOLITAN),  # Manchester
        ("E09000007", CouncilTier.LONDON_BOROUGH),  # Camden
        ("W06000015", CouncilTier.WELSH_PRINCIPAL_AREA),  # Cardiff
    ],
)
def test_each_council_prefix_names_its_tier(gss_code: str, tier: CouncilTier) -> None:
    assert tier_for_gss_code(gss_code) is tier


@pytest.mark.parametrize(
    "gss_code",
    [
        "S12000033",  # a Scottish council area: not in this register
        "E05000001",  # an electoral ward
        "N09000001",  # a Northern Irish district
        "E11000001",  # a metropolitan county, which has no council
        "e07000008",  # lower case is not a GSS code
        "E0",
        "",
    ],
)
def test_a_code_that_is_not_an_english_or_welsh_councils_is_refused(gss_code: str) -> None:
    with pytest.raises(ValueError, match="not the GSS code"):
        tier_for_gss_code(gss_code)
