"""The Red/Amber/Green rule, pro-rata targets, financial quarters and the words the board reads.
Pure functions: no database."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from workflows.reporting import (
    Assessment,
    Measure,
    Quarter,
    RagStatus,
    Rule,
    elapsed_fraction,
    financial_year_of,
    money_words,
    percent_reached,
    rag_status,
    rule_problems,
    worst,
)

G, A, R, N = RagStatus.GREEN, RagStatus.AMBER, RagStatus.RED, RagStatus.NO_TARGET
DEFAULT = Rule()


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        (100, 100, G),  # exactly at the target is Green
        (150, 100, G),
        (99, 100, A),  # just below Green
        (80, 100, A),  # exactly at the amber threshold is Amber
        (79, 100, R),  # just below Amber
        (0, 100, R),
        (0, None, N),  # no target: no status at all
        (0, 0, G),  # nothing is due yet
        (Fraction(4, 5), Fraction(1), A),
    ],
)
def test_the_default_rule_is_green_at_100_and_amber_at_80_percent(progress, expected, status) -> None:  # type: ignore[no-untyped-def]
    assert rag_status(progress, expected, DEFAULT) is status


def test_the_thresholds_are_the_rules() -> None:
    strict = Rule(green_percent=110, amber_percent=95)
    assert rag_status(105, 100, strict) is A
    assert rag_status(110, 100, strict) is G
    assert rag_status(94, 100, strict) is R
    # Amber may equal Green: then nothing is Amber.
    flat = Rule(green_percent=90, amber_percent=90)
    assert [rag_status(p, 100, flat) for p in (89, 90)] == [R, G]


def test_pro_rata_compares_with_the_share_of_the_target_due_by_now() -> None:
    # A year-long round with a target of 25 councils, a third of the way through: 8⅓ expected.
    expected = 25 * elapsed_fraction(date(2026, 4, 1), date(2027, 3, 31), date(2026, 7, 31))
    assert expected == Fraction(25 * 122, 365)
    assert rag_status(9, expected, DEFAULT) is G
    assert rag_status(7, expected, DEFAULT) is A
    assert rag_status(6, expected, DEFAULT) is R


def test_the_elapsed_share_of_a_round() -> None:
    opens, closes = date(2026, 4, 1), date(2027, 3, 31)
    assert elapsed_fraction(opens, closes, date(2026, 3, 31)) == 0
    assert elapsed_fraction(opens, closes, opens) == Fraction(1, 365)
    assert elapsed_fraction(opens, closes, date(2026, 9, 30)) == Fraction(183, 365)
    assert elapsed_fraction(opens, closes, closes) == 1
    assert elapsed_fraction(opens, closes, date(2028, 1, 1)) == 1
    # A round of one day is all elapsed on that day.
    assert elapsed_fraction(opens, opens, opens) == 1


def test_percent_reached_is_rounded_down_and_absent_with_nothing_expected() -> None:
    assert percent_reached(82, 100) == 82
    assert percent_reached(2, 3) == 66
    assert percent_reached(5, 0) is None
    assert percent_reached(5, None) is None


def test_a_lines_status_is_the_worst_of_its_measures() -> None:
    assert worst([G, R]) is R
    assert worst([G, A]) is A
    assert worst([G, N]) is G
    assert worst([N, N]) is N


def test_the_status_in_words_names_the_rule_the_target_and_the_progress() -> None:
    amber = Assessment(
        Measure.SAVINGS, 1_380_000_000, 2_500_000_000, Fraction(1_680_000_000), date(2026, 12, 1), DEFAULT
    )
    assert amber.status is A and amber.percent == 82
    assert amber.in_words() == (
        "Amber: at or above 80% but below 100% of the pro-rata target (£16.8 million by 1 December 2026); "
        "82% reached (£13.8 million verified)."
    )
    green = Assessment(Measure.COUNCILS, 19, 25, Fraction(168, 10), date(2026, 12, 1), DEFAULT)
    assert green.in_words() == (
        "Green: at or above 100% of the pro-rata target (16.8 councils by 1 December 2026); "
        "113% reached (19 councils reached)."
    )
    whole = Rule(pro_rata=False)
    red = Assessment(Measure.COUNCILS, 1, 25, Fraction(25), date(2026, 12, 1), whole)
    assert red.in_words() == "Red: below 80% of the target (25 councils); 4% reached (1 council reached)."
    none = Assessment(Measure.SAVINGS, 500, None, None, date(2026, 12, 1), DEFAULT)
    assert none.status is N and none.in_words().startswith("No target")
    early = Assessment(Measure.COUNCILS, 0, 25, Fraction(0), date(2026, 3, 1), DEFAULT)
    assert early.status is G and "nothing is due yet" in early.in_words()


@pytest.mark.parametrize(
    ("pence", "words"),
    [
        (2_500_000_000, "£25 million"),
        (730_000_000, "£7.3 million"),
        (100_000_000, "£1 million"),
        (99_999_999, "£1,000,000"),  # just under a million, in whole pounds
        (25_000_000, "£250,000"),
        (12_345, "£123"),
        (0, "£0"),
    ],
)
def test_money_in_words(pence: int, words: str) -> None:
    assert money_words(pence) == words


def test_financial_quarters_start_in_april() -> None:
    assert financial_year_of(date(2026, 4, 1)) == 2026
    assert financial_year_of(date(2027, 3, 31)) == 2026
    q1, q3, q4 = Quarter(2026, 1), Quarter(2026, 3), Quarter(2026, 4)
    assert (q1.start, q1.end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (q3.start, q3.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (q4.start, q4.end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert q4.next() == Quarter(2027, 1)
    assert Quarter.containing(date(2027, 2, 14)) == q4
    assert Quarter.containing(date(2026, 6, 30)) == q1
    assert Quarter.starting(date(2026, 10, 1)) == q3
    assert q3.label == "Quarter 3 of 2026/27 (October to December 2026)"
    assert q4.months == "January to March 2027"
    with pytest.raises(ValueError):
        Quarter.starting(date(2026, 10, 2))
    with pytest.raises(ValueError):
        Quarter(2026, 5)


def test_amber_may_not_be_above_green_nor_either_out_of_range() -> None:
    assert rule_problems(100, 80) == {}
    assert rule_problems(90, 90) == {}
    assert rule_problems(80, 90) == {
        "amber_percent": "The Amber threshold must be the same as or lower than the Green threshold"
    }
    assert set(rule_problems(0, 80)) == {"green_percent"}
    assert set(rule_problems(100, 0)) == {"amber_percent"}
    assert set(rule_problems(1001, 80)) == {"green_percent"}
