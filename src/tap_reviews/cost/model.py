"""What a ProductReviewsApi deployment costs a month: the workload's usage, as the runtime serves each request,
priced line by line for the deployment read from the template.

Per request, as the runtime does it (``function_code/reviews_runtime``):

- ``POST /reviews`` is one ``TransactWriteItems``: the review, its locator, the product's summary and, with
  an ``Idempotency-Key``, an idempotency record, at 2 write units per item per started KB; the review's
  copy in ``ReviewerIdIndex`` (projection ALL) costs 1 unit per started KB, and under pre-moderation its
  copy in ``ModerationQueueIndex`` another.
- A published review has a copy in each of the five listing indexes (local, projection ALL), which take the
  table's write units: 1 per started KB per copy written, 2 when the copy's sort key moves (an edit's
  stars, a helpful vote). ``LISTING_COPY_WRITES`` says how many copies each change writes.
- A published review also has a copy in the global range indexes (``contract.RANGE_INDEXES``: per slot of
  star ranges, one by date and one by helpfulness), each with its own capacity: priced as if every review
  were in all 14 (an upper bound: a 1- or 5-star review is in 6, a 3-star review in 14), 1 write per started
  KB per change, 2 where the copy's key moves (an edit's stars in all 14, a vote in the 7 by helpfulness).
- ``GET /reviews?product_id=`` is one Query of a listing index, eventually consistent (half a read unit
  per started 4 KB); the first page in the default order holds the summary too; a range of two to four
  stars in date or helpfulness order (``range_listing_share``) is one Query of a range index, spread evenly
  over the 14; ``?reviewer_id=`` is a Query of the reviewer index.
- A helpful vote reads the locator and is one transaction: the vote record and the review.
  ``GET /reviews/{review_id}`` reads the locator and the review, strongly consistent (1 unit each).
- An edit or a moderator's decision (with ``If-Match``) is one transaction: the review and the summary
  (plus a record with a key), and rewrites the review's index copies; a deletion deletes the review, its
  locator and marker and updates the summary; a report reads the locator and updates the review (one
  UpdateItem). Under pre-moderation every review and every edit waits for one decision.
- Every request is one API Gateway request and one Lambda invocation (arm64); a CORS preflight is an
  API Gateway request answered without Lambda. The backlog schedule invokes the function every 5 minutes
  (two Queries of the queue index). With an event bus, each committed change is one event and, at most,
  one invocation of the publisher (it takes up to 100 stream records at once; the stream reads are free).

Provisioned capacity is held at peak all month: ``max(min_capacity, average units/s x peak_factor /
target utilization)`` on each of the table and the index, read and write (auto-scaling scales down
off-peak, so this is an upper bound); above ``max_capacity`` DynamoDB throttles. Free tiers are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .._problems import Problems
from ..function_code.reviews_runtime import contract
from .deployment import ON_DEMAND, PROVISIONED, Deployment
from .prices import BYTES_PER_GB, HOURS_PER_MONTH, US_EAST_1, PriceList

SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
#: 730 hours / 24 = 30.42 days: a month as AWS bills it.
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
#: A write unit covers 1 KB, a read unit 4 KB; transactional writes cost twice; DynamoDB adds 100 bytes of
#: overhead to every stored item and index entry.
WRITE_UNIT_BYTES, READ_UNIT_BYTES, TRANSACTIONAL, ITEM_OVERHEAD_BYTES = 1024, 4096, 2, 100
#: A summary item (keys, count, rating total); an idempotency record holds a copy of the review plus a
#: 77-character key, its fingerprint and expiry; records live 24 hours and TTL deletes them within a day.
SUMMARY_ITEM_BYTES, IDEMPOTENCY_RECORD_EXTRA_BYTES, IDEMPOTENCY_RECORD_DAYS = 80, 210, 2
#: API Gateway's detailed metrics: Count, 4XXError, 5XXError, Latency, IntegrationLatency per method.
DETAILED_METRICS_PER_METHOD = 5
#: The runtime's embedded metrics, by FunctionName: per POST, per decision, and measured every 5 minutes.
EMF_METRICS = (contract.METRIC_REVIEWS_CREATED, contract.METRIC_VALIDATION_FAILURES)
DECISION_METRICS = (contract.METRIC_REVIEWS_PUBLISHED, contract.METRIC_REVIEWS_REJECTED)
BACKLOG_METRICS = (contract.METRIC_MODERATION_BACKLOG, contract.METRIC_OLDEST_PENDING_AGE)
#: Backlog measurements a month, and the read units each takes (a Query for the oldest, one counting).
BACKLOG_INVOCATIONS = SECONDS_PER_MONTH / (contract.BACKLOG_MINUTES * 60)
BACKLOG_READ_UNITS = 1.0
#: A review's locator and its one-review-per-reviewer marker: keys and the product id, well under 1 KB.
LOCATOR_ITEM_BYTES = 120
#: DynamoDB target tracking creates AlarmHigh, AlarmLow, ProvisionedCapacityHigh and ...Low per policy.
ALARMS_PER_SCALING_POLICY = 4
#: Lambda Insights: 8 metrics per function and about 1 KB of logs per invocation (AWS's figures).
INSIGHTS_METRICS, INSIGHTS_LOG_BYTES = 8, 1024
#: X-Ray's default sampling rule: the first request each second, then 5 % of the rest.
XRAY_FIXED_RATE = 0.05

ASSUMPTIONS = (
    "Free tiers are ignored (they are shared by everything in the account).",
    "Provisioned capacity is held at the peak (average x peak factor / target utilization) all month; "
    "auto-scaling scales down off-peak, so real provisioned bills can be lower.",
    "Every POST stores a review; retries, replays, conflicts and rejected requests are not modelled.",
    "Edits, deletions and decisions send If-Match (no read first); reports are counted one per request.",
    "Log storage is counted uncompressed (CloudWatch bills stored logs compressed, so it is less).",
    "Not modelled: data transfer out, KMS requests, API Gateway execution logs (errors only), WAF, SNS "
    "notifications, summary items in storage (about 180 bytes per product).",
)


@dataclass(frozen=True)
class Workload:
    """The traffic a deployment serves, and what its requests look like.

    Args:
        reviews_per_day: Reviews posted a day, 0 or more.
        reads_per_review: ``GET /reviews`` requests per review posted (each returns one page), 0 or more.
        product_listing_share: Share of GETs that list a product (the rest list a reviewer), 0-1; each is priced
            as a first page, whose reviews and summary are one Query. Default: 0.9.
        average_review_bytes: Average stored review, names and values, in bytes. Default: 300.
        reviews_per_page: Reviews a GET returns on average, 1-100 (the API's ``limit``). Default: 20.
        idempotent_post_share: Share of POSTs that send ``Idempotency-Key``, 0-1. Default: 1.0.
        peak_factor: Peak request rate over the average, at least 1. Default: 3.
        months_of_reviews_stored: Months of reviews, at this rate, the table holds. Default: 12.
        post_duration_ms: Average billed Lambda duration of a POST, in ms (up to 29,000). Default: 40.
        get_duration_ms: Average billed Lambda duration of a GET, in ms (up to 29,000). Default: 30.
        function_log_bytes_per_request: The runtime's JSON log line. Default: 300.
        platform_log_bytes_per_request: Lambda's ``platform.start`` and ``platform.report`` lines. Default: 600.
        access_log_bytes_per_request: The stage's JSON access-log line. Default: 350.
        preflights_per_review: CORS preflights per review posted (browsers calling cross-origin). Default: 0.
        review_reads_per_review: ``GET /reviews/{review_id}`` requests per review posted. Default: 0.
        edits_per_review: Author edits (``PATCH``) per review posted. Default: 0.
        deletions_per_review: Deletions (by authors or moderators) per review posted, 0-1. Default: 0.
        reports_per_review: Reports of abuse per review posted. Default: 0.
        decisions_per_review: Moderators' decisions per review posted, or None for what the policy implies:
            one per review and per edit under pre-moderation, none otherwise. Default: None.
        summary_requests_per_review: ``GET /summaries`` requests (category pages) per review posted. Default: 0.
        votes_per_review: Helpful votes (``POST /reviews/{review_id}/votes``) per review posted. Default: 0.
        products_per_summary_request: Products one ``GET /summaries`` asks for, 1-100; each is one summary
            item of a BatchGetItem. Default: 24.
        range_listing_share: Share of product listing GETs that ask for a range of two to four stars in
            date or helpfulness order (``rating=4-5``), 0-1; each is one Query of a range index. Default: 0.

    Raises:
        ValueError: Every field out of range, one line each.
    """

    reviews_per_day: float
    reads_per_review: float
    product_listing_share: float = 0.9
    average_review_bytes: int = 300
    reviews_per_page: int = contract.DEFAULT_PAGE_SIZE
    idempotent_post_share: float = 1.0
    peak_factor: float = 3.0
    months_of_reviews_stored: float = 12.0
    post_duration_ms: float = 40.0
    get_duration_ms: float = 30.0
    function_log_bytes_per_request: int = 300
    platform_log_bytes_per_request: int = 600
    access_log_bytes_per_request: int = 350
    preflights_per_review: float = 0.0
    review_reads_per_review: float = 0.0
    edits_per_review: float = 0.0
    deletions_per_review: float = 0.0
    reports_per_review: float = 0.0
    decisions_per_review: float | None = None
    summary_requests_per_review: float = 0.0
    products_per_summary_request: int = 24
    votes_per_review: float = 0.0
    range_listing_share: float = 0.0

    def __post_init__(self) -> None:
        problems = Problems()
        for names, low, high, integer in (
            (
                (
                    "reviews_per_day",
                    "reads_per_review",
                    "months_of_reviews_stored",
                    "preflights_per_review",
                    "review_reads_per_review",
                    "edits_per_review",
                    "reports_per_review",
                    "summary_requests_per_review",
                    "votes_per_review",
                ),
                0,
                None,
                False,
            ),
            (("products_per_summary_request",), 1, contract.MAX_SUMMARY_PRODUCTS, True),
            (
                ("product_listing_share", "idempotent_post_share", "deletions_per_review", "range_listing_share"),
                0,
                1,
                False,
            ),
            (("peak_factor",), 1, None, False),
            (("post_duration_ms", "get_duration_ms"), 1, 29_000, False),
            (("average_review_bytes",), 1, 400 * 1024, True),
            (("reviews_per_page",), 1, contract.MAX_PAGE_SIZE, True),
            (
                ("function_log_bytes_per_request", "platform_log_bytes_per_request", "access_log_bytes_per_request"),
                0,
                None,
                True,
            ),
        ):
            for name in names:
                problems.number(name, getattr(self, name), low=low, high=high, integer=bool(integer))
        if self.decisions_per_review is not None:
            problems.number("decisions_per_review", self.decisions_per_review, low=0)
        problems.raise_if_any("Workload")


@dataclass(frozen=True)
class LineItem:
    """One line of the bill: ``quantity`` of ``unit`` at ``unit_price_usd`` each."""

    service: str
    item: str
    quantity: float
    unit: str
    unit_price_usd: float

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_price_usd


@dataclass(frozen=True)
class Capacity:
    """The capacity held for one provisioned side: ``required`` units at peak, ``units`` within the bounds."""

    resource: str
    kind: str
    required: float
    units: float
    max_capacity: int

    @property
    def throttled(self) -> bool:
        """The peak needs more than ``max_capacity``: DynamoDB would throttle."""
        return self.required > self.max_capacity


@dataclass(frozen=True)
class Estimate:
    """A month's bill of ``deployment`` serving ``workload``, line by line, with what would go wrong."""

    workload: Workload
    deployment: Deployment
    line_items: tuple[LineItem, ...]
    capacity: tuple[Capacity, ...]
    warnings: tuple[str, ...]

    @property
    def total_usd(self) -> float:
        return sum(line.monthly_usd for line in self.line_items)

    @property
    def throttled(self) -> bool:
        """Provisioned capacity cannot serve the peak (DynamoDB would throttle)."""
        return any(side.throttled for side in self.capacity)


@dataclass(frozen=True)
class _Usage:
    """A month of requests and what they consume."""

    posts: float
    product_gets: float
    reviewer_gets: float
    preflights: float
    #: ``GET /summaries`` requests a month (one BatchGetItem each).
    summary_gets: float
    units: dict[tuple[str, str], float] = field(default_factory=dict)  # (resource, kind) -> units a month
    #: Lifecycle requests a month: review reads, edits, deletions, reports, decisions.
    lifecycle: float = 0.0
    decisions: float = 0.0
    #: Scheduled backlog measurements, committed changes (events).
    backlog_invocations: float = 0.0
    changes: float = 0.0
    #: Requests a month by API method (each method has its own detailed metrics).
    by_method: dict[str, float] = field(default_factory=dict)

    @property
    def gets(self) -> float:
        return self.product_gets + self.reviewer_gets + self.summary_gets

    @property
    def requests(self) -> float:
        """Requests through API Gateway to the function."""
        return self.posts + self.gets + self.lifecycle

    @property
    def invocations(self) -> float:
        """Invocations of the API's function (requests and the backlog schedule)."""
        return self.requests + self.backlog_invocations

    @property
    def api_requests(self) -> float:
        return self.requests + self.preflights


#: Listing-index copies a change writes (five indexes; a moved sort key is a delete and a put): a post, a
#: decision, a deletion, a report: 5; an edit (stars move two keys), a vote (helpfulness moves two): 7.
LISTING_INDEXES = len(contract.LISTING_INDEXES)
LISTING_COPY_WRITES = {"post": 5, "edit": 7, "decision": 5, "deletion": 5, "report": 5, "vote": 7}
#: The range indexes by date, and by helpfulness (``contract.RANGE_INDEXES``).
RANGE_SLOTS = len(contract.RANGE_SLOTS)
DATE_RANGE_INDEXES = contract.RANGE_INDEX_NAMES[:RANGE_SLOTS]
HELPFUL_RANGE_INDEXES = contract.RANGE_INDEX_NAMES[RANGE_SLOTS:]
#: A vote record: its key (a prefixed review id and a digest) and the vote.
VOTE_ITEM_BYTES = 150


def _write_units(item_bytes: float, factor: int = 1) -> int:
    return max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES)) * factor


