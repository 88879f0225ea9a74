"""Events (opt-in with ``event_bus``): the table's stream, a function that puts one EventBridge event per
committed change, and a dead-letter queue for stream records it could not deliver in time.

Why a stream and a function, not EventBridge Pipes: every change records itself on its product's summary
item in the same transaction (the outbox), so the stream holds exactly the committed changes. Turning a
summary record into an event needs DynamoDB's JSON converted to plain JSON and the average computed,
which Pipes' input templates cannot do; a Pipe would need an enrichment function anyway.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..function_code.reviews_runtime import contract
from .findings import acknowledge_nag, skip_checkov
from .function import depend_on_policy_only, runtime_function

#: Stream records per invocation; the function puts them 10 per PutEvents call.
BATCH_SIZE = 100


def build_event_publisher(
    scope: Construct,
    *,
    table: dynamodb.Table,
    event_bus: events.IEventBus,
    function_name: str | None,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
) -> lambda_.Function:
    """Create the publisher function, its stream event source (summary records only) and its DLQ."""
    function, role, _ = runtime_function(
        scope,
        "EventsFunction",
        log_group_id="EventsLogGroup",
        role_id="EventsRole",
        function_name=function_name,
        description="Puts one EventBridge event per committed review change (from the table's stream).",
        role_description="Publishes review changes from the reviews table's stream to the event bus.",
        logs_hold="no review text or reviewer ids",
        handler=contract.EVENTS_HANDLER,
        memory_size=256,
        timeout=Duration.seconds(60),
        log_retention=log_retention,
        removal_policy=removal_policy,
        environment={contract.ENV_EVENT_BUS_NAME: event_bus.event_bus_name},
    )
    dead_letters = sqs.Queue(
        scope,
        "EventsDeadLetterQueue",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    # Retried until it succeeds or the record leaves the stream (24 hours): then the DLQ gets where it was.
    function.add_event_source(
        event_sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=BATCH_SIZE,
            report_batch_item_failures=True,
            on_failure=event_sources.SqsDlq(dead_letters),
            filters=[
                lambda_.FilterCriteria.filter(
                    {
                        "dynamodb": {
                            "Keys": {contract.SORT_KEY: {"S": lambda_.FilterRule.is_equal(contract.SUMMARY_SORT_KEY)}}
                        }
                    }
                )
            ],
        )
    )
    event_bus.grant_put_events_to(function)
    acknowledge_nag(
        role,
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason="dynamodb:ListStreams and X-Ray's PutTraceSegments and PutTelemetryRecords do not support "
        "resource-level permissions.",
    )
    dead_letter_reason = (
        "This queue is the dead-letter queue of the event source: it receives where undeliverable stream "
        "records were, and has no dead-letter queue of its own."
    )
    acknowledge_nag(
        dead_letters,
        "AwsSolutions::AwsSolutions-SQS3",
        "Serverless::Serverless-SQSRedrivePolicy",
        reason=dead_letter_reason,
    )
    skip_checkov(
        dead_letters,
        "CKV_AWS_27",
        reason="Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled); it holds stream positions, not "
        "review data.",
    )
    skip_checkov(
        function,
        "CKV_AWS_116",
        reason="The stream event source has its own on-failure destination (the SQS dead-letter queue); a "
        "function DLQ applies to asynchronous invocations only.",
    )
    skip_checkov(
        function,
        "CKV_AWS_115",
        reason="One invocation per stream shard at a time: the event source bounds the concurrency.",
    )
    skip_checkov(
        function,
        "CKV_AWS_117",
        reason="The function reaches only EventBridge, DynamoDB Streams and X-Ray public endpoints.",
    )
    skip_checkov(function, "CKV_AWS_173", reason="The environment holds the bus's name only, no secrets.")
    acknowledge_nag(
        function,
        "Serverless::Serverless-LambdaDLQ",
        reason="A stream event source's failures go to its on-failure destination (the SQS dead-letter queue).",
    )
    depend_on_policy_only(function, role)
    return function
