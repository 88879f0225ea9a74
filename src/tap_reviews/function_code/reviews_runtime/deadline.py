"""The request's time budget: no AWS call attempt starts unless it can end before the function's timeout.

Lambda kills a function at its timeout without a word: API Gateway answers 502/504, nothing is logged, and a
write in flight may still commit. A POST can chain an SSM read, the transaction and a read-back, each up to
three attempts, which together can outlast the 28 s default. So every attempt (botocore's ``before-send``,
retries included) first checks that its worst case (connect plus read timeout) and the time to answer still
fit; if not, the call fails with ``OutOfTime`` and the client gets a logged 503 with ``Retry-After`` instead.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

#: botocore's per-attempt timeouts for every client (see ``clients.CLIENT_CONFIG``).
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 3
#: Time kept back after the last attempt to build the answer and write the log line.
ANSWER_MARGIN_SECONDS = 0.5
#: What must remain for an attempt to start: its worst case, then the answer.
ATTEMPT_RESERVE_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS + ANSWER_MARGIN_SECONDS


class OutOfTime(Exception):
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
    if remaining_ms is None:
        _budget.set(None)
        return
    remaining = remaining_ms() / 1000
    _budget.set(_Budget(ends_at=time.monotonic() + remaining, reserve=min(ATTEMPT_RESERVE_SECONDS, remaining / 2)))


def end() -> None:
    """Forget the request's budget (a warm process must not carry it into the next request)."""
    _budget.set(None)


def check_attempt(**_: Any) -> None:
    """botocore ``before-send`` hook: raise OutOfTime when the attempt might not end in time."""
    budget = _budget.get()
    if budget is not None and budget.ends_at - time.monotonic() < budget.reserve:
        raise OutOfTime(f"less than {budget.reserve:.1f} s left before the function's timeout")
