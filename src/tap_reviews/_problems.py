"""Every problem in a set of inputs, one line each, raised together: the one validation style of the package.

Used by the construct's props (``props.py``, which also accepts Tokens) and the cost model's workload.
Imports nothing from aws_cdk.
"""

from __future__ import annotations

import math


class Problems:
    """Collects problems (``add``, or the checks below) and raises them in one ValueError."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def raise_if_any(self, owner: str) -> None:
        """Raise one ValueError listing every problem, one per line (nothing when there is none)."""
        if self.lines:
            count = "1 problem" if len(self.lines) == 1 else f"{len(self.lines)} problems"
            raise ValueError(f"{owner}: {count}:\n" + "\n".join(f"- {line}" for line in self.lines))

    def deferred(self, value: object) -> bool:
        """True for a value resolved later (a Token), which the checks accept as it is. None here."""
        return False

    def type_of(self, prop: str, value: object, expected: type | tuple[type, ...], described: str) -> bool:
        """Note a problem unless ``value`` is an instance of ``expected`` (never a bool for numbers)."""
        if isinstance(value, expected) and not (isinstance(value, bool) and bool not in _types(expected)):
            return True
        self.add(f"{prop} must be {described}, got {value!r}.")
        return False

    def number(
        self,
        prop: str,
        value: object,
        *,
        low: float,
        high: float | None = None,
        integer: bool = False,
        unit: str = "",
        allowed: str | None = None,
    ) -> None:
        """``value`` must be a finite number (an integer with ``integer``) from ``low`` to ``high``."""
        if self.deferred(value):
            return
        in_range = (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and (isinstance(value, int) or not integer)
            and low <= value
            and (high is None or value <= high)
        )
        if not in_range:
            kind = "an integer" if integer else "a number"
            bounds = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
            self.add(f"{prop} must be {allowed or f'{kind} {bounds}'}{unit}, got {value!r}.")


def _types(expected: type | tuple[type, ...]) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)
