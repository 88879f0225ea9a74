"""tap-reviews: a production-grade product-reviews API for AWS CDK v2 apps, in one construct.

```python
from tap_reviews import ProductReviewsApi

ProductReviewsApi(self, "Reviews")
```

The package holds three parts: the construct (``ProductReviewsApi`` in ``reviews_api``, its props in
``props``, one private builder per service in ``_construct``), the Lambda runtime it deploys
(``function_code/reviews_runtime``, standard library and boto3 only), and tools that read a synthesized
app (``local``: ``tap-reviews local``; ``cost``: ``tap-reviews cost``; ``cli``: the command).

The construct's names are imported on first use, so the tools and the runtime never start aws_cdk's
jsii process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .props import AlarmThresholds, ModerationPolicy
    from .reviews_api import ProductReviewsApi

__all__ = ["AlarmThresholds", "ModerationPolicy", "ProductReviewsApi"]

_HOMES = {"AlarmThresholds": ".props", "ModerationPolicy": ".props", "ProductReviewsApi": ".reviews_api"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
