"""The cost model (tap_reviews.cost) and ``tap-reviews cost``: the deployment read from synthesized templates,
hand-computed bills, the model's shape, the closed-form crossing and a verdict that never contradicts itself."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_reviews import cli, cloud_assembly
from tap_reviews.cli.cost import report
from tap_reviews.cost import (
    ON_DEMAND,
    PROVISIONED,
    US_EAST_1,
    CapacitySide,
    Deployment,
    Estimate,
    LineItem,
    Workload,
    compare_billing_modes,
    estimate,
)
from tap_reviews.cost.prices import BYTES_PER_GB, HOURS_PER_MONTH

#: 100 reviews a day, 10 reads each, half the POSTs idempotent; every other input at its default.
SMALL = Workload(reviews_per_day=100, reads_per_review=10, idempotent_post_share=0.5)
SEED = Workload(reviews_per_day=2500, reads_per_review=20)
#: 730 hours / 24.
DAYS = 30.416666666666668
#: The backlog schedule's invocations: every 5 minutes, 730 hours.
BACKLOG = 730 * 12


@pytest.fixture(scope="module")
def deployments(synthesized) -> dict[str, Deployment]:
    names = ("Defaults", "OnDemand", "EveryPropCustomized")
    return {name: Deployment.from_assembly(synthesized.directory(name), name) for name in names}


@pytest.fixture(scope="module")
def defaults(deployments) -> Deployment:
    return deployments["Defaults"]


@pytest.fixture(scope="module")
def on_demand(deployments) -> Deployment:
    return deployments["OnDemand"]


def line(bill: Estimate, text: str) -> LineItem:
    """The one line item whose ``item`` starts with ``text``."""
    (found,) = [item for item in bill.line_items if item.item.startswith(text)]
    return found


# -- the deployment comes from the template ---------------------------------------------------------------


def test_the_default_template_is_read_as_the_constructs_defaults(defaults: Deployment) -> None:
    assert defaults.billing_mode == PROVISIONED
    assert {(side.resource, side.kind) for side in defaults.capacity} == {
        ("table", "read"),
        ("table", "write"),
        ("ReviewerIdIndex", "read"),
        ("ReviewerIdIndex", "write"),
        ("ModerationQueueIndex", "read"),
        ("ModerationQueueIndex", "write"),
        # the range indexes: per slot of star ranges, one by date and one by helpfulness
        *(
            (f"By{order}InRange{slot}Index", kind)
            for order in ("Date", "Helpful")
            for slot in range(7)
            for kind in ("read", "write")
        ),
    }
    assert {(side.min_capacity, side.max_capacity) for side in defaults.capacity} == {(5, 100)}
    assert (defaults.moderation, defaults.backlog_schedule, defaults.events) == ("none", True, False)
    assert defaults.target_utilization_percent == 70
    assert defaults.point_in_time_recovery and defaults.detailed_metrics and defaults.tracing
    assert (defaults.memory_size, defaults.lambda_insights, defaults.reserved_concurrency) == (256, False, None)
    assert defaults.throttle_rate_limit == 10
    assert (defaults.function_log_retention_days, defaults.access_log_retention_days) == (7, 7)
    # the 4xx alarm evaluates 2 metrics (errors, requests); one dashboard; 4 published parameters
    assert (defaults.alarm_metrics, defaults.dashboards, defaults.parameters, defaults.write_token) == (2, 1, 4, False)


def test_every_billable_prop_is_read_from_its_template(deployments: dict[str, Deployment]) -> None:
    custom = deployments["EveryPropCustomized"]
    bounds = {side.kind: (side.min_capacity, side.max_capacity) for side in custom.capacity}
    assert bounds == {"read": (2, 20), "write": (1, 10)}
    assert custom.target_utilization_percent == 50
    assert not custom.point_in_time_recovery
    assert (custom.memory_size, custom.lambda_insights, custom.reserved_concurrency) == (512, True, 5)
    assert custom.throttle_rate_limit == 50
    assert (custom.function_log_retention_days, custom.access_log_retention_days) == (30, 30)
    # 4xx and 5xx rates (2 metrics each), latency, function errors and throttles (1 each), table throttles (7:
    # the table's read and write throttle events, ThrottledRequests of each operation the runtime issues), the
    # moderation backlog's age (1)
    assert custom.alarm_metrics == 2 + 2 + 1 + 1 + 1 + 7 + 1
    assert (custom.moderation, custom.events) == ("pre", True)
    # the published parameters and the write token's SecureString
    assert (custom.parameters, custom.write_token) == (5, True)
    assert deployments["OnDemand"].billing_mode == ON_DEMAND and deployments["OnDemand"].capacity == ()


def test_a_stack_the_tool_cannot_price_is_refused_saying_why(synthesized, tmp_path: Path) -> None:
    with pytest.raises(cloud_assembly.AssemblyError, match="holds 2 ProductReviewsApi"):
        Deployment.from_assembly(synthesized.directory("UnnamedTwice"), "UnnamedTwice")
    with pytest.raises(cloud_assembly.AssemblyError, match="no stack 'Nope' in the assembly"):
        Deployment.from_assembly(synthesized.directory("Defaults"), "Nope")
    with pytest.raises(cloud_assembly.AssemblyError, match="is not a cloud assembly"):
        Deployment.from_assembly(tmp_path)


def test_a_setting_resolved_at_deploy_time_is_refused(tmp_path: Path) -> None:
    import aws_cdk as cdk

    from tap_reviews import ProductReviewsApi

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Parameterized")
    ProductReviewsApi(stack, "Reviews", memory_size=cdk.CfnParameter(stack, "Memory", type="Number").value_as_number)
    app.synth()
    with pytest.raises(
        cloud_assembly.AssemblyError, match="the function's memory of stack 'Parameterized' is resolved"
    ):
        Deployment.from_assembly(tmp_path)


# -- hand-computed line items for SMALL -------------------------------------------------------------------


def test_on_demand_dynamodb_requests_by_hand(on_demand: Deployment) -> None:
    bill = estimate(SMALL, on_demand)
    posts = 100 * DAYS  # 3,041.67 POSTs a month
    gets = posts * 10  # 30,416.67 GETs a month
    # review Put 2 + locator Put 2 + summary Update 2 (transactional, each under 1 KB) + half the POSTs x
    # record Put 2 = 7 WRU, + the review's copies in the five listing indexes (local: the table's units) 5 =
    # 12 WRU; 3,041.67 POSTs x 12 WRU = 36,500 WRU; x $0.625 per million = $0.0228125
    writes = line(bill, "table writes")
    assert writes.quantity == pytest.approx(posts * 12 / 1e6)
    assert writes.monthly_usd == pytest.approx(0.0228125, rel=1e-4)
    # 90 % of GETs list a product: one Query reads the summary (80 bytes) and a 6,000-byte page, 2 started
    # 4 KB blocks halved (eventually consistent): 27,375 x 1 RRU = 27,375 RRU; x $0.125 per million = $0.0034219
    reads = line(bill, "table reads")
    assert reads.quantity == pytest.approx(gets * 0.9 * 1 / 1e6)
    assert reads.monthly_usd == pytest.approx(0.0034219, rel=1e-4)
    # 10 % list a reviewer: 1 RRU each on the index; each review's copy in the index is an ordinary 1 WRU
    assert line(bill, "ReviewerIdIndex reads").quantity == pytest.approx(gets * 0.1 / 1e6)
    assert line(bill, "ReviewerIdIndex writes").quantity == pytest.approx(posts / 1e6)
    # no review waits for a moderator without pre-moderation: the queue index is written by nobody
    assert line(bill, "ModerationQueueIndex writes").quantity == 0
    assert bill.capacity == ()
    assert not any("capacity" in item.item for item in bill.line_items)


def test_provisioned_floor_by_hand(defaults: Deployment) -> None:
    bill = estimate(SMALL, defaults)
    assert [side.units for side in bill.capacity] == [5] * 34
    capacity = [item for item in bill.line_items if "capacity" in item.item]
    # table and 16 indexes: 17 x 5 WCU x 730 h x $0.00065 = $40.3325; 17 x 5 RCU x 730 h x $0.00013 = $8.0665
    assert sum(item.monthly_usd for item in capacity) == pytest.approx(40.3325 + 8.0665)
    assert line(bill, "table write capacity").quantity == 5 * 730
    # the 7 range indexes of an order are one line: 7 x 5 WCU x 730 h
    assert line(bill, "range indexes by date (7) write capacity: 5.0 WCU each (floor)").quantity == 7 * 5 * 730
    assert line(bill, "range indexes by helpfulness (7) read capacity").quantity == 7 * 5 * 730


def test_lambda_api_gateway_and_logs_by_hand(defaults: Deployment) -> None:
    bill = estimate(SMALL, defaults)
    posts, gets = 100 * DAYS, 1000 * DAYS
    # (3,041.67 x 0.040 s + (30,416.67 GETs + 8,760 backlog measurements) x 0.030 s) x 0.25 GB = 324.24 GB-s;
    # x $0.0000133334 = $0.0043233
    duration = line(bill, "duration at 256 MB")
    assert duration.quantity == pytest.approx((posts * 0.040 + (gets + BACKLOG) * 0.030) * 0.25)
    assert duration.monthly_usd == pytest.approx(0.0043233, rel=1e-4)
    # 33,458.3 API requests x $3.50 per million = $0.117104 (the schedule does not go through API Gateway)
    assert line(bill, "REST requests").monthly_usd == pytest.approx(0.117104, rel=1e-4)
    # 42,218.3 invocations (with the schedule's) x $0.20 per million
    assert line(bill, "requests").monthly_usd == pytest.approx(42_218.33 * 0.20 / 1e6, rel=1e-5)
    # 42,218.3 invocations x (300 function + 600 platform) + 33,458.3 requests x 350 access bytes
    # = 0.046289 GB; x $0.50
    logs_ingested = line(bill, "logs ingested")
    assert logs_ingested.quantity == pytest.approx((42_218.33 * 900 + 33_458.33 * 350) / 2**30, rel=1e-6)
    assert logs_ingested.monthly_usd == pytest.approx(0.0231444, rel=1e-3)
    # a week of that kept (both log groups keep 7 days): 0.038950 / 30.42 x 7 GB-month
    assert line(bill, "logs stored").quantity == pytest.approx(logs_ingested.quantity / DAYS * 7)


def test_log_retention_is_each_groups_own(defaults: Deployment) -> None:
    bill = estimate(SMALL, replace(defaults, access_log_retention_days=30))
    function_gb = 42_218.33 * 900 / 2**30
    access_gb = 33_458.33 * 350 / 2**30
    expected = function_gb / DAYS * 7 + access_gb / DAYS * 30
    assert line(bill, "logs stored").quantity == pytest.approx(expected, rel=1e-6)
    # logs that never expire are kept as long as the reviews (12 months)
    forever = estimate(SMALL, replace(defaults, function_log_retention_days=None, access_log_retention_days=None))
    assert line(forever, "logs stored").quantity == pytest.approx((function_gb + access_gb) * 12, rel=1e-6)


def test_the_lifecycle_under_pre_moderation_with_events_by_hand(deployments: dict[str, Deployment]) -> None:
    deployment = deployments["EveryPropCustomized"].with_billing_mode(ON_DEMAND)  # pre-moderation, an event bus
    workload = replace(
        SMALL, review_reads_per_review=2, edits_per_review=0.1, deletions_per_review=0.05, reports_per_review=0.02
    )
    bill = estimate(workload, deployment)
    posts = 100 * DAYS
    edits, deletions, reports, reads = posts * 0.1, posts * 0.05, posts * 0.02, posts * 2
    decisions = posts * 1.1  # every review and every edit waits for one decision
    # per POST 7 WRU (review, locator, summary, half a record); per edit or decision 4 (review, summary);
    # per deletion 8 (review, locator, marker, summary); per report 1 (an UpdateItem of the review); and the
    # listing indexes' copies: 5 per post, decision, deletion and report, 7 per edit (its stars move two keys)
    table_writes = posts * 7 + (edits + decisions) * 4 + deletions * 8 + reports * 1
    table_writes += (posts + decisions + deletions + reports) * 5 + edits * 7
    assert line(bill, "table writes").quantity == pytest.approx(table_writes / 1e6)
    # every change rewrites the review's copy in the reviewer index; the queue gets each review and edit in,
    # and each decision takes it out
    changed = posts + edits + deletions + reports + decisions
    assert line(bill, "ReviewerIdIndex writes").quantity == pytest.approx(changed / 1e6)
    assert line(bill, "ModerationQueueIndex writes").quantity == pytest.approx((posts + edits) * 2 / 1e6)
    # product listings 1 RRU each (page and summary, one Query); a review read is 2 strongly consistent reads
    # (locator, review); a report reads the locator consistently
    table_reads = posts * 10 * 0.9 * 1 + reads * 2 + reports * 1
    assert line(bill, "table reads").quantity == pytest.approx(table_reads / 1e6)
    # one event per committed change (not per report below the threshold), and the backlog schedule's reads
    assert line(bill, "review events").quantity == pytest.approx((posts + edits + deletions + decisions) / 1e6)
    assert line(bill, "ModerationQueueIndex reads").quantity == pytest.approx(BACKLOG / 1e6)
    invocations = posts * 11 + reads + edits + deletions + reports + decisions + BACKLOG
    assert line(bill, "requests").quantity == pytest.approx(invocations / 1e6)


def test_category_pages_by_hand(on_demand: Deployment) -> None:
    workload = replace(SMALL, summary_requests_per_review=3, products_per_summary_request=24)
    bill, without = estimate(workload, on_demand), estimate(SMALL, on_demand)
    pages = 100 * DAYS * 3
    # one BatchGetItem of 24 summary items, each under 4 KB: half a read unit each, eventually consistent
    extra_reads = line(bill, "table reads").quantity - line(without, "table reads").quantity
    assert extra_reads == pytest.approx(pages * 24 * 0.5 / 1e6)
    # one request and one invocation each
    extra_requests = line(bill, "requests").quantity - line(without, "requests").quantity
    assert extra_requests == pytest.approx(pages / 1e6)


def test_storage_and_backups_by_hand(defaults: Deployment) -> None:
    bill = estimate(SMALL, defaults)
    # a year of reviews: 100 x 30.42 x 12 = 36,500 reviews of 300 + 100 (overhead) bytes, in the table
    # and again in the reviewer index, each of the five listing indexes and (at most) each of the 14 range
    # indexes (projection ALL); plus 100 x 0.5 x 2 days = 100 live idempotency records of 300 + 210 + 100
    # bytes, in the table only
    table_bytes = 36_500 * 400 + 100 * 610
    index_bytes = 36_500 * 400 * 20
    assert line(bill, "storage").quantity == pytest.approx((table_bytes + index_bytes) / BYTES_PER_GB)
    # point-in-time recovery bills the table's size, not the index's
    assert line(bill, "point-in-time recovery").quantity == pytest.approx(table_bytes / BYTES_PER_GB)
    without_backups = estimate(SMALL, replace(defaults, point_in_time_recovery=False))
    assert not any(item.item.startswith("point-in-time") for item in without_backups.line_items)


def test_monitoring_lines_follow_the_template(defaults: Deployment, on_demand: Deployment) -> None:
    provisioned_bill, on_demand_bill = estimate(SMALL, defaults), estimate(SMALL, on_demand)
    for bill in (provisioned_bill, on_demand_bill):
        assert line(bill, "dashboards").monthly_usd == 3.00
        assert line(bill, "Standard parameters").monthly_usd == 0
    # the 4xx alarm's 2 metrics, plus 34 target-tracking policies (table and 16 indexes, read and write) x 4
    # alarms with provisioned capacity only
    assert line(on_demand_bill, "alarms").quantity == 2
    assert line(provisioned_bill, "alarms").quantity == 2 + 136
    # 100 POSTs a day: some hours have none, and a custom metric is billed by the hour it gets data; the two
    # backlog metrics get a measurement every 5 minutes
    assert 2 < line(provisioned_bill, "custom metrics").quantity < 2 + 2 + 5 * 2
    # at the seed's volume every hour has POSTs and GETs: 2 EMF metrics + 2 backlog metrics + 5 detailed
    # metrics x 2 methods
    assert line(estimate(SEED, defaults), "custom metrics").quantity == pytest.approx(2 + 2 + 10, rel=1e-5)
    assert line(estimate(SEED, replace(defaults, detailed_metrics=False)), "custom metrics").quantity == pytest.approx(
        4, rel=1e-5
    )


def test_xray_traces_follow_the_default_sampling_rule(defaults: Deployment) -> None:
    seconds = HOURS_PER_MONTH * 3600

    def traces(reviews_per_day: float) -> float:
        workload = Workload(reviews_per_day=reviews_per_day, reads_per_review=0)
        return line(estimate(workload, defaults), "traces recorded").quantity * 1e6

    # far below 1 request a second, (almost) every request is the first of its second: all traced
    assert traces(1) == pytest.approx(DAYS, rel=1e-3)
    # far above, 1 a second plus 5 % of the rest
    requests = 100 * seconds
    assert traces(requests / DAYS) == pytest.approx(seconds * (1 + 0.05 * 99), rel=1e-9)
    assert not any(item.service == "X-Ray" for item in estimate(SEED, replace(defaults, tracing=False)).line_items)


def test_lambda_insights_adds_metrics_and_logs(defaults: Deployment) -> None:
    plain = estimate(SEED, defaults)
    insights = estimate(SEED, replace(defaults, lambda_insights=True))
    assert line(insights, "custom metrics").monthly_usd - line(plain, "custom metrics").monthly_usd == pytest.approx(
        8 * 0.30
    )
    invocations = SEED.reviews_per_day * DAYS * 21 + BACKLOG
    extra_gb = line(insights, "logs ingested").quantity - line(plain, "logs ingested").quantity
    assert extra_gb == pytest.approx(invocations * 1024 / BYTES_PER_GB)


# -- shape of the model -----------------------------------------------------------------------------------

VOLUMES = [0, 1, 10, 100, 1_000, 2_500, 3_733, 3_734, 10_000, 12_600, 12_601, 50_000, 74_666, 200_000]


@pytest.mark.parametrize("mode", [PROVISIONED, ON_DEMAND])
@pytest.mark.parametrize("reads_per_review", [0, 1, 20, 200])
def test_more_traffic_never_costs_less(defaults: Deployment, mode: str, reads_per_review: float) -> None:
    deployment = defaults.with_billing_mode(mode)
    bills = [estimate(Workload(reviews_per_day=v, reads_per_review=reads_per_review), deployment) for v in VOLUMES]
    for smaller, larger in zip(bills, bills[1:], strict=False):
        assert larger.total_usd >= smaller.total_usd
        for before, after in zip(smaller.line_items, larger.line_items, strict=True):
            assert after.item.split(":")[0] == before.item.split(":")[0]
            assert after.monthly_usd >= before.monthly_usd - 1e-12, after.item
    reads = [estimate(Workload(2500, r), deployment).total_usd for r in (0, 1, 5, 20, 100)]
    assert reads == sorted(reads)


#: Lines that are one price per request (or per byte of request logs): linear in traffic.
PER_REQUEST_LINES = ("table writes", "ReviewerIdIndex writes", "table reads", "ReviewerIdIndex reads", "requests")
PER_REQUEST_LINES += ("duration at", "REST requests", "logs ingested", "logs stored")


@pytest.mark.parametrize("factor", [2, 10, 37.5])
def test_on_demand_request_costs_scale_linearly(on_demand: Deployment, factor: float) -> None:
    # Affine: the backlog schedule's invocations, logs and reads are the same at any traffic.
    idle = estimate(replace(SEED, reviews_per_day=0), on_demand)
    base = estimate(SEED, on_demand)
    scaled = estimate(replace(SEED, reviews_per_day=SEED.reviews_per_day * factor), on_demand)
    for name in PER_REQUEST_LINES:
        fixed = line(idle, name).monthly_usd
        assert line(scaled, name).monthly_usd - fixed == pytest.approx(
            factor * (line(base, name).monthly_usd - fixed), rel=1e-12
        )
    assert line(scaled, "dashboards").monthly_usd == line(base, "dashboards").monthly_usd
    # the whole bill grows, but by less than the factor: fixed monitoring costs and X-Ray's sampling
    assert base.total_usd < scaled.total_usd < factor * base.total_usd


def test_provisioned_stays_at_the_floor_then_follows_the_peak(defaults: Deployment) -> None:
    floor_cost = 17 * 5 * 730 * 0.00065 + 17 * 5 * 730 * 0.00013  # the table and 16 indexes
    for volume in (0, 1, 50, 500, 2_500, 5_600):
        bill = estimate(replace(SEED, reviews_per_day=volume), defaults)
        assert [side.units for side in bill.capacity] == [5] * 34, volume
        assert sum(item.monthly_usd for item in bill.line_items if "capacity" in item.item) == pytest.approx(floor_cost)
    # table reads per review: 20 GETs x 90 % x 1 RCU (page and summary, one Query) = 18 RCU-seconds a day; at
    # peak x3 and 70 %, 5 RCU carry 5 x 86,400 x 0.7 / (18 x 3) = 5,600 reviews/day. Beyond, capacity follows
    # the peak exactly.
    table_read = estimate(replace(SEED, reviews_per_day=11_200), defaults).capacity[1]
    assert (table_read.resource, table_read.kind, table_read.units) == ("table", "read", pytest.approx(10, rel=1e-5))
    # table writes per review: 13 WCU-seconds (4 transactional items: review, locator, summary, record; 5
    # listing-index copies); 5 WCU carry 5 x 86,400 x 0.7 / (13 x 3) = 7,753.8.
    assert estimate(replace(SEED, reviews_per_day=7_753), defaults).capacity[0].units == pytest.approx(5)
    assert estimate(replace(SEED, reviews_per_day=7_754), defaults).capacity[0].units > 5


def test_capacity_beyond_max_capacity_is_capped_with_a_warning(defaults: Deployment) -> None:
    bill = estimate(replace(SEED, reviews_per_day=200_000), defaults)
    table_read = bill.capacity[1]
    assert table_read.throttled and table_read.units == 100 and bill.throttled
    assert any("max_capacity is 100" in warning for warning in bill.warnings)
    assert any("stage's throttle of 10/s" in warning for warning in bill.warnings)
    assert estimate(SEED, defaults).warnings == ()


# -- comparison, crossing and verdict ---------------------------------------------------------------------


def test_seed_workload_is_cheaper_on_demand_and_keeps_the_readmes_numbers(defaults: Deployment) -> None:
    comparison = compare_billing_modes(SEED, defaults)
    assert comparison.cheaper_mode == ON_DEMAND
    assert (round(comparison.provisioned.total_usd, 2), round(comparison.on_demand.total_usd, 2)) == (84.36, 23.88)
    # the only differences: capacity at the floor on the table and 16 indexes (17 x 5 x 730 x ($0.00065 +
    # $0.00013) = $48.399) and auto-scaling alarms (34 policies x 4, $13.60) against on-demand requests:
    # 988,542 WRU on the table (13 per review), 76,042 on the reviewer index and on each of the 14 range
    # indexes; 1,368,750 RRU on the table (1 per product page), 152,083 on the reviewer index, 8,760 on the
    # queue index (the backlog schedule)
    writes = 988_541.7 + 76_041.67 + 14 * 76_041.67
    on_demand_requests = writes * 0.625 / 1e6 + (1_368_750 + 152_083.3 + 8_760) * 0.125 / 1e6
    savings = comparison.provisioned.total_usd - comparison.on_demand.total_usd
    assert savings == pytest.approx(48.399 + 13.60 - on_demand_requests, rel=1e-5)


def test_no_crossing_when_provisioned_capacity_costs_more_per_unit_of_work(defaults: Deployment) -> None:
    comparison = compare_billing_modes(SEED, defaults)
    # peak 3 / 70 % = 4.29 units held per unit used; a WCU-hour buys 3,600 WCU-seconds for $0.00065,
    # 3,600 WRU cost $0.00225: 4.29 x 0.00065 / 0.00225 = 1.238 (reads: 4.29 x 0.00013 / 0.00045, the same)
    writes, reads = comparison.capacity_cost_ratio
    assert writes == pytest.approx(3 / 0.7 * 0.00065 / (3600 * 0.625e-6)) == pytest.approx(1.238, abs=1e-3)
    assert reads == pytest.approx(1.238, abs=1e-3)
    assert comparison.crossing is None
    # where the 100-unit maximum stops serving the peak: table reads need 100 x 86,400 x 0.7 / 54 a day
    assert comparison.provisioned_limit == pytest.approx(100 * 86_400 * 0.7 / 54)
    assert not estimate(replace(SEED, reviews_per_day=111_999), defaults).throttled
    assert estimate(replace(SEED, reviews_per_day=112_001), defaults).throttled


def test_the_crossing_is_exactly_where_the_totals_cross(defaults: Deployment) -> None:
    workload = replace(SEED, peak_factor=1.5)
    crossing = compare_billing_modes(workload, defaults).crossing
    assert crossing is not None and 1 < crossing < 224_000  # below where 100 units stop serving a peak of x1.5

    def gap(volume: float) -> float:
        both = compare_billing_modes(replace(workload, reviews_per_day=volume), defaults)
        return both.provisioned.total_usd - both.on_demand.total_usd

    assert gap(crossing) == pytest.approx(0, abs=1e-6)
    assert gap(crossing * 0.999) > 0 > gap(crossing * 1.001)


VOLUME = st.floats(min_value=0, max_value=300_000, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    volume=VOLUME,
    reads=st.floats(min_value=0, max_value=60),
    peak=st.floats(min_value=1, max_value=4),
    target=st.floats(min_value=20, max_value=90),
    low=st.integers(min_value=1, max_value=50),
    span=st.integers(min_value=0, max_value=400),
)
def test_the_verdict_never_contradicts_the_totals_or_the_crossing(defaults, volume, reads, peak, target, low, span):
    sides = tuple(CapacitySide(side.resource, side.kind, low, low + span) for side in defaults.capacity)
    deployment = replace(defaults, capacity=sides, target_utilization_percent=target)
    workload = Workload(reviews_per_day=volume, reads_per_review=reads, peak_factor=peak)
    comparison = compare_billing_modes(workload, deployment)
    provisioned, on_demand = comparison.provisioned, comparison.on_demand
    if provisioned.throttled:
        assert comparison.cheaper_mode == ON_DEMAND
        assert volume > comparison.provisioned_limit * (1 - 1e-9)
    else:
        cheaper = PROVISIONED if provisioned.total_usd < on_demand.total_usd else ON_DEMAND
        assert comparison.cheaper_mode == cheaper
        if comparison.crossing is None:
            assert cheaper == ON_DEMAND or math.isclose(provisioned.total_usd, on_demand.total_usd, rel_tol=1e-9)
        elif volume < comparison.crossing * (1 - 1e-6):
            assert cheaper == ON_DEMAND
        elif volume > comparison.crossing * (1 + 1e-6):
            assert cheaper == PROVISIONED
    text = "\n".join(report(workload, deployment, comparison))
    assert f"verdict: {comparison.cheaper_mode}" in text
    assert text.count("verdict:") == 1


def test_ten_million_reviews_a_day_gets_one_clear_answer(defaults: Deployment) -> None:
    workload = replace(SEED, reviews_per_day=10_000_000)
    text = "\n".join(report(workload, defaults, compare_billing_modes(workload, defaults)))
    assert "verdict: on-demand. Provisioned capacity would need more than its max_capacity" in text
    assert "crossing: none. On-demand is cheaper at every volume provisioned can serve (up to 112,000" in text
    assert "In either mode the stage's throttle answers 429 to part of this traffic" in text
    assert "verdict: provisioned" not in text and "cheaper: provisioned" not in text


# -- validation -------------------------------------------------------------------------------------------


def test_every_bad_workload_field_is_reported_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        Workload(reviews_per_day=-1, reads_per_review=math.inf, product_listing_share=1.5, reviews_per_page=101)
    lines = str(raised.value).splitlines()
    assert lines[0] == "Workload: 4 problems:"
    assert [line.split(" ")[1] for line in lines[1:]] == [
        "reviews_per_day",
        "reads_per_review",
        "product_listing_share",
        "reviews_per_page",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reviews_per_day": True}, "reviews_per_day must be a number of at least 0, got True."),
        ({"peak_factor": 0.5}, "peak_factor must be a number of at least 1, got 0.5."),
        ({"post_duration_ms": 0}, "post_duration_ms must be a number from 1 to 29000, got 0."),
        ({"average_review_bytes": 2.5}, "average_review_bytes must be an integer from 1 to 409600, got 2.5."),
    ],
)
def test_a_bad_workload_field_is_named_with_its_rule(fields, message) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        Workload(**{"reviews_per_day": 1, "reads_per_review": 1, **fields})


def test_prices_are_the_documented_us_east_1_list_prices() -> None:
    assert (US_EAST_1.region, US_EAST_1.taken) == ("us-east-1", "2025-08")
    assert US_EAST_1.dynamodb_write_request_per_million == 0.625
    assert US_EAST_1.dynamodb_read_request_per_million == 0.125
    assert (US_EAST_1.dynamodb_wcu_hour, US_EAST_1.dynamodb_rcu_hour) == (0.00065, 0.00013)
    assert US_EAST_1.lambda_arm_gb_second == 0.0000133334
    assert US_EAST_1.api_gateway_rest_requests_per_million == 3.50


# -- tap-reviews cost -------------------------------------------------------------------------------------


def run_cost(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["cost", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prices_the_deployed_mode_and_the_other_one(capsys, synthesized, defaults) -> None:
    code, out, err = run_cost(
        capsys,
        "--assembly",
        str(synthesized.directory("Defaults")),
        "--stack",
        "Defaults",
        "--reviews-per-day",
        "2500",
        "--reads-per-review",
        "20",
    )
    assert (code, err) == (0, "")
    comparison = compare_billing_modes(SEED, defaults)
    assert f"provisioned (5-100 units, target 70%), as deployed: ${comparison.provisioned.total_usd:,.2f}" in out
    assert f"on-demand, what if: ${comparison.on_demand.total_usd:,.2f} a month" in out
    assert "verdict: on-demand, by $60.48 a month (71.7% less than provisioned)." in out
    assert "crossing: none." in out and "taken 2025-08" in out
    assert out.count("  total ") == 2


def test_cli_reads_an_on_demand_stack_and_passes_the_workload_through(capsys, synthesized, on_demand) -> None:
    argv = ("--assembly", str(synthesized.directory("OnDemand")), "--stack", "OnDemand", "--reviews-per-day", "2500")
    code, out, _ = run_cost(capsys, *argv, "--reads-per-review", "20", "--peak-factor", "2", "--review-bytes", "900")
    assert code == 0
    expected = estimate(replace(SEED, peak_factor=2, average_review_bytes=900), on_demand)
    assert f"on-demand, as deployed: ${expected.total_usd:,.2f} a month" in out
    assert "provisioned (5-100 units, target 70%), what if" in out


VALID = ["--reviews-per-day", "10", "--reads-per-review", "20"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reviews-per-day", "lots", "--reads-per-review", "20"], "--reviews-per-day must be a number, got 'lots'"),
        (
            ["--reviews-per-day", "-5", "--reads-per-review", "20", "--peak-factor", "0.5"],
            "Workload: 2 problems: - --reviews-per-day must be a number of at least 0, got -5. - --peak-factor must",
        ),
        ([*VALID, "--stack", "Nope"], "no stack 'Nope' in the assembly"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(capsys, synthesized, argv: list[str], message: str) -> None:
    code, out, err = run_cost(capsys, "--assembly", str(synthesized.directory("Defaults")), *argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"tap-reviews: {message}")


def test_the_cost_command_needs_no_node_and_prints_no_jsii_banner(synthesized, tmp_path):
    """`tap-reviews cost` reads JSON: it must not start aws_cdk's jsii runtime (Node, and its warnings)."""
    import subprocess
    import sys

    console_script = Path(sys.executable).parent / "tap-reviews"
    result = subprocess.run(
        [str(console_script), "cost", "--assembly", str(synthesized.directory("Defaults")), "--stack", "Defaults",
         "--reviews-per-day", "10", "--reads-per-review", "1"],
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},  # no node on PATH at all
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "verdict:" in result.stdout
