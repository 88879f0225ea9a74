"""How many examples a hypothesis property runs: all of them in the full suite (``uv run projen test``), a
fifth in the inner loop (``uv run projen test:fast`` sets ``HYPOTHESIS_PROFILE=fast``)."""

from __future__ import annotations

import os

FAST = os.environ.get("HYPOTHESIS_PROFILE") == "fast"


def examples(full: int) -> int:
    """``full`` examples, or a fifth of them (at least 5) in the fast tier."""
    return max(5, full // 5) if FAST else full
