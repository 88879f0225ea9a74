"""The review body's JSON Schema: the one definition of a valid ``POST /reviews`` body.

The runtime validates every body with it (``validation.py``) and the construct turns it into the API
Gateway request model, so a bad body is rejected at the edge and again in the function. It uses only
JSON Schema draft-04 keywords that both API Gateway and ``validation.py`` understand.
"""

from __future__ import annotations

from typing import Any, Final

from . import contract

#: Longest product_id or reviewer_id, in characters.
MAX_ID_LENGTH: Final = 128
#: Characters allowed in product_id and reviewer_id (and in an authenticated principal used as one).
ID_CHARACTERS: Final = "A-Za-z0-9_.:@/-"
#: product_id / reviewer_id: a regular expression that means the same in Python and ECMAScript.
ID_PATTERN: Final = f"^[{ID_CHARACTERS}]{{1,{MAX_ID_LENGTH}}}$"
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


def id_schema(description: str) -> dict[str, Any]:
    """A product or reviewer id: the same rule in the body, the query string and paging tokens."""
    return {
        "type": "string",
        "description": description,
        "minLength": 1,
        "maxLength": MAX_ID_LENGTH,
        "pattern": ID_PATTERN,
    }


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
            "product_id": id_schema(f"The product reviewed: 1-{MAX_ID_LENGTH} of {ID_CHARACTERS}."),
            "reviewer_id": id_schema(f"Who wrote the review: 1-{MAX_ID_LENGTH} of {ID_CHARACTERS}."),
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
