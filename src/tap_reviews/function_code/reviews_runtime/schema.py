"""The request bodies' JSON Schemas (a review, an edit, a report, a decision, an erasure) and the id rules.

The runtime validates every body with them (``validation.py``, listing each problem) and the construct
turns them into the API's request models (documentation, SDKs, the OpenAPI document). They use only JSON
Schema draft-04 keywords that both API Gateway and ``validation.py`` understand.
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

#: Longest moderation reason and report reason, in characters.
MAX_REASON_LENGTH: Final = 500
_RATING = {
    "type": "integer",
    "description": f"Whole stars, {MIN_RATING}-{MAX_RATING}.",
    "minimum": MIN_RATING,
    "maximum": MAX_RATING,
}
_COMMENT = {
    "type": ["string", "null"],
    "description": f"Optional free text, at most {MAX_COMMENT_LENGTH} characters, or null.",
    "maxLength": MAX_COMMENT_LENGTH,
}
_REASON = {
    "type": "string",
    "description": f"For people: 1-{MAX_REASON_LENGTH} characters.",
    "minLength": 1,
    "maxLength": MAX_REASON_LENGTH,
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
            "product_id": ID_SCHEMAS["product_id"],
            "reviewer_id": ID_SCHEMAS["reviewer_id"],
            "rating": _RATING,
            "comment": _COMMENT,
        },
        "required": required,
        "additionalProperties": False,
    }


def review_patch_schema() -> dict[str, Any]:
    """The JSON Schema of ``PATCH /reviews/{review_id}``: a JSON merge patch (RFC 7396) of the review.

    A field given replaces the stored one; ``"comment": null`` removes the comment; a field left out stays.
    """
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "ReviewPatch",
        "description": "The fields to change (JSON merge patch, RFC 7396): rating, comment, or both.",
        "type": "object",
        "properties": {"rating": _RATING, "comment": _COMMENT},
        "minProperties": 1,
        "additionalProperties": False,
    }


#: The decisions a moderator can make on a review.
DECISION_PUBLISH: Final = "publish"
DECISION_REJECT: Final = "reject"


def decision_schema() -> dict[str, Any]:
    """The JSON Schema of ``POST /moderation/reviews/{review_id}/decision``; a rejection needs a reason."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "ModerationDecision",
        "description": "Publish the review, or reject it with a reason its author can be told.",
        "type": "object",
        "properties": {
            "decision": {"type": "string", "enum": [DECISION_PUBLISH, DECISION_REJECT]},
            "reason": _REASON,
        },
        "required": ["decision"],
        "additionalProperties": False,
    }


def report_schema(*, reporter_from_principal: bool = False) -> dict[str, Any]:
    """The JSON Schema of ``POST /reviews/{review_id}/reports``.

    Args:
        reporter_from_principal: API Gateway authenticates callers, who then are the reporter (the body may
            leave ``reporter_id`` out). Default: False (``reporter_id`` is required).
    """
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Report",
        "description": "A report of abuse: who reports (as reviewer ids are given) and, optionally, why.",
        "type": "object",
        "properties": {"reporter_id": ID_SCHEMAS[contract.REVIEWER_INDEX_KEY], "reason": _REASON},
        "required": [] if reporter_from_principal else ["reporter_id"],
        "additionalProperties": False,
    }


def vote_schema(*, voter_from_principal: bool = False) -> dict[str, Any]:
    """The JSON Schema of ``POST /reviews/{review_id}/votes``.

    Args:
        voter_from_principal: API Gateway authenticates callers, who then are the voter (the body may leave
            ``voter_id`` out). Default: False (``voter_id`` is required).
    """
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Vote",
        "description": "Whether the review helped the voter (as reviewer ids are given); one vote per voter per "
        "review, which a later vote replaces.",
        "type": "object",
        "properties": {
            "voter_id": {
                **ID_SCHEMAS[contract.REVIEWER_INDEX_KEY],
                "description": ID_SCHEMAS[contract.REVIEWER_INDEX_KEY]["description"].replace(
                    "Who wrote the review", "Who votes (required unless API Gateway authenticates the caller)"
                ),
            },
            "helpful": {"type": "boolean"},
        },
        "required": ["helpful"] if voter_from_principal else ["helpful", "voter_id"],
        "additionalProperties": False,
    }


def erasure_schema() -> dict[str, Any]:
    """The JSON Schema of ``POST /moderation/erasures``: whose reviews to erase."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Erasure",
        "description": "Erase every review of one reviewer, in every product (GDPR article 17).",
        "type": "object",
        "properties": {"reviewer_id": ID_SCHEMAS[contract.REVIEWER_INDEX_KEY]},
        "required": ["reviewer_id"],
        "additionalProperties": False,
    }
