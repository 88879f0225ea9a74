"""What a ProductReviewsApi deployment costs a month, from its props and its traffic.

The model follows what the construct deploys and what its runtime does per request
(``function_code/reviews_runtime/handler.py`` and ``store.py``):

- ``POST /reviews`` is one DynamoDB ``TransactWriteItems``: a Put of the review, an Update of the
  product's summary item and, when the client sends ``Idempotency-Key``, a Put of an idempotency record.
  Transactional writes cost 2 write units per item per started KB. The review also lands in the
  ``ReviewerIdIndex`` GSI (projection ALL), as an ordinary write of 1 unit per started KB; summaries and
  idempotency records have no ``reviewer_id`` and stay out of the index.
- ``GET /reviews?product_id=P`` is a Query on the table (eventually consistent: half a read unit per
  started 4 KB of the page, summed over the items) plus a GetItem of the summary (half a unit).
- ``GET /reviews?reviewer_id=R`` is a Query on the index (always eventually consistent).
- Every GET and POST is one API Gateway REST request and one Lambda invocation (arm64); a CORS preflight
  (OPTIONS) is an API Gateway request answered by a mock integration, without Lambda.
- Logs: the function writes one JSON line per request (with two EMF metrics on POSTs) and Lambda adds
  its platform lines (``platform.start``, ``platform.report``); the stage writes one JSON access-log line.
- CloudWatch: one dashboard, the 4xx-rate alarm (metric math over 2 metrics, billed per metric), the
  stage's detailed (per-method) metrics, and, with provisioned billing, the alarms Application Auto
  Scaling creates for the 4 target-tracking policies (table and index, read and write).
- X-Ray: API Gateway and Lambda trace with the default sampling rule (the first request each second,
  then 5 % of the rest).
- SSM: the 4 published String parameters (and the optional write-token SecureString) are Standard tier,
  read at standard throughput: free.

Provisioned capacity is sized for the peak: ``max(min_capacity, ceil(average units/s x peak_factor /
target utilization))``, capped at ``max_capacity`` (with a warning: above it DynamoDB throttles), for the
table and the index, read and write, all month. Auto-scaling scales down off-peak, so this is an upper
bound for a workload whose peak really is ``peak_factor`` times its average. Free tiers are ignored;
prices come from :mod:`tap_reviews.prices`.

Usage::

    from tap_reviews.cost import DeploymentProps, Workload, compare_billing_modes, estimate

    workload = Workload(reviews_per_day=2500, reads_per_review=20)
    print(estimate(workload).total_usd)               # the construct's defaults: provisioned
    print(compare_billing_modes(workload).cheaper_mode)

Imports nothing from aws_cdk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from numbers import Real

from .prices import BYTES_PER_GB, HOURS_PER_MONTH, US_EAST_1, PriceList
from .settings import CapacityBounds

#: The billing mode with capacity that auto-scales between bounds (the construct's default).
PROVISIONED = "provisioned"
#: On-demand (``BillingMode.PAY_PER_REQUEST``): pay per request unit, no capacity.
ON_DEMAND = "on-demand"
BILLING_MODES = (PROVISIONED, ON_DEMAND)

SECONDS_PER_HOUR = 3600
SECONDS_PER_MONTH = HOURS_PER_MONTH * SECONDS_PER_HOUR
#: 730 hours / 24 = 30.42 days: a month as AWS bills it.
DAYS_PER_MONTH = HOURS_PER_MONTH / 24

#: A write unit covers an item of up to 1 KB; a read unit 4 KB (strongly consistent) or 8 KB (eventually).
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
#: Transactional writes cost twice the standard write units.
TRANSACTIONAL_WRITE_FACTOR = 2
#: DynamoDB adds 100 bytes of indexing overhead to every stored item and index entry.
STORED_ITEM_OVERHEAD_BYTES = 100
#: A summary item: product_id, "#SUMMARY", review_count, rating_total, with attribute names.
SUMMARY_ITEM_BYTES = 80
#: An idempotency record holds a copy of the review plus its key (a 77-character digest key), sort key,
#: fingerprint (64 hex characters), expiry and attribute names: about this much more than the review.
IDEMPOTENCY_RECORD_EXTRA_BYTES = 210
#: Idempotency records live 24 hours, and DynamoDB's TTL deletes them within a day or two after.
IDEMPOTENCY_RECORD_DAYS_STORED = 2
#: ``limit`` is 1-100 in the API (handler.MAX_PAGE_SIZE).
MAX_PAGE_SIZE = 100
#: DynamoDB's item size limit.
MAX_ITEM_BYTES = 400 * 1024
#: API Gateway's integration timeout; Lambda durations above it cannot happen behind the API.
MAX_DURATION_MS = 29_000

#: The metrics each REST method reports with detailed metrics on (Count, 4XXError, 5XXError, Latency,
#: IntegrationLatency; the cache metrics need a stage cache, which the construct does not create).
DETAILED_METRICS_PER_METHOD = 5
#: The runtime's embedded-metric-format metrics: ReviewsCreated and ValidationFailures, by FunctionName.
EMF_METRICS = 2
#: The 4xx-rate alarm evaluates errors / requests: 2 metrics.
CLIENT_ERROR_ALARM_METRICS = 2
#: Target-tracking policies on the table and the index, read and write (provisioned billing only).
AUTO_SCALING_POLICIES = 4
#: DynamoDB target tracking creates AlarmHigh, AlarmLow, ProvisionedCapacityHigh, ProvisionedCapacityLow.
ALARMS_PER_AUTO_SCALING_POLICY = 4
#: The SSM String parameters the construct publishes (api/throttle-limit, dynamodb/table-arn, ...).
PUBLISHED_PARAMETERS = 4
#: The runtime re-reads the write token every 5 minutes per warm execution environment.
WRITE_TOKEN_REFRESH_SECONDS = 300
#: Lambda Insights: 8 metrics per function and about 1 KB of log data per invocation (AWS's figures).
LAMBDA_INSIGHTS_METRICS = 8
LAMBDA_INSIGHTS_LOG_BYTES_PER_INVOCATION = 1024
#: X-Ray's default sampling rule: a reservoir of 1 request a second, then a fixed rate of 5 %.
XRAY_FIXED_RATE = 0.05

#: What the estimate leaves out or assumes, for the CLI and docs to show.
ASSUMPTIONS = (
    "Free tiers are ignored (they are shared by everything in the account).",
    "Provisioned capacity is sized for the peak (average x peak factor / target utilization) all month; "
    "auto-scaling scales down off-peak, so real provisioned bills can be lower.",
    "Every POST stores a review; retries, replays, conflicts and rejected requests are not modelled.",
    "Log storage is counted uncompressed (CloudWatch bills stored logs compressed, so it is less).",
    "Not modelled: data transfer out, KMS requests for the aws/dynamodb key (cents), API Gateway "
    "execution logs (errors only), WAF (the web ACL is yours), SNS alarm notifications, product "
    "summary items in storage (about 180 bytes per product).",
)


def _require_number(name: str, value: object, *, minimum: float | None = None, maximum: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    number = float(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value!r}.")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum:g}, got {value!r}.")


def _require_int(name: str, value: object, *, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}.")


def _require_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}.")


@dataclass(frozen=True)
class Workload:
    """The traffic a deployment serves, and what its requests look like.

    Args:
        reviews_per_day: Reviews posted a day (successful ``POST /reviews``), 0 or more.
        reads_per_review: ``GET /reviews`` requests per review posted (each returns one page), 0 or more.
        product_listing_share: Share of GETs that list a product (``?product_id=``, a table Query plus
            the summary GetItem); the rest list a reviewer (``?reviewer_id=``, an index Query). 0-1.
            Default: 0.9.
        average_review_bytes: Average size of a stored review item, attribute names and values, in
            bytes. Default: 300.
        reviews_per_page: Reviews a GET returns on average (the API's default ``limit`` is 20), 1-100.
            Default: 20 (full pages).
        idempotent_post_share: Share of POSTs that send ``Idempotency-Key`` (one more transactional Put
            each), 0-1. Default: 1.0 (the README's example sends it).
        peak_factor: Peak request rate over the average rate, at least 1; sizes provisioned capacity
            and checks throttles. Default: 3.
        months_of_reviews_stored: How many months of reviews, at this rate, the table holds in the month
            estimated (reviews are never deleted). Default: 12.
        post_duration_ms: Average billed Lambda duration of a POST, in milliseconds. Default: 40.
        get_duration_ms: Average billed Lambda duration of a GET, in milliseconds. Default: 30.
        function_log_bytes_per_request: The runtime's one JSON log line per request. Default: 300.
        platform_log_bytes_per_request: Lambda's own JSON lines per invocation (``platform.start`` and
            ``platform.report`` with X-Ray ids). Default: 600.
        access_log_bytes_per_request: The stage's JSON access-log line per request. Default: 350.
        preflights_per_review: CORS preflight (OPTIONS) requests per review posted, from browsers
            calling cross-origin. Default: 0 (server-side callers).
    """

    reviews_per_day: float
    reads_per_review: float
    product_listing_share: float = 0.9
    average_review_bytes: int = 300
    reviews_per_page: int = 20
    idempotent_post_share: float = 1.0
    peak_factor: float = 3.0
    months_of_reviews_stored: float = 12.0
    post_duration_ms: float = 40.0
    get_duration_ms: float = 30.0
    function_log_bytes_per_request: int = 300
    platform_log_bytes_per_request: int = 600
    access_log_bytes_per_request: int = 350
    preflights_per_review: float = 0.0

    def __post_init__(self) -> None:
        _require_number("Workload.reviews_per_day", self.reviews_per_day, minimum=0)
        _require_number("Workload.reads_per_review", self.reads_per_review, minimum=0)
        _require_number("Workload.product_listing_share", self.product_listing_share, minimum=0, maximum=1)
        _require_int("Workload.average_review_bytes", self.average_review_bytes, minimum=1, maximum=MAX_ITEM_BYTES)
        _require_int("Workload.reviews_per_page", self.reviews_per_page, minimum=1, maximum=MAX_PAGE_SIZE)
        _require_number("Workload.idempotent_post_share", self.idempotent_post_share, minimum=0, maximum=1)
        _require_number("Workload.peak_factor", self.peak_factor, minimum=1)
        _require_number("Workload.months_of_reviews_stored", self.months_of_reviews_stored, minimum=0)
        for name in ("post_duration_ms", "get_duration_ms"):
            value = getattr(self, name)
            _require_number(f"Workload.{name}", value, maximum=MAX_DURATION_MS)
            if value <= 0:
                raise ValueError(f"Workload.{name} must be greater than 0 milliseconds, got {value!r}.")
        log_sizes = ("function_log_bytes_per_request", "platform_log_bytes_per_request", "access_log_bytes_per_request")
        for name in log_sizes:
            _require_int(f"Workload.{name}", getattr(self, name), minimum=0)
        _require_number("Workload.preflights_per_review", self.preflights_per_review, minimum=0)


@dataclass(frozen=True)
class DeploymentProps:
    """The ProductReviewsApi props that change the bill; defaults are the construct's defaults.

    Args:
        billing_mode: ``"provisioned"`` (the construct's ``BillingMode.PROVISIONED``) or ``"on-demand"``
            (``BillingMode.PAY_PER_REQUEST``). Default: "provisioned".
        memory_size: Function memory in MB, 128-10240. Default: 256.
        read_capacity: Read capacity auto-scaling bounds of the table and of its index (provisioned
            only; ignored on demand). Default: ``CapacityBounds(min_capacity=5, max_capacity=100)``.
        write_capacity: Write capacity bounds, likewise. Default: ``CapacityBounds(5, 100)``.
        target_utilization_percent: Auto-scaling's target utilization, 20-90. Default: 70.
        point_in_time_recovery: Continuous backups of the table. Default: True.
        log_retention_days: Days the function's and the stage's log groups keep logs. Default: 7
            (``RetentionDays.ONE_WEEK``).
        lambda_insights: The Lambda Insights extension (8 metrics, ~1 KB of logs per invocation).
            Default: False.
        write_token: ``write_token_parameter_name`` is set (one more SSM parameter, read every 5 minutes).
            Default: False.
        throttle_rate_limit: The stage's steady request limit (``ThrottleSettings.rate_limit``), checked
            against the peak rate. Default: 10.
        reserved_concurrency: The function's reserved concurrency (free; checked against the peak
            concurrency), or None. Default: 50.
    """

    billing_mode: str = PROVISIONED
    memory_size: int = 256
    read_capacity: CapacityBounds = field(default_factory=CapacityBounds)
    write_capacity: CapacityBounds = field(default_factory=CapacityBounds)
    target_utilization_percent: float = 70
    point_in_time_recovery: bool = True
    log_retention_days: int = 7
    lambda_insights: bool = False
    write_token: bool = False
    throttle_rate_limit: float = 10
    reserved_concurrency: int | None = 50

    def __post_init__(self) -> None:
        if self.billing_mode not in BILLING_MODES:
            raise ValueError(
                f"DeploymentProps.billing_mode must be {PROVISIONED!r} or {ON_DEMAND!r}, got {self.billing_mode!r}."
            )
        _require_int("DeploymentProps.memory_size", self.memory_size, minimum=128, maximum=10240)
        for name in ("read_capacity", "write_capacity"):
            if not isinstance(getattr(self, name), CapacityBounds):
                raise ValueError(f"DeploymentProps.{name} must be a CapacityBounds, got {getattr(self, name)!r}.")
        _require_number(
            "DeploymentProps.target_utilization_percent", self.target_utilization_percent, minimum=20, maximum=90
        )
        _require_bool("DeploymentProps.point_in_time_recovery", self.point_in_time_recovery)
        _require_int("DeploymentProps.log_retention_days", self.log_retention_days, minimum=1)
        _require_bool("DeploymentProps.lambda_insights", self.lambda_insights)
        _require_bool("DeploymentProps.write_token", self.write_token)
        _require_number("DeploymentProps.throttle_rate_limit", self.throttle_rate_limit)
        if self.throttle_rate_limit <= 0:
            raise ValueError(
                f"DeploymentProps.throttle_rate_limit must be greater than 0, got {self.throttle_rate_limit!r}."
            )
        if self.reserved_concurrency is not None:
            _require_int("DeploymentProps.reserved_concurrency", self.reserved_concurrency, minimum=1)


@dataclass(frozen=True)
class MonthlyTraffic:
    """Requests in a month, by kind.

    Attributes:
        posts: ``POST /reviews`` requests.
        product_listings: ``GET /reviews?product_id=`` requests.
        reviewer_listings: ``GET /reviews?reviewer_id=`` requests.
        preflights: CORS preflight (OPTIONS) requests.
    """

    posts: float
    product_listings: float
    reviewer_listings: float
    preflights: float

    @property
    def gets(self) -> float:
        """All ``GET /reviews`` requests."""
        return self.product_listings + self.reviewer_listings

    @property
    def invocations(self) -> float:
        """Lambda invocations: every GET and POST (preflights never reach the function)."""
        return self.posts + self.gets

    @property
    def api_requests(self) -> float:
        """API Gateway requests: GETs, POSTs and preflights."""
        return self.invocations + self.preflights


def monthly_traffic(workload: Workload) -> MonthlyTraffic:
    """The requests a workload makes in a 730-hour month.

    Args:
        workload: The traffic.

    Returns:
        The month's requests by kind.
    """
    posts = workload.reviews_per_day * DAYS_PER_MONTH
    gets = posts * workload.reads_per_review
    return MonthlyTraffic(
        posts=posts,
        product_listings=gets * workload.product_listing_share,
        reviewer_listings=gets * (1 - workload.product_listing_share),
        preflights=posts * workload.preflights_per_review,
    )


def write_units(item_bytes: float, *, transactional: bool = False) -> int:
    """Write units one write of an item consumes: 1 per started KB, twice that in a transaction.

    Args:
        item_bytes: The item's size in bytes.
        transactional: The write is part of ``TransactWriteItems``.

    Returns:
        Write request units (on demand) or write capacity units (provisioned, per second).
    """
    units = max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES))
    return units * TRANSACTIONAL_WRITE_FACTOR if transactional else units


def read_units(read_bytes: float, *, eventually_consistent: bool = True) -> float:
    """Read units one GetItem or Query consumes: 1 per started 4 KB read (summed over a Query's items),
    half that when eventually consistent.

    Args:
        read_bytes: Bytes read (an item's size, or the sum of the sizes of the items a Query returns).
        eventually_consistent: The read is eventually consistent (the runtime's listings and summaries are).

    Returns:
        Read request units (on demand) or read capacity units (provisioned, per second).
    """
    units = max(1, math.ceil(read_bytes / READ_UNIT_BYTES))
    return units / 2 if eventually_consistent else float(units)


@dataclass(frozen=True)
class RequestUnits:
    """DynamoDB units one request of each kind consumes.

    Attributes:
        post_table_writes: Table write units of one POST (average over idempotent and plain POSTs).
        post_index_writes: Index write units of one POST (the review's copy in ReviewerIdIndex).
        product_listing_table_reads: Table read units of one product listing (Query page + summary).
        reviewer_listing_index_reads: Index read units of one reviewer listing (Query page).
    """

    post_table_writes: float
    post_index_writes: float
    product_listing_table_reads: float
    reviewer_listing_index_reads: float


def request_units(workload: Workload) -> RequestUnits:
    """The DynamoDB units each kind of request consumes, as the runtime issues them.

    Args:
        workload: Item sizes, page size and the share of idempotent POSTs.

    Returns:
        Units per request.
    """
    review = workload.average_review_bytes
    record = review + IDEMPOTENCY_RECORD_EXTRA_BYTES
    page = workload.reviews_per_page * review
    return RequestUnits(
        post_table_writes=write_units(review, transactional=True)
        + write_units(SUMMARY_ITEM_BYTES, transactional=True)
        + workload.idempotent_post_share * write_units(record, transactional=True),
        post_index_writes=write_units(review),
        product_listing_table_reads=read_units(page) + read_units(SUMMARY_ITEM_BYTES),
        reviewer_listing_index_reads=read_units(page),
    )


@dataclass(frozen=True)
class DynamoDbUsage:
    """A month of DynamoDB use: request units on the table and on the index, and stored bytes.

    Attributes:
        table_write_units: Write units on the table in the month.
        index_write_units: Write units on ReviewerIdIndex in the month.
        table_read_units: Read units on the table in the month.
        index_read_units: Read units on ReviewerIdIndex in the month.
        table_bytes: Bytes the table stores (reviews and live idempotency records, with overhead).
        index_bytes: Bytes the index stores (a full copy of every review: projection ALL).
    """

    table_write_units: float
    index_write_units: float
    table_read_units: float
    index_read_units: float
    table_bytes: float
    index_bytes: float


def dynamodb_usage(workload: Workload) -> DynamoDbUsage:
    """Request units and storage of a month of the workload.

    Args:
        workload: The traffic.

    Returns:
        The month's DynamoDB use.
    """
    traffic = monthly_traffic(workload)
    units = request_units(workload)
    stored_reviews = workload.reviews_per_day * DAYS_PER_MONTH * workload.months_of_reviews_stored
    live_records = workload.reviews_per_day * workload.idempotent_post_share * IDEMPOTENCY_RECORD_DAYS_STORED
    review_entry = workload.average_review_bytes + STORED_ITEM_OVERHEAD_BYTES
    record_entry = workload.average_review_bytes + IDEMPOTENCY_RECORD_EXTRA_BYTES + STORED_ITEM_OVERHEAD_BYTES
    return DynamoDbUsage(
        table_write_units=traffic.posts * units.post_table_writes,
        index_write_units=traffic.posts * units.post_index_writes,
        table_read_units=traffic.product_listings * units.product_listing_table_reads,
        index_read_units=traffic.reviewer_listings * units.reviewer_listing_index_reads,
        table_bytes=stored_reviews * review_entry + live_records * record_entry,
        index_bytes=stored_reviews * review_entry,
    )


@dataclass(frozen=True)
class ProvisionedCapacity:
    """The capacity auto-scaling holds for one of the table's or the index's read or write sides.

    Attributes:
        resource: ``"table"`` or ``"ReviewerIdIndex"``.
        kind: ``"read"`` or ``"write"``.
        average_units_per_second: Consumed units per second, averaged over the month.
        required_units: Units needed at peak for the target utilization (before bounds and rounding).
        provisioned_units: Units provisioned: ``required_units`` rounded up, within the bounds.
        bounds: The auto-scaling bounds.
    """

    resource: str
    kind: str
    average_units_per_second: float
    required_units: float
    provisioned_units: int
    bounds: CapacityBounds

    @property
    def throttled(self) -> bool:
        """True when the peak needs more than ``max_capacity``: DynamoDB throttles above it."""
        return self.required_units > self.bounds.max_capacity


def provisioned_capacity(workload: Workload, props: DeploymentProps) -> tuple[ProvisionedCapacity, ...]:
    """The capacity auto-scaling holds for the workload's peak: table and index, write and read.

    Args:
        workload: The traffic (its peak factor sizes the capacity).
        props: Capacity bounds and target utilization.

    Returns:
        Four capacities: table write, table read, index write, index read.
    """
    usage = dynamodb_usage(workload)
    sides = (
        ("table", "write", usage.table_write_units, props.write_capacity),
        ("table", "read", usage.table_read_units, props.read_capacity),
        ("ReviewerIdIndex", "write", usage.index_write_units, props.write_capacity),
        ("ReviewerIdIndex", "read", usage.index_read_units, props.read_capacity),
    )
    capacities = []
    for resource, kind, monthly_units, bounds in sides:
        average = monthly_units / SECONDS_PER_MONTH
        required = average * workload.peak_factor / (props.target_utilization_percent / 100)
        # Auto-scaling provisions whole units; the epsilon keeps 5.0000000001 (float noise) at 5.
        rounded = math.ceil(required - 1e-9)
        provisioned = min(bounds.max_capacity, max(bounds.min_capacity, rounded))
        capacities.append(ProvisionedCapacity(resource, kind, average, required, provisioned, bounds))
    return tuple(capacities)


@dataclass(frozen=True)
class LineItem:
    """One line of the bill.

    Attributes:
        service: The AWS service (``"DynamoDB"``, ``"Lambda"``, ...).
        item: What is billed.
        quantity: How many ``unit`` a month.
        unit: The billing unit (``"WCU-hours"``, ``"million requests"``, ...).
        unit_price_usd: US dollars per ``unit``.
        monthly_usd: ``quantity x unit_price_usd``.
    """

    service: str
    item: str
    quantity: float
    unit: str
    unit_price_usd: float
    monthly_usd: float


def _line(service: str, item: str, quantity: float, unit: str, unit_price_usd: float) -> LineItem:
    return LineItem(service, item, quantity, unit, unit_price_usd, quantity * unit_price_usd)


@dataclass(frozen=True)
class Estimate:
    """A month's bill for one billing mode.

    Attributes:
        workload: The traffic estimated.
        props: The deployment's props (``props.billing_mode`` is the mode estimated).
        line_items: The bill, line by line.
        capacity: Provisioned capacities (empty on demand).
        warnings: What would go wrong at this traffic (throttling), in sentences.
        prices: The price list used.
    """

    workload: Workload
    props: DeploymentProps
    line_items: tuple[LineItem, ...]
    capacity: tuple[ProvisionedCapacity, ...]
    warnings: tuple[str, ...]
    prices: PriceList

    @property
    def billing_mode(self) -> str:
        """``"provisioned"`` or ``"on-demand"``."""
        return self.props.billing_mode

    @property
    def total_usd(self) -> float:
        """The month's total in US dollars."""
        return sum(line.monthly_usd for line in self.line_items)

    def service_totals(self) -> dict[str, float]:
        """US dollars a month by service, in the order of the line items."""
        totals: dict[str, float] = {}
        for line in self.line_items:
            totals[line.service] = totals.get(line.service, 0.0) + line.monthly_usd
        return totals


def _hours_with_data(events_per_month: float) -> float:
    """Share of the month's hours in which at least one event happens (events spread at random).

    CloudWatch bills custom metrics by the hour they receive data in.
    """
    return 1 - math.exp(-events_per_month / HOURS_PER_MONTH)


def traces_recorded(api_requests_per_month: float) -> float:
    """Traces X-Ray records in a month under the default sampling rule.

    Requests are taken to arrive at random (Poisson) at their average rate ``r`` a second: each second
    the first request is traced (probability ``1 - e**-r``) and 5 % of the others (``r - (1 - e**-r)``).

    Args:
        api_requests_per_month: Requests the stage receives in the month.

    Returns:
        Traces recorded in the month.
    """
    rate = api_requests_per_month / SECONDS_PER_MONTH
    first_each_second = 1 - math.exp(-rate)
    rest = rate - first_each_second
    return SECONDS_PER_MONTH * (first_each_second + XRAY_FIXED_RATE * rest)


def estimate(workload: Workload, props: DeploymentProps | None = None, prices: PriceList = US_EAST_1) -> Estimate:
    """Estimate the monthly bill of a ProductReviewsApi deployment serving ``workload``.

    Args:
        workload: The traffic.
        props: The deployment's props; ``props.billing_mode`` picks the DynamoDB billing mode.
            Default: the construct's defaults (provisioned).
        prices: Unit prices. Default: :data:`tap_reviews.prices.US_EAST_1`.

    Returns:
        The bill, line by line, with warnings where the props would throttle this traffic.

    Raises:
        ValueError: ``workload`` or ``props`` is not a Workload or DeploymentProps.
    """
    props = DeploymentProps() if props is None else props
    if not isinstance(workload, Workload):
        raise ValueError(f"workload must be a Workload, got {workload!r}.")
    if not isinstance(props, DeploymentProps):
        raise ValueError(f"props must be a DeploymentProps, got {props!r}.")
    traffic = monthly_traffic(workload)
    capacity = provisioned_capacity(workload, props) if props.billing_mode == PROVISIONED else ()
    lines = [
        *_dynamodb_lines(workload, props, prices, capacity),
        *_lambda_and_api_gateway_lines(workload, props, prices, traffic),
        *_cloudwatch_lines(workload, props, prices, traffic),
        *_xray_and_ssm_lines(workload, props, prices, traffic),
    ]
    warnings = [
        f"{side.resource} {side.kind}s need {side.required_units:,.1f} {'WCU' if side.kind == 'write' else 'RCU'} "
        f"at peak but max_capacity is {side.bounds.max_capacity}: DynamoDB would throttle (the cost shown is at "
        f"max_capacity); raise {side.kind}_capacity.max_capacity or use on-demand."
        for side in capacity
        if side.throttled
    ]
    warnings += _throttle_warnings(workload, props, traffic)
    return Estimate(workload, props, tuple(lines), capacity, tuple(warnings), prices)


def _dynamodb_lines(
    workload: Workload, props: DeploymentProps, prices: PriceList, capacity: tuple[ProvisionedCapacity, ...]
) -> list[LineItem]:
    """Throughput (capacity or requests), storage and backups."""
    lines: list[LineItem] = []
    usage = dynamodb_usage(workload)
    if props.billing_mode == ON_DEMAND:
        wru = prices.dynamodb_write_request_per_million
        rru = prices.dynamodb_read_request_per_million
        lines += [
            _line(
                "DynamoDB",
                "table writes (transactions: review, summary, idempotency record)",
                usage.table_write_units / 1e6,
                "million WRU",
                wru,
            ),
            _line(
                "DynamoDB", "ReviewerIdIndex writes (review copies)", usage.index_write_units / 1e6, "million WRU", wru
            ),
            _line(
                "DynamoDB", "table reads (product pages + summaries)", usage.table_read_units / 1e6, "million RRU", rru
            ),
            _line(
                "DynamoDB", "ReviewerIdIndex reads (reviewer pages)", usage.index_read_units / 1e6, "million RRU", rru
            ),
        ]
    else:
        for side in capacity:
            unit = "WCU" if side.kind == "write" else "RCU"
            price = prices.dynamodb_wcu_hour if side.kind == "write" else prices.dynamodb_rcu_hour
            floor = " (floor)" if side.provisioned_units == side.bounds.min_capacity else ""
            lines.append(
                _line(
                    "DynamoDB",
                    f"{side.resource} {side.kind} capacity: {side.provisioned_units} {unit}{floor}",
                    side.provisioned_units * HOURS_PER_MONTH,
                    f"{unit}-hours",
                    price,
                )
            )

    # storage and backups
    table_gb = usage.table_bytes / BYTES_PER_GB
    index_gb = usage.index_bytes / BYTES_PER_GB
    lines.append(
        _line(
            "DynamoDB",
            "storage (table + ReviewerIdIndex, a full copy)",
            table_gb + index_gb,
            "GB-month",
            prices.dynamodb_storage_gb_month,
        )
    )
    if props.point_in_time_recovery:
        lines.append(
            _line(
                "DynamoDB", "point-in-time recovery (table size)", table_gb, "GB-month", prices.dynamodb_pitr_gb_month
            )
        )
    return lines


def _lambda_and_api_gateway_lines(
    workload: Workload, props: DeploymentProps, prices: PriceList, traffic: MonthlyTraffic
) -> list[LineItem]:
    """Lambda requests and duration (reserved concurrency is free); API requests."""
    lines: list[LineItem] = []
    duration_seconds = (traffic.posts * workload.post_duration_ms + traffic.gets * workload.get_duration_ms) / 1000
    gb_seconds = duration_seconds * props.memory_size / 1024
    lines += [
        _line("Lambda", "requests", traffic.invocations / 1e6, "million requests", prices.lambda_requests_per_million),
        _line(
            "Lambda",
            f"duration at {props.memory_size} MB (arm64)",
            gb_seconds,
            "GB-seconds",
            prices.lambda_arm_gb_second,
        ),
    ]

    # API Gateway
    lines.append(
        _line(
            "API Gateway",
            "REST requests",
            traffic.api_requests / 1e6,
            "million requests",
            prices.api_gateway_rest_requests_per_million,
        )
    )

    return lines


def _cloudwatch_lines(
    workload: Workload, props: DeploymentProps, prices: PriceList, traffic: MonthlyTraffic
) -> list[LineItem]:
    """Dashboard, alarms, custom and detailed metrics, logs."""
    lines: list[LineItem] = []
    method_hours = (
        _hours_with_data(traffic.posts) + _hours_with_data(traffic.gets) + _hours_with_data(traffic.preflights)
    )
    lines += [
        _line("CloudWatch", "dashboard", 1, "dashboards", prices.cloudwatch_dashboard_month),
        _line(
            "CloudWatch",
            "4xx-rate alarm (metric math over 2 metrics)",
            CLIENT_ERROR_ALARM_METRICS,
            "alarm metrics",
            prices.cloudwatch_alarm_metric_month,
        ),
    ]
    if props.billing_mode == PROVISIONED:
        alarms = AUTO_SCALING_POLICIES * ALARMS_PER_AUTO_SCALING_POLICY
        lines.append(
            _line(
                "CloudWatch",
                f"auto-scaling alarms ({AUTO_SCALING_POLICIES} policies x {ALARMS_PER_AUTO_SCALING_POLICY})",
                alarms,
                "alarm metrics",
                prices.cloudwatch_alarm_metric_month,
            )
        )
    lines += [
        _line(
            "CloudWatch",
            "EMF metrics (ReviewsCreated, ValidationFailures)",
            EMF_METRICS * _hours_with_data(traffic.posts),
            "metric-months",
            prices.cloudwatch_custom_metric_month,
        ),
        _line(
            "CloudWatch",
            "API detailed metrics (5 per method with traffic)",
            DETAILED_METRICS_PER_METHOD * method_hours,
            "metric-months",
            prices.cloudwatch_custom_metric_month,
        ),
    ]
    function_log_bytes = traffic.invocations * (
        workload.function_log_bytes_per_request + workload.platform_log_bytes_per_request
    )
    access_log_bytes = traffic.api_requests * workload.access_log_bytes_per_request
    log_gb = (function_log_bytes + access_log_bytes) / BYTES_PER_GB
    stored_log_gb = log_gb / DAYS_PER_MONTH * props.log_retention_days
    lines += [
        _line(
            "CloudWatch",
            "logs ingested (function + platform + access logs)",
            log_gb,
            "GB",
            prices.cloudwatch_logs_ingest_gb,
        ),
        _line(
            "CloudWatch",
            f"logs stored ({props.log_retention_days}-day retention)",
            stored_log_gb,
            "GB-month",
            prices.cloudwatch_logs_storage_gb_month,
        ),
    ]
    if props.lambda_insights:
        lines += [
            _line(
                "CloudWatch",
                "Lambda Insights metrics",
                LAMBDA_INSIGHTS_METRICS * _hours_with_data(traffic.invocations),
                "metric-months",
                prices.cloudwatch_custom_metric_month,
            ),
            _line(
                "CloudWatch",
                "Lambda Insights logs ingested",
                traffic.invocations * LAMBDA_INSIGHTS_LOG_BYTES_PER_INVOCATION / BYTES_PER_GB,
                "GB",
                prices.cloudwatch_logs_ingest_gb,
            ),
        ]
    return lines


def _xray_and_ssm_lines(
    workload: Workload, props: DeploymentProps, prices: PriceList, traffic: MonthlyTraffic
) -> list[LineItem]:
    """Traces recorded; SSM parameters and reads (free)."""
    lines: list[LineItem] = []
    lines.append(
        _line(
            "X-Ray",
            "traces recorded (1 req/s + 5 % sampling)",
            traces_recorded(traffic.api_requests) / 1e6,
            "million traces",
            prices.xray_traces_recorded_per_million,
        )
    )

    # SSM: free, listed so the reader sees it was not forgotten.
    parameters = PUBLISHED_PARAMETERS + (1 if props.write_token else 0)
    lines.append(
        _line(
            "SSM",
            "Standard parameters" + (" (incl. write-token SecureString)" if props.write_token else ""),
            parameters,
            "parameters",
            prices.ssm_standard_parameter_month,
        )
    )
    if props.write_token:
        environments = max(1.0, _peak_concurrency(workload, traffic))
        reads = environments * SECONDS_PER_MONTH / WRITE_TOKEN_REFRESH_SECONDS
        lines.append(
            _line(
                "SSM",
                "GetParameter of the write token (standard throughput; KMS via SSM)",
                reads / 10_000,
                "10k requests",
                prices.ssm_standard_get_parameter_per_10k,
            )
        )
    return lines


def _peak_concurrency(workload: Workload, traffic: MonthlyTraffic) -> float:
    busy_seconds = (traffic.posts * workload.post_duration_ms + traffic.gets * workload.get_duration_ms) / 1000
    return busy_seconds / SECONDS_PER_MONTH * workload.peak_factor


def _throttle_warnings(workload: Workload, props: DeploymentProps, traffic: MonthlyTraffic) -> list[str]:
    warnings = []
    peak_rate = traffic.api_requests / SECONDS_PER_MONTH * workload.peak_factor
    if peak_rate > props.throttle_rate_limit:
        warnings.append(
            f"peak of {peak_rate:,.1f} requests/s exceeds the stage's throttle rate_limit of "
            f"{props.throttle_rate_limit:g}/s: API Gateway would answer 429; raise ThrottleSettings.rate_limit."
        )
    concurrency = _peak_concurrency(workload, traffic)
    if props.reserved_concurrency is not None and concurrency > props.reserved_concurrency:
        warnings.append(
            f"peak concurrency of {concurrency:,.1f} exceeds reserved_concurrency={props.reserved_concurrency}: "
            "Lambda would throttle; raise reserved_concurrency."
        )
    return warnings


@dataclass(frozen=True)
class Comparison:
    """The same workload and props estimated under both billing modes.

    Attributes:
        provisioned: The estimate with provisioned capacity.
        on_demand: The estimate on demand.
    """

    provisioned: Estimate
    on_demand: Estimate

    @property
    def cheaper_mode(self) -> str:
        """``"provisioned"`` if it costs strictly less, else ``"on-demand"`` (no capacity to manage)."""
        return PROVISIONED if self.provisioned.total_usd < self.on_demand.total_usd else ON_DEMAND

    @property
    def savings_usd(self) -> float:
        """How much less the cheaper mode costs a month (0 or more)."""
        return abs(self.provisioned.total_usd - self.on_demand.total_usd)


def compare_billing_modes(
    workload: Workload, props: DeploymentProps | None = None, prices: PriceList = US_EAST_1
) -> Comparison:
    """Estimate the workload under both billing modes, all other props equal.

    Args:
        workload: The traffic.
        props: The deployment's props (their ``billing_mode`` is overridden). Default: the construct's.
        prices: Unit prices. Default: us-east-1.

    Returns:
        Both estimates.
    """
    props = DeploymentProps() if props is None else props
    if not isinstance(props, DeploymentProps):
        raise ValueError(f"props must be a DeploymentProps, got {props!r}.")
    return Comparison(
        provisioned=estimate(workload, replace(props, billing_mode=PROVISIONED), prices),
        on_demand=estimate(workload, replace(props, billing_mode=ON_DEMAND), prices),
    )


@dataclass(frozen=True)
class BillingModeFlip:
    """Where, as reviews per day grow (reads per review fixed), the cheaper billing mode changes.

    Provisioned capacity moves in whole units while on-demand cost grows smoothly, so near the crossing
    the cheaper mode can alternate over a band of volumes: ``first_flip`` is where the band starts,
    ``settled_from`` where it ends. Outside the band one mode is cheaper at every volume searched.

    Attributes:
        searched_up_to: The highest reviews-per-day volume compared (the search starts at 1).
        search_limit: Why the search stops there.
        low_volume_mode: The cheaper mode at 1 review a day.
        first_flip: The lowest volume at which the other mode is cheaper, or None (no flip up to
            ``searched_up_to``).
        settled_from: The lowest volume from which the other mode is cheaper at every volume up to
            ``searched_up_to``, or None.
        provisioned_write_cost_ratio: Above the floor, what provisioned write capacity costs per unit
            of work relative to on-demand: ``peak_factor / target utilization x WCU-hour price /
            (3,600 x price per WRU)``. Below 1 provisioned gets cheaper as volume grows; above 1 never.
        provisioned_read_cost_ratio: The same for reads.
    """

    searched_up_to: int
    search_limit: str
    low_volume_mode: str
    first_flip: int | None
    settled_from: int | None
    provisioned_write_cost_ratio: float
    provisioned_read_cost_ratio: float

    @property
    def high_volume_mode(self) -> str:
        """The mode that is not cheaper at 1 review a day."""
        return ON_DEMAND if self.low_volume_mode == PROVISIONED else PROVISIONED


def _largest_volume_within_max_capacity(workload: Workload, props: DeploymentProps) -> float:
    """Reviews per day above which some provisioned side needs more than its max_capacity at peak."""
    per_review = provisioned_capacity(replace(workload, reviews_per_day=1), props)
    limits = [side.bounds.max_capacity / side.required_units for side in per_review if side.required_units > 0]
    return min(limits) if limits else math.inf


def _capacity_step_volumes(workload: Workload, props: DeploymentProps, upper: int) -> set[int]:
    """Volumes at or next to which some provisioned capacity moves to the next whole unit."""
    volumes: set[int] = set()
    for side in provisioned_capacity(replace(workload, reviews_per_day=1), props):
        if side.required_units <= 0:
            continue
        top = min(side.bounds.max_capacity, math.ceil(side.required_units * upper) + 1)
        for units in range(side.bounds.min_capacity, top + 1):
            boundary = math.floor(units / side.required_units)
            volumes.update(v for v in (boundary, boundary + 1, boundary + 2) if 1 <= v <= upper)
    return volumes


def find_billing_mode_flip(
    workload: Workload,
    props: DeploymentProps | None = None,
    prices: PriceList = US_EAST_1,
    *,
    max_reviews_per_day: int = 1_000_000,
) -> BillingModeFlip:
    """Find the reviews-per-day volume at which the cheaper billing mode flips.

    Only ``workload.reviews_per_day`` varies (from 1 up); everything else, reads per review included,
    stays as given. The search stops at ``max_reviews_per_day`` or, if lower, at the volume beyond which
    the provisioned capacity bounds cannot serve the peak (its cost there would be a throttled
    deployment's). It is exact over whole volumes: between two volumes where some provisioned capacity
    changes, the difference of the totals only moves one way, so only those volumes and one bisection
    are evaluated.

    Args:
        workload: The traffic shape; its ``reviews_per_day`` is ignored.
        props: The deployment's props (their ``billing_mode`` is ignored). Default: the construct's.
        prices: Unit prices. Default: us-east-1.
        max_reviews_per_day: The highest volume to search, at least 1. Default: 1,000,000.

    Returns:
        Where the cheaper mode flips, or that it does not within the search.

    Raises:
        ValueError: ``max_reviews_per_day`` is not an integer of at least 1, or ``workload`` or ``props`` is
            not a Workload or DeploymentProps.
    """
    props = DeploymentProps() if props is None else props
    if not isinstance(workload, Workload):
        raise ValueError(f"workload must be a Workload, got {workload!r}.")
    if not isinstance(props, DeploymentProps):
        raise ValueError(f"props must be a DeploymentProps, got {props!r}.")
    _require_int("max_reviews_per_day", max_reviews_per_day, minimum=1)
    fits = _largest_volume_within_max_capacity(workload, props)
    if fits < max_reviews_per_day:
        upper = math.floor(fits * (1 + 1e-12))
        limit = "the provisioned max_capacity bounds cannot serve the peak above it"
    else:
        upper = max_reviews_per_day
        limit = "max_reviews_per_day"
    peak_over_target = workload.peak_factor / (props.target_utilization_percent / 100)
    write_ratio = (
        peak_over_target
        * prices.dynamodb_wcu_hour
        / (SECONDS_PER_HOUR * prices.dynamodb_write_request_per_million / 1e6)
    )
    read_ratio = (
        peak_over_target
        * prices.dynamodb_rcu_hour
        / (SECONDS_PER_HOUR * prices.dynamodb_read_request_per_million / 1e6)
    )

    def cheaper(volume: int) -> str:
        return compare_billing_modes(replace(workload, reviews_per_day=volume), props, prices).cheaper_mode

    if upper < 1:
        return BillingModeFlip(0, limit, cheaper(1), None, None, write_ratio, read_ratio)
    low_mode = cheaper(1)

    def flipped(volume: int) -> bool:
        return cheaper(volume) != low_mode

    starts = sorted({1} | _capacity_step_volumes(workload, props, upper))
    # Segments of volumes with constant provisioned capacity: there ``flipped`` is monotone.
    segments = [(start, end - 1) for start, end in zip(starts, [*starts[1:], upper + 1], strict=True)]
    first_flip = None
    for start, end in segments:
        if flipped(start):
            first_flip = start
            break
        if flipped(end):
            first_flip = _first_true(start, end, flipped)
            break
    settled_from = None
    if first_flip is not None:
        settled_from = 1
        for start, end in reversed(segments):
            start_flipped, end_flipped = flipped(start), flipped(end)
            if start_flipped and end_flipped:
                continue
            settled_from = _first_true(start, end, flipped) if end_flipped else end + 1
            break
        if settled_from > upper:
            settled_from = None
    return BillingModeFlip(upper, limit, low_mode, first_flip, settled_from, write_ratio, read_ratio)


def _first_true(low: int, high: int, predicate: Callable[[int], bool]) -> int:
    """The first integer in [low, high] where ``predicate`` holds, given it is False..False True..True."""
    while low < high:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle + 1
    return low


__all__ = [
    "ASSUMPTIONS",
    "BILLING_MODES",
    "ON_DEMAND",
    "PROVISIONED",
    "BillingModeFlip",
    "Comparison",
    "DeploymentProps",
    "DynamoDbUsage",
    "Estimate",
    "LineItem",
    "MonthlyTraffic",
    "ProvisionedCapacity",
    "RequestUnits",
    "Workload",
    "compare_billing_modes",
    "dynamodb_usage",
    "estimate",
    "find_billing_mode_flip",
    "monthly_traffic",
    "provisioned_capacity",
    "read_units",
    "request_units",
    "traces_recorded",
    "write_units",
]
