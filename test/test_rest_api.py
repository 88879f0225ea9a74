"""The REST API: /reviews methods proxied to the function, stage throttling, tracing, logging, CORS."""

from aws_cdk.assertions import Match


def methods_by_verb(template):
    methods = template.find_resources("AWS::ApiGateway::Method")
    by_verb = {m["Properties"]["HttpMethod"]: m["Properties"] for m in methods.values()}
    assert len(by_verb) == len(methods), "one method per verb: only /reviews serves anything"
    return by_verb


def test_api_is_named_after_the_suffix(defaults):
    defaults.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "ProductReviewsAPI-dev"})


def test_reviews_resource_proxies_get_and_post_to_the_function(defaults):
    defaults.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "reviews"})
    function_id = next(iter(defaults.find_resources("AWS::Lambda::Function")))
    methods = methods_by_verb(defaults)
    assert sorted(methods) == ["GET", "OPTIONS", "POST"]
    for verb in ("GET", "POST"):
        integration = methods[verb]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert integration["IntegrationHttpMethod"] == "POST"
        assert function_id in str(integration["Uri"])


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
    response = methods_by_verb(defaults)["OPTIONS"]["Integration"]["IntegrationResponses"][0]
    headers = response["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'GET,POST,OPTIONS'"
    assert headers["method.response.header.Access-Control-Allow-Headers"] == (
        "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent'"
    )


def test_gateway_made_errors_carry_cors_headers_when_any_origin_is_allowed(defaults, customized):
    responses = defaults.find_resources("AWS::ApiGateway::GatewayResponse")
    assert sorted(r["Properties"]["ResponseType"] for r in responses.values()) == ["DEFAULT_4XX", "DEFAULT_5XX"]
    for response in responses.values():
        assert response["Properties"]["ResponseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
        }
    # A list of origins cannot be answered by a static header, so none is added.
    customized.resource_count_is("AWS::ApiGateway::GatewayResponse", 0)


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
            "MethodSettings": [
                Match.object_like({"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100})
            ],
        },
    )
    customized.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "ProductReviewsAPI-qa"})
    options = methods_by_verb(customized)["OPTIONS"]["Integration"]
    allow_origin = options["IntegrationResponses"][0]["ResponseParameters"][
        "method.response.header.Access-Control-Allow-Origin"
    ]
    # CDK answers preflight with the first origin and rewrites it to the caller's when it is listed.
    assert allow_origin == "'https://shop.example.com'"
    # ...and answers any other listed origin with itself, by a response template.
    response_template = options["IntegrationResponses"][0]["ResponseTemplates"]["application/json"]
    assert '#if($origin == "https://admin.example.com")' in response_template
