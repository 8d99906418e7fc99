"""The grants as 360Giving open data: the package validates against the standard's own schemas,
only accepted awards are published, nothing personal goes out, the CSV agrees with the JSON, the
export's statements do not grow with the grants, and no one needs to sign in."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from devdata import demo
from grants.extensions import db
from grants.models import Application, Award, Expert, Role, User
from tests.builders.applications import FIXED_GRANT_ANSWERS, answered, scored
from tests.builders.applications import accepted as offer_accepted
from tests.builders.people import PASSWORD, hashed_once
from tests.builders.rounds import behavioural_insights, expert_grant_round, open_round
from tests.support.database import counting_statements
from tests.support.paths import TESTS
from workflows import accounts, applications
from workflows import open_data as workflow

# The official schema files (CC BY 4.0, 360Giving), kept with the tests: see their README.
SCHEMA_DIR = TESTS / "data" / "360giving"
# The package schema refers to the grant schema by this address; the grant schema names itself
# by its own (1.4.3) address. Both are served from the local file.
GRANT_SCHEMA_URLS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
)
JSON_URL, CSV_URL, PAGE_URL = "/open-data/360giving.json", "/open-data/360giving.csv", "/open-data"

# The schemas choose between a date and a date-time with `oneOf` [format date-time, date
# pattern], which only works when formats are asserted, as the standard's own checker does.
FORMATS = FormatChecker(formats=())
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z"))
    return True


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or re.match(r"^[a-z][a-z0-9+.-]*://[^\s/]+\S*$", value) is not None


@pytest.fixture(scope="module")
def validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    """The package and grant validators, as the schemas declare them (JSON Schema 2020-12)."""
    package_schema = json.loads((SCHEMA_DIR / "360-giving-package-schema.json").read_text())
    grant_schema = json.loads((SCHEMA_DIR / "360-giving-schema.json").read_text())
    Draft202012Validator.check_schema(package_schema)
    Draft202012Validator.check_schema(grant_schema)
    grant_resource = DRAFT202012.create_resource(grant_schema)
    registry: Registry = Registry().with_resources((url, grant_resource) for url in GRANT_SCHEMA_URLS)
    return (
        Draft202012Validator(package_schema, registry=registry, format_checker=FORMATS),
        Draft202012Validator(grant_schema, registry=registry, format_checker=FORMATS),
    )


def assert_valid(package: dict[str, Any], validators: tuple[Draft202012Validator, Draft202012Validator]) -> int:
    package_validator, grant_validator = validators
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in package_validator.iter_errors(package)]
    for grant in package["grants"]:
        problems += [f"{grant['id']} {list(e.absolute_path)}: {e.message}" for e in grant_validator.iter_errors(grant)]
    assert problems == []
    return len(package["grants"])


# Worlds made with the workflow's own operations ----------------------------------------------------


def officer_of(councils, key: str, people) -> User:  # type: ignore[no-untyped-def]
    if key == "babergh":
        return people["officer"]
    email = f"officer@{key}.example.gov.uk"
    found = db.session.scalar(select(User).where(User.email == email))
    if found is not None:
        return found
    with hashed_once():
        return accounts.create_user(
            email=email,
            name=f"Alex {key.title()}",
            password=PASSWORD,
            roles={Role.COUNCIL_OFFICER},
            council=councils[key],
        )


def drafted(funding_round, councils, people, key: str, title: str = "Commercial waste review") -> Application:  # type: ignore[no-untyped-def]
    officer = officer_of(councils, key, people)
    application = applications.start_application(
        funding_round, council=councils[key], actor=officer, today=date.today()
    )
    answers = dict(FIXED_GRANT_ANSWERS)
    answers["project"] = ({**answers["project"][0], "title": title}, {"title": title})
    return answered(application, officer, answers)


def decided(application: Application, people) -> None:  # type: ignore[no-untyped-def]
    """Submitted, checked and scored: waiting for a decision."""
    officer = db.session.get(User, application.created_by_id)
    assert officer is not None
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    applications.check_eligibility(application, date.today())
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    for assessor in (people["assessor"], people["assessor2"])[: application.scheme.assessments_required]:
        scored(application, assessor)


def accepted(application: Application, people) -> Application:  # type: ignore[no-untyped-def]
    decided(application, people)
    applications.approve(application, actor=people["approver"], expected_version=None)
    return offer_accepted(application, signatory="Rosalind Quill")


def joint_bid(people, councils) -> Application:  # type: ignore[no-untyped-def]
    """Babergh's behavioural-insights trial with Ipswich and Camden as partners, accepted."""
    funding_round = open_round(
        behavioural_insights(summary="Match funding for trials that use behavioural insights to manage demand."),
        name="Phase 2",
        opened_days_ago=0,
        closes_in_days=0,
        budget_pence=30_000_000,
    )
    officer = people["officer"]
    application = applications.start_application(
        funding_round, council=councils["babergh"], actor=officer, today=date.today()
    )
    answered(
        application,
        officer,
        {
            "project": (
                {"title": "Housing demand letters", "problem": "Rising demand"},
                {"title": "Housing demand letters"},
            ),
            "outcomes": ({"outcomes": "Fewer people becoming homeless"}, {}),
            "funding": (
                {"amount": "25000.50", "match": "5000.50"},
                {"amount_requested_pence": 2_500_050, "match_pence": 500_050},
            ),
            "partners": ({"partners": ["Ipswich", "Camden"]}, {}),
            "contact": ({"name": "Priya Shah", "email": "p@example.gov.uk"}, {}),
            "declaration": ({"chief_officer": "Arthur Charvonia", "confirmed": True}, {}),
        },
    )
    partners = {councils["ipswich"]: 1_000_000, councils["camden"]: 1_000_000}
    for key in ("ipswich", "camden"):
        officer_of(councils, key, people)
    applications.set_partners(application, partners, actor=officer, expected_version=application.version)
    for key in ("ipswich", "camden"):
        applications.respond_as_partner(application, actor=officer_of(councils, key, people), confirm=True)
    return accepted(application, people)


