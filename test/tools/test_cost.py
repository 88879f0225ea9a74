"""The cost calculator (tap_reviews.cost) and ``tap-reviews cost``: hand-computed bills, shape, flip, CLI."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from tap_reviews import cli, cost
from tap_reviews.cost import (
    ON_DEMAND,
    PROVISIONED,
    DeploymentProps,
    Workload,
    compare_billing_modes,
    estimate,
    find_billing_mode_flip,
    read_units,
    write_units,
)
from tap_reviews.prices import BYTES_PER_GB, HOURS_PER_MONTH, US_EAST_1
from tap_reviews.reviews_api import DEFAULT_CAPACITY, DEFAULT_THROTTLE, ProductReviewsApi
from tap_reviews.settings import CapacityBounds

#: 100 reviews a day, 10 reads each, half the POSTs idempotent; every other input at its default.
SMALL = Workload(reviews_per_day=100, reads_per_review=10, idempotent_post_share=0.5)
SEED = Workload(reviews_per_day=2500, reads_per_review=20)
#: 730 hours / 24.
DAYS = 30.416666666666668


def line(estimate_: cost.Estimate, text: str) -> cost.LineItem:
    """The one line item whose ``item`` starts with ``text``."""
    (found,) = [item for item in estimate_.line_items if item.item.startswith(text)]
    return found


# -- DynamoDB units, as the runtime consumes them ---------------------------------------------------------


def test_write_and_read_units_round_up_per_kb_and_per_4kb() -> None:
    assert write_units(300) == 1
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(300, transactional=True) == 2  # a transaction doubles the units
    assert read_units(6000) == 1.0  # a 20 x 300-byte page: 2 started 4 KB blocks, halved (eventually consistent)
    assert read_units(80) == 0.5  # the summary item
    assert read_units(8193, eventually_consistent=False) == 3.0


def test_request_units_follow_the_runtime() -> None:
    units = cost.request_units(SMALL)
    # review Put 2 + summary Update 2 (transactional, each under 1 KB) + half the POSTs x record Put 2
    assert units.post_table_writes == 2 + 2 + 0.5 * 2
    assert units.post_index_writes == 1  # the review's copy in the index: an ordinary write
    assert units.product_listing_table_reads == 1.0 + 0.5  # Query page (6,000 bytes) + summary GetItem
    assert units.reviewer_listing_index_reads == 1.0  # Query page on the index, no summary


# -- hand-computed line items for SMALL -------------------------------------------------------------------


def test_on_demand_dynamodb_requests_by_hand() -> None:
    bill = estimate(SMALL, DeploymentProps(billing_mode=ON_DEMAND))
    posts = 100 * DAYS  # 3,041.67 POSTs a month
    gets = posts * 10  # 30,416.67 GETs a month
    # 3,041.67 POSTs x 5 WRU = 15,208.3 WRU; x $0.625 per million = $0.0095052
    writes = line(bill, "table writes")
    assert writes.quantity == pytest.approx(posts * 5 / 1e6)
    assert writes.monthly_usd == pytest.approx(0.0095052, rel=1e-4)
    # 90 % of GETs list a product: 27,375 x 1.5 RRU = 41,062.5 RRU; x $0.125 per million = $0.0051328
    reads = line(bill, "table reads")
    assert reads.quantity == pytest.approx(gets * 0.9 * 1.5 / 1e6)
    assert reads.monthly_usd == pytest.approx(0.0051328, rel=1e-4)
    # 10 % list a reviewer: 3,041.67 x 1 RRU on the index
    assert line(bill, "ReviewerIdIndex reads").quantity == pytest.approx(gets * 0.1 / 1e6)
    assert line(bill, "ReviewerIdIndex writes").quantity == pytest.approx(posts / 1e6)
    assert bill.capacity == ()
    assert not any("capacity" in item.item for item in bill.line_items)


def test_provisioned_floor_by_hand() -> None:
    bill = estimate(SMALL)  # the construct's defaults: provisioned, 5-100 units, 70 %
    assert bill.billing_mode == PROVISIONED
    assert [side.provisioned_units for side in bill.capacity] == [5, 5, 5, 5]
    capacity = [item for item in bill.line_items if "capacity" in item.item]
    # 2 sides x 5 WCU x 730 h x $0.00065 = $4.745; 2 sides x 5 RCU x 730 h x $0.00013 = $0.949
    assert sum(item.monthly_usd for item in capacity) == pytest.approx(4.745 + 0.949)
    assert line(bill, "table write capacity").quantity == 5 * 730


def test_lambda_api_gateway_and_logs_by_hand() -> None:
    bill = estimate(SMALL)
    posts, gets = 100 * DAYS, 1000 * DAYS
    # (3,041.67 x 0.040 s + 30,416.67 x 0.030 s) x 0.25 GB = 258.54 GB-s; x $0.0000133334 = $0.0034472
    duration = line(bill, "duration at 256 MB")
    assert duration.quantity == pytest.approx((posts * 0.040 + gets * 0.030) * 0.25)
    assert duration.monthly_usd == pytest.approx(0.0034472, rel=1e-4)
    # 33,458.3 requests x $3.50 per million = $0.117104
    assert line(bill, "REST requests").monthly_usd == pytest.approx(0.117104, rel=1e-4)
    assert line(bill, "requests").monthly_usd == pytest.approx(33_458.33 * 0.20 / 1e6, rel=1e-5)
    # 33,458.3 requests x (300 function + 600 platform + 350 access) bytes = 41.82 MB = 0.038950 GB; x $0.50
    logs_ingested = line(bill, "logs ingested")
    assert logs_ingested.quantity == pytest.approx(33_458.33 * 1250 / 2**30, rel=1e-6)
    assert logs_ingested.monthly_usd == pytest.approx(0.019475, rel=1e-3)
    # a week of that kept: 0.038950 / 30.42 x 7 GB-month
    assert line(bill, "logs stored").quantity == pytest.approx(logs_ingested.quantity / DAYS * 7)


def test_storage_and_backups_by_hand() -> None:
    bill = estimate(SMALL)
    # a year of reviews: 100 x 30.42 x 12 = 36,500 reviews of 300 + 100 (overhead) bytes, in the table
    # and again in the index (projection ALL); plus 100 x 0.5 x 2 days = 100 live idempotency records of
    # 300 + 210 + 100 bytes, in the table only
    table_bytes = 36_500 * 400 + 100 * 610
    index_bytes = 36_500 * 400
    assert line(bill, "storage").quantity == pytest.approx((table_bytes + index_bytes) / BYTES_PER_GB)
    # point-in-time recovery bills the table's size, not the index's
    assert line(bill, "point-in-time recovery").quantity == pytest.approx(table_bytes / BYTES_PER_GB)
    without_backups = estimate(SMALL, DeploymentProps(point_in_time_recovery=False))
    assert not any(item.item.startswith("point-in-time") for item in without_backups.line_items)


def test_fixed_monitoring_lines() -> None:
    provisioned = estimate(SMALL)
    on_demand = estimate(SMALL, DeploymentProps(billing_mode=ON_DEMAND))
    for bill in (provisioned, on_demand):
        assert line(bill, "dashboard").monthly_usd == 3.00
        assert line(bill, "4xx-rate alarm").monthly_usd == pytest.approx(2 * 0.10)
        assert line(bill, "Standard parameters").monthly_usd == 0
    # 4 target-tracking policies x 4 alarms, only with provisioned capacity
    assert line(provisioned, "auto-scaling alarms").monthly_usd == pytest.approx(16 * 0.10)
    assert not any(item.item.startswith("auto-scaling") for item in on_demand.line_items)
    # 100 POSTs a day: some hours have none, and an EMF metric is billed by the hour it gets data
    emf = line(provisioned, "EMF metrics")
    assert 0 < emf.quantity < 2
    assert line(estimate(SEED), "EMF metrics").quantity == pytest.approx(2)


def test_xray_traces_follow_the_default_sampling_rule() -> None:
    seconds = HOURS_PER_MONTH * 3600
    # far below 1 request a second, (almost) every request is the first of its second: all traced
    assert cost.traces_recorded(1000) == pytest.approx(1000, rel=1e-3)
    # far above, 1 a second plus 5 % of the rest
    assert cost.traces_recorded(100 * seconds) == pytest.approx(seconds * (1 + 0.05 * 99), rel=1e-9)
    assert cost.traces_recorded(0) == 0


def test_write_token_adds_a_free_parameter_and_free_reads() -> None:
    bill = estimate(SMALL, DeploymentProps(write_token=True))
    assert line(bill, "Standard parameters").quantity == 5
    assert line(bill, "GetParameter").monthly_usd == 0


def test_lambda_insights_adds_metrics_and_logs() -> None:
    plain = estimate(SEED)
    insights = estimate(SEED, DeploymentProps(lambda_insights=True))
    assert line(insights, "Lambda Insights metrics").monthly_usd == pytest.approx(8 * 0.30)
    assert insights.total_usd > plain.total_usd + 2.4


# -- shape of the model -----------------------------------------------------------------------------------


VOLUMES = [0, 1, 10, 100, 1_000, 2_500, 3_733, 3_734, 10_000, 16_800, 16_801, 50_000, 74_666, 200_000]


@pytest.mark.parametrize("mode", [PROVISIONED, ON_DEMAND])
@pytest.mark.parametrize("reads_per_review", [0, 1, 20, 200])
def test_more_traffic_never_costs_less(mode: str, reads_per_review: float) -> None:
    props = DeploymentProps(billing_mode=mode)
    bills = [estimate(Workload(reviews_per_day=v, reads_per_review=reads_per_review), props) for v in VOLUMES]
    for smaller, larger in zip(bills, bills[1:], strict=False):
        assert larger.total_usd >= smaller.total_usd
        for before, after in zip(smaller.line_items, larger.line_items, strict=True):
            assert after.item.split(":")[0] == before.item.split(":")[0]
            assert after.monthly_usd >= before.monthly_usd - 1e-12, after.item
    reads = [estimate(Workload(reviews_per_day=2500, reads_per_review=r), props).total_usd for r in (0, 1, 5, 20, 100)]
    assert reads == sorted(reads)


#: Lines that are one price per request (or per byte of request logs): linear in traffic.
PER_REQUEST_LINES = (
    "table writes",
    "ReviewerIdIndex writes",
    "table reads",
    "ReviewerIdIndex reads",
    "requests",
    "duration at",
    "REST requests",
    "logs ingested",
    "logs stored",
)


@pytest.mark.parametrize("factor", [2, 10, 37.5])
def test_on_demand_request_costs_scale_linearly(factor: float) -> None:
    props = DeploymentProps(billing_mode=ON_DEMAND)
    base = estimate(SEED, props)
    scaled = estimate(replace(SEED, reviews_per_day=SEED.reviews_per_day * factor), props)
    for name in PER_REQUEST_LINES:
        assert line(scaled, name).monthly_usd == pytest.approx(factor * line(base, name).monthly_usd, rel=1e-12)
    assert line(scaled, "dashboard").monthly_usd == line(base, "dashboard").monthly_usd
    # the whole bill grows, but by less than the factor: fixed monitoring costs and X-Ray's sampling
    assert base.total_usd < scaled.total_usd < factor * base.total_usd


def test_provisioned_stays_at_the_floor_for_low_traffic() -> None:
    floor_cost = 2 * 5 * 730 * 0.00065 + 2 * 5 * 730 * 0.00013
    for volume in (0, 1, 50, 500, 2_500, 3_733):
        bill = estimate(replace(SEED, reviews_per_day=volume))
        assert [side.provisioned_units for side in bill.capacity] == [5, 5, 5, 5], volume
        assert sum(item.monthly_usd for item in bill.line_items if "capacity" in item.item) == pytest.approx(floor_cost)


def test_provisioned_leaves_the_floor_where_the_peak_needs_more() -> None:
    # table reads per review: 20 GETs x 90 % x 1.5 RCU = 27 RCU-seconds; at peak x3 and 70 %: 27 x 3 / 0.7
    # per 86,400 s. 5 RCU carry 5 x 86,400 x 0.7 / (27 x 3) = 3,733.3 reviews/day.
    def table_read(volume: int) -> int:
        return estimate(replace(SEED, reviews_per_day=volume)).capacity[1].provisioned_units

    assert (table_read(3_733), table_read(3_734)) == (5, 6)

    # table writes per review: 6 WCU-seconds (3 transactional items); 5 WCU carry 5 x 86,400 x 0.7 / 18 = 16,800.
    def table_write(volume: int) -> int:
        return estimate(replace(SEED, reviews_per_day=volume)).capacity[0].provisioned_units

    assert (table_write(16_800), table_write(16_801)) == (5, 6)


def test_capacity_beyond_max_capacity_is_capped_with_a_warning() -> None:
    bill = estimate(replace(SEED, reviews_per_day=200_000))
    table_read = bill.capacity[1]
    assert table_read.throttled and table_read.provisioned_units == 100
    assert any("max_capacity is 100" in warning for warning in bill.warnings)
    assert any("rate_limit of 10/s" in warning for warning in bill.warnings)
    assert estimate(SEED).warnings == ()


# -- comparison and flip ----------------------------------------------------------------------------------


def test_seed_workload_is_cheaper_on_demand() -> None:
    comparison = compare_billing_modes(SEED)
    assert comparison.cheaper_mode == ON_DEMAND
    # the only differences: capacity at the floor ($5.694) and auto-scaling alarms ($1.60) against
    # on-demand requests (456,250 + 76,042 WRU, 2,053,125 + 152,083 RRU)
    on_demand_requests = (456_250 + 76_041.67) * 0.625 / 1e6 + (2_053_125 + 152_083.3) * 0.125 / 1e6
    assert comparison.savings_usd == pytest.approx(5.694 + 1.60 - on_demand_requests, rel=1e-5)


def test_flip_volume_is_where_the_totals_cross() -> None:
    workload = replace(SEED, peak_factor=2)
    flip = find_billing_mode_flip(workload)
    assert flip.low_volume_mode == ON_DEMAND and flip.high_volume_mode == PROVISIONED
    assert flip.first_flip is not None and flip.settled_from is not None
    assert 1 < flip.first_flip <= flip.settled_from <= flip.searched_up_to

    def totals(volume: int) -> tuple[float, float]:
        comparison = compare_billing_modes(replace(workload, reviews_per_day=volume))
        return comparison.provisioned.total_usd, comparison.on_demand.total_usd

    provisioned, on_demand = totals(flip.first_flip - 1)
    assert on_demand <= provisioned
    provisioned, on_demand = totals(flip.first_flip)
    assert provisioned < on_demand
    provisioned, on_demand = totals(flip.settled_from - 1)
    assert on_demand <= provisioned
    for volume in range(flip.settled_from, flip.searched_up_to + 1, 997):
        provisioned, on_demand = totals(volume)
        assert provisioned < on_demand, volume
    for volume in range(1, flip.first_flip, 997):
        provisioned, on_demand = totals(volume)
        assert on_demand <= provisioned, volume


def test_no_flip_when_provisioned_capacity_costs_more_per_request() -> None:
    flip = find_billing_mode_flip(SEED)
    # peak 3 / 70 % = 4.29 units provisioned per unit used; a WCU-hour buys 3,600 WCU-seconds for $0.00065,
    # 3,600 WRU cost $0.00225: 4.29 x 0.00065 / 0.00225 = 1.238
    assert flip.provisioned_write_cost_ratio == pytest.approx(3 / 0.7 * 0.00065 / (3600 * 0.625e-6))
    assert flip.provisioned_write_cost_ratio == pytest.approx(1.238, abs=1e-3)
    assert (flip.first_flip, flip.settled_from, flip.low_volume_mode) == (None, None, ON_DEMAND)
    # the search stops where the 100-unit maximum stops serving the peak: table reads need
    # 100 x 86,400 x 0.7 / 81 = 74,666.7 reviews/day
    assert flip.searched_up_to == 74_666
    assert not estimate(replace(SEED, reviews_per_day=74_666)).capacity[1].throttled
    assert estimate(replace(SEED, reviews_per_day=74_667)).capacity[1].throttled
    for volume in (1, 100, 3_734, 16_801, 40_000, 74_666):
        assert compare_billing_modes(replace(SEED, reviews_per_day=volume)).cheaper_mode == ON_DEMAND


def test_flip_search_honours_its_upper_bound() -> None:
    flip = find_billing_mode_flip(replace(SEED, peak_factor=2), max_reviews_per_day=1_000)
    assert flip.searched_up_to == 1_000 and flip.search_limit == "max_reviews_per_day"
    assert flip.first_flip is None


# -- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Workload(reviews_per_day=-1, reads_per_review=1), "Workload.reviews_per_day"),
        (lambda: Workload(reviews_per_day=True, reads_per_review=1), "Workload.reviews_per_day"),
        (lambda: Workload(reviews_per_day=1, reads_per_review=float("inf")), "Workload.reads_per_review"),
        (lambda: Workload(1, 1, product_listing_share=1.5), "Workload.product_listing_share"),
        (lambda: Workload(1, 1, reviews_per_page=101), "Workload.reviews_per_page"),
        (lambda: Workload(1, 1, peak_factor=0.5), "Workload.peak_factor"),
        (lambda: Workload(1, 1, post_duration_ms=0), "Workload.post_duration_ms"),
        (lambda: DeploymentProps(billing_mode="PAY_PER_REQUEST"), "DeploymentProps.billing_mode"),
        (lambda: DeploymentProps(memory_size=100), "DeploymentProps.memory_size"),
        (lambda: DeploymentProps(target_utilization_percent=95), "DeploymentProps.target_utilization_percent"),
        (lambda: DeploymentProps(read_capacity=(5, 100)), "DeploymentProps.read_capacity"),
        (lambda: DeploymentProps(log_retention_days=0), "DeploymentProps.log_retention_days"),
        (lambda: DeploymentProps(reserved_concurrency=0), "DeploymentProps.reserved_concurrency"),
        (lambda: find_billing_mode_flip(SEED, max_reviews_per_day=0), "max_reviews_per_day"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_field(build, field: str) -> None:
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        build()


# -- the model matches the construct ----------------------------------------------------------------------


def test_props_defaults_are_the_constructs_defaults() -> None:
    parameters = inspect.signature(ProductReviewsApi.__init__).parameters
    props = DeploymentProps()
    assert parameters["memory_size"].default == props.memory_size == 256
    assert parameters["target_utilization_percent"].default == props.target_utilization_percent
    assert parameters["point_in_time_recovery"].default is props.point_in_time_recovery is True
    assert parameters["reserved_concurrency"].default == props.reserved_concurrency
    assert parameters["lambda_insights"].default is props.lambda_insights is False
    assert parameters["write_token_parameter_name"].default is None and props.write_token is False
    assert parameters["billing_mode"].default == dynamodb.BillingMode.PROVISIONED and props.billing_mode == PROVISIONED
    assert parameters["log_retention"].default == logs.RetentionDays.ONE_WEEK and props.log_retention_days == 7
    assert props.read_capacity == props.write_capacity == DEFAULT_CAPACITY == CapacityBounds(5, 100)
    assert props.throttle_rate_limit == DEFAULT_THROTTLE.rate_limit


def test_counted_resources_match_the_synthesized_construct(defaults: Template) -> None:
    defaults.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    defaults.resource_count_is("AWS::SSM::Parameter", cost.PUBLISHED_PARAMETERS)
    defaults.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", cost.AUTO_SCALING_POLICIES)
    (alarm,) = defaults.find_resources("AWS::CloudWatch::Alarm").values()
    metrics = [query for query in alarm["Properties"]["Metrics"] if "MetricStat" in query]
    assert len(metrics) == cost.CLIENT_ERROR_ALARM_METRICS
    defaults.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"TracingEnabled": True, "MethodSettings": Match.array_with([Match.object_like({"MetricsEnabled": True})])},
    )
    defaults.has_resource_properties(
        "AWS::Lambda::Function",
        {"Architectures": ["arm64"], "MemorySize": 256, "TracingConfig": {"Mode": "Active"}},
    )
    defaults.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "GlobalSecondaryIndexes": [
                Match.object_like({"IndexName": "ReviewerIdIndex", "Projection": {"ProjectionType": "ALL"}})
            ],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    for log_group in defaults.find_resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == DeploymentProps().log_retention_days


def test_prices_are_the_documented_us_east_1_list_prices() -> None:
    assert (US_EAST_1.region, US_EAST_1.taken) == ("us-east-1", "2025-08")
    assert US_EAST_1.dynamodb_write_request_per_million == 0.625
    assert US_EAST_1.dynamodb_read_request_per_million == 0.125
    assert (US_EAST_1.dynamodb_wcu_hour, US_EAST_1.dynamodb_rcu_hour) == (0.00065, 0.00013)
    assert US_EAST_1.lambda_arm_gb_second == 0.0000133334
    assert US_EAST_1.api_gateway_rest_requests_per_million == 3.50


# -- tap-reviews cost -------------------------------------------------------------------------------------


def test_cli_prints_both_modes_the_saving_and_the_flip(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["cost", "--reviews-per-day", "2500", "--reads-per-review", "20"]) == 0
    out, err = capsys.readouterr()
    comparison = compare_billing_modes(SEED)
    assert err == ""
    provisioned_title = "DynamoDB provisioned (read 5-100 RCU, write 5-100 WCU, target 70%)"
    assert f"{provisioned_title}: ${comparison.provisioned.total_usd:,.2f}" in out
    assert f"DynamoDB on-demand (PAY_PER_REQUEST): ${comparison.on_demand.total_usd:,.2f}" in out
    assert f"cheaper: on-demand, by ${comparison.savings_usd:,.2f} a month" in out
    assert "flip: none, on-demand is cheaper at every volume (searched 1 to 74,666 reviews/day" in out
    assert "taken 2025-08" in out
    assert out.count("  total ") == 2


def test_cli_passes_props_through(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "cost",
        "--reviews-per-day",
        "2500",
        "--reads-per-review",
        "20",
        "--billing-mode",
        "on-demand",
        "--memory-size",
        "512",
        "--no-pitr",
        "--log-retention-days",
        "30",
        "--peak-factor",
        "2",
    ]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    expected = estimate(
        replace(SEED, peak_factor=2),
        DeploymentProps(billing_mode=ON_DEMAND, memory_size=512, point_in_time_recovery=False, log_retention_days=30),
    )
    assert f"DynamoDB on-demand (PAY_PER_REQUEST): ${expected.total_usd:,.2f} a month" in out
    assert "duration at 512 MB" in out and "30-day retention" in out
    assert "point-in-time" not in out and "provisioned (" not in out and "flip:" not in out


def test_cli_flip_with_a_crossing(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "--reviews-per-day", "2500", "--reads-per-review", "20", "--peak-factor", "2"]
    assert cli.main(argv) == 0
    flip = find_billing_mode_flip(replace(SEED, peak_factor=2))
    expected = f"on-demand is cheaper below {flip.first_flip:,} reviews/day, provisioned from {flip.settled_from:,}"
    assert expected in capsys.readouterr().out


VALID = ["--reviews-per-day", "10", "--reads-per-review", "20"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reviews-per-day", "-5", "--reads-per-review", "20"], "--reviews-per-day must be at least 0"),
        (["--reviews-per-day", "lots", "--reads-per-review", "20"], "--reviews-per-day must be a number"),
        ([*VALID, "--peak-factor", "0.5"], "--peak-factor must be at least 1"),
        ([*VALID, "--billing-mode", "free"], "--billing-mode must be"),
        ([*VALID, "--read-capacity", "50:10"], "--read-capacity: "),
        ([*VALID, "--write-capacity", "5"], "--write-capacity must be MIN:MAX"),
        ([*VALID, "--memory-size", "1.5"], "--memory-size must be an integer"),
        ([*VALID, "--target-utilization", "95"], "--target-utilization must be at most 90"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["cost", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"tap-reviews: {message}")
