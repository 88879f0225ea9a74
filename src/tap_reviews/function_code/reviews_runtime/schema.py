"""The review body's JSON Schema: the one definition of a valid ``POST /reviews`` body.

The runtime validates every body with it (``validation.py``) and the construct turns it into the API
Gateway request model, so a bad body is rejected at the edge and again in the function. It uses only
JSON Schema draft-04 keywords that both API Gateway and ``validation.py`` understand.
"""

from __future__ import annotations

from typing import Any, Final

from . import contract

#: Longest product_id, in characters.
MAX_PRODUCT_ID_LENGTH: Final = 128
#: Characters allowed in a product_id (the shop's own catalogue ids).
PRODUCT_ID_CHARACTERS: Final = "A-Za-z0-9_.:@/-"
#: product_id: a regular expression that means the same in Python and ECMAScript.
PRODUCT_ID_PATTERN: Final = f"^[{PRODUCT_ID_CHARACTERS}]{{1,{MAX_PRODUCT_ID_LENGTH}}}$"
#: Longest reviewer_id, in characters: room for every identity provider's subject below, and e-mail addresses.
MAX_REVIEWER_ID_LENGTH: Final = 256
#: reviewer_id: any visible ASCII character (no space, no control character), so an authenticated caller is
#: the reviewer as its identity provider names it: ``auth0|0123...``, ``google-oauth2|1234...``, a Cognito
#: ``sub`` or identity id (``us-east-1:<uuid>``), an IAM role session (``AROA...:name``), an e-mail address.
REVIEWER_ID_PATTERN: Final = f"^[!-~]{{1,{MAX_REVIEWER_ID_LENGTH}}}$"
#: Longest comment, in characters.
MAX_COMMENT_LENGTH: Final = 2000
#: Lowest and highest rating.
MIN_RATING: Final = 1
MAX_RATING: Final = 5
#: A review id (see ``ids.new_review_id``): 26 characters of Crockford base32, time first.
REVIEW_ID_PATTERN: Final = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$"
#: The ``Idempotency-Key`` header: 16-255 visible ASCII characters. Anonymous callers share one key space,
#: so a key must be unique, not just unique to its client: 16 characters keep out "1" and "retry" (a UUID is
#: a good choice).
IDEMPOTENCY_KEY_SCHEMA: Final = {"type": "string", "minLength": 16, "maxLength": 255, "pattern": "^[!-~]+$"}
#: The ``limit`` query parameter, as a number (the query string carries it as ASCII digits).
LIMIT_SCHEMA: Final = {
    "type": "integer",
    "minimum": 1,
    "maximum": contract.MAX_PAGE_SIZE,
    "default": contract.DEFAULT_PAGE_SIZE,
}
#: Largest request body accepted, in bytes. Any valid review fits, even with every character of a
#: 2,000-character comment written as a 12-byte surrogate-pair escape (json.dumps's default): ~24.5 KB.
MAX_BODY_BYTES: Final = 32 * 1024


def id_schema(name: str) -> dict[str, Any]:
    """The rule for ``product_id`` or ``reviewer_id``: the same in the body, the query string and paging tokens."""
    pattern, longest, characters = (
        (PRODUCT_ID_PATTERN, MAX_PRODUCT_ID_LENGTH, PRODUCT_ID_CHARACTERS)
        if name == "product_id"
        else (REVIEWER_ID_PATTERN, MAX_REVIEWER_ID_LENGTH, "visible ASCII (no spaces)")
    )
    what = "The product reviewed" if name == "product_id" else "Who wrote the review"
    return {
        "type": "string",
        "description": f"{what}: 1-{longest} characters of {characters}.",
        "minLength": 1,
        "maxLength": longest,
        "pattern": pattern,
    }


#: The rule for each id, by field name, built once.
ID_SCHEMAS: Final = {name: id_schema(name) for name in (contract.PARTITION_KEY, contract.REVIEWER_INDEX_KEY)}


def review_schema(*, reviewer_from_principal: bool = False) -> dict[str, Any]:
    """The JSON Schema of a review body.

    Args:
        reviewer_from_principal: The API has an authorizer whose principal becomes the reviewer_id,
            so the body may leave reviewer_id out. Default: False (reviewer_id is required).
    """
    required = ["product_id", "rating"] if reviewer_from_principal else ["product_id", "reviewer_id", "rating"]
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Review",
        "description": "A product review, as sent to POST /reviews.",
        "type": "object",
        "properties": {
            "product_id": ID_SCHEMAS["product_id"],
            "reviewer_id": ID_SCHEMAS["reviewer_id"],
            "rating": {
                "type": "integer",
                "description": f"Whole stars, {MIN_RATING}-{MAX_RATING}.",
                "minimum": MIN_RATING,
                "maximum": MAX_RATING,
            },
            "comment": {
                "type": ["string", "null"],
                "description": f"Optional free text, at most {MAX_COMMENT_LENGTH} characters, or null.",
                "maxLength": MAX_COMMENT_LENGTH,
            },
        },
        "required": required,
        "additionalProperties": False,
    }