def package_from(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(JSON_URL)
    assert response.status_code == 200 and response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def csv_from(client) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(CSV_URL)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text[1:], newline=""))
    header = next(reader)
    assert tuple(header) == workflow.CSV_HEADER
    return [dict(zip(header, row, strict=True)) for row in reader]


# The package validates ----------------------------------------------------------------------------


def test_a_single_grant_validates_and_says_what_was_awarded(client, people, councils, validators):  # type: ignore[no-untyped-def]
    application = accepted(drafted(expert_grant_round(), councils, people, "babergh"), people)
    award = db.session.scalar(select(Award).where(Award.application_id == application.id))
    assert award is not None and award.accepted_at is not None

    package = package_from(client)
    assert assert_valid(package, validators) == 1
    assert package["version"] == "1.4"
    assert package["license"] == workflow.LICENCE_URL
    assert package["publisher"]["name"] == "Local Government Association"
    (grant,) = package["grants"]
    assert grant["id"] == f"360G-lga-pp-{application.reference}"
    assert grant["title"] == "Commercial waste review"
    assert "Productivity Experts" in grant["description"] and "£6,000 for an expert" in grant["description"]
    assert grant["currency"] == "GBP" and grant["amountAwarded"] == 6000
    assert grant["awardDate"] == workflow.uk_date(award.approved_at)
    assert grant["plannedDates"] == [
        {"startDate": workflow.uk_date(award.accepted_at), "endDate": application.round.closes_on.isoformat()}
    ]
    assert grant["recipientOrganization"] == [{"id": "360G-lga-pp-council-E07000200", "name": "Babergh"}]
    assert grant["beneficiaryLocation"] == [
        {"name": "Babergh", "geoCode": "E07000200", "geoCodeType": "NMD", "countryCode": "GB"}
    ]
    assert grant["fundingOrganization"] == [{"id": "360G-lga-pp-lga", "name": "Local Government Association"}]
    assert grant["grantProgramme"][0]["code"] == "productivity-experts"
    assert grant["grantProgramme"][0]["title"] == "Productivity Experts"
    assert "2026/27" in grant["grantProgramme"][0]["description"]


