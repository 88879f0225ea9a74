"""The REST API: one /reviews resource proxied to the function, throttled, traced, CORS-enabled."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .function_code.reviews_runtime import contract
from .settings import ThrottleSettings

#: Methods the API serves on /reviews (OPTIONS is the CORS preflight).
REVIEWS_METHODS = ("GET", "POST")
#: Headers a browser may send cross-origin.
CORS_ALLOW_HEADERS = apigateway.Cors.DEFAULT_HEADERS
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
    for method in REVIEWS_METHODS:
        reviews.add_method(method, integration)
    if list(cors_allow_origins) == ["*"]:
        # Without this a browser sees a throttled (429) or failed call as a CORS error, not its status.
        # Gateway responses cannot pick one of several origins, so a list of origins gets none.
        for response_type in GATEWAY_RESPONSE_TYPES:
            api.add_gateway_response(
                f"Cors{response_type.response_type}",
                type=response_type,
                response_headers={"Access-Control-Allow-Origin": "'*'"},
            )
    return api
