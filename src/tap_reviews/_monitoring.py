"""Dashboard and alarms: what an operator of the reviews API looks at first."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from .function_code.reviews_runtime import contract

PERIOD = Duration.minutes(5)
WIDGET_WIDTH = 8


def _graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=WIDGET_WIDTH)


def _table_and_index_metrics(
    table: dynamodb.Table, index_name: str, metric_name: str, label: str
) -> tuple[cloudwatch.Metric, cloudwatch.Metric]:
    """The metric for the table and for its index: the index scales (and throttles) on its own."""
    on_table = table.metric(metric_name, period=PERIOD, statistic="Sum", label=f"{label} (table)")
    on_index = table.metric(
        metric_name,
        period=PERIOD,
        statistic="Sum",
        label=f"{label} ({index_name})",
        dimensions_map={"TableName": table.table_name, "GlobalSecondaryIndexName": index_name},
    )
    return on_table, on_index


def build_client_error_alarm(
    scope: Construct,
    *,
    alarm_name: str | None,
    stage: apigateway.Stage,
    threshold_percent: float,
    alarm_topic: sns.ITopic | None,
) -> cloudwatch.Alarm:
    """Alarm when 4xx answers exceed ``threshold_percent`` of requests in a 5-minute period.

    With no traffic the rate is 0, not a division by zero, so a quiet API never alarms.
    """
    rate = cloudwatch.MathExpression(
        expression="IF(requests > 0, 100 * errors / requests, 0)",
        using_metrics={
            "errors": stage.metric_client_error(period=PERIOD, statistic="Sum"),
            "requests": stage.metric_count(period=PERIOD, statistic="Sum"),
        },
        label="4xx error rate (%)",
        period=PERIOD,
    )
    alarm = cloudwatch.Alarm(
        scope,
        "ClientErrorRateAlarm",
        alarm_name=alarm_name,
        alarm_description=f"More than {threshold_percent}% of API requests answered 4xx in 5 minutes.",
        metric=rate,
        threshold=threshold_percent,
        evaluation_periods=2,
        datapoints_to_alarm=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    if alarm_topic is not None:
        action = cloudwatch_actions.SnsAction(alarm_topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
    return alarm


def build_dashboard(
    scope: Construct,
    *,
    dashboard_name: str | None,
    stage: apigateway.Stage,
    function: lambda_.Function,
    table: dynamodb.Table,
    index_name: str,
    alarms: list[cloudwatch.Alarm],
) -> cloudwatch.Dashboard:
    """One row per service: API traffic and errors, function health, table capacity and throttles."""
    dashboard = cloudwatch.Dashboard(scope, "Dashboard", dashboard_name=dashboard_name)
    dashboard.add_widgets(
        _graph("API requests", stage.metric_count(period=PERIOD, statistic="Sum")),
        _graph(
            "API latency (ms)",
            *(stage.metric_latency(period=PERIOD, statistic=p, label=p) for p in ("p50", "p90", "p99")),
        ),
        _graph(
            "API 4xx / 5xx",
            stage.metric_client_error(period=PERIOD, statistic="Sum", label="4xx"),
            stage.metric_server_error(period=PERIOD, statistic="Sum", label="5xx"),
        ),
    )
    dashboard.add_widgets(
        _graph("Lambda invocations", function.metric_invocations(period=PERIOD)),
        _graph(
            "Lambda duration (ms)",
            *(function.metric_duration(period=PERIOD, statistic=p, label=p) for p in ("p50", "p99")),
        ),
        _graph(
            "Lambda errors / throttles",
            function.metric_errors(period=PERIOD, label="errors"),
            function.metric_throttles(period=PERIOD, label="throttles"),
        ),
    )
    dashboard.add_widgets(
        _graph(
            "DynamoDB consumed capacity",
            *_table_and_index_metrics(table, index_name, "ConsumedReadCapacityUnits", "read"),
            *_table_and_index_metrics(table, index_name, "ConsumedWriteCapacityUnits", "write"),
        ),
        _graph(
            "DynamoDB throttled events",
            *_table_and_index_metrics(table, index_name, "ReadThrottleEvents", "read"),
            *_table_and_index_metrics(table, index_name, "WriteThrottleEvents", "write"),
        ),
        cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms), width=WIDGET_WIDTH),
    )
    dashboard.add_widgets(
        _graph(
            "Reviews created / bodies rejected by the function",
            *(
                cloudwatch.Metric(
                    namespace=contract.METRICS_NAMESPACE,
                    metric_name=name,
                    dimensions_map={contract.METRICS_DIMENSION: function.function_name},
                    period=PERIOD,
                    statistic="Sum",
                    label=label,
                )
                for name, label in (
                    (contract.METRIC_REVIEWS_CREATED, "created"),
                    (contract.METRIC_VALIDATION_FAILURES, "rejected"),
                )
            ),
        ),
    )
    return dashboard
