"""The shared services map through the API: an arrangement with its savings by year and its end, an
edition's arrangements and totals, the savings since a year by basis, and staff recording a year's
savings (version-checked, refused with a pointer to the field) and ending an arrangement; council
officers read it and change nothing."""

from __future__ import annotations

from datetime import date

from grants.models import Role
from tests.builders.councils import in_their_regions
from tests.builders.sharing import arrangement
from tests.support.api import Api, ok
from workflows.reporting.periods import financial_year_of, year_label

THIS_YEAR = financial_year_of(date.today())


def test_a_years_savings_and_an_end_round_trip_through_the_api(client, people, councils, make_user):  # type: ignore[no-untyped-def]
    in_their_regions(councils)
    made = arrangement(people, ["Babergh", "Ipswich"], date(2019, 6, 1), name="Shared legal", estimated=10_000)
    other = arrangement(people, ["Ipswich", "Camden"], date(2012, 4, 1), name="Old partnership", estimated=500)
    staff = Api(client, people["programme"])
    council = Api(client, people["officer"])

    seen = ok(council.get(f"/arrangements/{made.id}"))
    assert seen["ended_on"] is None and seen["version"] == 1
    assert [year["year"] for year in seen["years"]] == list(range(2019, THIS_YEAR + 1))
    assert seen["years"][0] == {
        "year": 2019,
        "label": "2019/20",
        "estimated_pence": 10_000,
        "claimed_pence": None,
        "verified_pence": None,
    }

    path = f"/arrangements/{made.id}/years/2020"
    # A council officer may not write; a stale version is 409; a bad figure 422 at its field.
    assert council.post(path, {"version": 1, "estimated_pence": 1}).status_code == 403
    negative = staff.post(path, {"version": 1, "claimed_pence": -1})
    assert negative.status_code == 422 and negative.get_json()["errors"][0]["pointer"] == "/claimed_pence"
    empty = staff.post(path, {"version": 1, "estimated_pence": None})
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["pointer"] == "/estimated_pence"
    assert staff.post(f"/arrangements/{made.id}/years/2018", {"version": 1, "estimated_pence": 1}).status_code == 404
    saved = ok(
        staff.post(path, {"version": 1, "estimated_pence": 12_000, "claimed_pence": 13_000, "verified_pence": 12_500})
    )
    assert saved["version"] == 2
    assert next(y for y in saved["years"] if y["year"] == 2020) == {
        "year": 2020,
        "label": "2020/21",
        "estimated_pence": 12_000,
        "claimed_pence": 13_000,
        "verified_pence": 12_500,
    }
    assert staff.post(path, {"version": 1, "estimated_pence": 1}).status_code == 409
    # Leaving the verified figure out keeps it.
    kept = ok(staff.post(path, {"version": 2, "estimated_pence": 12_000, "claimed_pence": 14_000}))
    assert next(y for y in kept["years"] if y["year"] == 2020)["verified_pence"] == 12_500

    # The savings since a year, by basis; the current year counts in full.
    since = ok(council.get("/arrangement-savings?since=2019"))
    years_since_2019 = THIS_YEAR - 2019 + 1
    assert since["estimated_pence"] == 10_000 * (years_since_2019 - 1) + 12_000 + 500 * years_since_2019
    assert (since["claimed_pence"], since["verified_pence"]) == (14_000, 12_500)
    assert (since["arrangements"], since["councils"]) == (2, 3)
    assert since["label"] == f"2019/20 to {year_label(THIS_YEAR)}" and set(since["bases"]) == {
        "estimated",
        "claimed",
        "verified",
    }
    assert ok(council.get("/arrangement-savings?since=2012&through=2013-03-31"))["estimated_pence"] == 500
    refused = council.get("/arrangement-savings?since=2020&through=2019-01-01")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["parameter"] == "through"

    # Ending the old partnership takes it off the later editions.
    end = f"/arrangements/{other.id}/end"
    assert council.post(end, {"version": 1, "ended_on": "2015-03-31", "reason": "Over"}).status_code == 403
    early = staff.post(end, {"version": 1, "ended_on": "2011-01-01", "reason": "Over"})
    assert early.status_code == 422 and early.get_json()["errors"][0]["pointer"] == "/ended_on"
    ended = ok(staff.post(end, {"version": 1, "ended_on": "2015-03-31", "reason": "Wound up"}))
    assert ended["ended_on"] == "2015-03-31" and ended["end_reason"] == "Wound up"
    assert [year["year"] for year in ended["years"]] == [2012, 2013, 2014]
    assert ok(council.get(f"/arrangements/{other.id}"))["end_reason"] is None

    listed = ok(council.get("/arrangements?edition=2014"))
    assert [item["name"] for item in listed["data"]] == ["Old partnership"]
    assert listed["data"][0]["savings"]["estimated_pence"] == 500
    current = ok(council.get("/arrangements"))
    assert [item["name"] for item in current["data"]] == ["Shared legal"]
    assert current["data"][0]["savings"]["year"] == THIS_YEAR
    totals = ok(council.get("/arrangement-editions?edition=2020"))
    assert totals == {
        "year": 2020,
        "label": "2020/21 edition",
        "arrangements": 1,
        "estimated_pence": 12_000,
        "claimed_pence": 14_000,
        "verified_pence": 12_500,
    }
    assert ok(council.get("/arrangements?edition=2020&region=london"))["data"] == []
    assert council.get("/arrangements?edition=1990").status_code == 422
    assert council.get("/arrangements?service_area=nonsense").status_code == 422
    assert council.get("/arrangements?county=E07000200").status_code == 422
    expert = Api(client, make_user(Role.EXPERT, email="amira@experts.example.org"))
    assert expert.get("/arrangements").status_code == 403
