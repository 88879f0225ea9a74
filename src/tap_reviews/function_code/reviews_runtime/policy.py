"""The moderation policy and the review lifecycle it implies: which status a review gets, and when.

- ``none`` (the default): reviews are published at once; reports can still send one to the queue.
- ``pre``: new and edited reviews wait in the moderation queue (pending) until a moderator publishes them.
- ``post``: reviews are published at once; a moderator may reject them later.

Only published reviews are listed and counted in their product's summary. A rejected review keeps the
moderator's reason; its author may edit it, which sends it back to the queue.
"""

from __future__ import annotations

import os
from typing import Any

from . import contract


def moderation() -> str:
    """The deployment's policy: ``none``, ``pre`` or ``post``."""
    return os.environ.get(contract.ENV_MODERATION) or contract.MODERATION_NONE


def report_threshold() -> int:
    """How many reports send a published review back to the moderation queue."""
    return int(os.environ.get(contract.ENV_REPORT_THRESHOLD) or contract.DEFAULT_REPORT_THRESHOLD)


def one_review_per_reviewer() -> bool:
    """Whether a reviewer may write only one review per product."""
    return os.environ.get(contract.ENV_ONE_REVIEW_PER_REVIEWER) == "true"


def status_of_new_review() -> str:
    """Pending under pre-moderation; published otherwise."""
    return contract.STATUS_PENDING if moderation() == contract.MODERATION_PRE else contract.STATUS_PUBLISHED


def status_after_edit(status: str) -> str:
    """An edited review waits for a moderator under pre-moderation, and whenever it was pending or rejected
    (an edit is no way around a decision); otherwise it stays published."""
    if moderation() == contract.MODERATION_PRE or status != contract.STATUS_PUBLISHED:
        return contract.STATUS_PENDING
    return contract.STATUS_PUBLISHED


#: The attributes that put a review in the moderation queue index (and their removal takes it out).
QUEUE_ATTRIBUTES = (contract.MODERATION_QUEUE_KEY, contract.MODERATION_QUEUE_SORT_KEY, "queued_because")


def queue_attributes(status: str, because: str, at: str) -> dict[str, Any]:
    """What a review in ``status`` carries to be in the queue (pending) or not (empty)."""
    if status != contract.STATUS_PENDING:
        return {}
    return {
        contract.MODERATION_QUEUE_KEY: contract.STATUS_PENDING,
        contract.MODERATION_QUEUE_SORT_KEY: at,
        "queued_because": because,
    }
