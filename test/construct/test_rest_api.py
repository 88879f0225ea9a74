"""The REST API: every route proxied to the function with its authorization, stage throttling, tracing,
logging, CORS."""

import json
import re

import pytest
from aws_cdk.assertions import Match

READS = {("GET", "/reviews"), ("GET", "/reviews/{review_id}"), ("GET", "/summaries")}
WRITES = {("POST", "/reviews"), ("POST", "/reviews/{review_id}/reports"), ("POST", "/reviews/{review_id}/votes")}
#: Always IAM, whatever the write authorization: the shop's order system (grant_verify_purchase).
VERIFIER = {("PUT", "/reviews/{review_id}/verified-purchase")}
OWNER = {("PATCH", "/reviews/{review_id}"), ("DELETE", "/reviews/{review_id}")}
MODERATION = {
    ("GET", "/moderation/queue"),
    ("GET", "/moderation/reviews/{review_id}"),
    ("DELETE", "/moderation/reviews/{review_id}"),
    ("POST", "/moderation/reviews/{review_id}/decision"),
    ("POST", "/moderation/erasures"),
}
#: Resources that serve something, each with a preflight; the root, /moderation and /moderation/reviews do not.
SERVED = {
    "/reviews",
    "/reviews/{review_id}",
    "/reviews/{review_id}/reports",
    "/reviews/{review_id}/votes",
    "/reviews/{review_id}/verified-purchase",
    "/moderation/queue",
    "/moderation/reviews/{review_id}",
    "/moderation/reviews/{review_id}/decision",
    "/moderation/erasures",
    "/summaries",
}


def routes(template):
    """Every method of the template's one API, by (verb, resource path)."""
    resources = template.find_resources("AWS::ApiGateway::Resource")

    def path(reference):
        if "Ref" not in reference:  # the API's root resource
            return ""
        properties = resources[reference["Ref"]]["Properties"]
        return path(properties["ParentId"]) + "/" + properties["PathPart"]

    found = {}
    for method in template.find_resources("AWS::ApiGateway::Method").values():
        key = (method["Properties"]["HttpMethod"], path(method["Properties"]["ResourceId"]))
        assert key not in found
        found[key] = method["Properties"]
    return found


