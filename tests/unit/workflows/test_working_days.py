"""Working days in England and Wales, from the bank holidays bundled with govuk-bank-holidays."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.working_days import add_working_days, bank_holidays, is_working_day, working_days_between


def test_the_bundled_calendar_has_the_england_and_wales_holidays() -> None:
    holidays = bank_holidays()
    assert date(2026, 12, 25) in holidays
    assert date(2026, 12, 28) in holidays  # Boxing Day falls on a Saturday: the Monday instead
    assert date(2027, 1, 1) in holidays
    assert date(2026, 8, 31) in holidays  # the August holiday of England and Wales...
    assert date(2026, 8, 3) not in holidays  # ...not Scotland's


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),
        (date(2026, 12, 26), False),
        (date(2026, 12, 28), False),
        (date(2026, 12, 29), True),
        (date(2027, 1, 1), False),
    ],
)
def test_weekends_and_bank_holidays_are_not_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday → Monday
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # over Christmas and the substitute day
        (date(2026, 12, 24), 5, date(2027, 1, 5)),  # and over New Year's Day
        (date(2026, 12, 29), -1, date(2026, 12, 24)),  # backwards too
        (date(2026, 11, 22), 0, date(2026, 11, 22)),
    ],
)
def test_adding_working_days(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_counting_working_days_is_the_inverse_of_adding_them() -> None:
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 5
    assert working_days_between(date(2027, 1, 5), date(2026, 12, 24)) == -5
    for days in range(0, 30):
        assert working_days_between(date(2026, 12, 1), add_working_days(date(2026, 12, 1), days)) == days
