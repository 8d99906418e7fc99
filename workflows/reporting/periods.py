"""Financial years (April to March) and their quarters, and the words the reports use for days,
money and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from workflows.formatting import uk_date
from workflows.money import pounds

# Financial years and quarters ----------------------------------------------------------------------


def financial_year_of(day: date) -> int:
    """The financial year a day falls in, by the calendar year it starts: 1 April 2026 to 31 March
    2027 is 2026."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def year_label(year: int) -> str:
    """2026 → "2026/27"."""
    return f"{year}/{str(year + 1)[2:]}"


_QUARTER_MONTHS = {1: ("April", "June"), 2: ("July", "September"), 3: ("October", "December"), 4: ("January", "March")}


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year: Q1 is April to June, Q4 January to March."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError("a quarter is numbered 1 to 4")

    @classmethod
    def containing(cls, day: date) -> Quarter:
        year = financial_year_of(day)
        months_in = (day.month - 4) % 12
        return cls(year, months_in // 3 + 1)

    @classmethod
    def starting(cls, day: date) -> Quarter:
        """The quarter that starts on `day`; ValueError when no quarter starts then."""
        found = cls.containing(day)
        if found.start != day:
            raise ValueError("no quarter starts on that day")
        return found

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + month // 13, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year, self.number + 1) if self.number < 4 else Quarter(self.year + 1, 1)

    @property
    def short_label(self) -> str:
        return f"Q{self.number} {year_label(self.year)}"

    @property
    def months(self) -> str:
        """ "October to December 2026"."""
        first, last = _QUARTER_MONTHS[self.number]
        return f"{first} to {last} {self.end.year}"

    @property
    def label(self) -> str:
        return f"Quarter {self.number} of {year_label(self.year)} ({self.months})"


def quarters_of_year(year: int) -> list[Quarter]:
    return [Quarter(year, number) for number in (1, 2, 3, 4)]


def elapsed_fraction(opens_on: date, closes_on: date, as_of: date) -> Fraction:
    """How much of a round's dates has passed by the end of `as_of`: 0 before it opens, 1 from its
    closing day on, otherwise the days so far (counting `as_of`) over the days in the round."""
    if as_of < opens_on:
        return Fraction(0)
    if as_of >= closes_on:
        return Fraction(1)
    return Fraction((as_of - opens_on).days + 1, (closes_on - opens_on).days + 1)


# Words ------------------------------------------------------------------------------------------------


def day_words(day: date) -> str:
    """ "1 December 2026"."""
    return uk_date(day)


def money_words(pence: int | Fraction) -> str:
    """Money as a board reads it: £1 million and more to one decimal place ("£7.3 million",
    "£25 million"), less in whole pounds ("£250,000")."""
    exact = Decimal(pence.numerator) / Decimal(pence.denominator) if isinstance(pence, Fraction) else Decimal(pence)
    if abs(exact) >= 100_000_000:
        millions = (exact / 100_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        text = f"{millions:f}".removesuffix(".0")
        return f"£{text} million"
    return pounds(int((exact / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)) * 100)


def number_words(value: int | Fraction) -> str:
    """A count, or a pro-rata share of one to one decimal place: 25, 16.8."""
    if isinstance(value, Fraction) and value.denominator != 1:
        shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{shown:f}".removesuffix(".0")
    return f"{int(value):,}"


def councils_words(value: int | Fraction) -> str:
    return f"{number_words(value)} council{'' if value == 1 else 's'}"
