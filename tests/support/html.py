"""Reading the service's pages as a person sees them (their words, fields, error messages and
banners) and sending their forms as a browser does."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient


def date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def words(page: str) -> str:
    """The page's text without tags, entities decoded and white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def hidden_fields(page: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def input_tag(page: str, name: str, value: str | None = None) -> str:
    """The first `<input>` with this name (and value), whatever the order of its attributes."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag):
            return str(tag)
    raise AssertionError(f"no input {name}={value}")


def input_value(page: str, name: str) -> str:
    found = re.search(r'value="([^"]*)"', input_tag(page, name))
    return html.unescape(found.group(1)) if found else ""


def is_checked(page: str, name: str, value: str) -> bool:
    return re.search(r"\schecked(\s|>|=)", input_tag(page, name, value)) is not None


def fill(client: FlaskClient, path: str, data: dict[str, Any], *, post_to: str | None = None) -> Any:
    """Open a page and send its form as a browser would: its hidden fields with the answers."""
    page = client.get(path)
    assert page.status_code == 200, f"{path} answered {page.status_code}"
    return client.post(post_to or path, data={**hidden_fields(text(page)), **data})


def posted(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The form's answers with some changed; None leaves a field out, as a browser does for a
    radio nobody chose."""
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


def error_summary(page: str) -> dict[str, str]:
    """The GOV.UK error summary's links: where each points, and its words."""
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert found, "no error summary on the page"
    return {href: words(label) for href, label in re.findall(r'<a href="(#[^"]+)">(.*?)</a>', found.group(0), re.S)}


def error_beside(page: str, field_id: str) -> str:
    """The error message shown with a field (GOV.UK's `<p id="field-error">`), without its
    visually hidden "Error:"."""
    found = re.search(rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert found, f"no error message beside {field_id}"
    return words(found.group(1)).removeprefix("Error:").strip()


def assert_refused_beside(response: Any, field_id: str, message: str) -> None:
    """The form is shown again (200, as the service's other form pages), titled as an error, with
    the message in the error summary linking to the field and again beside the field."""
    page = text(response)
    assert response.status_code == 200, response.status_code
    assert "<title>Error:" in page
    summary = error_summary(page)
    assert summary.get(f"#{field_id}") == message, summary
    assert f'id="{field_id}"' in page, "the summary's link points at nothing"
    assert error_beside(page, field_id) == message


def banner(page: str) -> str:
    """The words of the page's "There is a problem" notification banner."""
    found = re.search(r'<div class="govuk-notification-banner"[^>]*role="alert".*?</div>\s*</div>', page, re.S)
    assert found, "no problem banner on the page"
    return words(found.group(0))


def rows_of(response: Any) -> list[list[str]]:
    """The rows of a CSV download (which starts with a byte-order mark, for spreadsheets)."""
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
