"""The programme's grants as open data in the 360Giving Data Standard (schema 1.4): one grant per
awarded application, as a JSON data package and as the standard's flattened CSV.

A grant is published once the council has accepted the offer (`Award.accepted_at` is set). An
approval the council has not accepted, or has declined, is not a grant made, so it is not
published; nor is any draft, rejected or withdrawn application.

Nothing personal is published: no answers from the application form (they name contacts and
signatories), no users, no signatories. A grant is described by the project title, the scheme
and its published summary, the councils and the money.

Both files are produced as they are read: the grants come from the database in batches by
keyset (two statements a batch, whatever is in it), each one is written out and forgotten, so
the memory used does not grow with the number of grants.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, ApplicationPartner, Award, Council, FundingRound, PartnerStatus, Scheme
from workflows.csv_export import csv_line
from workflows.formatting import UK

DEFAULT_PREFIX = "lga-pp"
STANDARD_VERSION = "1.4"
CURRENCY = "GBP"
FUNDER_NAME = "Local Government Association"
FUNDER_WEBSITE = "https://www.local.gov.uk"
LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
BATCH = 500

# The 360Giving geoCodeType code for each council's ONS entity (the first three characters of
# its GSS code), from the standard's geoCodeType codelist.
GEO_CODE_TYPES = {
    "E06": "UA",
    "E07": "NMD",
    "E08": "MD",
    "E09": "LONB",
    "E10": "CTY",
    "W06": "UA",
}

CSV_HEADER = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "Grant Programme:Description",
    "Beneficiary Location:0:Name",
    "Beneficiary Location:0:Geographic Code",
    "Beneficiary Location:0:Geographic Code Type",
    "Beneficiary Location:0:Country Code",
    "Last modified",
)


@dataclass(frozen=True)
class Place:
    """A council as a place a grant benefits."""

    gss_code: str
    name: str


@dataclass(frozen=True)
class AwardedGrant:
    """What the open data says about one accepted award, read in one row."""

    application_id: int
    reference: str
    title: str
    amount_pence: int
    approved_at: datetime
    accepted_at: datetime
    updated_at: datetime
    lead: Place
    partners: tuple[Place, ...]
    scheme_code: str
    scheme_name: str
    scheme_summary: str
    round_name: str
    round_closes_on: date


@dataclass(frozen=True)
class Identifiers:
    """The identifiers a publisher's prefix gives: grants, recipients, the funder, the package."""

    prefix: str = DEFAULT_PREFIX

    def grant(self, reference: str) -> str:
        return f"360G-{self.prefix}-{reference}"

    def council(self, gss_code: str) -> str:
        return f"360G-{self.prefix}-council-{gss_code}"

    @property
    def funder(self) -> str:
        return f"360G-{self.prefix}-lga"

    @property
    def package(self) -> str:
        return f"360G-{self.prefix}-grants"


# Reading ------------------------------------------------------------------------------------------


def published_filter() -> Any:
    """The condition that makes an award a published grant: the offer was accepted."""
    return Award.accepted_at.is_not(None)


def published_count() -> int:
    """How many grants are published."""
    return db.session.scalar(select(func.count()).select_from(Award).where(published_filter())) or 0


