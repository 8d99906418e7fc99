"""Where things are, whichever folder a test is in."""

from __future__ import annotations

from pathlib import Path

# The tests folder and the checkout around it.
TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
