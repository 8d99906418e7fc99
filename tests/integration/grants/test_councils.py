"""Who may see a council's page, the register and the pool paged through, and the command that
makes the first administrator."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from devdata import demo
from grants.extensions import db
from grants.models import Council, Role, User
from tests.support.client import sign_in


def test_a_council_officer_sees_their_own_council_and_gets_404_for_another(client, make_user, councils):
    officer = make_user(Role.COUNCIL_OFFICER, council="babergh")
    sign_in(client, officer.email)
    own = client.get("/councils/E07000200")
    assert own.status_code == 200 and "Babergh" in own.get_data(as_text=True)
    assert client.get("/councils/E09000007").status_code == 404  # Camden exists, but is not theirs
    assert client.get("/councils/E99999999").status_code == 404  # and the same answer for none at all


def test_staff_see_any_council(client, make_user, councils):
    sign_in(client, make_user(Role.PROGRAMME_OFFICER).email)
    page = client.get("/councils/E10000029").get_data(as_text=True)
    assert "Suffolk" in page and "Babergh" in page and "Ipswich" in page


def test_the_create_user_command_makes_a_first_administrator(app, session):
    from grants.commands import create_user_command

    runner = CliRunner()
    with app.app_context():
        weak = runner.invoke(
            create_user_command,
            [
                "--email",
                "First@LGA.example.gov.uk",
                "--name",
                "First Admin",
                "--role",
                "administrator",
                "--password",
                "short",
            ],
        )
        assert weak.exit_code != 0 and "12 characters" in weak.output
        made = runner.invoke(
            create_user_command,
            [
                "--email",
                "First@LGA.example.gov.uk",
                "--name",
                "First Admin",
                "--role",
                "administrator",
                "--password",
                "granite-orchard-velvet-88",
            ],
        )
        assert made.exit_code == 0, made.output
        user = db.session.scalar(db.select(User).where(User.email == "first@lga.example.gov.uk"))
        assert user.roles == {Role.ADMINISTRATOR} and user.has_password


def test_the_register_and_the_pool_page_through_every_record(app, client, session, make_user):
    demo.seed_demo(date(2026, 11, 22))
    db.session.commit()
    sign_in(client, make_user(Role.PROGRAMME_OFFICER).email)

    first = client.get("/councils").get_data(as_text=True)
    assert "govuk-pagination" in first and "page=2" in first
    last_council = db.session.scalar(db.select(Council.name).order_by(Council.name.desc()).limit(1))
    last = client.get("/councils?page=8")
    assert last.status_code == 200 and last_council in last.get_data(as_text=True)

    second = client.get("/experts?page=2")
    assert second.status_code == 200
    body = second.get_data(as_text=True)
    assert "govuk-pagination__prev" in body
    # The head row, then the last 18 of the 40 experts and 3 delivery partners.
    assert body.count('<tr class="govuk-table__row">') == 1 + (43 - 25)
