"""tap-reviews: a production-grade product-reviews API for AWS CDK v2 apps, in one construct.

```python
from tap_reviews import ProductReviewsApi

ProductReviewsApi(self, "Reviews")
```
"""

from .reviews_api import ProductReviewsApi
from .settings import CapacityBounds, ThrottleSettings

__all__ = ["CapacityBounds", "ProductReviewsApi", "ThrottleSettings"]
