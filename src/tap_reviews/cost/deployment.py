"""What a synthesized ProductReviewsApi deploys that changes its bill, read from the template.

Billing mode, capacity bounds and target, backups, memory, Insights, reserved concurrency, the stage's
throttle, detailed metrics and tracing, log retention, and the construct's own alarms, dashboards and
parameters all come from the stack's template, so the estimate prices what ``cdk deploy`` would create.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..cloud_assembly import AssemblyError, ReviewsStack, load, ref
from ..function_code.reviews_runtime import contract

PROVISIONED = "provisioned"
ON_DEMAND = "on-demand"
#: The construct's default capacity bounds and target: what "what if provisioned" prices for an on-demand table.
DEFAULT_BOUNDS = (5, 100)
DEFAULT_TARGET_PERCENT = 70.0
#: The provisioned capacities: (the table or an index by name, read or write).
_SIDES = tuple((name, kind) for name in ("table", *contract.GLOBAL_INDEX_NAMES) for kind in ("write", "read"))


@dataclass(frozen=True)
class CapacitySide:
    """Auto-scaling bounds of one provisioned capacity: ``resource`` (table or index) and ``kind`` (read or write)."""

    resource: str
    kind: str
    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class Deployment:
    """A ProductReviewsApi's billable settings, as its synthesized template has them.

    Attributes:
        stack_name: The stack read.
        billing_mode: ``"provisioned"`` or ``"on-demand"``.
        capacity: Auto-scaling bounds of the table and each index, read and write (empty on demand).
        target_utilization_percent: Auto-scaling's target utilization (provisioned).
        point_in_time_recovery: Continuous backups of the table.
        memory_size: Function memory in MB.
        lambda_insights: The Lambda Insights extension is attached.
        reserved_concurrency: The function's reserved concurrency, or None.
        throttle_rate_limit: The stage's steady request limit, per second.
        detailed_metrics: The stage reports per-method metrics (billed as custom metrics).
        tracing: API Gateway and the function trace with X-Ray.
        function_log_retention_days: Retention of the function's log group (None: never expire).
        access_log_retention_days: Retention of the stage's access log group (None: never expire).
        alarm_metrics: Metrics the construct's alarms evaluate (alarms are billed per metric).
        dashboards: The construct's dashboards.
        parameters: SSM parameters: those it publishes, and the write token's SecureString when set.
        write_token: ``write_token_parameter_name`` is set (the function reads SSM every 5 minutes).
        moderation: The moderation policy: ``none``, ``pre`` or ``post``.
        backlog_schedule: A schedule invokes the function to measure the moderation backlog.
        events: An event bus gets one event per committed change (the publisher function exists).
    """

    stack_name: str
    billing_mode: str
    capacity: tuple[CapacitySide, ...]
    target_utilization_percent: float
    point_in_time_recovery: bool
    memory_size: int
    lambda_insights: bool
    reserved_concurrency: int | None
    throttle_rate_limit: float
    detailed_metrics: bool
    tracing: bool
    function_log_retention_days: int | None
    access_log_retention_days: int | None
    alarm_metrics: int
    dashboards: int
    parameters: int
    write_token: bool
    moderation: str = contract.MODERATION_NONE
    backlog_schedule: bool = False
    events: bool = False

    @classmethod
    def from_assembly(cls, assembly_dir: str | Path = "cdk.out", stack: str | None = None) -> Deployment:
        """The deployment in a synthesized cloud assembly (``cdk synth``'s output folder).

        Args:
            assembly_dir: The cloud assembly directory. Default: "cdk.out".
            stack: The stack holding the ProductReviewsApi. Default: the only one that holds one.

        Raises:
            AssemblyError: No such assembly or stack, or a setting is resolved only at deploy time.
        """
        return cls.from_stack(load(Path(assembly_dir), stack))

    @classmethod
    def from_stack(cls, stack: ReviewsStack) -> Deployment:
        """The deployment of a stack already read (see ``tap_reviews.cloud_assembly.load``)."""
        table = stack.resources[stack.table_id]["Properties"]
        function = stack.function
        targets: dict[tuple[str, str], dict[str, Any]] = {}
        for scalable in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget").values():
            kind = "write" if "WriteCapacity" in str(scalable["ScalableDimension"]) else "read"
            resource = str(scalable["ResourceId"])
            name = next((n for n, _ in _SIDES if n != "table" and f"/index/{n}" in resource), "table")
            targets[(name, kind)] = scalable
        capacity = tuple(
            CapacitySide(
                name,
                kind,
                int(stack.literal(target["MinCapacity"], "a capacity bound")),
                int(stack.literal(target["MaxCapacity"], "a capacity bound")),
            )
            for name, kind in _SIDES
            if (target := targets.get((name, kind))) is not None
        )
        policies = stack.of_type("AWS::ApplicationAutoScaling::ScalingPolicy").values()
        targets_percent = [
            policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
            for policy in policies
            if "TargetTrackingScalingPolicyConfiguration" in policy
        ]
        (stage,) = [s for s in stack.of_type("AWS::ApiGateway::Stage").values() if _invokes(stack, s.get("RestApiId"))]
        settings: dict[str, Any] = next(
            (s for s in stage.get("MethodSettings", []) if s.get("ResourcePath") == "/*"), {}
        )
        variables = function.get("Environment", {}).get("Variables", {})
        return cls(
            stack_name=stack.name,
            billing_mode=ON_DEMAND if table.get("BillingMode") == "PAY_PER_REQUEST" else PROVISIONED,
            capacity=capacity,
            target_utilization_percent=float(
                stack.literal(targets_percent[0], "the target utilization")
                if targets_percent
                else DEFAULT_TARGET_PERCENT
            ),
            point_in_time_recovery=bool(
                table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)
            ),
            memory_size=int(stack.literal(function.get("MemorySize", 128), "the function's memory")),
            lambda_insights=any("LambdaInsightsExtension" in str(layer) for layer in function.get("Layers", [])),
            reserved_concurrency=stack.literal(function.get("ReservedConcurrentExecutions"), "reserved concurrency"),
            throttle_rate_limit=float(stack.literal(settings.get("ThrottlingRateLimit", 10000), "the throttle rate")),
            detailed_metrics=bool(settings.get("MetricsEnabled", False)),
            tracing=bool(stage.get("TracingEnabled", False))
            and function.get("TracingConfig", {}).get("Mode") == "Active",
            function_log_retention_days=_retention(stack, function.get("LoggingConfig", {}).get("LogGroup")),
            access_log_retention_days=_retention(stack, stage.get("AccessLogSetting", {}).get("DestinationArn")),
            alarm_metrics=sum(_billed_metrics(alarm) for alarm in _owned(stack, "AWS::CloudWatch::Alarm")),
            dashboards=len(_owned(stack, "AWS::CloudWatch::Dashboard")),
            parameters=len(_owned(stack, "AWS::SSM::Parameter")) + (contract.ENV_WRITE_TOKEN_PARAMETER in variables),
            write_token=contract.ENV_WRITE_TOKEN_PARAMETER in variables,
            moderation=str(variables.get(contract.ENV_MODERATION, contract.MODERATION_NONE)),
            backlog_schedule=bool(_owned(stack, "AWS::Events::Rule")),
            events=any(
                f.get("Handler") == contract.EVENTS_HANDLER for f in stack.of_type("AWS::Lambda::Function").values()
            ),
        )

    def with_billing_mode(self, billing_mode: str) -> Deployment:
        """The same deployment with the other billing mode: on-demand drops the capacity; provisioned keeps
        the template's bounds, or takes the construct's defaults (5-100 units at 70 %) if it had none."""
        if billing_mode == ON_DEMAND:
            return replace(self, billing_mode=ON_DEMAND, capacity=())
        capacity = self.capacity or tuple(CapacitySide(name, kind, *DEFAULT_BOUNDS) for name, kind in _SIDES)
        return replace(self, billing_mode=PROVISIONED, capacity=capacity)


def _invokes(stack: ReviewsStack, rest_api: Any) -> bool:
    """True when the REST API ``rest_api`` refers to has a method that invokes the reviews function."""
    api_id = ref(rest_api)
    return any(
        ref(method.get("RestApiId")) == api_id and stack.function_id in str(method.get("Integration", {}).get("Uri"))
        for method in stack.of_type("AWS::ApiGateway::Method").values()
    )


def _retention(stack: ReviewsStack, log_group: Any) -> int | None:
    logical_id = ref(log_group)
    if logical_id is None or logical_id not in stack.resources:
        raise AssemblyError(f"stack {stack.name!r}: cannot find the log group {log_group!r} in the template.")
    days = stack.resources[logical_id]["Properties"].get("RetentionInDays")
    return None if days is None else int(stack.literal(days, "a log retention"))


def _owned(stack: ReviewsStack, resource_type: str) -> list[dict[str, Any]]:
    """The construct's resources of a type: under its construct path, or the whole stack without path metadata."""
    function_path = str(stack.resources[stack.function_id].get("Metadata", {}).get("aws:cdk:path", ""))
    prefix = function_path.rsplit("/", 2)[0] + "/" if function_path.count("/") >= 2 else ""
    return [
        resource.get("Properties", {})
        for resource in stack.resources.values()
        if resource.get("Type") == resource_type
        and str(resource.get("Metadata", {}).get("aws:cdk:path", "")).startswith(prefix)
    ]


def _billed_metrics(alarm: dict[str, Any]) -> int:
    """An alarm is billed per metric it evaluates; metric math expressions themselves are free."""
    return sum(1 for query in alarm["Metrics"] if "MetricStat" in query) if "Metrics" in alarm else 1
