"""``tap-reviews cost``: price a synthesized ProductReviewsApi for a workload, line by line, on both billing modes."""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from typing import Any

from ..cost import ASSUMPTIONS, ON_DEMAND, PROVISIONED, Comparison, Deployment, Estimate, Workload
from . import CliError, add_assembly_options

#: Workload fields with a flag: (flag, help). The two required ones come first.
WORKLOAD_FLAGS = {
    "reviews_per_day": ("--reviews-per-day", "reviews posted a day"),
    "reads_per_review": ("--reads-per-review", "GET /reviews requests per review posted"),
    "product_listing_share": ("--product-listing-share", "share of GETs that list a product (the rest a reviewer)"),
    "average_review_bytes": ("--review-bytes", "average stored review size in bytes"),
    "reviews_per_page": ("--page-size", "reviews a GET returns on average"),
    "idempotent_post_share": ("--idempotent-share", "share of POSTs sending Idempotency-Key"),
    "peak_factor": ("--peak-factor", "peak request rate over the average rate"),
    "months_of_reviews_stored": ("--months-stored", "months of reviews the table holds"),
    "post_duration_ms": ("--post-ms", "average Lambda duration of a POST (ms)"),
    "get_duration_ms": ("--get-ms", "average Lambda duration of a GET (ms)"),
    "preflights_per_review": ("--preflights-per-review", "CORS preflight (OPTIONS) requests per review"),
    "review_reads_per_review": ("--review-reads-per-review", "GET /reviews/{review_id} requests per review"),
    "edits_per_review": ("--edits-per-review", "author edits (PATCH) per review"),
    "deletions_per_review": ("--deletions-per-review", "share of reviews deleted (by authors or moderators)"),
    "reports_per_review": ("--reports-per-review", "reports of abuse per review"),
    "decisions_per_review": (
        "--decisions-per-review",
        "moderators' decisions per review (default: 1 + edits under pre-moderation, else 0)",
    ),
    "summary_requests_per_review": ("--summaries-per-review", "GET /summaries requests (category pages) per review"),
    "products_per_summary_request": ("--products-per-summary", "products one GET /summaries asks for, 1-100"),
    "votes_per_review": ("--votes-per-review", "helpful votes per review"),
    "range_listing_share": (
        "--range-listing-share",
        "share of product listings with a range of stars (rating=4-5) in date or helpfulness order",
    ),
}


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "cost",
        help="estimate the monthly AWS bill of a synthesized ProductReviewsApi",
        description="Price the ProductReviewsApi of a synthesized stack for a workload, line by line, on its "
        "billing mode and the other one, with a verdict and the volume where the modes cross. The deployment "
        "comes from the template; the flags describe the workload. Prices: us-east-1, tap_reviews.cost.prices.",
    )
    add_assembly_options(parser)
    defaults = {field.name: field.default for field in dataclasses.fields(Workload)}
    for name, (flag, text) in WORKLOAD_FLAGS.items():
        required = defaults[name] is dataclasses.MISSING
        described = text if required or defaults[name] is None else f"{text} (default: {defaults[name]:g})"
        # Numbers are parsed here, not by argparse, so a bad value is one line naming the flag.
        parser.add_argument(flag, dest=name, required=required, metavar="N", help=described)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..cloud_assembly import AssemblyError, assembly_from, load
    from ..cost import compare_billing_modes

    values: dict[str, Any] = {
        name: _number(flag, getattr(args, name)) for name, (flag, _) in WORKLOAD_FLAGS.items() if getattr(args, name)
    }
    try:
        workload = Workload(**values)
    except ValueError as error:
        # Name the flags, not the fields: "--peak-factor must be a number of at least 1, got 0.5."
        flags = {name: flag for name, (flag, _) in WORKLOAD_FLAGS.items()}
        message = re.sub(r"^- (\w+)", lambda m: "- " + flags.get(m.group(1), m.group(1)), str(error), flags=re.M)
        raise CliError(message.replace("\n", " ")) from None
    try:
        with assembly_from(args.app, args.assembly) as assembly_dir:
            deployment = Deployment.from_stack(load(assembly_dir, args.stack))
    except AssemblyError as error:
        raise CliError(str(error)) from error
    print("\n".join(report(workload, deployment, compare_billing_modes(workload, deployment))))
    return 0


