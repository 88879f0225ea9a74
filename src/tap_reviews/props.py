"""The props of ProductReviewsApi: their defaults, the alarm thresholds type, and their validation.

Validation collects every problem before raising, one line per problem, in a single ``ValueError``
(as aws-solutions-constructs' ``CheckProps`` does), and it is Token-aware: where CloudFormation resolves
a value at deploy time (a ``CfnParameter`` for ``memory_size``, say) the value is accepted and left for
CloudFormation and the service to check; where the construct must read the value at synth time (CORS
origins, the write token's parameter name) a Token is refused with a message that says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from aws_cdk import Duration, RemovalPolicy, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_logs as logs

from ._problems import Problems
from .function_code.reviews_runtime import contract

#: Seed 004's stage limits: 10 requests a second, bursts of 20.
DEFAULT_THROTTLE = apigateway.ThrottleSettings(rate_limit=10, burst_limit=20)
#: Auto-scaling bounds of each provisioned capacity (table and index, read and write).
DEFAULT_CAPACITY = dynamodb.EnableScalingProps(min_capacity=5, max_capacity=100)
#: 28 s: inside API Gateway's 29 s integration timeout (seed 004's 30 s outlived it).
DEFAULT_TIMEOUT = Duration.seconds(28)
#: How long a browser may cache a preflight: Chromium's cap (MDN, Access-Control-Max-Age).
DEFAULT_CORS_MAX_AGE = Duration.hours(2)
#: Firefox's cap on Access-Control-Max-Age, the highest any browser honours (MDN).
MAX_CORS_MAX_AGE_SECONDS = 24 * 60 * 60
#: API Gateway's integration timeout for REST APIs; a longer-running function only burns money.
API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29
#: Lambda keeps this much of an account's concurrency unreserved: a reservation of N needs a quota of at least
#: N + 100 (AWS Lambda Developer Guide, "Configuring reserved concurrency",
#: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
UNRESERVED_CONCURRENCY_MINIMUM = 100

SUFFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
STAGE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
#: The schemes an allowed origin may have, with the port a browser leaves out of the serialized origin.
DEFAULT_PORTS = {"http": 80, "https": 443}
#: An SSM parameter name: one segment of letters, digits, '_', '.', '-', or a path of them with a leading
#: slash (SSM wants hierarchical names fully qualified).
PARAMETER_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]+|(/[A-Za-z0-9_.-]+)+")
#: SSM allows 1011 characters for the whole parameter ARN; this leaves room for the longest ARN prefix.
MAX_PARAMETER_NAME_LENGTH = 940
#: An OAuth 2.0 scope token (RFC 6749, section 3.3): %x21 / %x23-5B / %x5D-7E.
SCOPE_PATTERN = re.compile(r"[!#-\[\]-~]+")
WEB_ACL_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+")


class ModerationPolicy(Enum):
    """When reviews are published, and what moderators do.

    Whatever the policy, moderators can list the queue, publish or reject, remove any review and erase a
    reviewer, and reports past ``report_threshold`` send a published review back to the queue.

    Attributes:
        NONE: Reviews are published as soon as they are written. The default.
        PRE_MODERATION: New and edited reviews wait in the moderation queue (status ``pending``) until a
            moderator publishes them; only published reviews are listed and counted.
        POST_MODERATION: Reviews are published at once; a moderator may reject them later, which takes them
            out of listings and the summary and keeps the moderator's reason.
    """

    NONE = contract.MODERATION_NONE
    PRE_MODERATION = contract.MODERATION_PRE
    POST_MODERATION = contract.MODERATION_POST


#: The most reports a threshold may ask for (a higher one would never be reached in practice).
MAX_REPORT_THRESHOLD = 1000


@dataclass(frozen=True)
class AlarmThresholds:
    """When the construct's alarms fire; each alarm exists only when its threshold is set (None: no alarm).

    Every alarm evaluates 5-minute periods, fires when one of the last two breaches, treats missing data
    as not breaching (a quiet API never alarms), and notifies ``alarm_topic`` when it fires and recovers.

    Args:
        client_error_rate_percent: Fire when more than this share of the stage's requests, 0-100 %, are
            answered 4xx. Computed ``IF(requests > 0, 100 * errors / requests, 0)`` per stage. Default: 10.
        server_error_rate_percent: Fire when more than this share of requests, 0-100 %, are answered 5xx.
            Default: None.
        latency_p99: Fire when the stage's p99 latency (API Gateway's ``Latency``: from request to answer)
            exceeds this, 1 ms to 29 s. Default: None.
        function_errors: Fire when the function fails (unhandled errors, timeouts) more than this many
            times in 5 minutes, 0 or more. Default: None.
        function_throttles: Fire when Lambda throttles more than this many invocations in 5 minutes (the
            reserved or account concurrency is exhausted), 0 or more. Default: None.
        table_throttles: Fire when DynamoDB throttles more than this many requests in 5 minutes, reads and
            writes, on the table and its indexes, 0 or more. Default: None.
        oldest_pending_review_age: Fire when a review has waited in the moderation queue longer than this,
            1 minute to 14 days (measured every 5 minutes). Default: None.
    """

    client_error_rate_percent: float | None = 10
    server_error_rate_percent: float | None = None
    latency_p99: Duration | None = None
    function_errors: int | None = None
    function_throttles: int | None = None
    table_throttles: int | None = None
    oldest_pending_review_age: Duration | None = None


DEFAULT_ALARM_THRESHOLDS = AlarmThresholds()


class _Problems(Problems):
    """Problems with props, where a Token stands for a value CloudFormation resolves at deploy time."""

    def deferred(self, value: object) -> bool:
        return is_token_number(value)

    def literal(self, prop: str, value: object, why: str) -> bool:
        """Note a problem when ``value`` is a Token: the construct reads it at synth time."""
        if isinstance(value, str) and Token.is_unresolved(value):
            self.add(f"{prop} cannot be a Token ({value}): {why}")
            return False
        return True


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_token_number(value: object) -> bool:
    """True for a number that stands for a Token (a CfnParameter's ``value_as_number``, say)."""
    return _is_number(value) and Token.is_unresolved(value)


def validate(
    *,
    name_conflicts: list[str],
    environment_suffix: object,
    physical_names: object,
    throttle: object,
    stage_name: object,
    api_cloudwatch_role: object,
    cors_allow_origins: object,
    cors_max_age: object,
    reserved_concurrency: object,
    memory_size: object,
    timeout: object,
    lambda_insights: object,
    log_retention: object,
    billing_mode: object,
    read_capacity: object,
    write_capacity: object,
    target_utilization_percent: object,
    point_in_time_recovery: object,
    removal_policy: object,
    alarm_thresholds: object,
    write_token_parameter_name: object,
    authorizer: object,
    iam_write_authorization: object,
    web_acl_arn: object,
    deletion_protection: object,
    moderation: object,
    report_threshold: object,
    one_review_per_reviewer: object,
    moderator_authorizer: object,
    moderator_scopes: object,
    event_bus: object,
) -> None:
    """Raise one ValueError listing every prop that is out of bounds, before anything is created."""
    problems = _Problems()
    problems.lines += name_conflicts
    if isinstance(environment_suffix, str) and Token.is_unresolved(environment_suffix):
        pass  # resolved by CloudFormation inside every name it is part of
    elif not isinstance(environment_suffix, str) or not SUFFIX_PATTERN.fullmatch(environment_suffix):
        problems.add(
            f"environment_suffix {environment_suffix!r} is not allowed: use 1-32 letters, digits, '-' or "
            "'_' (it becomes part of table, function, dashboard, alarm and SSM parameter names)."
        )
    for prop, flag in (
        ("physical_names", physical_names),
        ("api_cloudwatch_role", api_cloudwatch_role),
        ("lambda_insights", lambda_insights),
        ("point_in_time_recovery", point_in_time_recovery),
        ("iam_write_authorization", iam_write_authorization),
        ("one_review_per_reviewer", one_review_per_reviewer),
    ):
        problems.type_of(prop, flag, bool, "True or False")
    if deletion_protection is not None:
        problems.type_of("deletion_protection", deletion_protection, bool, "None, True or False")
    _validate_throttle(problems, throttle)
    if not (isinstance(stage_name, str) and Token.is_unresolved(stage_name)) and (
        not isinstance(stage_name, str) or not STAGE_NAME_PATTERN.fullmatch(stage_name)
    ):
        problems.add(f"stage_name {stage_name!r} is not allowed: use 1-128 letters, digits, '-' or '_'.")
    _validate_origins(problems, cors_allow_origins)
    _validate_seconds(problems, "cors_max_age", cors_max_age, low=0, high=MAX_CORS_MAX_AGE_SECONDS)
    if reserved_concurrency is not None:
        problems.number(
            "reserved_concurrency",
            reserved_concurrency,
            low=1,
            integer=True,
            allowed="None or an integer of at least 1",
        )
    problems.number("memory_size", memory_size, low=128, high=10240, integer=True, unit=" (MB)")
    limit = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS
    _validate_seconds(
        problems, "timeout", timeout, low=1, high=limit, why=f": API Gateway stops waiting after {limit} s"
    )
    problems.type_of("log_retention", log_retention, logs.RetentionDays, "an aws_logs.RetentionDays")
    _validate_billing(problems, billing_mode, read_capacity, write_capacity)
    problems.number(
        "target_utilization_percent",
        target_utilization_percent,
        low=20,
        high=90,
        allowed="from 20 to 90 (DynamoDB auto-scaling's range)",
    )
    problems.type_of("removal_policy", removal_policy, RemovalPolicy, "an aws_cdk.RemovalPolicy")
    _validate_alarm_thresholds(problems, alarm_thresholds)
    if write_token_parameter_name is not None:
        _validate_parameter_name(problems, write_token_parameter_name)
    if authorizer is not None and iam_write_authorization is True:
        problems.add(
            "authorizer and iam_write_authorization=True both authorize POST /reviews: a method has one "
            "authorization type, so choose one."
        )
    if write_token_parameter_name is not None and (authorizer is not None or iam_write_authorization is True):
        problems.add(
            "write_token_parameter_name cannot be combined with authorizer or iam_write_authorization: all of "
            "them use the Authorization header (Bearer token, JWT or SigV4 signature), so every POST would "
            "fail one of them. Choose one way to authorize writes."
        )
    if web_acl_arn is not None and not (
        isinstance(web_acl_arn, str)
        and (Token.is_unresolved(web_acl_arn) or WEB_ACL_ARN_PATTERN.fullmatch(web_acl_arn))
    ):
        problems.add(
            f"web_acl_arn {web_acl_arn!r} is not a regional WAFv2 web ACL ARN "
            "(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); API Gateway stages take regional "
            "web ACLs only."
        )
    if removal_policy == RemovalPolicy.DESTROY and deletion_protection is True:
        problems.add(
            "removal_policy=RemovalPolicy.DESTROY with deletion_protection=True cannot delete the table: "
            "CloudFormation would fail on it. Leave deletion_protection out (DESTROY turns it off) or keep "
            "the table with RemovalPolicy.RETAIN."
        )
    _validate_moderation(
        problems,
        moderation=moderation,
        report_threshold=report_threshold,
        authorizer=authorizer,
        iam_write_authorization=iam_write_authorization,
        one_review_per_reviewer=one_review_per_reviewer,
        moderator_authorizer=moderator_authorizer,
        moderator_scopes=moderator_scopes,
    )
    if event_bus is not None and not hasattr(event_bus, "event_bus_arn"):
        problems.add(f"event_bus must be an aws_events.IEventBus, got {event_bus!r}.")
    problems.raise_if_any("ProductReviewsApi props")


def _validate_moderation(
    problems: _Problems,
    *,
    moderation: object,
    report_threshold: object,
    authorizer: object,
    iam_write_authorization: object,
    one_review_per_reviewer: object,
    moderator_authorizer: object,
    moderator_scopes: object,
) -> None:
    problems.type_of("moderation", moderation, ModerationPolicy, "a ModerationPolicy")
    problems.number(
        "report_threshold", report_threshold, low=1, high=MAX_REPORT_THRESHOLD, integer=True, unit=" reports"
    )
    if one_review_per_reviewer is True and authorizer is None and iam_write_authorization is not True:
        problems.add(
            "one_review_per_reviewer=True needs authenticated writes (authorizer or iam_write_authorization): "
            "otherwise anyone may post under any reviewer_id, so the rule would stop nobody."
        )
    if isinstance(moderator_scopes, str) or not isinstance(moderator_scopes, Sequence):
        problems.add(f"moderator_scopes must be a list of OAuth scopes, got {moderator_scopes!r}.")
        return
    for scope in moderator_scopes:
        if not isinstance(scope, str) or not SCOPE_PATTERN.fullmatch(scope):
            problems.add(
                f"moderator_scopes entry {scope!r} is not an OAuth scope (RFC 6749, section 3.3: visible ASCII "
                "without spaces, quotes or backslashes), such as 'reviews/moderate'."
            )
    if moderator_authorizer is None:
        if moderator_scopes:
            problems.add(
                "moderator_scopes needs moderator_authorizer (a CognitoUserPoolsAuthorizer): without it the "
                "moderation routes use IAM, which has no scopes."
            )
        return
    if not hasattr(moderator_authorizer, "authorizer_id"):
        problems.add(f"moderator_authorizer must be an aws_apigateway.IAuthorizer, got {moderator_authorizer!r}.")
        return
    cognito = getattr(moderator_authorizer, "authorization_type", None) == apigateway.AuthorizationType.COGNITO
    if cognito and not moderator_scopes:
        problems.add(
            "moderator_authorizer is a Cognito user pool authorizer without moderator_scopes: every user of the "
            "pool could moderate. Give the scope only moderators' tokens carry, such as ['reviews/moderate']."
        )
    if not cognito and moderator_scopes:
        problems.add(
            "moderator_scopes only apply to a Cognito user pool authorizer (API Gateway checks scopes of "
            "Cognito access tokens only); a Lambda authorizer decides who moderates in its own policy."
        )


def throttle_limits(throttle: apigateway.ThrottleSettings) -> tuple[float, float]:
    """The stage's rate and burst: the given ones, each falling back to the construct's default."""
    rate = DEFAULT_THROTTLE.rate_limit if throttle.rate_limit is None else throttle.rate_limit
    burst = DEFAULT_THROTTLE.burst_limit if throttle.burst_limit is None else throttle.burst_limit
    assert rate is not None and burst is not None
    return rate, burst


def _validate_throttle(problems: _Problems, throttle: object) -> None:
    if not isinstance(throttle, apigateway.ThrottleSettings):
        problems.add(
            f"throttle must be a ThrottleSettings, got {throttle!r}. Use "
            "aws_apigateway.ThrottleSettings(rate_limit=..., burst_limit=...)."
        )
        return
    rate, burst = throttle_limits(throttle)
    if not is_token_number(rate) and not (isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0):
        problems.add(f"throttle.rate_limit must be greater than 0 requests per second, got {rate!r}.")
    problems.number("throttle.burst_limit", burst, low=0, integer=True)
    if all(_is_number(v) and not is_token_number(v) for v in (rate, burst)) and burst < rate:
        problems.add(
            f"throttle.burst_limit ({burst:g}) must be at least throttle.rate_limit ({rate:g}): a burst smaller "
            "than the steady rate throttles the steady rate."
        )


def _validate_seconds(problems: _Problems, prop: str, duration: object, *, low: int, high: int, why: str = "") -> None:
    """``duration`` must be a Duration of a whole number of seconds from ``low`` to ``high``, or a Token in
    seconds."""
    if not isinstance(duration, Duration):
        problems.add(f"{prop} must be an aws_cdk.Duration, got {duration!r}.")
        return
    try:
        millis = duration.to_milliseconds()
    except RuntimeError:  # a Token in seconds converts to nothing else; in minutes, to nothing at all
        try:
            seconds = duration.to_seconds()
        except RuntimeError as error:
            problems.add(f"{prop} cannot be converted to seconds ({error}): give a Token as Duration.seconds(...).")
            return
        if is_token_number(seconds):
            return
        raise
    if millis % 1000 or not low * 1000 <= millis <= high * 1000:
        problems.add(
            f"{prop} must be a whole number of seconds from {low} to {high}, got {millis / 1000:g} seconds{why}."
        )


def _validate_billing(problems: _Problems, billing_mode: object, read_capacity: object, write_capacity: object) -> None:
    capacities = (("read_capacity", read_capacity), ("write_capacity", write_capacity))
    if billing_mode == dynamodb.BillingMode.PAY_PER_REQUEST:
        for prop, value in capacities:
            if value is not None:
                problems.add(
                    f"{prop}={value!r} applies only to BillingMode.PROVISIONED; on-demand tables "
                    "(BillingMode.PAY_PER_REQUEST) have no capacity to bound. Remove it or use provisioned billing."
                )
        return
    if billing_mode != dynamodb.BillingMode.PROVISIONED:
        problems.add(
            f"billing_mode must be BillingMode.PROVISIONED or BillingMode.PAY_PER_REQUEST, got {billing_mode!r}."
        )
    for prop, value in capacities:
        if value is None:
            continue
        if not isinstance(value, dynamodb.EnableScalingProps):
            problems.add(
                f"{prop} must be an EnableScalingProps, got {value!r}. Use "
                "aws_dynamodb.EnableScalingProps(min_capacity=..., max_capacity=...)."
            )
            continue
        low, high = value.min_capacity, value.max_capacity
        problems.number(f"{prop}.min_capacity", low, low=1, integer=True, unit=" capacity units")
        problems.number(f"{prop}.max_capacity", high, low=1, integer=True, unit=" capacity units")
        if _is_number(low) and _is_number(high) and not Token.is_unresolved(low) and not Token.is_unresolved(high):
            if low > high:
                problems.add(f"{prop}.min_capacity ({low}) must not exceed {prop}.max_capacity ({high}).")


_PERCENT = "from 0 to 100 (a percentage of requests)"
#: How each numeric AlarmThresholds field is checked.
_THRESHOLD_RULES: dict[str, Callable[[_Problems, str, Any], None]] = {
    "client_error_rate_percent": lambda p, prop, v: p.number(prop, v, low=0, high=100, allowed=_PERCENT),
    "server_error_rate_percent": lambda p, prop, v: p.number(prop, v, low=0, high=100, allowed=_PERCENT),
    "function_errors": lambda p, prop, v: p.number(prop, v, low=0, integer=True),
    "function_throttles": lambda p, prop, v: p.number(prop, v, low=0, integer=True),
    "table_throttles": lambda p, prop, v: p.number(prop, v, low=0, integer=True),
}
#: The range a moderation backlog age alarm may have, in seconds: a minute to two weeks.
PENDING_AGE_RANGE = (60, 14 * 24 * 60 * 60)


def _validate_alarm_thresholds(problems: _Problems, thresholds: object) -> None:
    if not problems.type_of("alarm_thresholds", thresholds, AlarmThresholds, "an AlarmThresholds"):
        return
    assert isinstance(thresholds, AlarmThresholds)
    for name, check in _THRESHOLD_RULES.items():
        value = getattr(thresholds, name)
        if value is not None:
            check(problems, f"alarm_thresholds.{name}", value)
    age = thresholds.oldest_pending_review_age
    if age is not None:
        _validate_seconds(
            problems,
            "alarm_thresholds.oldest_pending_review_age",
            age,
            low=PENDING_AGE_RANGE[0],
            high=PENDING_AGE_RANGE[1],
        )
    latency = thresholds.latency_p99
    if latency is None:
        return
    if not isinstance(latency, Duration):
        problems.add(f"alarm_thresholds.latency_p99 must be an aws_cdk.Duration or None, got {latency!r}.")
        return
    try:
        millis = latency.to_milliseconds()
    except RuntimeError as error:
        problems.add(f"alarm_thresholds.latency_p99 cannot be converted to milliseconds ({error}).")
        return
    if not Token.is_unresolved(millis) and not 1 <= millis <= API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS * 1000:
        problems.add(f"alarm_thresholds.latency_p99 must be from 1 ms to 29 s, got {millis:g} ms.")


def serialized_origin(origin: str) -> str | None:
    """``origin`` as a browser sends it in ``Origin`` (RFC 6454, section 6.2: lower-case scheme and host, the
    host in ASCII (punycode), no default port, no path), or None when it is not an http(s) origin at all."""
    if not origin.isprintable() or any(character in origin for character in " ,*\\"):
        return None
    parts = urlsplit(origin)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
        host = parts.hostname or ""
        host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None or "[" in parts.netloc and ":" not in host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port is not None and port != DEFAULT_PORTS[scheme] else "")


