"""Grouped settings of ProductReviewsApi, as frozen dataclasses that validate themselves."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real


def _require_number(prop: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{prop} must be a number, got {value!r}.")


def _require_int(prop: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{prop} must be an integer, got {value!r}.")


@dataclass(frozen=True)
class ThrottleSettings:
    """Steady-state and burst request limits of the API stage (API Gateway throttling).

    Args:
        rate_limit: Requests per second the stage serves steadily, greater than 0. Default: 10.
        burst_limit: Requests the stage accepts at once above the steady rate; an integer of at least
            ``rate_limit``. Default: 20.
    """

    rate_limit: float = 10
    burst_limit: int = 20

    def __post_init__(self) -> None:
        _require_number("ThrottleSettings.rate_limit", self.rate_limit)
        _require_int("ThrottleSettings.burst_limit", self.burst_limit)
        if self.rate_limit <= 0:
            raise ValueError(
                f"ThrottleSettings.rate_limit must be greater than 0 requests per second, got {self.rate_limit}."
            )
        if self.burst_limit < self.rate_limit:
            raise ValueError(
                f"ThrottleSettings.burst_limit ({self.burst_limit}) must be at least ThrottleSettings.rate_limit "
                f"({self.rate_limit}): a burst smaller than the steady rate throttles the steady rate."
            )


@dataclass(frozen=True)
class CapacityBounds:
    """Auto-scaling bounds of provisioned DynamoDB capacity, applied to the table and its index.

    Args:
        min_capacity: Capacity units provisioned at least (the floor you always pay for), 1 or more.
            Default: 5.
        max_capacity: Capacity units auto-scaling may reach, at least ``min_capacity``. Default: 100.
    """

    min_capacity: int = 5
    max_capacity: int = 100

    def __post_init__(self) -> None:
        _require_int("CapacityBounds.min_capacity", self.min_capacity)
        _require_int("CapacityBounds.max_capacity", self.max_capacity)
        if self.min_capacity < 1:
            raise ValueError(f"CapacityBounds.min_capacity must be at least 1 capacity unit, got {self.min_capacity}.")
        if self.min_capacity > self.max_capacity:
            raise ValueError(
                f"CapacityBounds.min_capacity ({self.min_capacity}) must not exceed "
                f"CapacityBounds.max_capacity ({self.max_capacity})."
            )
