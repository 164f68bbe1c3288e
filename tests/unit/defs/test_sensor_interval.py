"""CITYGVC_SENSOR_INTERVAL_SECONDS: how often the daemon evaluates the catalog sensor."""

from __future__ import annotations

import pytest

from orchestration.defs.ingest.sensor import (
    SENSOR_INTERVAL_ENV,
    release_catalog_sensor,
    sensor_interval_seconds,
)


def test_default_and_values_from_the_environment() -> None:
    assert sensor_interval_seconds({}) == 300
    assert sensor_interval_seconds({SENSOR_INTERVAL_ENV: " 5 "}) == 5
    assert sensor_interval_seconds({SENSOR_INTERVAL_ENV: "3600"}) == 3600


@pytest.mark.parametrize("text", ["0", "-5", "5s", "1.5", "five"])
def test_anything_else_is_refused_naming_the_variable(text: str) -> None:
    with pytest.raises(ValueError, match=SENSOR_INTERVAL_ENV):
        sensor_interval_seconds({SENSOR_INTERVAL_ENV: text})


def test_the_sensor_takes_its_interval_from_the_setting() -> None:
    assert release_catalog_sensor.minimum_interval_seconds == sensor_interval_seconds()
