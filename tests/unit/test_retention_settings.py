"""The schedule and retention settings: documented defaults, values from the environment, and
a refusal naming the variable for anything unusable."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.settings import Settings


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path), **env})


def test_defaults(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert settings.refresh_cron == "0 2 * * *"
    assert settings.keep_versions == 5
    assert settings.keep_gx_results == 50
    assert settings.keep_runs_days == 30


def test_values_from_the_environment(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        CITYGVC_REFRESH_CRON=" 45 23  * * 6 ",
        CITYGVC_KEEP_VERSIONS="2",
        CITYGVC_KEEP_GX_RESULTS="10",
        CITYGVC_KEEP_RUNS_DAYS="365",
    )
    assert settings.refresh_cron == "45 23 * * 6"
    assert (settings.keep_versions, settings.keep_gx_results, settings.keep_runs_days) == (
        2,
        10,
        365,
    )


@pytest.mark.parametrize("cron", ["0 25 * * *", "daily", "0 2 * *", "*/5 * * * * *", "0 0 30 2 *"])
def test_an_invalid_cron_is_refused_by_name(tmp_path: Path, cron: str) -> None:
    with pytest.raises(ValueError, match=r"^CITYGVC_REFRESH_CRON must be a five-field cron"):
        _settings(tmp_path, CITYGVC_REFRESH_CRON=cron)


@pytest.mark.parametrize("name", ["KEEP_VERSIONS", "KEEP_GX_RESULTS", "KEEP_RUNS_DAYS"])
@pytest.mark.parametrize("value", ["0", "-1", "3.5", "all"])
def test_a_keep_setting_below_one_or_not_a_number_is_refused_by_name(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ValueError, match=rf"^CITYGVC_{name} must be a whole number of at least 1"):
        _settings(tmp_path, **{f"CITYGVC_{name}": value})
