"""Shared services: councils' matchmaking requests, introductions between councils, and shared
arrangements on the map, through workflows.applications, workflows.introductions and
workflows.arrangements."""

from __future__ import annotations

from datetime import date

from grants.extensions import db
from grants.models import Application, Council, FundingRound, Introduction, SharedArrangement, User
from tests.builders.applications import Answers, answered
from tests.builders.people import gss_officer, officer_of
from workflows import applications, arrangements, introductions
from workflows.introductions import Contact

BABERGH_CONTACT = Contact("Priya Shah", "priya.shah@babergh.example.gov.uk", "01473 825 700")


def matchmaking_request(funding_round: FundingRound, council: Council, officer: User) -> Application:
    """A council's request to be matched with partners: the sharing and contact sections."""
    request = applications.start_application(funding_round, council=council, actor=officer, today=date.today())
    return answered(
        request,
        officer,
        {
            "sharing": (
                {"what": "services", "areas": ["waste", "planning"], "detail": ""},
                {"title": "Sharing services: Waste and recycling, Planning"},
            ),
            "contact": (
                {
                    "name": BABERGH_CONTACT.name,
                    "job_title": "Head of Shared Services",
                    "email": BABERGH_CONTACT.email,
                    "phone": BABERGH_CONTACT.phone,
                },
                {},
            ),
        },
    )


def submitted_request(funding_round: FundingRound, council: Council, officer: User) -> Application:
    """The council's matchmaking request with every section answered, submitted (staff see a
    request only once it is)."""
    request = matchmaking_request(funding_round, council, officer)
    answered(
        request,
        officer,
        {
            "geography": ({"reach": "county", "detail": ""}, {}),
            "funding": ({"wanted": "neither"}, {}),
            "declaration": (
                {"chief_officer": "The Chief Executive", "job_title": "Chief Executive", "confirmed": True},
                {},
            ),
        },
    )
    applications.submit(request, actor=officer, expected_version=request.version, today=date.today())
    return request


def ask(
    funding_round: FundingRound,
    council: Council,
    areas: list[str],
    *,
    reach: str = "county",
    what: str = "services",
) -> Application:
    """A matchmaking request made and submitted by the council's officer (officer@<its GSS code>),
    committed: the tasks it sends run then, as after a council's own submission."""
    officer = gss_officer(council)
    application = applications.start_application(funding_round, council=council, actor=officer, today=date.today())
    sections: Answers = {
        "sharing": ({"what": what, "areas": areas, "detail": ""}, {"title": "Sharing services"}),
        "geography": ({"reach": reach, "detail": ""}, {}),
        "funding": ({"wanted": "neither"}, {"amount_requested_pence": None}),
        "contact": ({"name": "A Person", "job_title": "Head of Service", "email": "a@example.gov.uk"}, {}),
        "declaration": (
            {"chief_officer": "The Chief Executive", "job_title": "Chief Executive", "confirmed": True},
            {},
        ),
    }
    answered(application, officer, sections)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    return application


def agreed_introduction(broker: User, *councils: Council) -> Introduction:
    """An introduction every council accepted, discussed and agreed on."""
    made = introductions.propose(
        list(councils), service_areas=["legal"], note="Both want a shared legal service.", actor=broker
    )
    for council in councils:
        officer = officer_of(council)
        contact = introductions.Contact(officer.name, officer.email, "01473 432 000")
        introductions.accept(made, actor=officer, contact=contact, expected_version=None)
    introductions.start_discussion(made, actor=broker, expected_version=None)
    introductions.record_agreement(made, actor=broker, summary="A shared legal service", expected_version=None)
    return made


def arrangement(
    people,  # type: ignore[no-untyped-def]
    councils: list[str],
    started_on: date,
    *,
    name: str,
    estimated: int,
    claimed: int | None = None,
    verified: int | None = None,
) -> SharedArrangement:
    """A shared arrangement on the map, recorded by a programme officer (savings in pence a year)."""
    made = arrangements.record_arrangement(
        arrangements.ArrangementDetails(
            name=name,
            service_area="legal",
            sharing_type="services",
            started_on=started_on,
            estimated_annual_savings_pence=estimated,
            claimed_annual_savings_pence=claimed,
            verified_annual_savings_pence=verified,
        ),
        councils,
        actor=people["programme"],
        today=date.today(),
    )
    db.session.commit()
    return made
