"""Committing a change: one transaction with its idempotency record, and the answer it stores for retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import idempotency, store
from .protocol import Request, plain, respond


def answer(status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An answer as an idempotency record keeps it: status, extra headers, JSON body (or None)."""
    return {"status": status, "headers": dict(headers or {}), "body": None if body is None else plain(body)}


def send(request: Request, stored: dict[str, Any], *, replayed: bool = False) -> dict[str, Any]:
    """The proxy response for ``stored`` (an answer), marked ``Idempotent-Replayed`` when it is a retry's."""
    headers = {str(name): str(value) for name, value in stored.get("headers", {}).items()}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return respond(request, int(stored["status"]), stored.get("body"), headers)


def commit(
    request: Request,
    items: list[dict[str, Any]],
    result: dict[str, Any],
    *,
    claim: idempotency.Claim | None,
    committed: Callable[[], bool],
) -> dict[str, Any]:
    """Write ``items`` (and the claim's record of ``result``) in one transaction; answer ``result``.

    A retry with the claim's key gets the first answer again. Raises what ``store.transact`` raises, but
    ``KeyTaken`` (answered here).
    """
    items = list(items)
    claim_index = None
    if claim is not None:
        claim_index = len(items)
        items.append(claim.put(result))
    try:
        store.transact(items, committed=committed, claim_index=claim_index)
    except idempotency.KeyTaken as taken:
        assert claim is not None
        return send(request, idempotency.replay(taken, claim), replayed=True)
    return send(request, result)
