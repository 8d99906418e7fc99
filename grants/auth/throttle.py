"""Sign-in throttling: failures are counted per account and per client address in the rate-limit
store (Redis when configured, so every web process sees the same counts). After a few failures
each further attempt is slowed; past the limit the attempt is refused with 429 until the window
has passed."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.strategies import MovingWindowRateLimiter

from grants.extensions import limiter

logger = logging.getLogger(__name__)

# Failures before attempts start to be slowed down.
FREE_FAILURES = 2


@dataclass(frozen=True)
class ThrottleState:
    refused: bool
    retry_after_seconds: int
    delay_seconds: float


def _strategy() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def _limits() -> tuple[RateLimitItemPerSecond, RateLimitItemPerSecond]:
    window = current_app.config["SIGN_IN_WINDOW_SECONDS"]
    return (
        RateLimitItemPerSecond(current_app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"], window),
        RateLimitItemPerSecond(current_app.config["SIGN_IN_MAX_FAILURES_PER_CLIENT"], window),
    )


def _account_key(email: str) -> str:
    # The address itself is not written to the store.
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _client_key(address: str | None) -> str:
    return f"client:{address or 'unknown'}"


def check_sign_in(email: str, address: str | None) -> ThrottleState:
    """Whether this attempt may go ahead, and how long to hold it first."""
    strategy = _strategy()
    account_limit, client_limit = _limits()
    refused_for = 0
    failures = 0
    for limit, key in ((account_limit, _account_key(email)), (client_limit, _client_key(address))):
        stats = strategy.get_window_stats(limit, "sign-in", key)
        used = limit.amount - stats.remaining
        if limit is account_limit:
            failures = used
        if stats.remaining <= 0:
            refused_for = max(refused_for, int(stats.reset_time - time.time()) + 1)
    delay = 0.0
    if failures > FREE_FAILURES:
        delay = min(current_app.config["SIGN_IN_SLOWDOWN_SECONDS"] * (failures - FREE_FAILURES), 3.0)
    return ThrottleState(refused=refused_for > 0, retry_after_seconds=max(refused_for, 0), delay_seconds=delay)


def record_failure(email: str, address: str | None) -> None:
    strategy = _strategy()
    account_limit, client_limit = _limits()
    strategy.hit(account_limit, "sign-in", _account_key(email))
    strategy.hit(client_limit, "sign-in", _client_key(address))
    # The failure that uses up a limit starts the refusals: say so once (never naming the account).
    for scope, limit, key in (
        ("account", account_limit, _account_key(email)),
        ("client", client_limit, _client_key(address)),
    ):
        if not strategy.test(limit, "sign-in", key):
            logger.warning(
                "sign-in failures reached the %s limit", scope, extra={"event": "sign_in_limit_reached", "scope": scope}
            )


def clear_account(email: str) -> None:
    """A successful sign-in wipes the account's failures (not the client's)."""
    account_limit, _ = _limits()
    _strategy().clear(account_limit, "sign-in", _account_key(email))
