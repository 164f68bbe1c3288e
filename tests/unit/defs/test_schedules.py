"""The refresh runs when CITYGVC_REFRESH_CRON says, the retention job daily after it, and
every setting reaches Dagster runs through the `citygvc` resource."""

from __future__ import annotations

from pathlib import Path

from dagster import DefaultScheduleStatus

from orchestration.defs.resources import CitygvcSettings
from orchestration.defs.schedules import daily_refresh_schedule
from orchestration.settings import Settings


def test_the_refresh_schedule_takes_its_cron_from_the_setting() -> None:
    schedule = daily_refresh_schedule("15 4 * * 1-5")
    assert schedule.cron_schedule == "15 4 * * 1-5"
    assert schedule.job_name == "refresh_job"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert "15 4 * * 1-5" in (schedule.description or "")


def test_the_code_location_schedules_refresh_and_retention(tmp_path: Path) -> None:
    from orchestration.definitions import build_definitions

    env = {"CITYGVC_DATA_DIR": str(tmp_path), "CITYGVC_REFRESH_CRON": "0  6 * * *"}
    defs = build_definitions(Settings.from_env(env))
    assert defs.resolve_schedule_def("daily_refresh").cron_schedule == "0 6 * * *"
    retention = defs.resolve_schedule_def("daily_retention")
    assert retention.job_name == "retention_job"
    assert retention.default_status == DefaultScheduleStatus.RUNNING
    assert defs.resolve_job_def("retention_job").name == "retention_job"


def test_every_setting_survives_the_round_trip_through_the_resource(tmp_path: Path) -> None:
    env = {
        "CITYGVC_DATA_DIR": str(tmp_path),
        "CITYGVC_DISCLOSURE": "off",
        "CITYGVC_REFRESH_CRON": "30 1 * * 0",
        "CITYGVC_KEEP_VERSIONS": "2",
        "CITYGVC_KEEP_GX_RESULTS": "7",
        "CITYGVC_KEEP_RUNS_DAYS": "90",
    }
    settings = Settings.from_env(env)
    assert CitygvcSettings.from_settings(settings).get() == settings
