"""Money in pounds and times in UK time, as the templates show them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from workflows.formatting import uk_date, uk_datetime
from workflows.money import pounds


@pytest.mark.parametrize(
    ("pence", "shown"),
    [
        (0, "£0"),
        (100, "£1"),
        (600000, "£6,000"),
        (123456, "£1,234.56"),
        (5, "£0.05"),
        (50, "£0.50"),
        (100000000, "£1,000,000"),
        (-150, "-£1.50"),
        (-600000, "-£6,000"),
        (-5, "-£0.05"),
    ],
)
def test_pounds(pence: int, shown: str) -> None:
    assert pounds(pence) == shown


def test_pounds_of_nothing_is_empty() -> None:
    assert pounds(None) == ""


def test_pounds_can_always_show_pence() -> None:
    assert pounds(600000, always_pence=True) == "£6,000.00"
    assert pounds(0, always_pence=True) == "£0.00"
    assert pounds(123456, always_pence=True) == "£1,234.56"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        # Summer: British Summer Time, an hour ahead of UTC.
        (utc(2026, 7, 1, 11, 30), "1 July 2026 at 12:30pm"),
        (utc(2026, 7, 1, 14, 5), "1 July 2026 at 3:05pm"),
        # Winter: Greenwich Mean Time, the same as UTC.
        (utc(2026, 12, 1, 0, 5), "1 December 2026 at 12:05am"),
        (utc(2026, 11, 22, 15, 5), "22 November 2026 at 3:05pm"),
        (utc(2026, 12, 1, 12, 0), "1 December 2026 at 12:00pm"),
        (utc(2026, 12, 1, 23, 59), "1 December 2026 at 11:59pm"),
        # The clocks go forward at 01:00 UTC on 29 March 2026: 1am GMT becomes 2am BST.
        (utc(2026, 3, 29, 0, 59), "29 March 2026 at 12:59am"),
        (utc(2026, 3, 29, 1, 0), "29 March 2026 at 2:00am"),
        # The clocks go back at 01:00 UTC on 25 October 2026: 2am BST becomes 1am GMT.
        (utc(2026, 10, 25, 0, 30), "25 October 2026 at 1:30am"),
        (utc(2026, 10, 25, 1, 30), "25 October 2026 at 1:30am"),
        (utc(2026, 10, 25, 2, 0), "25 October 2026 at 2:00am"),
        # A summer evening in UTC is already the next day in the UK.
        (utc(2026, 6, 30, 23, 15), "1 July 2026 at 12:15am"),
    ],
)
def test_uk_datetime_shows_utc_times_in_uk_time(moment: datetime, shown: str) -> None:
    assert uk_datetime(moment) == shown


def test_uk_datetime_converts_from_any_zone() -> None:
    # 17:30 at UTC+5 is 12:30 UTC, which is 1:30pm in a British summer.
    moment = datetime(2026, 7, 1, 17, 30, tzinfo=timezone(timedelta(hours=5)))
    assert uk_datetime(moment) == "1 July 2026 at 1:30pm"


def test_uk_datetime_of_nothing_is_empty() -> None:
    assert uk_datetime(None) == ""


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        # Near midnight UTC in summer the UK is already on the next day ...
        (utc(2026, 7, 1, 23, 30), "2 July 2026"),
        (utc(2026, 12, 31, 23, 30), "31 December 2026"),  # ... but not in winter.
        (utc(2026, 6, 30, 22, 59), "30 June 2026"),
        (utc(2026, 6, 30, 23, 0), "1 July 2026"),
    ],
)
def test_uk_date_of_a_datetime_is_the_uk_date(moment: datetime, shown: str) -> None:
    assert uk_date(moment) == shown


def test_uk_date_of_a_date_is_that_date() -> None:
    assert uk_date(date(2026, 4, 6)) == "6 April 2026"


def test_uk_date_of_nothing_is_empty() -> None:
    assert uk_date(None) == ""


def test_uk_date_reads_an_iso_date_kept_in_a_messages_details() -> None:
    assert uk_date("2027-03-01") == "1 March 2027"
    assert uk_date("") == ""