def _read_units(read_bytes: float) -> float:
    return max(1, math.ceil(read_bytes / READ_UNIT_BYTES)) / 2  # eventually consistent


def _usage(workload: Workload, deployment: Deployment) -> _Usage:
    w, d = workload, deployment
    posts = w.reviews_per_day * DAYS_PER_MONTH
    gets = posts * w.reads_per_review
    review, page = w.average_review_bytes, w.reviews_per_page * w.average_review_bytes
    pre = d.moderation == contract.MODERATION_PRE
    edits, deletions = posts * w.edits_per_review, posts * w.deletions_per_review
    votes = posts * w.votes_per_review
    reports, review_reads = posts * w.reports_per_review, posts * w.review_reads_per_review
    per_review = (1 + w.edits_per_review) if pre else 0.0
    decisions = posts * (per_review if w.decisions_per_review is None else w.decisions_per_review)
    idempotency = w.idempotent_post_share * _write_units(review + IDEMPOTENCY_RECORD_EXTRA_BYTES, TRANSACTIONAL)
    summary = _write_units(SUMMARY_ITEM_BYTES, TRANSACTIONAL)
    locator = _write_units(LOCATOR_ITEM_BYTES, TRANSACTIONAL)
    post_writes = _write_units(review, TRANSACTIONAL) + locator + summary + idempotency
    change_writes = _write_units(review, TRANSACTIONAL) + summary  # an edit or a decision
    deletion_writes = _write_units(review, TRANSACTIONAL) + 2 * locator + summary  # review, locator, marker
    reviewer, queue = contract.REVIEWER_INDEX_NAME, contract.MODERATION_QUEUE_INDEX_NAME
    product_gets, reviewer_gets = gets * w.product_listing_share, gets * (1 - w.product_listing_share)
    # Index copies are rewritten whenever a review changes (projection ALL); the queue holds pending reviews.
    index_changes = posts + edits + deletions + reports + decisions + votes
    queue_changes = (posts + edits) * 2 if pre else 0.0  # in with a create or an edit, out with its decision
    backlog = BACKLOG_INVOCATIONS if d.backlog_schedule else 0.0
    summary_gets = posts * w.summary_requests_per_review
    copy = _write_units(review)
    listing_copies = copy * (
        posts * LISTING_COPY_WRITES["post"]
        + edits * LISTING_COPY_WRITES["edit"]
        + decisions * LISTING_COPY_WRITES["decision"]
        + deletions * LISTING_COPY_WRITES["deletion"]
        + reports * LISTING_COPY_WRITES["report"]
        + votes * LISTING_COPY_WRITES["vote"]
    )
    vote_writes = _write_units(VOTE_ITEM_BYTES, TRANSACTIONAL) + _write_units(review, TRANSACTIONAL)
    # Every change rewrites a review's range copies; an edit may move them all, a vote those by helpfulness.
    range_reads = product_gets * w.range_listing_share
    date_range_writes = (index_changes + edits) * copy
    range_units = {
        **{(name, "write"): date_range_writes for name in DATE_RANGE_INDEXES},
        **{(name, "write"): date_range_writes + votes * copy for name in HELPFUL_RANGE_INDEXES},
        **{
            (name, "read"): range_reads / len(contract.RANGE_INDEXES) * _read_units(page)
            for name in contract.RANGE_INDEX_NAMES
        },
    }
    return _Usage(
        posts=posts,
        product_gets=product_gets,
        reviewer_gets=reviewer_gets,
        preflights=posts * w.preflights_per_review,
        summary_gets=summary_gets,
        units={
            ("table", "write"): posts * post_writes
            + (edits + decisions) * change_writes
            + deletions * deletion_writes
            + reports * _write_units(review)
            + votes * vote_writes
            + listing_copies,
            # Every product listing page is one Query of a listing index (the first holds the summary), or of
            # a range index.
            ("table", "read"): (product_gets - range_reads) * _read_units(page + SUMMARY_ITEM_BYTES)
            + review_reads * 2 * _read_units(review) * 2
            + (reports + votes) * _read_units(LOCATOR_ITEM_BYTES) * 2
            # BatchGetItem rounds each item up to a read unit of its own.
            + summary_gets * w.products_per_summary_request * _read_units(SUMMARY_ITEM_BYTES),
            (reviewer, "write"): index_changes * _write_units(review),
            (reviewer, "read"): reviewer_gets * _read_units(page),
            (queue, "write"): queue_changes * _write_units(review),
            (queue, "read"): backlog * BACKLOG_READ_UNITS,
            **range_units,
        },
        lifecycle=review_reads + edits + deletions + reports + decisions + votes,
        decisions=decisions,
        by_method={
            "POST /reviews": posts,
            "GET /reviews": gets,
            "OPTIONS /reviews": posts * w.preflights_per_review,
            "GET /reviews/{review_id}": review_reads,
            "PATCH /reviews/{review_id}": edits,
            "DELETE /reviews/{review_id}": deletions,
            "POST /reviews/{review_id}/reports": reports,
            "POST /moderation/reviews/{review_id}/decision": decisions,
            "GET /summaries": summary_gets,
            "POST /reviews/{review_id}/votes": votes,
        },
        backlog_invocations=backlog,
        changes=(posts + edits + deletions + decisions) if d.events else 0.0,
    )


