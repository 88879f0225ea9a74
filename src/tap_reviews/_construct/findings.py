"""Scanner findings this construct accepts on purpose: each acknowledged on its own resource, with a reason.

cdk-nag (v3) reads CDK's ``Validations`` acknowledgments; checkov reads ``checkov.skip`` metadata on the
CloudFormation resource. Nothing here turns a check off for a whole stack or a whole construct.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def acknowledge_nag(scope: IConstruct, *rule_ids: str, reason: str) -> None:
    """Acknowledge cdk-nag findings such as ``AwsSolutions::AwsSolutions-APIG4`` on ``scope``."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in rule_ids))


def skip_checkov(scope: IConstruct, *check_ids: str, reason: str) -> None:
    """Record checkov skips (``CKV_AWS_116``, ...) with their reason on the CloudFormation resource of ``scope``."""
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{scope.node.path} has no CloudFormation resource to record checkov skips on")
    existing: dict[str, Any] = resource.get_metadata("checkov") or {}
    skips = [*existing.get("skip", []), *({"id": check_id, "comment": reason} for check_id in check_ids)]
    resource.add_metadata("checkov", {"skip": skips})


def nag_resource(scope: IConstruct, value: str) -> str:
    """``value`` (an ARN, with Tokens) as cdk-nag names it in a finding: ``Ref``s and pseudo parameters as
    ``<LogicalId>`` and ``<AWS::Region>``, joined."""
    resolved = Stack.of(scope).resolve(value)
    parts = resolved["Fn::Join"][1] if isinstance(resolved, dict) and "Fn::Join" in resolved else [resolved]
    return "".join(f"<{part['Ref']}>" if isinstance(part, dict) and "Ref" in part else str(part) for part in parts)