def test_api_is_named_after_the_suffix(defaults):
    defaults.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "ProductReviewsAPI-dev"})


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("Defaults", READS | WRITES | VERIFIER | MODERATION),  # no authenticated authors: no owner routes
        ("CognitoWrites", READS | WRITES | VERIFIER | OWNER | MODERATION),
        ("IamWrites", READS | WRITES | VERIFIER | OWNER | MODERATION),
    ],
)
def test_every_route_is_proxied_to_the_function_with_a_preflight_where_it_serves(synthesized, variant, expected):
    template = synthesized.template(variant)
    function_id = next(
        logical_id
        for logical_id, f in template.find_resources("AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "reviews_runtime.handler.handler"
    )
    found = routes(template)
    assert {route for route in found if route[0] != "OPTIONS"} == expected
    assert {path for verb, path in found if verb == "OPTIONS"} == SERVED
    for route in expected:
        integration = found[route]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert integration["IntegrationHttpMethod"] == "POST"
        assert function_id in str(integration["Uri"])
        if "{review_id}" in route[1]:
            assert found[route]["RequestParameters"]["method.request.path.review_id"] is True


def test_each_preflight_allows_the_methods_its_resource_serves_and_the_conditional_headers(synthesized):
    found = routes(synthesized.template("IamWrites"))
    for path in SERVED:
        headers = found[("OPTIONS", path)]["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        served = sorted(verb for verb, p in found if p == path and verb != "OPTIONS")
        allowed = headers["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert sorted(allowed) == sorted([*served, "OPTIONS"]), path
        allowed_headers = headers["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert {"Idempotency-Key", "If-Match", "If-None-Match", "Authorization"} <= set(allowed_headers)


def test_stage_throttles_traces_and_logs_errors_without_bodies(defaults):
    defaults.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "TracingEnabled": True,
            "MethodSettings": [
                Match.object_like(
                    {
                        "HttpMethod": "*",
                        "ResourcePath": "/*",
                        "ThrottlingRateLimit": 10,
                        "ThrottlingBurstLimit": 20,
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                        "MetricsEnabled": True,
                    }
                )
            ],
        },
    )


def test_cors_preflight_allows_any_origin_by_default(defaults):
    response = routes(defaults)[("OPTIONS", "/reviews")]["Integration"]["IntegrationResponses"][0]
    headers = response["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'GET,POST,OPTIONS'"
    assert headers["method.response.header.Access-Control-Allow-Headers"] == (
        "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,Idempotency-Key,"
        "If-Match,If-None-Match'"
    )


def gateway_responses(template):
    responses = template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    return {response["Properties"]["ResponseType"]: response["Properties"] for response in responses}


def test_every_answer_api_gateway_gives_itself_is_in_the_catalogues_error_shape(defaults):
    import json

    from tap_reviews.function_code.reviews_runtime.errors import Error

    responses = gateway_responses(defaults)
    by_type = {response_type: error for error in Error for response_type in error.gateway_responses}
    assert set(responses) == set(by_type)
    for response_type, response in responses.items():
        template = response["ResponseTemplates"]["application/json"]
        # Gateway responses substitute variables without escaping: only messageString (which API Gateway
        # quotes itself) and responseType (an enum name) may appear, or a quote would break the JSON.
        assert set(re.findall(r"\$[\w.]+", template)) == {"$context.error.messageString", "$context.error.responseType"}
        body = json.loads(
            template.replace("$context.error.messageString", '"a \\"quoted\\" message"').replace(
                "$context.error.responseType", response_type
            )
        )
        error = by_type[response_type]
        assert body == {"error": error.code, "message": 'a "quoted" message', "details": [response_type]}
        assert response.get("StatusCode") == (None if response_type.startswith("DEFAULT") else str(error.status))
    assert responses["THROTTLED"]["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


@pytest.mark.parametrize(
    ("variant", "allow_origin", "vary"),
    [
        ("Defaults", "'*'", None),  # any origin: a static *
        ("OneOrigin", "'https://shop.example.com'", "'Origin'"),  # one listed origin: static
        ("EveryPropCustomized", "method.request.header.Origin", "'Origin'"),  # several: the caller's, echoed
    ],
)
def test_a_browser_can_read_api_gateways_own_answers(synthesized, variant, allow_origin, vary):
    for response in gateway_responses(synthesized.template(variant)).values():
        parameters = response["ResponseParameters"]
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == allow_origin
        assert parameters.get("gatewayresponse.header.Vary") == vary
        assert "Retry-After" in parameters["gatewayresponse.header.Access-Control-Expose-Headers"]


def test_bodies_are_validated_by_the_function_with_the_documented_models(synthesized):
    from tap_reviews.function_code.reviews_runtime import schema

    template = synthesized.template("IamWrites")
    models = {
        logical_id: model["Properties"]
        for logical_id, model in template.find_resources("AWS::ApiGateway::Model").items()
    }
    found = routes(template)
    expected = {
        ("POST", "/reviews"): schema.review_schema(reviewer_from_principal=True),
        ("PATCH", "/reviews/{review_id}"): schema.review_patch_schema(),
        ("POST", "/reviews/{review_id}/reports"): schema.report_schema(reporter_from_principal=True),
        ("POST", "/reviews/{review_id}/votes"): schema.vote_schema(voter_from_principal=True),
        ("POST", "/moderation/reviews/{review_id}/decision"): schema.decision_schema(),
        ("POST", "/moderation/erasures"): schema.erasure_schema(),
    }
    for route, body_schema in expected.items():
        model = models[found[route]["RequestModels"]["application/json"]["Ref"]]
        assert model["ContentType"] == "application/json"
        assert model["Schema"] == body_schema, route
    assert len(models) == len(expected)
    ((validator_id, validator),) = template.find_resources("AWS::ApiGateway::RequestValidator").items()
    # Only the function can say which field failed and why, so API Gateway does not reject bodies itself.
    assert validator["Properties"]["ValidateRequestBody"] is False
    assert validator["Properties"]["ValidateRequestParameters"] is True
    for route, method in found.items():
        if route[0] != "OPTIONS":
            assert method["RequestValidatorId"] == {"Ref": validator_id}
    # The query parameters GET reads are declared (none required alone: exactly one id is).
    assert found[("GET", "/reviews")]["RequestParameters"] == {
        f"method.request.querystring.{name}": False
        for name in ("product_id", "reviewer_id", "limit", "next_token", "sort", "rating", "verified")
    }
    assert found[("GET", "/moderation/queue")]["RequestParameters"] == {
        f"method.request.querystring.{name}": False for name in ("limit", "next_token")
    }


def test_schema_keywords_without_an_api_gateway_mapping_are_refused():
    import pytest

    from tap_reviews._construct.request_model import json_schema

    with pytest.raises(ValueError, match=r"\['oneOf'\]"):
        json_schema({"type": "object", "oneOf": []})


def test_execution_logging_role_is_created_unless_turned_off(defaults, customized):
    defaults.resource_count_is("AWS::ApiGateway::Account", 1)
    account = next(iter(defaults.find_resources("AWS::ApiGateway::Account").values()))
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = defaults.to_json()["Resources"][role_id]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    customized.resource_count_is("AWS::ApiGateway::Account", 0)


def test_custom_stage_throttle_and_origins(customized):
    customized.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "MethodSettings": [Match.object_like({"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100})],
        },
    )
    customized.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "ProductReviewsAPI-qa"})
    options = routes(customized)[("OPTIONS", "/reviews")]["Integration"]
    allow_origin = options["IntegrationResponses"][0]["ResponseParameters"][
        "method.response.header.Access-Control-Allow-Origin"
    ]
    # CDK answers preflight with the first origin and rewrites it to the caller's when it is listed.
    assert allow_origin == "'https://shop.example.com'"
    # ...and answers any other listed origin with itself, by a response template.
    response_template = options["IntegrationResponses"][0]["ResponseTemplates"]["application/json"]
    assert '#if($origin == "https://admin.example.com")' in response_template


def test_stage_writes_json_access_logs_to_its_own_log_group(defaults):
    (stage,) = defaults.find_resources("AWS::ApiGateway::Stage").values()
    access_log = stage["Properties"]["AccessLogSetting"]
    ((log_group_id, log_group),) = defaults.find_resources(
        "AWS::Logs::LogGroup", {"Properties": {"LogGroupName": "/aws/apigateway/ProductReviewsAPI-dev/access"}}
    ).items()
    assert access_log["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    fields = json.loads(access_log["Format"])
    assert {"requestId", "httpMethod", "resourcePath", "status", "ip"} <= set(fields)
    assert log_group["Properties"]["RetentionInDays"] == 7 and log_group["DeletionPolicy"] == "Retain"


def authorization(template):
    return {route: m["AuthorizationType"] for route, m in routes(template).items() if route[0] != "OPTIONS"}


def test_writes_are_open_by_default_reads_always_public_and_moderation_never_open(defaults):
    assert authorization(defaults) == {
        **{route: "NONE" for route in READS | WRITES},
        **{route: "AWS_IAM" for route in MODERATION | VERIFIER},
    }
    assert {m["AuthorizationType"] for (verb, _), m in routes(defaults).items() if verb == "OPTIONS"} == {"NONE"}


def test_a_cognito_authorizer_guards_writes_and_authors_and_scopes_guard_moderators(synthesized):
    template = synthesized.template("CognitoWrites")
    found = routes(template)
    (authorizer_id,) = template.find_resources("AWS::ApiGateway::Authorizer")
    assert authorization(template) == {
        **{route: "NONE" for route in READS},
        **{route: "COGNITO_USER_POOLS" for route in WRITES | OWNER | MODERATION},
        **{route: "AWS_IAM" for route in VERIFIER},
    }
    for route in WRITES | OWNER | MODERATION:
        assert found[route]["AuthorizerId"] == {"Ref": authorizer_id}
    # Moderators need the scope only their access tokens carry; authors need none.
    for route in MODERATION:
        assert found[route]["AuthorizationScopes"] == ["reviews/moderate"]
    for route in WRITES | OWNER:
        assert "AuthorizationScopes" not in found[route]
    model_id = found[("POST", "/reviews")]["RequestModels"]["application/json"]["Ref"]
    model = template.find_resources("AWS::ApiGateway::Model")[model_id]
    assert model["Properties"]["Schema"]["required"] == ["product_id", "rating"]


def test_iam_write_authorization_signs_writes_and_authors_edits(synthesized):
    template = synthesized.template("IamWrites")
    assert authorization(template) == {
        **{route: "NONE" for route in READS},
        **{route: "AWS_IAM" for route in WRITES | OWNER | MODERATION | VERIFIER},
    }


def test_a_web_acl_is_associated_with_the_stage_only_when_given(defaults, customized):
    from conftest import WEB_ACL_ARN

    defaults.resource_count_is("AWS::WAFv2::WebACLAssociation", 0)
    (stage_id,) = customized.find_resources("AWS::ApiGateway::Stage")
    (association,) = customized.find_resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == WEB_ACL_ARN
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


def test_execution_logs_go_to_a_group_the_stack_owns_with_retention(defaults):
    (api_id,) = defaults.find_resources("AWS::ApiGateway::RestApi")
    ((log_group_id, log_group),) = [
        (logical_id, group)
        for logical_id, group in defaults.find_resources("AWS::Logs::LogGroup").items()
        if "Fn::Join" in str(group["Properties"].get("LogGroupName"))
    ]
    assert log_group["Properties"]["LogGroupName"] == {
        "Fn::Join": ["", ["API-Gateway-Execution-Logs_", {"Ref": api_id}, "/prod"]]
    }
    assert log_group["Properties"]["RetentionInDays"] == 7 and log_group["DeletionPolicy"] == "Retain"
    # Created before the stage, so API Gateway never makes its own (retention-less) group first.
    (stage,) = defaults.find_resources("AWS::ApiGateway::Stage").values()
    assert log_group_id in stage["DependsOn"]


def preflight_headers(template) -> dict:
    options = routes(template)[("OPTIONS", "/reviews")]["Integration"]
    return options["IntegrationResponses"][0]["ResponseParameters"]


def test_preflight_answers_may_be_cached_by_browsers(defaults, synthesized):
    # Without Access-Control-Max-Age a browser sends a (billed) preflight before almost every POST.
    assert preflight_headers(defaults)["method.response.header.Access-Control-Max-Age"] == "'7200'"


def test_one_api_gateway_account_setting_per_stack(synthesized):
    template = synthesized.template("UnnamedTwice")
    ((account_id, account),) = template.find_resources("AWS::ApiGateway::Account").items()
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    roles = template.find_resources("AWS::IAM::Role")
    apigateway_roles = [
        logical_id
        for logical_id, role in roles.items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "apigateway.amazonaws.com"}
    ]
    assert apigateway_roles == [role_id]
    # Both stages wait for the one account setting, so their error logging works from the first deploy.
    for stage in template.find_resources("AWS::ApiGateway::Stage").values():
        assert account_id in stage["DependsOn"]
