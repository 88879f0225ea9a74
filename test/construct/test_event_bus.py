"""Events (opt-in with event_bus): the table's stream, the publisher function, its filter, DLQ and grant."""

import json

from aws_cdk.assertions import Match

from tap_reviews.function_code.reviews_runtime.contract import SUMMARY_SORT_KEY


def test_without_an_event_bus_there_is_no_stream_and_no_publisher(defaults):
    defaults.has_resource_properties("AWS::DynamoDB::Table", {"StreamSpecification": Match.absent()})
    defaults.resource_count_is("AWS::Lambda::EventSourceMapping", 0)
    defaults.resource_count_is("AWS::SQS::Queue", 0)


def test_an_event_bus_gets_one_event_per_summary_change_from_the_tables_stream(customized):
    customized.has_resource_properties("AWS::DynamoDB::Table", {"StreamSpecification": {"StreamViewType": "NEW_IMAGE"}})
    ((function_id, function),) = [
        (logical_id, f)
        for logical_id, f in customized.find_resources("AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "reviews_runtime.publisher.handler"
    ]
    assert function["Properties"]["FunctionName"] == "ReviewEvents-qa"
    (bus_id,) = customized.find_resources("AWS::Events::EventBus")
    assert function["Properties"]["Environment"]["Variables"]["EVENT_BUS_NAME"] == {"Ref": bus_id}
    (mapping,) = customized.find_resources("AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert properties["FunctionName"] == {"Ref": function_id}
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (queue_id,) = customized.find_resources("AWS::SQS::Queue")
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    (pattern,) = properties["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"]) == {"dynamodb": {"Keys": {"review_id": {"S": [SUMMARY_SORT_KEY]}}}}
    customized.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    )
    statements = [
        statement
        for policy in customized.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert {
        "Action": "events:PutEvents",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [bus_id, "Arn"]},
    } in statements
