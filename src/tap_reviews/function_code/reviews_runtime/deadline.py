"""The request's time budget: no AWS call attempt starts unless it can end before the function's timeout.

Lambda kills a function at its timeout without a word: API Gateway answers 502/504, nothing is logged, and a
write in flight may still commit. A POST can chain an SSM read, the transaction and a read-back, each up to
three attempts, which together can outlast the 28 s default. So, on every client:

- before each attempt (botocore's ``before-send``, retries included), its worst case (connect plus read
  timeout) and the time to answer must still fit, or the call fails with ``OutOfTime`` (a logged 503);
- before botocore sleeps ahead of a retry (``needs-retry``), the longest sleep it may choose must leave room
  for that next attempt, or it does not retry and the call ends with the attempt's own error.

The attempt's worst case is nominal: the read timeout bounds each socket read, not a whole trickled answer.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .errors import Unavailable

#: botocore's per-attempt timeouts for every client (see ``clients.CLIENT_CONFIG``).
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 3
#: Time kept back after the last attempt to build the answer and write the log line.
ANSWER_MARGIN_SECONDS = 0.5
#: What must remain for an attempt to start: its worst case, then the answer.
ATTEMPT_RESERVE_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS + ANSWER_MARGIN_SECONDS
#: botocore's standard retry mode sleeps rand(0, 1) * min(1 s * 2 ** (attempt - 1), 20 s) after a throttled
#: attempt (less after other errors), and up to 5 s more when the answer carries ``x-amz-retry-after``.
_BACKOFF_BASE_SECONDS = 1
_BACKOFF_CAP_SECONDS = 20
_RETRY_AFTER_EXTRA_SECONDS = 5


class OutOfTime(Unavailable):
    """An AWS call attempt was not started: it could have outlasted the function's timeout."""


@dataclass(frozen=True)
class _Budget:
    ends_at: float  # time.monotonic() at the function's timeout
    reserve: float  # seconds that must remain for an attempt to start


#: Per request, and per thread when a local server runs several requests at once.
_budget: ContextVar[_Budget | None] = ContextVar("reviews_request_budget", default=None)


def start(context: Any) -> None:
    """Begin the request's budget from Lambda's context; without ``get_remaining_time_in_millis``, none.

    A function whose whole timeout is under twice the reserve keeps half its time back instead: its first
    call always gets to run, and the guarantee is best effort (it is exact from 9 s up; the default is 28 s).
    """
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    remaining = remaining_ms() if callable(remaining_ms) else None
    # Anything but a number (a test's mock context, say) means no budget rather than a failed request.
    if not isinstance(remaining, (int, float)) or isinstance(remaining, bool):
        _budget.set(None)
        return
    seconds = remaining / 1000
    _budget.set(_Budget(ends_at=time.monotonic() + seconds, reserve=min(ATTEMPT_RESERVE_SECONDS, seconds / 2)))


def end() -> None:
    """Forget the request's budget (a warm process must not carry it into the next request)."""
    _budget.set(None)


def watch(client: Any) -> None:
    """Put the budget checks on a botocore client (before it is shared)."""
    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register("before-send", check_attempt)
    # First among the service's needs-retry handlers, so it can veto botocore's retry handler (and its sleep).
    client.meta.events.register_first(f"needs-retry.{service_id}", check_retry)


def _time_left() -> tuple[float, float] | None:
    budget = _budget.get()
    return None if budget is None else (budget.ends_at - time.monotonic(), budget.reserve)


def allows(seconds: float) -> bool:
    """Whether ``seconds`` of work still fit before the reserve (always, without a budget)."""
    left = _time_left()
    return left is None or left[0] - seconds >= left[1]


def check_attempt(**_: Any) -> None:
    """botocore ``before-send`` hook: raise OutOfTime when the attempt might not end in time."""
    left = _time_left()
    if left is not None and left[0] < left[1]:
        raise OutOfTime(f"less than {left[1]:.1f} s left before the function's timeout")


def check_retry(attempts: int, response: Any = None, **_: Any) -> bool | None:
    """botocore ``needs-retry`` hook: False (do not retry) when the backoff sleep could eat the next attempt's
    time; None lets botocore's retry handler decide as usual."""
    left = _time_left()
    if left is None:
        return None
    longest_sleep = min(_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), _BACKOFF_CAP_SECONDS)
    http_response = response[0] if isinstance(response, tuple) and response else None
    if http_response is not None and "x-amz-retry-after" in getattr(http_response, "headers", {}):
        longest_sleep += _RETRY_AFTER_EXTRA_SECONDS
    return False if left[0] - longest_sleep < left[1] else None
