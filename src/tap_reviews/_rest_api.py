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
#: Headers a browser may send cross-origin: CDK's defaults plus the one the runtime reads.
CORS_ALLOW_HEADERS = [*apigateway.Cors.DEFAULT_HEADERS, "Idempotency-Key"]


def build_rest_api(
    scope: Construct,
    *,
    rest_api_name: str,
    stage_name: str,
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
    return api