def _range_group(resource: str) -> str:
    """The bill's one line for the 7 range indexes of an order ("" for any other resource)."""
    if resource in DATE_RANGE_INDEXES:
        return f"range indexes by date ({len(DATE_RANGE_INDEXES)})"
    if resource in HELPFUL_RANGE_INDEXES:
        return f"range indexes by helpfulness ({len(HELPFUL_RANGE_INDEXES)})"
    return ""


def _hours_with_data(events_per_month: float) -> float:
    """Share of the month's hours with at least one event (CloudWatch bills custom metrics by the hour)."""
    return 1 - math.exp(-events_per_month / HOURS_PER_MONTH)


def _traces(api_requests: float) -> float:
    """Traces recorded under X-Ray's default rule, requests arriving at random at their average rate."""
    rate = api_requests / SECONDS_PER_MONTH
    first = 1 - math.exp(-rate)
    return SECONDS_PER_MONTH * (first + XRAY_FIXED_RATE * (rate - first))


def estimate(workload: Workload, deployment: Deployment, prices: PriceList = US_EAST_1) -> Estimate:
    """Estimate the monthly bill of ``deployment`` serving ``workload``.

    Args:
        workload: The traffic.
        deployment: What the stack deploys (``Deployment.from_assembly``).
        prices: Unit prices. Default: us-east-1 (``tap_reviews.cost.prices.US_EAST_1``).

    Returns:
        The bill, line by line, with warnings where the deployment would throttle this traffic.
    """
    d, w, p, use = deployment, workload, prices, _usage(workload, deployment)
    lines: list[LineItem] = []

    def add(service: str, item: str, quantity: float, unit: str, price: float) -> None:
        lines.append(LineItem(service, item, quantity, unit, price))

    capacity = []
    # DynamoDB's throughput lines, by (item, unit, unit price); the 7 range indexes of an order share one.
    throughput: dict[tuple[str, str, float], float] = {}

    def add_throughput(item: str, quantity: float, unit: str, price: float) -> None:
        throughput[(item, unit, price)] = throughput.get((item, unit, price), 0.0) + quantity

    for (resource, kind), units in use.units.items() if d.billing_mode == ON_DEMAND else ():
        price = p.dynamodb_write_request_per_million if kind == "write" else p.dynamodb_read_request_per_million
        item = f"{_range_group(resource) or resource} {kind}s"
        add_throughput(item, units / 1e6, f"million {kind[0].upper()}RU", price)
    for side in d.capacity if d.billing_mode == PROVISIONED else ():
        required = use.units[(side.resource, side.kind)] / SECONDS_PER_MONTH * w.peak_factor
        required /= d.target_utilization_percent / 100
        held = min(side.max_capacity, max(side.min_capacity, required))
        capacity.append(Capacity(side.resource, side.kind, required, held, side.max_capacity))
        unit, price = ("WCU", p.dynamodb_wcu_hour) if side.kind == "write" else ("RCU", p.dynamodb_rcu_hour)
        floor = " (floor)" if held == side.min_capacity else ""
        group = _range_group(side.resource)
        each = " each" if group else ""
        item = f"{group or side.resource} {side.kind} capacity: {held:.1f} {unit}{each}{floor}"
        add_throughput(item, held * HOURS_PER_MONTH, f"{unit}-hours", price)
    for (item, unit, price), quantity in throughput.items():
        add("DynamoDB", item, quantity, unit, price)
    entry = w.average_review_bytes + ITEM_OVERHEAD_BYTES
    reviews_gb = w.reviews_per_day * DAYS_PER_MONTH * w.months_of_reviews_stored * entry / BYTES_PER_GB
    records = w.reviews_per_day * w.idempotent_post_share * IDEMPOTENCY_RECORD_DAYS
    table_gb = reviews_gb + records * (entry + IDEMPOTENCY_RECORD_EXTRA_BYTES) / BYTES_PER_GB
    # The reviewer index's copy, the five listing indexes' and the 14 range indexes' (every review counted
    # as published, and in every range index: an upper bound).
    indexes_gb = reviews_gb * (1 + LISTING_INDEXES + len(contract.RANGE_INDEXES))
    add("DynamoDB", "storage (table + indexes)", table_gb + indexes_gb, "GB-month", p.dynamodb_storage_gb_month)
    if d.point_in_time_recovery:
        add("DynamoDB", "point-in-time recovery", table_gb, "GB-month", p.dynamodb_pitr_gb_month)
    busy_ms = use.posts * w.post_duration_ms + (use.gets + use.backlog_invocations) * w.get_duration_ms
    busy_ms += use.lifecycle * w.post_duration_ms
    gb_seconds = busy_ms / 1000 * d.memory_size / 1024
    add("Lambda", "requests", use.invocations / 1e6, "million requests", p.lambda_requests_per_million)
    add("Lambda", f"duration at {d.memory_size} MB (arm64)", gb_seconds, "GB-seconds", p.lambda_arm_gb_second)
    requests = use.api_requests / 1e6
    add("API Gateway", "REST requests", requests, "million requests", p.api_gateway_rest_requests_per_million)
    add("CloudWatch", "dashboards", d.dashboards, "dashboards", p.cloudwatch_dashboard_month)
    alarms = d.alarm_metrics + len(capacity) * ALARMS_PER_SCALING_POLICY
    add("CloudWatch", "alarms (construct, auto-scaling)", alarms, "alarm metrics", p.cloudwatch_alarm_metric_month)
    metrics = len(EMF_METRICS) * _hours_with_data(use.posts)
    metrics += len(DECISION_METRICS) * _hours_with_data(use.decisions)
    metrics += len(BACKLOG_METRICS) * _hours_with_data(use.backlog_invocations)
    if d.detailed_metrics:
        metrics += DETAILED_METRICS_PER_METHOD * sum(map(_hours_with_data, use.by_method.values()))
    if d.lambda_insights:
        metrics += INSIGHTS_METRICS * _hours_with_data(use.invocations)
    add("CloudWatch", "custom metrics", metrics, "metric-months", p.cloudwatch_custom_metric_month)
    function_gb = use.invocations * (w.function_log_bytes_per_request + w.platform_log_bytes_per_request) / BYTES_PER_GB
    access_gb = use.api_requests * w.access_log_bytes_per_request / BYTES_PER_GB
    insights_gb = use.invocations * INSIGHTS_LOG_BYTES / BYTES_PER_GB if d.lambda_insights else 0
    # A month's logs, kept for the group's retention (logs that never expire: as long as the reviews).
    stored_gb = sum(
        gb / DAYS_PER_MONTH * min(days or math.inf, DAYS_PER_MONTH * w.months_of_reviews_stored)
        for gb, days in ((function_gb, d.function_log_retention_days), (access_gb, d.access_log_retention_days))
    )
    add("CloudWatch", "logs ingested", function_gb + access_gb + insights_gb, "GB", p.cloudwatch_logs_ingest_gb)
    add("CloudWatch", "logs stored", stored_gb, "GB-month", p.cloudwatch_logs_storage_gb_month)
    if d.tracing:
        traces = _traces(use.api_requests) / 1e6
        add("X-Ray", "traces recorded", traces, "million traces", p.xray_traces_recorded_per_million)
    add("SSM", "Standard parameters (free)", d.parameters, "parameters", p.ssm_standard_parameter_month)
    if d.events:
        add("EventBridge", "review events", use.changes / 1e6, "million events", p.eventbridge_events_per_million)
        add("Lambda", "event publisher requests", use.changes / 1e6, "million requests", p.lambda_requests_per_million)
    return Estimate(w, d, tuple(lines), tuple(capacity), tuple(_warnings(w, d, use, capacity)))