def _validate_origins(problems: _Problems, origins: object) -> None:
    if isinstance(origins, str) or not isinstance(origins, Sequence) or not origins:
        problems.add(
            f"cors_allow_origins must be a non-empty list of origins, got {origins!r}: use ['*'] or "
            "['https://shop.example.com', ...]."
        )
        return
    for origin in origins:
        if not problems.literal(
            "cors_allow_origins entry",
            origin,
            "origins are compared with the caller's Origin header at synth time (the preflight template and "
            "the gateway responses), so list them literally.",
        ):
            continue
        if origin == "*":
            if len(origins) > 1:
                problems.add(
                    f"cors_allow_origins {list(origins)!r} mixes '*' with specific origins: use ['*'] alone "
                    "or list the origins."
                )
            continue
        serialized = serialized_origin(origin) if isinstance(origin, str) else None
        if serialized is None:
            problems.add(
                f"cors_allow_origins entry {origin!r} is not an origin: use scheme and host with no path, "
                "such as 'https://shop.example.com'."
            )
        elif serialized != origin:
            problems.add(
                f"cors_allow_origins entry {origin!r} would never match: browsers send the origin serialized "
                f"(RFC 6454, section 6.2: lower-case scheme and host, no default port, no trailing slash), so "
                f"list {serialized!r}."
            )


def _validate_parameter_name(problems: _Problems, name: object) -> None:
    if not isinstance(name, str) or Token.is_unresolved(name):
        problems.add(
            f"write_token_parameter_name must be a literal SSM parameter name such as '/tap/auth/token', got "
            f"{name!r}: it cannot be a Token, because the function's permissions name the parameter, so it "
            "must be known at synth time."
        )
        return
    first_segment = name.lstrip("/").split("/")[0].lower()
    if (
        not PARAMETER_NAME_PATTERN.fullmatch(name)
        or len(name) > MAX_PARAMETER_NAME_LENGTH
        or first_segment.startswith(("aws", "ssm"))
    ):
        problems.add(
            f"write_token_parameter_name {name!r} is not an SSM parameter name: use up to "
            f"{MAX_PARAMETER_NAME_LENGTH} letters, digits, '_', '.', '-', with a leading '/' before each "
            "segment of a path, not starting with 'aws' or 'ssm', such as '/tap/auth/token'."
        )
