"""The reviews table: product_id / review_id keys, a local index per listing order, global indexes for ranges of
stars, a reviewer index, the moderation queue, capacity that scales."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from ..function_code.reviews_runtime import contract
from .findings import skip_checkov

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def build_reviews_table(
    scope: Construct,
    *,
    table_name: str | None,
    billing_mode: dynamodb.BillingMode,
    read_capacity: dynamodb.EnableScalingProps,
    write_capacity: dynamodb.EnableScalingProps,
    target_utilization_percent: float,
    point_in_time_recovery: bool,
    removal_policy: RemovalPolicy,
    deletion_protection: bool,
    encryption_key: kms.IKey | None,
    stream: bool = False,
) -> dynamodb.Table:
    """Create the table, its listing indexes (local, and global for ranges of stars), its reviewer index and
    its moderation queue index; with provisioned billing, scale each on utilization. With ``stream``, the
    table's stream carries new images (for events)."""
    provisioned = billing_mode == dynamodb.BillingMode.PROVISIONED
    # Provisioned tables start at the auto-scaling floor; on-demand tables take no capacity at all.
    initial_read = read_capacity.min_capacity if provisioned else None
    initial_write = write_capacity.min_capacity if provisioned else None
    table = dynamodb.Table(
        scope,
        "Table",
        table_name=table_name,
        partition_key=_string_key(contract.PARTITION_KEY),
        sort_key=_string_key(contract.SORT_KEY),
        billing_mode=billing_mode,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=point_in_time_recovery
        ),
        removal_policy=removal_policy,
        deletion_protection=deletion_protection,
        # The aws/dynamodb KMS key (visible and audited in the account), or the caller's own key.
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED
        if encryption_key
        else dynamodb.TableEncryption.AWS_MANAGED,
        encryption_key=encryption_key,
        # Idempotency records expire; reviews and summaries never carry the attribute, so never expire.
        time_to_live_attribute=contract.TIME_TO_LIVE_ATTRIBUTE,
        read_capacity=initial_read,
        write_capacity=initial_write,
        stream=dynamodb.StreamViewType.NEW_IMAGE if stream else None,
    )
    # One local index per listing order: sparse (only published reviews carry their keys), projecting every
    # attribute, so a page is one Query. Local indexes exist only if created with the table.
    for index_name, sort_key, kind in contract.LISTING_INDEXES:
        table.add_local_secondary_index(
            index_name=index_name,
            sort_key=dynamodb.Attribute(name=sort_key, type=_ATTRIBUTE_TYPES[kind]),
            projection_type=dynamodb.ProjectionType.ALL,
        )
    table.add_global_secondary_index(
        index_name=contract.REVIEWER_INDEX_NAME,
        partition_key=_string_key(contract.REVIEWER_INDEX_KEY),
        sort_key=_string_key(contract.SORT_KEY),
        read_capacity=initial_read,
        write_capacity=initial_write,
    )
    # Sparse: only pending reviews carry its keys, so it holds the queue and nothing else.
    table.add_global_secondary_index(
        index_name=contract.MODERATION_QUEUE_INDEX_NAME,
        partition_key=_string_key(contract.MODERATION_QUEUE_KEY),
        sort_key=_string_key(contract.MODERATION_QUEUE_SORT_KEY),
        read_capacity=initial_read,
        write_capacity=initial_write,
    )
    # A range of two to four stars in date or helpfulness order: one global index per slot and order
    # (contract.RANGE_SLOTS), sparse like the local ones, projecting every attribute, so that page is one Query.
    for index_name, partition_key, sort_key, kind in contract.RANGE_INDEXES:
        table.add_global_secondary_index(
            index_name=index_name,
            partition_key=_string_key(partition_key),
            sort_key=dynamodb.Attribute(name=sort_key, type=_ATTRIBUTE_TYPES[kind]),
            projection_type=dynamodb.ProjectionType.ALL,
            read_capacity=initial_read,
            write_capacity=initial_write,
        )
    if provisioned:
        _scale_on_utilization(table, read_capacity, write_capacity, target_utilization_percent)
    if encryption_key is None:
        skip_checkov(
            table,
            "CKV_AWS_119",
            reason="Encrypted with the AWS managed key aws/dynamodb by default; pass encryption_key for a "
            "customer managed key.",
        )
    return table


def _scale_on_utilization(
    table: dynamodb.Table,
    read_capacity: dynamodb.EnableScalingProps,
    write_capacity: dynamodb.EnableScalingProps,
    target_utilization_percent: float,
) -> None:
    scalers = [
        table.auto_scale_read_capacity(
            min_capacity=read_capacity.min_capacity, max_capacity=read_capacity.max_capacity
        ),
        table.auto_scale_write_capacity(
            min_capacity=write_capacity.min_capacity, max_capacity=write_capacity.max_capacity
        ),
    ]
    for index in contract.GLOBAL_INDEX_NAMES:
        scalers += [
            table.auto_scale_global_secondary_index_read_capacity(
                index, min_capacity=read_capacity.min_capacity, max_capacity=read_capacity.max_capacity
            ),
            table.auto_scale_global_secondary_index_write_capacity(
                index, min_capacity=write_capacity.min_capacity, max_capacity=write_capacity.max_capacity
            ),
        ]
    for scaler in scalers:
        scaler.scale_on_utilization(target_utilization_percent=target_utilization_percent)