def iter_awarded_grants(batch: int = BATCH) -> Iterator[AwardedGrant]:
    """Every accepted award, oldest application first, read `batch` at a time by keyset: one
    statement for the grants of a batch and one for their confirmed partner councils."""
    after = 0
    while True:
        rows = db.session.execute(
            select(
                Application.id,
                Application.reference,
                Application.title,
                Application.updated_at,
                Award.amount_pence,
                Award.approved_at,
                Award.accepted_at,
                Council.gss_code,
                Council.name,
                Scheme.code,
                Scheme.name,
                Scheme.summary,
                FundingRound.name,
                FundingRound.closes_on,
            )
            .join(Award, Award.application_id == Application.id)
            .join(Council, Council.id == Application.lead_council_id)
            .join(FundingRound, FundingRound.id == Application.round_id)
            .join(Scheme, Scheme.id == FundingRound.scheme_id)
            .where(published_filter(), Application.id > after)
            .order_by(Application.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        partners = _partners_of([row[0] for row in rows])
        for row in rows:
            yield AwardedGrant(
                application_id=row[0],
                reference=row[1],
                title=row[2],
                updated_at=row[3],
                amount_pence=row[4],
                approved_at=row[5],
                accepted_at=row[6],
                lead=Place(gss_code=row[7], name=row[8]),
                partners=tuple(partners.get(row[0], ())),
                scheme_code=row[9],
                scheme_name=row[10],
                scheme_summary=row[11] or "",
                round_name=row[12],
                round_closes_on=row[13],
            )
        if len(rows) < batch:
            return
        after = rows[-1][0]


def _partners_of(application_ids: Sequence[int]) -> dict[int, list[Place]]:
    """The partner councils that confirmed taking part, by application, in the order added."""
    found: dict[int, list[Place]] = defaultdict(list)
    rows = db.session.execute(
        select(ApplicationPartner.application_id, Council.gss_code, Council.name)
        .join(Council, Council.id == ApplicationPartner.council_id)
        .where(
            ApplicationPartner.application_id.in_(application_ids),
            ApplicationPartner.status == PartnerStatus.CONFIRMED,
        )
        .order_by(ApplicationPartner.application_id, ApplicationPartner.id)
    )
    for application_id, gss_code, name in rows:
        found[application_id].append(Place(gss_code=gss_code, name=name))
    return found


def last_modified() -> datetime | None:
    """The latest change to any published grant (None when there are none)."""
    updated, accepted = db.session.execute(
        select(func.max(Application.updated_at), func.max(Award.accepted_at))
        .join(Award, Award.application_id == Application.id)
        .where(published_filter())
    ).one()
    times = [t for t in (updated, accepted) if t is not None]
    return max(times) if times else None


# One grant -----------------------------------------------------------------------------------------


def pounds(pence: int) -> int | float:
    """Pence as a JSON number of pounds: whole pounds stay integers (600000 → 6000)."""
    whole, part = divmod(pence, 100)
    return whole if part == 0 else pence / 100


def csv_pounds(pence: int) -> str:
    """Whole pounds as 360Giving files give them ("6000"), pence only when there are some."""
    whole, part = divmod(pence, 100)
    return str(whole) if part == 0 else f"{whole}.{part:02d}"


def uk_date(moment: datetime) -> str:
    """The day a UTC time falls on in the UK, as YYYY-MM-DD."""
    return moment.astimezone(UK).date().isoformat()


def utc_timestamp(moment: datetime) -> str:
    """A full RFC 3339 date-time in UTC, as the standard asks of "last modified" fields."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def planned_end(grant: AwardedGrant) -> str | None:
    """The round's closing date (a round is the financial year the money is for), unless the
    offer was accepted after it: then no planned end is recorded."""
    start = grant.accepted_at.astimezone(UK).date()
    return grant.round_closes_on.isoformat() if grant.round_closes_on >= start else None


def grant_title(grant: AwardedGrant) -> str:
    return grant.title.strip() or f"{grant.scheme_name} grant to {grant.lead.name}"


def grant_description(grant: AwardedGrant) -> str:
    summary = grant.scheme_summary.strip()
    lead = f"{grant_title(grant)}: a {grant.scheme_name} grant to {grant.lead.name}"
    joint = f", with {_names(grant.partners)}" if grant.partners else ""
    return f"{lead}{joint} ({grant.round_name} round)." + (f" {summary}" if summary else "")


def _names(places: Sequence[Place]) -> str:
    names = [p.name for p in places]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def programme_description(grant: AwardedGrant) -> str:
    return f"{grant.round_name} round, closing {grant.round_closes_on.isoformat()}"


def location(place: Place) -> dict[str, Any]:
    found: dict[str, Any] = {"name": place.name, "geoCode": place.gss_code}
    code_type = GEO_CODE_TYPES.get(place.gss_code[:3])
    if code_type is not None:
        found["geoCodeType"] = code_type
    found["countryCode"] = "GB"
    return found


def date_modified(grant: AwardedGrant) -> datetime:
    return max(grant.updated_at, grant.accepted_at)


def grant_record(grant: AwardedGrant, ids: Identifiers) -> dict[str, Any]:
    """The grant as a 360Giving grant object."""
    planned: dict[str, Any] = {"startDate": uk_date(grant.accepted_at)}
    end = planned_end(grant)
    if end is not None:
        planned["endDate"] = end
    return {
        "id": ids.grant(grant.reference),
        "title": grant_title(grant),
        "description": grant_description(grant),
        "currency": CURRENCY,
        "amountAwarded": pounds(grant.amount_pence),
        "awardDate": uk_date(grant.approved_at),
        "plannedDates": [planned],
        "recipientOrganization": [{"id": ids.council(grant.lead.gss_code), "name": grant.lead.name}],
        "beneficiaryLocation": [location(place) for place in (grant.lead, *grant.partners)],
        "fundingOrganization": [{"id": ids.funder, "name": FUNDER_NAME}],
        "grantProgramme": [
            {"code": grant.scheme_code, "title": grant.scheme_name, "description": programme_description(grant)}
        ],
        "locationScope": "GLS050",
        "dateModified": utc_timestamp(date_modified(grant)),
    }


def csv_row(grant: AwardedGrant, ids: Identifiers) -> list[str]:
    """The grant as a row under CSV_HEADER: the first beneficiary location is the lead council,
    like the standard's flattened form of a one-place grant."""
    lead = location(grant.lead)
    return [
        ids.grant(grant.reference),
        grant_title(grant),
        grant_description(grant),
        CURRENCY,
        csv_pounds(grant.amount_pence),
        uk_date(grant.approved_at),
        uk_date(grant.accepted_at),
        planned_end(grant) or "",
        ids.council(grant.lead.gss_code),
        grant.lead.name,
        ids.funder,
        FUNDER_NAME,
        grant.scheme_code,
        grant.scheme_name,
        programme_description(grant),
        lead["name"],
        lead["geoCode"],
        lead.get("geoCodeType", ""),
        lead["countryCode"],
        utc_timestamp(date_modified(grant)),
    ]


# The files ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageLinks:
    """Where the package is published, for its metadata."""

    download_url: str
    access_url: str


def package_metadata(
    ids: Identifiers, links: PackageLinks, *, now: datetime, modified: datetime | None = None
) -> dict[str, Any]:
    """The package's own fields (everything but the grants), as the package schema defines them.
    `modified` is the latest change to a published grant, read here unless the caller has it."""
    modified = modified or last_modified() or now
    return {
        "version": STANDARD_VERSION,
        "title": "Local Government Association Productivity Programme grants",
        "description": (
            "Grants made by the Local Government Association's Productivity Programme to councils in "
            "England and Wales, one for each offer a council has accepted. Published under the "
            f"{LICENCE_NAME}."
        ),
        "identifier": ids.package,
        "issued": utc_timestamp(now),
        "modified": utc_timestamp(modified),
        "publisher": {"identifier": ids.funder, "name": FUNDER_NAME, "website": FUNDER_WEBSITE},
        "downloadURL": links.download_url,
        "accessURL": links.access_url,
        "license": LICENCE_URL,
    }


def package_json(
    ids: Identifiers, links: PackageLinks, *, now: datetime | None = None, modified: datetime | None = None
) -> Iterator[str]:
    """The 360Giving data package as JSON text in pieces: the metadata and the opening of the
    grants array, then one grant at a time, then the close."""
    metadata = json.dumps(
        package_metadata(ids, links, now=now or datetime.now(UTC), modified=modified), ensure_ascii=False
    )
    yield metadata[:-1] + ', "grants": ['
    for number, grant in enumerate(iter_awarded_grants()):
        yield ("," if number else "") + json.dumps(grant_record(grant, ids), ensure_ascii=False)
    yield "]}\n"


def grants_csv(ids: Identifiers) -> Iterator[str]:
    """The grants as CSV lines under the standard's column titles, the header first (after a
    byte order mark, so a spreadsheet reads UTF-8). A cell that starts like a formula is
    prefixed with a single quote."""
    yield "\ufeff" + csv_line(CSV_HEADER)
    for grant in iter_awarded_grants():
        yield csv_line(csv_row(grant, ids))
