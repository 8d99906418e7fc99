"""The region each upper-tier area of April 2021 lies in: the nine English regions, and Wales.

Keyed by the area's GSS code of 2021 (UTLA21CD in the ONS lower-tier to upper-tier lookup): every
unitary authority (E06), metropolitan district (E08), London borough (E09), county (E10) and Welsh
principal area (W06). A district lies in its county's region, so districts need no entry of their
own. The regions are those the ONS defined as at April 2021.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from grants.models import Region

_UPPER_TIER_CODES_BY_REGION: dict[Region, tuple[str, ...]] = {
    Region.NORTH_EAST: (
        "E06000001",  # Hartlepool
        "E06000002",  # Middlesbrough
        "E06000003",  # Redcar and Cleveland
        "E06000004",  # Stockton-on-Tees
        "E06000005",  # Darlington
        "E06000047",  # County Durham
        "E06000057",  # Northumberland
        "E08000021",  # Newcastle upon Tyne
        "E08000022",  # North Tyneside
        "E08000023",  # South Tyneside
        "E08000024",  # Sunderland
        "E08000037",  # Gateshead
    ),
    Region.NORTH_WEST: (
        "E06000006",  # Halton
        "E06000007",  # Warrington
        "E06000008",  # Blackburn with Darwen
        "E06000009",  # Blackpool
        "E06000049",  # Cheshire East
        "E06000050",  # Cheshire West and Chester
        "E08000001",  # Bolton
        "E08000002",  # Bury
        "E08000003",  # Manchester
        "E08000004",  # Oldham
        "E08000005",  # Rochdale
        "E08000006",  # Salford
        "E08000007",  # Stockport
        "E08000008",  # Tameside
        "E08000009",  # Trafford
        "E08000010",  # Wigan
        "E08000011",  # Knowsley
        "E08000012",  # Liverpool
        "E08000013",  # St. Helens
        "E08000014",  # Sefton
        "E08000015",  # Wirral
        "E10000006",  # Cumbria
        "E10000017",  # Lancashire
    ),
    Region.YORKSHIRE_AND_THE_HUMBER: (
        "E06000010",  # Kingston upon Hull, City of
        "E06000011",  # East Riding of Yorkshire
        "E06000012",  # North East Lincolnshire
        "E06000013",  # North Lincolnshire
        "E06000014",  # York
        "E08000016",  # Barnsley
        "E08000017",  # Doncaster
        "E08000018",  # Rotherham
        "E08000019",  # Sheffield
        "E08000032",  # Bradford
        "E08000033",  # Calderdale
        "E08000034",  # Kirklees
        "E08000035",  # Leeds
        "E08000036",  # Wakefield
        "E10000023",  # North Yorkshire
    ),
    Region.EAST_MIDLANDS: (
        "E06000015",  # Derby
        "E06000016",  # Leicester
        "E06000017",  # Rutland
        "E06000018",  # Nottingham
        "E06000061",  # North Northamptonshire
        "E06000062",  # West Northamptonshire
        "E10000007",  # Derbyshire
        "E10000018",  # Leicestershire
        "E10000019",  # Lincolnshire
        "E10000024",  # Nottinghamshire
    ),
    Region.WEST_MIDLANDS: (
        "E06000019",  # Herefordshire, County of
        "E06000020",  # Telford and Wrekin
        "E06000021",  # Stoke-on-Trent
        "E06000051",  # Shropshire
        "E08000025",  # Birmingham
        "E08000026",  # Coventry
        "E08000027",  # Dudley
        "E08000028",  # Sandwell
        "E08000029",  # Solihull
        "E08000030",  # Walsall
        "E08000031",  # Wolverhampton
        "E10000028",  # Staffordshire
        "E10000031",  # Warwickshire
        "E10000034",  # Worcestershire
    ),
    Region.EAST_OF_ENGLAND: (
        "E06000031",  # Peterborough
        "E06000032",  # Luton
        "E06000033",  # Southend-on-Sea
        "E06000034",  # Thurrock
        "E06000055",  # Bedford
        "E06000056",  # Central Bedfordshire
        "E10000003",  # Cambridgeshire
        "E10000012",  # Essex
        "E10000015",  # Hertfordshire
        "E10000020",  # Norfolk
        "E10000029",  # Suffolk
    ),
    Region.LONDON: (
        "E09000001",  # City of London
        "E09000002",  # Barking and Dagenham
        "E09000003",  # Barnet
        "E09000004",  # Bexley
        "E09000005",  # Brent
        "E09000006",  # Bromley
        "E09000007",  # Camden
        "E09000008",  # Croydon
        "E09000009",  # Ealing
        "E09000010",  # Enfield
        "E09000011",  # Greenwich
        "E09000012",  # Hackney
        "E09000013",  # Hammersmith and Fulham
        "E09000014",  # Haringey
        "E09000015",  # Harrow
        "E09000016",  # Havering
        "E09000017",  # Hillingdon
        "E09000018",  # Hounslow
        "E09000019",  # Islington
        "E09000020",  # Kensington and Chelsea
        "E09000021",  # Kingston upon Thames
        "E09000022",  # Lambeth
        "E09000023",  # Lewisham
        "E09000024",  # Merton
        "E09000025",  # Newham
        "E09000026",  # Redbridge
        "E09000027",  # Richmond upon Thames
        "E09000028",  # Southwark
        "E09000029",  # Sutton
        "E09000030",  # Tower Hamlets
        "E09000031",  # Waltham Forest
        "E09000032",  # Wandsworth
        "E09000033",  # Westminster
    ),
    Region.SOUTH_EAST: (
        "E06000035",  # Medway
        "E06000036",  # Bracknell Forest
        "E06000037",  # West Berkshire
        "E06000038",  # Reading
        "E06000039",  # Slough
        "E06000040",  # Windsor and Maidenhead
        "E06000041",  # Wokingham
        "E06000042",  # Milton Keynes
        "E06000043",  # Brighton and Hove
        "E06000044",  # Portsmouth
        "E06000045",  # Southampton
        "E06000046",  # Isle of Wight
        "E06000060",  # Buckinghamshire
        "E10000011",  # East Sussex
        "E10000014",  # Hampshire
        "E10000016",  # Kent
        "E10000025",  # Oxfordshire
        "E10000030",  # Surrey
        "E10000032",  # West Sussex
    ),
    Region.SOUTH_WEST: (
        "E06000022",  # Bath and North East Somerset
        "E06000023",  # Bristol, City of
        "E06000024",  # North Somerset
        "E06000025",  # South Gloucestershire
        "E06000026",  # Plymouth
        "E06000027",  # Torbay
        "E06000030",  # Swindon
        "E06000052",  # Cornwall
        "E06000053",  # Isles of Scilly
        "E06000054",  # Wiltshire
        "E06000058",  # Bournemouth, Christchurch and Poole
        "E06000059",  # Dorset
        "E10000008",  # Devon
        "E10000013",  # Gloucestershire
        "E10000027",  # Somerset
    ),
    Region.WALES: (
        "W06000001",  # Isle of Anglesey
        "W06000002",  # Gwynedd
        "W06000003",  # Conwy
        "W06000004",  # Denbighshire
        "W06000005",  # Flintshire
        "W06000006",  # Wrexham
        "W06000008",  # Ceredigion
        "W06000009",  # Pembrokeshire
        "W06000010",  # Carmarthenshire
        "W06000011",  # Swansea
        "W06000012",  # Neath Port Talbot
        "W06000013",  # Bridgend
        "W06000014",  # Vale of Glamorgan
        "W06000015",  # Cardiff
        "W06000016",  # Rhondda Cynon Taf
        "W06000018",  # Caerphilly
        "W06000019",  # Blaenau Gwent
        "W06000020",  # Torfaen
        "W06000021",  # Monmouthshire
        "W06000022",  # Newport
        "W06000023",  # Powys
        "W06000024",  # Merthyr Tydfil
    ),
}


def _by_code(codes_by_region: Mapping[Region, tuple[str, ...]]) -> dict[str, Region]:
    """Invert the table, refusing a code listed under two regions or twice under one."""
    found: dict[str, Region] = {}
    for region, codes in codes_by_region.items():
        for code in codes:
            if code in found:
                raise ValueError(f"{code} is listed under {found[code].label} and {region.label}")
            found[code] = region
    return found


REGION_BY_UPPER_TIER_CODE: Mapping[str, Region] = MappingProxyType(_by_code(_UPPER_TIER_CODES_BY_REGION))


def region_for_upper_tier(gss_code: str) -> Region:
    """The region of the upper-tier area with this GSS code of 2021.

    Raises ValueError for a code the table does not hold, so that a new or changed area in the
    lookup stops the import rather than leaving a council without a region.
    """
    try:
        return REGION_BY_UPPER_TIER_CODE[gss_code]
    except KeyError:
        raise ValueError(f"{gss_code!r} is not the GSS code of an upper-tier area of April 2021") from None
