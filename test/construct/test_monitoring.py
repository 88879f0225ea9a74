"""Dashboard and the 4xx error-rate alarm."""

import json

from aws_cdk.assertions import Match


def dashboard_body(template) -> str:
    """The dashboard JSON with references rendered as placeholders, so its text can be searched."""
    dashboard = next(iter(template.find_resources("AWS::CloudWatch::Dashboard").values()))
    body = dashboard["Properties"]["DashboardBody"]
    if isinstance(body, dict) and "Fn::Join" in body:
        return "".join(p if isinstance(p, str) else "<ref>" for p in body["Fn::Join"][1])
    return body


def test_dashboard_answers_an_operators_questions_for_each_service(defaults):
    defaults.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "ProductReviews-Dashboard-dev"})
    body = dashboard_body(defaults)
    widgets = json.loads(body.replace("<ref>", "REF"))["widgets"]
    titles = {w["properties"]["title"] for w in widgets}
    assert titles == {
        "API requests",
        "API latency (ms)",
        "API 4xx / 5xx",
        "Lambda invocations",
        "Lambda duration (ms)",
        "Lambda errors / throttles",
        "DynamoDB consumed capacity",
        "DynamoDB throttled events",
        "Alarms",
        "Reviews created / bodies rejected by the function",
    }
    for metric in (
        "Count",
        "Latency",
        "4XXError",
        "5XXError",
        "Invocations",
        "Duration",
        "Errors",
        "Throttles",
        "ConsumedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    ):
        assert f'"{metric}"' in body, metric
    # The runtime's own metrics (embedded metric format), keyed by the function's name.
    function_id = next(iter(defaults.find_resources("AWS::Lambda::Function")))
    assert body.count('"TapReviews","ReviewsCreated","FunctionName","<ref>"') == 1
    assert body.count('"TapReviews","ValidationFailures","FunctionName","<ref>"') == 1
    assert function_id in json.dumps(defaults.find_resources("AWS::CloudWatch::Dashboard"))
    # The reviewer index scales and throttles on its own, so it has its own series.
    assert body.count('"GlobalSecondaryIndexName","ReviewerIdIndex"') == 4


def test_client_error_alarm_is_a_rate_that_cannot_divide_by_zero(defaults):
    defaults.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "API-4xx-Errors-dev",
            "Threshold": 10,
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 1,
            "TreatMissingData": "notBreaching",
            "AlarmActions": Match.absent(),
            "Metrics": Match.array_with(
                [Match.object_like({"Expression": "IF(requests > 0, 100 * errors / requests, 0)"})]
            ),
        },
    )
    alarm = next(iter(defaults.find_resources("AWS::CloudWatch::Alarm").values()))
    metric_names = {
        m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Dimensions"]
        for m in alarm["Properties"]["Metrics"]
        if "MetricStat" in m
    }
    assert set(metric_names) == {"4XXError", "Count"}
    # Per stage, not per API: a second stage of the same API must not dilute the rate.
    assert {d["Name"] for d in metric_names["Count"]} == {"ApiName", "Stage"}


def test_alarm_threshold_and_topic_are_configurable(customized):
    topic_id = next(iter(customized.find_resources("AWS::SNS::Topic")))
    customized.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "API-4xx-Errors-qa",
            "Threshold": 25,
            "AlarmActions": [{"Ref": topic_id}],
            "OKActions": [{"Ref": topic_id}],
        },
    )
