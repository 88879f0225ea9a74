"""Category pages: the summaries (count, average, histogram) of many products in one request.

``GET /summaries?product_ids=p-1,p-2`` answers each product's summary, in the order asked (a repeated id
once), from one BatchGetItem of the summary items; a product without reviews answers zeros.
"""

from __future__ import annotations

from typing import Any

from . import contract, store, validation
from .errors import ApiError, Error
from .protocol import Request, respond
from .reviews import refuse_unknown_query
from .schema import ID_SCHEMAS, PRODUCT_ID_PATTERN


def product_ids_from(request: Request) -> list[str]:
    """The distinct product ids of ``product_ids``, in order; ApiError 400 when it is missing, names more than
    ``contract.MAX_SUMMARY_PRODUCTS`` products, or holds an id that is not valid."""
    refuse_unknown_query(request, contract.SUMMARY_QUERY_PARAMETERS)
    listed = request.single("product_ids")
    most = contract.MAX_SUMMARY_PRODUCTS
    if listed is None:
        raise ApiError(Error.INVALID_QUERY, f"Give product_ids: up to {most} product ids, separated by commas.")
    product_ids = list(dict.fromkeys(listed.split(",")))
    if len(product_ids) > most:
        raise ApiError(
            Error.INVALID_QUERY,
            f"product_ids names {len(product_ids)} products; ask for at most {most} at once.",
            [f"product_ids: at most {most} products"],
        )
    valid = validation.compiled_pattern(PRODUCT_ID_PATTERN).search
    problems = [
        problem
        for index, product_id in enumerate(product_ids)
        if not valid(product_id)  # the schema below names the rule an id breaks
        for problem in validation.problems(ID_SCHEMAS["product_id"], product_id, f"product_ids[{index}]")
    ]
    if problems:
        raise ApiError(Error.INVALID_QUERY, "product_ids holds an id that is not valid.", problems)
    return product_ids


def summaries(request: Request) -> dict[str, Any]:
    """Answer the summaries of the products ``product_ids`` names."""
    product_ids = product_ids_from(request)
    found = store.product_summaries(product_ids)
    return respond(request, 200, {"summaries": [{"product_id": p, **found[p]} for p in product_ids]})
