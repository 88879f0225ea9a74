"""The reviews table: keys, indexes, capacity bounds and auto-scaling, billing, backups, retention, stream."""

import json

from aws_cdk.assertions import Match, Template

#: The global indexes for a range of two to four stars: per slot (ranges that share no star), one in date
#: order and one in helpfulness order, keyed by that slot's attribute.
RANGE_INDEXES = {
    f"By{order}InRange{slot}Index": (f"listed_range_{slot}", sort_key, kind)
    for order, sort_key, kind in (("Date", "listed_id", "S"), ("Helpful", "listed_helpful", "N"))
    for slot in range(7)
}
INDEXES = ("ReviewerIdIndex", "ModerationQueueIndex", *RANGE_INDEXES)


def scalable_targets(template: Template) -> dict[tuple[str, str], dict]:
    """Scalable targets by (what: "table" or an index's name, dimension)."""
    targets = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget")
    found = {}
    for target in targets.values():
        resource = json.dumps(target["Properties"]["ResourceId"])
        what = next((index for index in INDEXES if f'/index/{index}"' in resource), "table")
        found[(what, target["Properties"]["ScalableDimension"].rsplit(":", 1)[-1])] = target["Properties"]
    return found


EVERY_TARGET = sorted(
    (what, unit) for what in ("table", *INDEXES) for unit in ("ReadCapacityUnits", "WriteCapacityUnits")
)


LISTING_INDEXES = {
    "ByDateIndex": ("listed_id", "S"),
    "ByRatingIndex": ("listed_rating", "S"),
    "ByHelpfulIndex": ("listed_helpful", "N"),
    "ByRatingHelpfulIndex": ("listed_rating_helpful", "N"),
    "ByVerifiedIndex": ("listed_verified", "S"),
}


def test_table_has_seed_keys_listing_indexes_a_reviewer_index_and_a_sparse_moderation_queue_index(defaults):
    defaults.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "ProductReviews-dev",
            "KeySchema": [
                {"AttributeName": "product_id", "KeyType": "HASH"},
                {"AttributeName": "review_id", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_equals(
                [
                    {"AttributeName": "product_id", "AttributeType": "S"},
                    {"AttributeName": "review_id", "AttributeType": "S"},
                    *({"AttributeName": name, "AttributeType": kind} for name, kind in LISTING_INDEXES.values()),
                    {"AttributeName": "reviewer_id", "AttributeType": "S"},
                    {"AttributeName": "moderation_queue", "AttributeType": "S"},
                    {"AttributeName": "queued_at", "AttributeType": "S"},
                    *({"AttributeName": f"listed_range_{slot}", "AttributeType": "S"} for slot in range(7)),
                ]
            ),
            # One local index per listing order (five, DynamoDB's most), all with every attribute: a page is
            # one Query. Local indexes share the table's capacity: nothing to scale separately.
            "LocalSecondaryIndexes": [
                {
                    "IndexName": index,
                    "KeySchema": [
                        {"AttributeName": "product_id", "KeyType": "HASH"},
                        {"AttributeName": name, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, (name, _) in LISTING_INDEXES.items()
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "ReviewerIdIndex",
                    "KeySchema": [
                        {"AttributeName": "reviewer_id", "KeyType": "HASH"},
                        {"AttributeName": "review_id", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                },
                {
                    "IndexName": "ModerationQueueIndex",
                    "KeySchema": [
                        {"AttributeName": "moderation_queue", "KeyType": "HASH"},
                        {"AttributeName": "queued_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                },
                # Sparse too: a published review is in the ranges that hold its rating, one per slot.
                *(
                    {
                        "IndexName": index,
                        "KeySchema": [
                            {"AttributeName": partition_key, "KeyType": "HASH"},
                            {"AttributeName": sort_key, "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                    }
                    for index, (partition_key, sort_key, _) in RANGE_INDEXES.items()
                ),
            ],
            "StreamSpecification": Match.absent(),
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_table_is_retained_by_default(defaults):
    defaults.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_default_capacity_scales_between_5_and_100_at_70_percent_on_table_and_indexes(defaults):
    targets = scalable_targets(defaults)
    assert sorted(targets) == EVERY_TARGET
    assert {(t["MinCapacity"], t["MaxCapacity"]) for t in targets.values()} == {(5, 100)}
    policies = defaults.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    assert len(policies) == len(EVERY_TARGET) == 2 * 17
    for policy in policies.values():
        config = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        assert config["TargetValue"] == 70


def test_custom_capacity_bounds_and_target_apply_to_table_and_indexes(customized):
    bounds = {key: (t["MinCapacity"], t["MaxCapacity"]) for key, t in scalable_targets(customized).items()}
    assert bounds == {(what, unit): (2, 20) if unit == "ReadCapacityUnits" else (1, 10) for what, unit in EVERY_TARGET}
    customized.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "ProductReviews-qa",
            "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False},
        },
    )
    for policy in customized.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values():
        assert policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 50


def test_destroy_removal_policy_reaches_the_table(customized):
    customized.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})


def test_on_demand_billing_has_no_provisioned_capacity_and_no_scaling(synthesized):
    template = synthesized.template("OnDemand")
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "ProvisionedThroughput": Match.absent(),
            "GlobalSecondaryIndexes": [Match.object_like({"ProvisionedThroughput": Match.absent()})] * 16,
        },
    )
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)


def test_only_idempotency_records_expire_through_the_tables_time_to_live(defaults):
    defaults.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True}},
    )


def test_table_is_deletion_protected_and_encrypted_with_the_aws_managed_key_by_default(defaults):
    defaults.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"DeletionProtectionEnabled": True, "SSESpecification": {"SSEEnabled": True}},
    )


def test_a_customer_managed_key_encrypts_the_table_when_given(customized):
    (key_id,) = customized.find_resources("AWS::KMS::Key")
    customized.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "DeletionProtectionEnabled": False,
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            },
        },
    )
