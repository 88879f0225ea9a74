#!/usr/bin/env python3
"""Example CDK app: two stacks that use tap-reviews the way an application would.

1. ``TapStack{suffix}``: seed 004's product-reviews API, in ``CDK_DEFAULT_REGION`` (default us-east-2), with
   its 50 reserved executions (the account's Lambda concurrency must be at least 150).
2. ``TapLambdaStack{suffix}``: seed 000's Lambda shape in us-east-1: 1000 reserved concurrency (an account
   concurrency of at least 1,100), Lambda Insights, 512 MB and one-week logs, with ``tap-{suffix}`` names.
   Seed 000's secret read from SSM at run time becomes the write token: POSTs need
   ``Authorization: Bearer <token>`` where the token is the SecureString ``/tap/{suffix}/auth/token``.
   Create it before the first POST::

       aws ssm put-parameter --region us-east-1 --type SecureString \
           --name /tap/dev/auth/token --value "$(openssl rand -hex 32)"

Both are development stacks, so they opt into ``RemovalPolicy.DESTROY`` (which also leaves the table's
deletion protection off); the library's defaults are RETAIN and protected.
The suffix comes from ``-c environmentSuffix=...`` (default ``dev``).
"""

import os

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_logs as logs
from constructs import Construct

from tap_reviews import ProductReviewsApi


class ReviewsStack(cdk.Stack):
    """A stack holding one ProductReviewsApi and outputs for its URL and table."""

    def __init__(self, scope: Construct, construct_id: str, *, reviews: dict, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.reviews = ProductReviewsApi(self, "Reviews", removal_policy=cdk.RemovalPolicy.DESTROY, **reviews)
        cdk.CfnOutput(self, "ApiUrl", value=f"{self.reviews.url}reviews", description="POST and GET reviews here")
        cdk.CfnOutput(self, "TableName", value=self.reviews.table.table_name)
        cdk.CfnOutput(self, "DashboardName", value=self.reviews.dashboard.dashboard_name)


def build_app(app: cdk.App) -> cdk.App:
    """Add the example stacks to ``app`` and return it."""
    suffix = app.node.try_get_context("environmentSuffix") or "dev"
    account = os.getenv("CDK_DEFAULT_ACCOUNT")

    cdk.Tags.of(app).add("Environment", suffix)
    cdk.Tags.of(app).add("Repository", os.getenv("REPOSITORY", "unknown"))
    cdk.Tags.of(app).add("Author", os.getenv("COMMIT_AUTHOR", "unknown"))

    ReviewsStack(
        app,
        f"TapStack{suffix}",
        # Seed 004's settings, explicitly: its 50 reserved executions need an account concurrency of 150.
        reviews={
            "environment_suffix": suffix,
            "throttle": apigateway.ThrottleSettings(rate_limit=10, burst_limit=20),
            "reserved_concurrency": 50,
        },
        env=cdk.Environment(account=account, region=os.getenv("CDK_DEFAULT_REGION", "us-east-2")),
        description="Product reviews API (tap-reviews example, seed 004)",
    )
    ReviewsStack(
        app,
        f"TapLambdaStack{suffix}",
        reviews={
            "environment_suffix": f"tap-{suffix}",
            "reserved_concurrency": 1000,
            "lambda_insights": True,
            "memory_size": 512,
            "log_retention": logs.RetentionDays.ONE_WEEK,
            "write_token_parameter_name": f"/tap/{suffix}/auth/token",
        },
        env=cdk.Environment(account=account, region="us-east-1"),
        description="Product reviews API with seed 000's Lambda settings (tap-reviews example)",
    )
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
