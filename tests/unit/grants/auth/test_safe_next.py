"""Where sign-in may send the user afterwards: only a path on this site."""

from __future__ import annotations

import pytest

from grants.auth.views import _safe_next


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/home",
        "/admin/users?x=1",
        "/councils/E07000008#districts",
        "/search?q=https://example.com",
    ],
)
def test_a_path_on_this_site_is_allowed(target: str) -> None:
    assert _safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "https://evil.example/home",
        "http:/evil.example",
        "//evil.example",
        "//evil.example/home",
        "///evil.example",
        "/\\evil",
        "/\\/evil.example",
        "\\\\evil.example",
        "/\t/evil.example",  # browsers drop the tab and read //evil.example
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "home",
        " /home",
        "",
        None,
    ],
)
def test_anything_else_is_refused(target: str | None) -> None:
    assert _safe_next(target) is None
