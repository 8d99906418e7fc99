"""Every status the pages show as a tag has one colour and words, and a status with the same words
has the same colour wherever it appears."""

from __future__ import annotations

from collections import defaultdict

import pytest

from grants.status_tags import COLOURS, status_tag, status_words

GOVUK_COLOURS = {"grey", "green", "turquoise", "blue", "light-blue", "purple", "pink", "red", "orange", "yellow"}


@pytest.mark.parametrize("enum_class", list(COLOURS), ids=lambda e: e.__name__)
def test_every_status_has_a_govuk_colour_and_words(enum_class) -> None:  # type: ignore[no-untyped-def]
    for status in enum_class:
        assert COLOURS[enum_class][status] in GOVUK_COLOURS
        tag = status_tag(status)
        assert tag["text"] == status_words(status) != ""
        assert tag["classes"] == f"govuk-tag--{COLOURS[enum_class][status]}"


def test_the_same_words_have_the_same_colour_everywhere() -> None:
    colours: dict[str, set[str]] = defaultdict(set)
    for enum_class, by_status in COLOURS.items():
        for status in enum_class:
            colours[status_words(status)].add(by_status[status])
    assert {words: found for words, found in colours.items() if len(found) > 1} == {}
    assert colours["Declined"] == {"orange"} and colours["Offered"] == {"yellow"}