def _warnings(w: Workload, d: Deployment, use: _Usage, capacity: list[Capacity]) -> list[str]:
    warnings = [
        f"{side.resource} {side.kind}s need {side.required:,.1f} units at peak but max_capacity is "
        f"{side.max_capacity}: DynamoDB would throttle (priced at max_capacity)."
        for side in capacity
        if side.throttled
    ]
    peak_rate = use.api_requests / SECONDS_PER_MONTH * w.peak_factor
    if peak_rate > d.throttle_rate_limit:
        warnings.append(
            f"peak of {peak_rate:,.1f} requests/s exceeds the stage's throttle of {d.throttle_rate_limit:g}/s: "
            "API Gateway would answer 429 to the excess; raise throttle.rate_limit."
        )
    busy = (use.posts * w.post_duration_ms + use.gets * w.get_duration_ms + use.lifecycle * w.post_duration_ms) / 1000
    concurrency = busy / SECONDS_PER_MONTH * w.peak_factor
    if d.reserved_concurrency is not None and concurrency > d.reserved_concurrency:
        warnings.append(
            f"peak concurrency of {concurrency:,.1f} exceeds reserved_concurrency={d.reserved_concurrency}: "
            "Lambda would throttle."
        )
    return warnings


@dataclass(frozen=True)
class Comparison:
    """The same workload and deployment priced on both billing modes, with one verdict.

    Attributes:
        provisioned: The estimate with provisioned capacity.
        on_demand: The estimate on demand.
        crossing: Reviews a day from which provisioned costs less than on-demand, or None when it never does
            within ``provisioned_limit`` (reads per review as in the workload).
        provisioned_limit: Reviews a day above which provisioned capacity cannot serve the peak.
        capacity_cost_ratio: Above its floor, what provisioned capacity costs per unit of work relative to
            on-demand (writes, reads): peak factor / target utilization x hourly unit price / (3,600 x the
            on-demand request unit price). Below 1, provisioned wins at volume; otherwise never.
    """

    provisioned: Estimate
    on_demand: Estimate
    crossing: float | None
    provisioned_limit: float
    capacity_cost_ratio: tuple[float, float]

    @property
    def cheaper_mode(self) -> str:
        """On-demand when provisioned would throttle at this volume; else whichever costs strictly less."""
        if self.provisioned.throttled or self.on_demand.total_usd <= self.provisioned.total_usd:
            return ON_DEMAND
        return PROVISIONED


