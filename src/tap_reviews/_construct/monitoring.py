"""Alarms and the dashboard, built from ProductReviewsApi's ``metric_*()`` methods.

Every alarm is opt-in through a typed threshold (``AlarmThresholds``); the dashboard has one row per
service (API, function, table) and one for what the runtime itself counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from ..function_code.reviews_runtime import contract
from ..props import AlarmThresholds
from .findings import acknowledge_nag

if TYPE_CHECKING:
    from ..reviews_api import ProductReviewsApi

#: Every metric and alarm evaluates 5-minute periods.
PERIOD = Duration.minutes(5)
WIDGET_WIDTH = 8


@dataclass(frozen=True)
class _AlarmSpec:
    """One opt-in alarm: its threshold field, construct id, fixed name, metric and description."""

    threshold_field: str
    construct_id: str
    name: str
    metric: Callable[[ProductReviewsApi], cloudwatch.IMetric]
    describe: Callable[[float], str]


#: The alarms AlarmThresholds can turn on, in dashboard order.
ALARMS = (
    _AlarmSpec(
        "client_error_rate_percent",
        "ClientErrorRateAlarm",
        "API-4xx-Errors-{suffix}",
        lambda reviews: reviews.metric_client_error_rate(),
        lambda t: f"More than {t:g}% of API requests answered 4xx in 5 minutes.",
    ),
    _AlarmSpec(
        "server_error_rate_percent",
        "ServerErrorRateAlarm",
        "API-5xx-Errors-{suffix}",
        lambda reviews: reviews.metric_server_error_rate(),
        lambda t: f"More than {t:g}% of API requests answered 5xx in 5 minutes.",
    ),
    _AlarmSpec(
        "latency_p99",
        "LatencyAlarm",
        "API-Latency-p99-{suffix}",
        lambda reviews: reviews.metric_latency(statistic="p99"),
        lambda t: f"The API's p99 latency exceeded {t:g} ms in 5 minutes.",
    ),
    _AlarmSpec(
        "function_errors",
        "FunctionErrorsAlarm",
        "Lambda-Errors-{suffix}",
        lambda reviews: reviews.metric_function_errors(),
        lambda t: f"The function failed more than {t:g} times in 5 minutes.",
    ),
    _AlarmSpec(
        "function_throttles",
        "FunctionThrottlesAlarm",
        "Lambda-Throttles-{suffix}",
        lambda reviews: reviews.metric_function_throttles(),
        lambda t: f"Lambda throttled the function more than {t:g} times in 5 minutes.",
    ),
    _AlarmSpec(
        "table_throttles",
        "TableThrottlesAlarm",
        "DynamoDB-Throttles-{suffix}",
        lambda reviews: reviews.metric_table_throttles(),
        lambda t: f"DynamoDB throttled more than {t:g} requests to the table or its indexes in 5 minutes.",
    ),
    _AlarmSpec(
        "oldest_pending_review_age",
        "ModerationBacklogAlarm",
        "Moderation-Backlog-Age-{suffix}",
        lambda reviews: reviews.metric_oldest_pending_review_age(),
        lambda t: f"A review has waited in the moderation queue longer than {t:g} s.",
    ),
)


def build_alarms(
    scope: Construct,
    reviews: ProductReviewsApi,
    *,
    thresholds: AlarmThresholds,
    name: Callable[[str], str | None],
    alarm_topic: sns.ITopic | None,
) -> list[cloudwatch.Alarm]:
    """The alarms whose threshold is set, each notifying ``alarm_topic`` when it fires and recovers.

    Missing data is not breaching, so a quiet API never alarms.
    """
    action = cloudwatch_actions.SnsAction(alarm_topic) if alarm_topic is not None else None
    alarms = []
    for spec in ALARMS:
        threshold = getattr(thresholds, spec.threshold_field)
        if threshold is None:
            continue
        value = threshold
        if isinstance(threshold, Duration):  # latency in milliseconds (API Gateway's unit), ages in seconds
            value = threshold.to_milliseconds() if spec.threshold_field == "latency_p99" else threshold.to_seconds()
        alarm = cloudwatch.Alarm(
            scope,
            spec.construct_id,
            alarm_name=name(spec.name),
            alarm_description=spec.describe(value),
            metric=spec.metric(reviews),
            threshold=value,
            evaluation_periods=2,
            datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if action is not None:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        alarms.append(alarm)
    return alarms


def _graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=WIDGET_WIDTH)


def table_metric(reviews: ProductReviewsApi, metric_name: str, label: str) -> cloudwatch.Metric:
    """``metric_name`` (a Sum) on the table itself (its local indexes included, not its global ones)."""
    return reviews.table.metric(metric_name, period=PERIOD, statistic="Sum", label=f"{label} (table)")


def table_and_index_metrics(reviews: ProductReviewsApi, metric_name: str, label: str) -> list[cloudwatch.Metric]:
    """``metric_name`` (a Sum) on the table and on each global index, which scale and throttle on their own
    (local indexes take the table's capacity)."""
    table = reviews.table
    return [
        table_metric(reviews, metric_name, label),
        *(
            table.metric(
                metric_name,
                period=PERIOD,
                statistic="Sum",
                label=f"{label} ({index})",
                dimensions_map={"TableName": table.table_name, "GlobalSecondaryIndexName": index},
            )
            for index in contract.GLOBAL_INDEX_NAMES
        ),
    ]


#: The DynamoDB operations the runtime issues (``ThrottledRequests`` has one series per operation).
RUNTIME_OPERATIONS = ("Query", "GetItem", "BatchGetItem", "TransactWriteItems", "UpdateItem")


def operation_throttle_metrics(reviews: ProductReviewsApi) -> list[cloudwatch.Metric]:
    """``ThrottledRequests`` (a Sum) of each operation the runtime issues on the table. DynamoDB counts a
    request once when the table or any of its indexes throttled it (the DynamoDB developer guide, "CloudWatch
    throttling metrics")."""
    table = reviews.table
    return [
        table.metric(
            "ThrottledRequests",
            period=PERIOD,
            statistic="Sum",
            label=f"throttled {operation}",
            dimensions_map={"TableName": table.table_name, "Operation": operation},
        )
        for operation in RUNTIME_OPERATIONS
    ]


def throttled_request_metrics(reviews: ProductReviewsApi) -> list[cloudwatch.Metric]:
    """The table's own ``ReadThrottleEvents`` and ``WriteThrottleEvents`` (which also count throttled writes
    inside a transaction), then ``operation_throttle_metrics``: 7 metrics watch the table and all 16 global
    indexes, where one metric per index would exceed the 10 an alarm may read."""
    return [
        table_metric(reviews, "ReadThrottleEvents", "read"),
        table_metric(reviews, "WriteThrottleEvents", "write"),
        *operation_throttle_metrics(reviews),
    ]


def build_backlog_schedule(scope: Construct, function: lambda_.IFunction) -> events.Rule:
    """Invoke the function every ``BACKLOG_MINUTES`` to measure the moderation backlog (a few Query reads)."""
    rule = events.Rule(
        scope,
        "ModerationBacklogSchedule",
        description="Measures the reviews moderation backlog (ModerationBacklog, OldestPendingReviewAge).",
        schedule=events.Schedule.rate(Duration.minutes(contract.BACKLOG_MINUTES)),
        targets=[
            targets.LambdaFunction(function, event=events.RuleTargetInput.from_object(dict(contract.BACKLOG_EVENT)))
        ],
    )
    acknowledge_nag(
        rule,
        "Serverless::Serverless-EventBusDLQ",
        reason="A missed measurement is replaced by the next one 5 minutes later; a dead-letter queue would keep "
        "nothing worth replaying.",
    )
    return rule


def build_dashboard(
    scope: Construct, reviews: ProductReviewsApi, *, dashboard_name: str | None, alarms: list[cloudwatch.Alarm]
) -> cloudwatch.Dashboard:
    """One row per service: API traffic and errors, function health, table capacity and throttles, then
    what the runtime counts."""
    stage = reviews.api.deployment_stage
    function = reviews.function
    dashboard = cloudwatch.Dashboard(scope, "Dashboard", dashboard_name=dashboard_name)
    dashboard.add_widgets(
        _graph("API requests", stage.metric_count(period=PERIOD, statistic="Sum")),
        _graph("API latency (ms)", *(reviews.metric_latency(statistic=p, label=p) for p in ("p50", "p90", "p99"))),
        _graph(
            "API 4xx / 5xx",
            reviews.metric_client_error_rate(label="4xx (% of requests)"),
            reviews.metric_server_error_rate(label="5xx (% of requests)"),
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
            reviews.metric_function_errors(label="errors"),
            reviews.metric_function_throttles(label="throttles"),
        ),
    )
    dashboard.add_widgets(
        _graph(
            "DynamoDB consumed capacity",
            *table_and_index_metrics(reviews, "ConsumedReadCapacityUnits", "read"),
            *table_and_index_metrics(reviews, "ConsumedWriteCapacityUnits", "write"),
        ),
        _graph(
            "DynamoDB throttled events",
            *table_and_index_metrics(reviews, "ReadThrottleEvents", "read"),
            *table_and_index_metrics(reviews, "WriteThrottleEvents", "write"),
            *operation_throttle_metrics(reviews),
        ),
        cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms), width=WIDGET_WIDTH),
    )
    dashboard.add_widgets(
        _graph(
            "Reviews created / bodies rejected by the function",
            reviews.metric_reviews_created(label="created"),
            reviews.metric_validation_failures(label="rejected"),
        ),
        _graph(
            "Moderation backlog",
            reviews.metric_moderation_backlog(label="reviews waiting"),
            reviews.metric_oldest_pending_review_age(label="oldest wait (s)"),
        ),
        _graph(
            "Moderation decisions",
            reviews.metric_reviews_published(label="published"),
            reviews.metric_reviews_rejected(label="rejected"),
            reviews.metric_reviews_held(label="held by reports"),
        ),
    )
    return dashboard