def test_the_prefix_comes_from_the_configuration(app, client, people, councils, validators):  # type: ignore[no-untyped-def]
    application = accepted(drafted(expert_grant_round(), councils, people, "babergh"), people)
    app.config["OPEN_DATA_PREFIX"] = "lga-test"
    try:
        package = package_from(client)
    finally:
        app.config.pop("OPEN_DATA_PREFIX")
    assert_valid(package, validators)
    assert package["grants"][0]["id"] == f"360G-lga-test-{application.reference}"
    assert package["grants"][0]["recipientOrganization"][0]["id"] == "360G-lga-test-council-E07000200"


def test_a_joint_bid_lists_the_lead_and_each_partner_as_beneficiaries(client, people, councils, validators):  # type: ignore[no-untyped-def]
    application = joint_bid(people, councils)
    package = package_from(client)
    assert assert_valid(package, validators) == 1
    (grant,) = package["grants"]
    assert grant["id"].endswith(application.reference)
    assert grant["amountAwarded"] == 25000.5
    assert grant["recipientOrganization"][0]["name"] == "Babergh"
    assert [(p["name"], p["geoCode"], p["geoCodeType"]) for p in grant["beneficiaryLocation"]] == [
        ("Babergh", "E07000200", "NMD"),
        ("Ipswich", "E07000202", "NMD"),
        ("Camden", "E09000007", "LONB"),
    ]
    assert "with Ipswich and Camden" in grant["description"]
    (row,) = csv_from(client)
    assert row["Amount Awarded"] == "25000.50"


def test_the_demo_data_validates_grant_by_grant(client, session, validators):  # type: ignore[no-untyped-def]
    demo.seed_demo(date.today())
    db.session.commit()
    accepted_count = db.session.scalar(select(db.func.count()).select_from(Award).where(Award.accepted_at.is_not(None)))
    package = package_from(client)
    assert assert_valid(package, validators) == accepted_count == 11
    codes = {p["geoCode"][:3]: p["geoCodeType"] for g in package["grants"] for p in g["beneficiaryLocation"]}
    assert all(workflow.GEO_CODE_TYPES[prefix] == kind for prefix, kind in codes.items())


# What is published ------------------------------------------------------------------------------


