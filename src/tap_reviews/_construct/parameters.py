"""SSM parameters that publish where the API's parts are, for other stacks and scripts to find."""

from __future__ import annotations

from aws_cdk import aws_ssm as ssm
from constructs import Construct


def publish_parameters(
    scope: Construct,
    *,
    prefix: str | None,
    values: dict[str, tuple[str, str]],
) -> dict[str, ssm.StringParameter]:
    """Create one String parameter per ``{key: (value, description)}``, named ``{prefix}{key}``.

    With no prefix, CloudFormation names the parameters; the returned mapping still finds them.
    """
    parameters: dict[str, ssm.StringParameter] = {}
    for key, (value, description) in values.items():
        construct_id = "".join(part.capitalize() for part in key.replace("/", "-").split("-")) + "Parameter"
        parameters[key] = ssm.StringParameter(
            scope,
            construct_id,
            parameter_name=f"{prefix}{key}" if prefix else None,
            # Named paths start with '/'; said here so a Token in the suffix does not hide it from CDK.
            simple_name=False if prefix else None,
            string_value=value,
            description=description,
            tier=ssm.ParameterTier.STANDARD,
        )
    return parameters