def compare_billing_modes(workload: Workload, deployment: Deployment, prices: PriceList = US_EAST_1) -> Comparison:
    """Price the workload on both billing modes and find, in closed form, the volume where they cross.

    Only the DynamoDB throughput lines and the auto-scaling alarms differ between the modes; with reads per
    review fixed they are affine in reviews a day between the volumes where a provisioned side leaves its
    floor, so the difference of the totals is evaluated at those volumes and the crossing interpolated.

    Args:
        workload: The traffic.
        deployment: What the stack deploys; its other billing mode is priced as ``with_billing_mode`` says.
        prices: Unit prices. Default: us-east-1.
    """
    provisioned, on_demand = deployment.with_billing_mode(PROVISIONED), deployment.with_billing_mode(ON_DEMAND)

    def gap(reviews_per_day: float) -> float:
        volume = replace(workload, reviews_per_day=reviews_per_day)
        return estimate(volume, provisioned, prices).total_usd - estimate(volume, on_demand, prices).total_usd

    # Each side's capacity is affine in reviews a day (the backlog schedule's reads are a constant): its
    # required units at none and at one review a day give the intercept and the slope.
    at_zero = estimate(replace(workload, reviews_per_day=0), provisioned, prices).capacity
    at_one = estimate(replace(workload, reviews_per_day=1), provisioned, prices).capacity
    sides = [
        (bounds, zero.required, one.required - zero.required)
        for bounds, zero, one in zip(provisioned.capacity, at_zero, at_one, strict=True)
        if one.required > zero.required
    ]
    limit = min((max(0.0, (b.max_capacity - base) / slope) for b, base, slope in sides), default=math.inf)
    leaves_floor = [max(0.0, (b.min_capacity - base) / slope) for b, base, slope in sides]
    points = sorted({0.0, *(volume for volume in leaves_floor if volume < limit)})
    points.append(limit if math.isfinite(limit) else points[-1] * 2 + 1)
    crossing = None
    for low, high in zip(points, points[1:], strict=False):
        gap_low, gap_high = gap(low), gap(high)
        if gap_low > 0 >= gap_high:
            crossing = low + gap_low * (high - low) / (gap_low - gap_high)
            break
    factor = workload.peak_factor / (provisioned.target_utilization_percent / 100) / 3600
    ratios = (
        factor * prices.dynamodb_wcu_hour / (prices.dynamodb_write_request_per_million / 1e6),
        factor * prices.dynamodb_rcu_hour / (prices.dynamodb_read_request_per_million / 1e6),
    )
    return Comparison(
        provisioned=estimate(workload, provisioned, prices),
        on_demand=estimate(workload, on_demand, prices),
        crossing=crossing,
        provisioned_limit=limit,
        capacity_cost_ratio=ratios,
    )
