"""The REST API: one /reviews resource proxied to the function, throttled, traced, CORS-enabled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .function_code.reviews_runtime import contract
from .function_code.reviews_runtime.schema import review_schema
from .settings import ThrottleSettings

#: Methods the API serves on /reviews (OPTIONS is the CORS preflight).
REVIEWS_METHODS = ("GET", "POST")
#: Headers a browser may send cross-origin: CDK's defaults (Content-Type, Authorization, ...) and the
#: runtime's Idempotency-Key.
CORS_ALLOW_HEADERS = [*apigateway.Cors.DEFAULT_HEADERS, "Idempotency-Key"]
#: A body the request model rejects gets the runtime's error shape, not API Gateway's bare message.
#: messageString arrives quoted; validationErrorString does not, holds quotes itself, and gateway responses
#: cannot escape, so it stays out (the function lists every problem for bodies that reach it).
BAD_REQUEST_BODY_TEMPLATE = '{"error":"validation_failed","message":$context.error.messageString,"details":[]}'

_SCHEMA_TYPES = {
    "object": apigateway.JsonSchemaType.OBJECT,
    "string": apigateway.JsonSchemaType.STRING,
    "integer": apigateway.JsonSchemaType.INTEGER,
    "null": apigateway.JsonSchemaType.NULL,
}
_SCHEMA_VERSIONS = {"http://json-schema.org/draft-04/schema#": apigateway.JsonSchemaVersion.DRAFT4}
#: Answers API Gateway gives itself (throttling 429, 403 for unknown paths, 5xx) before the function.
GATEWAY_RESPONSE_TYPES = (apigateway.ResponseType.DEFAULT_4_XX, apigateway.ResponseType.DEFAULT_5_XX)


def build_rest_api(
    scope: Construct,
    *,
    rest_api_name: str,
    stage_name: str,
    cloud_watch_role: bool,
    throttle: ThrottleSettings,
    cors_allow_origins: Sequence[str],
    function: lambda_.IFunction,
) -> apigateway.RestApi:
    """Create the API, its stage and the /reviews methods."""
    api = apigateway.RestApi(
        scope,
        "Api",
        rest_api_name=rest_api_name,
        description="Product reviews API: POST and GET /reviews.",
        cloud_watch_role=cloud_watch_role,
        deploy_options=apigateway.StageOptions(
            stage_name=stage_name,
            throttling_rate_limit=throttle.rate_limit,
            throttling_burst_limit=throttle.burst_limit,
            tracing_enabled=True,
            metrics_enabled=True,
            # Errors only, and never request or response bodies (seed 004 logged both).
            logging_level=apigateway.MethodLoggingLevel.ERROR,
            data_trace_enabled=False,
        ),
    )
    integration = apigateway.LambdaIntegration(function)
    # Preflight only where there is something to call: the API root serves nothing.
    reviews = api.root.add_resource(
        contract.RESOURCE_PATH,
        default_cors_preflight_options=apigateway.CorsOptions(
            allow_origins=list(cors_allow_origins),
            allow_methods=[*REVIEWS_METHODS, "OPTIONS"],
            allow_headers=CORS_ALLOW_HEADERS,
        ),
    )
    reviews.add_method("GET", integration)
    # The runtime's schema, checked at the edge too: an invalid body never reaches (or bills) the function.
    review_model = api.add_model(
        "ReviewModel",
        content_type="application/json",
        description="A review, as POST /reviews accepts it (the runtime validates with the same schema).",
        schema=json_schema(review_schema()),
    )
    reviews.add_method(
        "POST",
        integration,
        request_models={"application/json": review_model},
        request_validator_options=apigateway.RequestValidatorOptions(validate_request_body=True),
    )
    # Without CORS headers a browser sees a throttled (429) or failed call as a CORS error, not its status.
    # Gateway responses cannot pick one of several origins, so a list of origins gets none.
    cors = {"Access-Control-Allow-Origin": "'*'"} if list(cors_allow_origins) == ["*"] else None
    api.add_gateway_response(
        "InvalidReviewBody",
        type=apigateway.ResponseType.BAD_REQUEST_BODY,
        status_code="400",
        templates={"application/json": BAD_REQUEST_BODY_TEMPLATE},
        response_headers=cors,
    )
    if cors:
        for response_type in GATEWAY_RESPONSE_TYPES:
            api.add_gateway_response(f"Cors{response_type.response_type}", type=response_type, response_headers=cors)
    return api


def json_schema(schema: dict[str, Any]) -> apigateway.JsonSchema:
    """The runtime's JSON Schema (a dict) as an API Gateway model schema; unknown keywords are an error."""
    converters: dict[str, tuple[str, Any]] = {
        "$schema": ("schema", _SCHEMA_VERSIONS.__getitem__),
        "title": ("title", str),
        "description": ("description", str),
        "type": ("type", lambda t: _SCHEMA_TYPES[t] if isinstance(t, str) else [_SCHEMA_TYPES[n] for n in t]),
        "properties": ("properties", lambda props: {name: json_schema(sub) for name, sub in props.items()}),
        "required": ("required", list),
        "additionalProperties": ("additional_properties", bool),
        "minLength": ("min_length", int),
        "maxLength": ("max_length", int),
        "pattern": ("pattern", str),
        "minimum": ("minimum", int),
        "maximum": ("maximum", int),
    }
    unknown = set(schema) - set(converters)
    if unknown:
        raise ValueError(f"JSON Schema keywords with no API Gateway mapping here: {sorted(unknown)}")
    return apigateway.JsonSchema(
        **{converters[key][0]: converters[key][1](value) for key, value in schema.items()}
    )