def test_only_accepted_awards_are_published(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    published = accepted(drafted(funding_round, councils, people, "babergh"), people)
    drafted(funding_round, councils, people, "ipswich", title="Still a draft")
    offered = drafted(funding_round, councils, people, "camden", title="Offered, not accepted")
    decided(offered, people)
    applications.approve(offered, actor=people["approver"], expected_version=None)
    rejected = drafted(funding_round, councils, people, "suffolk", title="Turned down")
    decided(rejected, people)
    applications.reject(rejected, actor=people["approver"], reason="Weak evidence", expected_version=None)
    db.session.commit()

    ids = [g["id"] for g in package_from(client)["grants"]]
    assert ids == [f"360G-lga-pp-{published.reference}"]
    assert [row["Identifier"] for row in csv_from(client)] == ids
    body = client.get(JSON_URL).get_data(as_text=True) + client.get(CSV_URL).get_data(as_text=True)
    for title in ("Still a draft", "Offered, not accepted", "Turned down"):
        assert title not in body


def test_nothing_personal_is_published_from_the_demo(client, session):  # type: ignore[no-untyped-def]
    demo.seed_demo(date.today())
    db.session.commit()
    body = client.get(JSON_URL).get_data(as_text=True) + client.get(CSV_URL).get_data(as_text=True)
    personal: set[str] = set()
    for user in db.session.scalars(select(User)):
        personal |= {user.email, user.name}
    for expert in db.session.scalars(select(Expert)):
        personal |= {expert.email, expert.name}
    for award in db.session.scalars(select(Award)):
        personal |= {award.signatory_name or ""}
    for application in db.session.scalars(select(Application)):
        answers = application.answers or {}
        for section, field in (
            ("contact", "name"),
            ("contact", "email"),
            ("contact", "phone"),
            ("declaration", "chief_officer"),
        ):
            value = (answers.get(section) or {}).get(field)
            if isinstance(value, str):
                personal.add(value)
    personal = {p for p in personal if p and p.strip()}
    assert len(personal) > 20
    assert [p for p in personal if p in body] == []
    assert "@" not in body


# The CSV ------------------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_grant_with_the_jsons_figures(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    for key in ("babergh", "ipswich", "camden"):
        accepted(drafted(funding_round, councils, people, key), people)
    grants = package_from(client)["grants"]
    rows = csv_from(client)
    assert len(rows) == len(grants) == 3
    for grant, row in zip(grants, rows, strict=True):
        assert row["Identifier"] == grant["id"]
        assert row["Title"] == grant["title"] and row["Description"] == grant["description"]
        assert row["Currency"] == grant["currency"]
        assert float(row["Amount Awarded"]) == grant["amountAwarded"]
        assert row["Award Date"] == grant["awardDate"]
        assert row["Planned Dates:Start Date"] == grant["plannedDates"][0]["startDate"]
        assert row["Planned Dates:End Date"] == grant["plannedDates"][0].get("endDate", "")
        assert row["Recipient Org:Identifier"] == grant["recipientOrganization"][0]["id"]
        assert row["Recipient Org:Name"] == grant["recipientOrganization"][0]["name"]
        assert row["Funding Org:Identifier"] == grant["fundingOrganization"][0]["id"]
        assert row["Grant Programme:Code"] == grant["grantProgramme"][0]["code"]
        assert row["Beneficiary Location:0:Geographic Code"] == grant["beneficiaryLocation"][0]["geoCode"]
        assert row["Beneficiary Location:0:Geographic Code Type"] == grant["beneficiaryLocation"][0]["geoCodeType"]
        assert row["Last modified"] == grant["dateModified"]
    assert {row["Beneficiary Location:0:Geographic Code Type"] for row in rows} == {"NMD", "LONB"}


def test_a_title_that_looks_like_a_formula_is_text_in_the_csv(client, people, councils):  # type: ignore[no-untyped-def]
    title = '=HYPERLINK("http://evil.example","Open")'
    accepted(drafted(expert_grant_round(), councils, people, "babergh", title=title), people)
    (row,) = csv_from(client)
    assert row["Title"] == "'" + title
    assert row["Description"].startswith("'=HYPERLINK")
    assert package_from(client)["grants"][0]["title"] == title


# Cost and access --------------------------------------------------------------------------------


def test_the_exports_statements_do_not_grow_with_the_grants(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    accepted(drafted(funding_round, councils, people, "babergh"), people)

    def statements_for(path: str) -> int:
        client.get(path)
        with counting_statements() as seen:
            response = client.get(path)
            assert response.status_code == 200
            response.get_data()
        return len(seen)

    one = {path: statements_for(path) for path in (JSON_URL, CSV_URL)}
    for key in ("ipswich", "camden", "suffolk"):
        accepted(drafted(funding_round, councils, people, key), people)
    assert len(package_from(client)["grants"]) == 4
    assert {path: statements_for(path) for path in (JSON_URL, CSV_URL)} == one
    assert max(one.values()) <= 7


def test_batches_cover_every_grant_once(people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    made = [accepted(drafted(funding_round, councils, people, key), people) for key in ("babergh", "ipswich", "camden")]
    assert [g.reference for g in workflow.iter_awarded_grants(batch=2)] == [a.reference for a in made]


def test_the_page_and_files_need_no_sign_in(client, session):  # type: ignore[no-untyped-def]
    page = client.get(PAGE_URL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Open Government Licence v3.0" in text
    # With no grants yet there is no package to offer: the standard asks for at least one grant.
    assert "No grants have been published yet" in text
    assert JSON_URL not in text and CSV_URL not in text
    assert client.get(JSON_URL).status_code == 404
    assert client.get(CSV_URL).status_code == 200


def test_the_page_counts_the_published_grants_and_links_the_files(client, people, councils):  # type: ignore[no-untyped-def]
    accepted(drafted(expert_grant_round(), councils, people, "babergh"), people)
    db.session.commit()
    text = client.get(PAGE_URL).get_data(as_text=True)
    assert "1 grant published." in text
    assert JSON_URL in text and CSV_URL in text
    assert client.get(JSON_URL).status_code == 200
