"""ThrottleSettings and CapacityBounds validate themselves when they are made."""

import re

import pytest

from tap_reviews import CapacityBounds, ThrottleSettings


def test_defaults_are_seed_004s():
    assert ThrottleSettings() == ThrottleSettings(rate_limit=10, burst_limit=20)
    assert CapacityBounds() == CapacityBounds(min_capacity=5, max_capacity=100)


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        ThrottleSettings().rate_limit = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: ThrottleSettings(rate_limit=0),
            "ThrottleSettings.rate_limit must be greater than 0 requests per second, got 0.",
        ),
        (
            lambda: ThrottleSettings(rate_limit=-1, burst_limit=5),
            "ThrottleSettings.rate_limit must be greater than 0 requests per second, got -1.",
        ),
        (
            lambda: ThrottleSettings(rate_limit=30, burst_limit=20),
            "ThrottleSettings.burst_limit (20) must be at least ThrottleSettings.rate_limit (30)",
        ),
        (lambda: ThrottleSettings(burst_limit=2.5), "ThrottleSettings.burst_limit must be an integer, got 2.5."),
        (lambda: ThrottleSettings(rate_limit="10"), "ThrottleSettings.rate_limit must be a number, got '10'."),
        (
            lambda: CapacityBounds(min_capacity=200, max_capacity=100),
            "CapacityBounds.min_capacity (200) must not exceed CapacityBounds.max_capacity (100).",
        ),
        (
            lambda: CapacityBounds(min_capacity=0),
            "CapacityBounds.min_capacity must be at least 1 capacity unit, got 0.",
        ),
        (lambda: CapacityBounds(max_capacity=True), "CapacityBounds.max_capacity must be an integer, got True."),
    ],
)
def test_bad_values_name_the_field_the_value_and_the_rule(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()
