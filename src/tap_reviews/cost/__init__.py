"""What a ProductReviewsApi deployment costs a month, read from its synthesized template.

The deployment (billing mode, capacity bounds, memory, Insights, throttle, log retention, alarms, ...) comes
from the cloud assembly; only the workload is yours to describe::

    from tap_reviews.cost import Deployment, Workload, compare_billing_modes, estimate

    deployment = Deployment.from_assembly("cdk.out", stack="Shop")
    print(estimate(Workload(reviews_per_day=2500, reads_per_review=20), deployment).total_usd)
    print(compare_billing_modes(Workload(2500, 20), deployment).cheaper_mode)

``tap-reviews cost`` prints the same, line by line. Prices: ``tap_reviews.cost.prices``. Imports nothing
from aws_cdk.
"""

from .deployment import ON_DEMAND, PROVISIONED, CapacitySide, Deployment
from .model import ASSUMPTIONS, Capacity, Comparison, Estimate, LineItem, Workload, compare_billing_modes, estimate
from .prices import US_EAST_1, PriceList

__all__ = [
    "ASSUMPTIONS",
    "ON_DEMAND",
    "PROVISIONED",
    "US_EAST_1",
    "Capacity",
    "CapacitySide",
    "Comparison",
    "Deployment",
    "Estimate",
    "LineItem",
    "PriceList",
    "Workload",
    "compare_billing_modes",
    "estimate",
]
