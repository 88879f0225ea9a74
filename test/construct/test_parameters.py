"""SSM parameters published under /productreviews/{suffix}/."""


def parameters_by_name(template):
    found = template.find_resources("AWS::SSM::Parameter")
    return {p["Properties"].get("Name"): p["Properties"] for p in found.values()}


def test_seed_parameters_are_published_under_the_suffix_prefix(defaults):
    table_id = next(iter(defaults.find_resources("AWS::DynamoDB::Table")))
    function_id = next(iter(defaults.find_resources("AWS::Lambda::Function")))
    api_id = next(iter(defaults.find_resources("AWS::ApiGateway::RestApi")))
    parameters = parameters_by_name(defaults)
    assert set(parameters) == {
        "/productreviews/dev/api/throttle-limit",
        "/productreviews/dev/dynamodb/table-arn",
        "/productreviews/dev/lambda/function-arn",
        "/productreviews/dev/api/gateway-id",
    }
    assert parameters["/productreviews/dev/api/throttle-limit"]["Value"] == "10"
    assert parameters["/productreviews/dev/dynamodb/table-arn"]["Value"] == {"Fn::GetAtt": [table_id, "Arn"]}
    assert parameters["/productreviews/dev/lambda/function-arn"]["Value"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert parameters["/productreviews/dev/api/gateway-id"]["Value"] == {"Ref": api_id}
    assert all(p["Type"] == "String" and p["Tier"] == "Standard" for p in parameters.values())


def test_parameters_follow_a_custom_suffix_and_throttle(customized):
    parameters = parameters_by_name(customized)
    assert parameters["/productreviews/qa/api/throttle-limit"]["Value"] == "50"


def test_parameters_attribute_exposes_each_published_parameter(synthesized):
    reviews = synthesized.constructs["Defaults"]
    assert sorted(reviews.parameters) == [
        "api/gateway-id",
        "api/throttle-limit",
        "dynamodb/table-arn",
        "lambda/function-arn",
    ]
