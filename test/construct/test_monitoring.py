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
        "Moderation backlog",
        "Moderation decisions",
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
        "ThrottledRequests",
    ):
        assert f'"{metric}"' in body, metric
    # The runtime's own metrics (embedded metric format), keyed by the function's name.
    function_id = next(iter(defaults.find_resources("AWS::Lambda::Function")))
    for metric in (
        "ReviewsCreated",
        "ValidationFailures",
        "ModerationBacklog",
        "OldestPendingReviewAge",
        "ReviewsPublished",
        "ReviewsRejected",
        "ReviewsHeld",
    ):
        assert body.count(f'"TapReviews","{metric}","FunctionName","<ref>"') == 1, metric
    assert function_id in json.dumps(defaults.find_resources("AWS::CloudWatch::Dashboard"))
    # Each index scales and throttles on its own, so it has its own series.
    assert body.count('"GlobalSecondaryIndexName","ReviewerIdIndex"') == 4
    assert body.count('"GlobalSecondaryIndexName","ModerationQueueIndex"') == 4


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


def stat(metric, stack):
    """A metric's (namespace, name, statistic, dimensions) with references resolved."""
    config = metric.to_metric_config().metric_stat
    dimensions = {d.name: stack.resolve(d.value) for d in config.dimensions or []}
    return config.namespace, config.metric_name, config.statistic, dimensions


def test_metric_methods_name_what_operators_alarm_on(synthesized):
    import aws_cdk as cdk

    reviews = synthesized.constructs["Defaults"]
    stack = cdk.Stack.of(reviews)
    function = {"FunctionName": stack.resolve(reviews.function.function_name)}
    assert stat(reviews.metric_reviews_created(), stack) == ("TapReviews", "ReviewsCreated", "Sum", function)
    assert stat(reviews.metric_validation_failures(), stack) == ("TapReviews", "ValidationFailures", "Sum", function)
    assert stat(reviews.metric_function_errors(), stack) == ("AWS/Lambda", "Errors", "Sum", function)
    assert stat(reviews.metric_function_throttles(), stack) == ("AWS/Lambda", "Throttles", "Sum", function)
    stage = {"ApiName": "ProductReviewsAPI-dev", "Stage": stack.resolve(reviews.api.deployment_stage.stage_name)}
    assert stat(reviews.metric_latency(), stack) == ("AWS/ApiGateway", "Latency", "p99", stage)
    assert stat(reviews.metric_latency(statistic="p50"), stack)[2] == "p50"
    for rate, errors, name in (
        (reviews.metric_client_error_rate(), "4XXError", "errors"),
        (reviews.metric_server_error_rate(), "5XXError", "server_errors"),
    ):
        expression = rate.to_metric_config().math_expression
        assert expression.expression == f"IF(requests > 0, 100 * {name} / requests, 0)"
        assert stat(expression.using_metrics[name], stack) == ("AWS/ApiGateway", errors, "Sum", stage)
        assert stat(expression.using_metrics["requests"], stack) == ("AWS/ApiGateway", "Count", "Sum", stage)
    for method, name, statistic in (
        (reviews.metric_reviews_published, "ReviewsPublished", "Sum"),
        (reviews.metric_reviews_rejected, "ReviewsRejected", "Sum"),
        (reviews.metric_reviews_held, "ReviewsHeld", "Sum"),
        (reviews.metric_moderation_backlog, "ModerationBacklog", "Maximum"),
        (reviews.metric_oldest_pending_review_age, "OldestPendingReviewAge", "Maximum"),
    ):
        assert stat(method(), stack) == ("TapReviews", name, statistic, function)
    # The table's own throttle events, and requests the table or any of its 16 global indexes throttled, per
    # operation the runtime issues: 7 metrics, within the 10 an alarm's metric math may use.
    throttles = reviews.metric_table_throttles().to_metric_config().math_expression
    assert throttles.expression == " + ".join(f"FILL(m{n}, 0)" for n in range(7))
    table = stack.resolve(reviews.table.table_name)
    operations = ("Query", "GetItem", "BatchGetItem", "TransactWriteItems", "UpdateItem")
    assert [stat(m, stack) for m in throttles.using_metrics.values()] == [
        ("AWS/DynamoDB", "ReadThrottleEvents", "Sum", {"TableName": table}),
        ("AWS/DynamoDB", "WriteThrottleEvents", "Sum", {"TableName": table}),
        *(
            ("AWS/DynamoDB", "ThrottledRequests", "Sum", {"TableName": table, "Operation": operation})
            for operation in operations
        ),
    ]
    assert reviews.metric_reviews_created(period=cdk.Duration.minutes(1)).period.to_seconds() == 60


def test_only_the_4xx_alarm_is_on_by_default(defaults):
    (alarm,) = defaults.find_resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["AlarmName"] == "API-4xx-Errors-dev"


def test_every_threshold_set_makes_its_alarm_notifying_the_topic(customized):
    topic_id = next(iter(customized.find_resources("AWS::SNS::Topic")))
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in customized.find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert {name: alarm["Threshold"] for name, alarm in alarms.items()} == {
        "API-4xx-Errors-qa": 25,
        "API-5xx-Errors-qa": 1,
        "API-Latency-p99-qa": 2000,
        "Lambda-Errors-qa": 0,
        "Lambda-Throttles-qa": 5,
        "DynamoDB-Throttles-qa": 10,
        "Moderation-Backlog-Age-qa": 3600,
    }
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic_id}]
        assert (alarm["ComparisonOperator"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
            "GreaterThanThreshold",
            2,
            1,
        )
        assert alarm["TreatMissingData"] == "notBreaching"
    latency = alarms["API-Latency-p99-qa"]
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("Latency", "p99")
    assert alarms["Lambda-Errors-qa"]["MetricName"] == "Errors"
    backlog = alarms["Moderation-Backlog-Age-qa"]
    assert (backlog["MetricName"], backlog["Statistic"], backlog["Namespace"]) == (
        "OldestPendingReviewAge",
        "Maximum",
        "TapReviews",
    )


def test_a_schedule_measures_the_moderation_backlog_every_5_minutes(defaults):
    (function_id,) = [
        logical_id
        for logical_id, f in defaults.find_resources("AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "reviews_runtime.handler.handler"
    ]
    (rule,) = defaults.find_resources("AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert json.loads(target["Input"]) == {"tap_reviews": "measure-moderation-backlog"}
    defaults.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "events.amazonaws.com", "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]}},
    )


def test_the_dashboard_graphs_the_metric_methods(defaults):
    body = dashboard_body(defaults)
    assert '"expression":"IF(requests > 0, 100 * errors / requests, 0)"' in body
    assert '"expression":"IF(requests > 0, 100 * server_errors / requests, 0)"' in body


def test_every_alarm_on_metric_math_stays_within_cloudwatchs_10_metrics(customized):
    # CloudWatch refuses an alarm whose metric math reads more than 10 metrics ("Alarm data queries", the
    # CloudWatch user guide); the table throttles alarm watches the table and 16 indexes.
    alarms = customized.find_resources("AWS::CloudWatch::Alarm")
    watched = {
        alarm["Properties"]["AlarmName"]: sum("MetricStat" in query for query in alarm["Properties"]["Metrics"])
        for alarm in alarms.values()
        if "Metrics" in alarm["Properties"]
    }
    assert "DynamoDB-Throttles-qa" in watched
    assert all(1 <= count <= 10 for count in watched.values()), watched
