"""Events: every committed change to a review, as one EventBridge event, from the table's stream.

The transactional outbox is the product's summary item. Every change to a review (created, updated,
deleted, published, rejected, held, erased) updates its product's summary in the same transaction and
records itself there as ``last_change``, unique per change; so DynamoDB Streams holds exactly one record of
the summary per committed change, carrying the summary as it stood right after it, and none for a change
that did not commit. This function (the stream's Lambda event source, filtered to summary records) turns
each into one event on the construct's ``event_bus``:

- ``source``: ``tap-reviews``; ``detail-type``: ``Review Created``, ``Review Updated``, ``Review Deleted``,
  ``Review Published``, ``Review Rejected``, ``Review Held``, ``Review Erased``;
- ``detail``: ``change``, ``change_id`` (unique: consumers de-duplicate on it, since delivery is at least
  once), ``changed_at``, ``product_id``, ``review_id``, ``status`` and ``version`` after the change (not for
  deletions and erasures), ``reason`` (rejections), and ``summary`` (``review_count``, ``average_rating``,
  ``histogram``) right after the change.

Events never carry a reviewer's id or text. When PutEvents fails for a record, the function reports it
(``batchItemFailures``) and Lambda retries from there, so every event is delivered at least once; events
after a failed one in the same PutEvents call may go out twice, and EventBridge does not keep order, so
consumers de-duplicate on ``change_id`` and order a review's events by ``version``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import clients, contract
from .dynamo import from_item
from .store import summary_of

#: PutEvents takes at most 10 entries per call.
PUT_EVENTS_BATCH = 10


def event_of(record: dict[str, Any]) -> dict[str, Any] | None:
    """The EventBridge entry for one stream record of a summary item; None for any other record."""
    image = record.get("dynamodb", {}).get("NewImage")
    if not image or record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    item = from_item(image)
    change = item.get("last_change")
    if item.get(contract.SORT_KEY) != contract.SUMMARY_SORT_KEY or not isinstance(change, dict):
        return None
    detail: dict[str, Any] = {
        "change": change["change"],
        "change_id": change["change_id"],
        "changed_at": change["at"],
        "product_id": item[contract.PARTITION_KEY],
        "review_id": change["review_id"],
    }
    for name in ("status", "version", "reason"):
        if name in change:
            detail[name] = int(change[name]) if name == "version" else change[name]
    detail["summary"] = summary_of(item)
    return {
        "Source": contract.EVENT_SOURCE,
        "DetailType": f"Review {str(change['change']).title()}",
        "Detail": json.dumps(detail, separators=(",", ":")),
        "EventBusName": os.environ[contract.ENV_EVENT_BUS_NAME],
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for a batch of stream records: put one event per summary change, in order.

    Returns ``batchItemFailures`` naming the first record whose event PutEvents did not take; Lambda then
    retries from that record (later batches are not sent first).
    """
    pending: list[tuple[str, dict[str, Any]]] = []
    for record in event.get("Records", []):
        entry = event_of(record)
        if entry is not None:
            pending.append((record["dynamodb"]["SequenceNumber"], entry))
    for start in range(0, len(pending), PUT_EVENTS_BATCH):
        batch = pending[start : start + PUT_EVENTS_BATCH]
        try:
            answer = clients.client("events").put_events(Entries=[entry for _, entry in batch])
        except Exception:  # noqa: BLE001 - any failure: Lambda retries from this batch's first record
            return {"batchItemFailures": [{"itemIdentifier": batch[0][0]}]}
        for (sequence, _), result in zip(batch, answer.get("Entries", []), strict=False):
            if "ErrorCode" in result:
                return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}