def _number(flag: str, text: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise CliError(f"{flag} must be a number, got {text!r}") from None


def report(workload: Workload, deployment: Deployment, comparison: Comparison) -> list[str]:
    """The text ``tap-reviews cost`` prints: both bills, one verdict, where the modes cross, the assumptions."""
    from ..cost.prices import PRICE_SOURCE

    deployed, other = (comparison.on_demand, comparison.provisioned)
    if deployment.billing_mode == PROVISIONED:
        deployed, other = other, deployed
    gets = workload.reviews_per_day * workload.reads_per_review
    lines = [
        f"tap-reviews cost: stack {deployment.stack_name}, {workload.reviews_per_day:,.0f} reviews/day, "
        f"{workload.reads_per_review:g} reads per review ({gets:,.0f} GETs/day, "
        f"{workload.product_listing_share:.0%} by product), peak x{workload.peak_factor:g}",
        f"prices: {PRICE_SOURCE}",
        "",
        *_table(deployed, "as deployed"),
        "",
        *_table(other, "what if"),
        "",
        _verdict(comparison),
        _crossing(workload, comparison),
    ]
    if any("throttle of" in warning for warning in deployed.warnings):
        lines.append("In either mode the stage's throttle answers 429 to part of this traffic (see the warning).")
    return [*lines, "", "assumptions:", *(f"  - {text}" for text in ASSUMPTIONS)]


def _verdict(comparison: Comparison) -> str:
    if comparison.provisioned.throttled:
        return (
            f"verdict: {ON_DEMAND}. Provisioned capacity would need more than its max_capacity at this peak and "
            "DynamoDB would throttle (its price is shown at max_capacity); on-demand serves the traffic."
        )
    cheaper = comparison.cheaper_mode
    winner, loser = (comparison.on_demand, comparison.provisioned)
    if cheaper == PROVISIONED:
        winner, loser = loser, winner
    savings = loser.total_usd - winner.total_usd
    return (
        f"verdict: {cheaper}, by ${savings:,.2f} a month ({savings / loser.total_usd:.1%} less than "
        f"{loser.deployment.billing_mode})."
    )


def _crossing(workload: Workload, comparison: Comparison) -> str:
    limit = comparison.provisioned_limit
    up_to = f"up to {limit:,.0f} reviews/day, where a provisioned max_capacity is reached at peak"
    if comparison.crossing is None:
        writes, reads = comparison.capacity_cost_ratio
        return (
            f"crossing: none. On-demand is cheaper at every volume provisioned can serve ({up_to}; at "
            f"{workload.reads_per_review:g} reads per review): above its floor, provisioned capacity costs "
            f"{writes:.2f}x (writes) and {reads:.2f}x (reads) what on-demand charges for the same work."
        )
    return (
        f"crossing: provisioned is cheaper from {math.ceil(comparison.crossing):,} reviews/day ({up_to}), "
        f"on-demand below (at {workload.reads_per_review:g} reads per review)."
    )


def _table(estimate: Estimate, title: str) -> list[str]:
    deployment = estimate.deployment
    mode = deployment.billing_mode
    if mode == PROVISIONED:
        bounds = sorted({f"{side.min_capacity}-{side.max_capacity}" for side in deployment.capacity})
        mode += f" ({', '.join(bounds)} units, target {deployment.target_utilization_percent:g}%)"
    header = ("service", "item", "quantity", "unit", "unit price", "USD/month")
    rows = [
        (
            line.service,
            line.item,
            _quantity(line.quantity),
            line.unit,
            f"{line.unit_price_usd:.10f}".rstrip("0").rstrip("."),
            f"{line.monthly_usd:,.2f}",
        )
        for line in estimate.line_items
    ]
    total = ("total", "", "", "", "", f"{estimate.total_usd:,.2f}")
    widths = [max(len(row[column]) for row in (header, *rows, total)) for column in range(len(header))]

    def render(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(w) if i in (2, 4, 5) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "-" * (sum(widths) + 2 * (len(widths) - 1))
    return [
        f"{mode}, {title}: ${estimate.total_usd:,.2f} a month",
        render(header),
        rule,
        *map(render, rows),
        rule,
        render(total),
        *(f"  warning: {warning}" for warning in estimate.warnings),
    ]


def _quantity(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.4f}" if value < 1 else f"{value:,.2f}"
