"""Unit prices the cost model (:mod:`tap_reviews.cost`) multiplies usage by, in one place.

Every number here is a public list price for the AWS region below, in US dollars, **as published on the
AWS pricing pages, taken 2025-08** (DynamoDB after its November 2024 on-demand price cut; Lambda arm64;
API Gateway REST APIs, first request tier; CloudWatch; X-Ray). They were transcribed by hand from those
pages as the author knew them, not fetched live, and nothing here updates them: AWS changes prices, and
a bill can differ. Check https://aws.amazon.com/pricing/ (or the AWS Pricing Calculator) before relying on
an estimate, and edit the numbers here when they move.

Free tiers are left out on purpose: the always-free allowances (Lambda's 1M requests and 400,000 GB-s,
DynamoDB's 25 GB and 25 RCU/WCU, CloudWatch's 10 metrics, 10 alarms, 3 dashboards and 5 GB of logs,
X-Ray's 100,000 traces) are shared by everything in the account, so this stack cannot count on them.
API Gateway's free tier lasts only the account's first 12 months.

Import-light: this module imports nothing (no aws_cdk), so the CLI's ``cost`` command stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The region the prices are for.
REGION = "us-east-1"
#: When the prices were taken from the AWS pricing pages (year-month).
PRICES_TAKEN = "2025-08"
#: Where the prices come from, for the CLI and docs to quote.
PRICE_SOURCE = (
    f"{REGION} list prices as published on the AWS pricing pages, taken {PRICES_TAKEN} "
    "(transcribed by hand, not fetched live; free tiers ignored)"
)
#: AWS bills a month as 730 hours (365 days x 24 hours / 12), as the AWS Pricing Calculator does.
HOURS_PER_MONTH = 730
#: One GB as AWS bills storage and data: 2**30 bytes.
BYTES_PER_GB = 2**30


@dataclass(frozen=True)
class PriceList:
    """Unit prices in US dollars for one region; the calculator takes one (default :data:`US_EAST_1`).

    Attributes:
        region: The region these prices are for.
        taken: When they were taken from the AWS pricing pages.
        dynamodb_write_request_per_million: On-demand write request units (Standard table class).
        dynamodb_read_request_per_million: On-demand read request units (Standard table class).
        dynamodb_wcu_hour: One provisioned write capacity unit for one hour.
        dynamodb_rcu_hour: One provisioned read capacity unit for one hour.
        dynamodb_storage_gb_month: Table and index storage (Standard table class), per GB-month.
        dynamodb_pitr_gb_month: Point-in-time recovery (continuous backups), per GB-month of table size.
        lambda_arm_gb_second: Lambda duration on arm64 (Graviton), per GB-second (first pricing tier).
        lambda_requests_per_million: Lambda requests.
        api_gateway_rest_requests_per_million: REST API requests (first 333 million a month).
        cloudwatch_dashboard_month: One custom dashboard for a month.
        cloudwatch_alarm_metric_month: A standard-resolution alarm, per metric it evaluates, per month.
        cloudwatch_custom_metric_month: A custom metric (including embedded-metric-format metrics and
            API Gateway's detailed metrics), per month, prorated by the hour (first 10,000 metrics).
        cloudwatch_logs_ingest_gb: Log data ingested (Standard log class; also the first tier of Lambda's
            vended logs).
        cloudwatch_logs_storage_gb_month: Log data stored (archived), per GB-month.
        xray_traces_recorded_per_million: X-Ray traces recorded.
        ssm_standard_parameter_month: A Standard-tier SSM parameter (free).
        ssm_standard_get_parameter_per_10k: GetParameter at standard throughput (free).
        eventbridge_events_per_million: Custom events put on an event bus (each 64 KB chunk is one event).
    """

    region: str
    taken: str
    dynamodb_write_request_per_million: float
    dynamodb_read_request_per_million: float
    dynamodb_wcu_hour: float
    dynamodb_rcu_hour: float
    dynamodb_storage_gb_month: float
    dynamodb_pitr_gb_month: float
    lambda_arm_gb_second: float
    lambda_requests_per_million: float
    api_gateway_rest_requests_per_million: float
    cloudwatch_dashboard_month: float
    cloudwatch_alarm_metric_month: float
    cloudwatch_custom_metric_month: float
    cloudwatch_logs_ingest_gb: float
    cloudwatch_logs_storage_gb_month: float
    xray_traces_recorded_per_million: float
    ssm_standard_parameter_month: float
    ssm_standard_get_parameter_per_10k: float
    eventbridge_events_per_million: float


#: us-east-1 (N. Virginia) list prices, as published on the AWS pricing pages, taken 2025-08.
US_EAST_1 = PriceList(
    region=REGION,
    taken=PRICES_TAKEN,
    # https://aws.amazon.com/dynamodb/pricing/ (on-demand halved on 2024-11-01; provisioned unchanged)
    dynamodb_write_request_per_million=0.625,
    dynamodb_read_request_per_million=0.125,
    dynamodb_wcu_hour=0.00065,
    dynamodb_rcu_hour=0.00013,
    dynamodb_storage_gb_month=0.25,
    dynamodb_pitr_gb_month=0.20,
    # https://aws.amazon.com/lambda/pricing/ (Arm price, first 7.5 billion GB-seconds a month)
    lambda_arm_gb_second=0.0000133334,
    lambda_requests_per_million=0.20,
    # https://aws.amazon.com/api-gateway/pricing/ (REST APIs, first 333 million requests a month)
    api_gateway_rest_requests_per_million=3.50,
    # https://aws.amazon.com/cloudwatch/pricing/
    cloudwatch_dashboard_month=3.00,
    cloudwatch_alarm_metric_month=0.10,
    cloudwatch_custom_metric_month=0.30,
    cloudwatch_logs_ingest_gb=0.50,
    cloudwatch_logs_storage_gb_month=0.03,
    # https://aws.amazon.com/xray/pricing/
    xray_traces_recorded_per_million=5.00,
    # https://aws.amazon.com/systems-manager/pricing/ (Parameter Store: Standard tier and throughput are free)
    ssm_standard_parameter_month=0.0,
    ssm_standard_get_parameter_per_10k=0.0,
    # https://aws.amazon.com/eventbridge/pricing/ (custom events; DynamoDB Streams reads by a Lambda trigger
    # are free: https://aws.amazon.com/dynamodb/pricing/)
    eventbridge_events_per_million=1.00,
)
