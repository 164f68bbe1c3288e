"""The Dagster code location (`dagster dev -m orchestration.definitions`)."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster import Definitions
from dagster_dbt import DbtCliResource

from orchestration.assets.ingest import raw_asif, raw_fdi_city
from orchestration.assets.publish import published_marts
from orchestration.assets.transform import dbt_intermediate, dbt_marts, dbt_staging
from orchestration.checks import asset_checks
from orchestration.dbt_manifest import dbt_project
from orchestration.freshness import freshness_checks, freshness_schedule
from orchestration.jobs import ingest_asif_job, ingest_fdi_city_job, transform_job
from orchestration.resources import CitygvcSettings
from orchestration.schedules import daily_refresh_schedule, refresh_job
from orchestration.sensors import release_catalog_sensor, run_failure_alert_sensor
from orchestration.settings import Settings

# dbt from this interpreter's environment, so the Dagster UI works without an activated venv.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def build_definitions(settings: Settings) -> Definitions:
    freshness = freshness_checks()
    return Definitions(
        assets=[raw_asif, raw_fdi_city, dbt_staging, dbt_intermediate, dbt_marts, published_marts],
        asset_checks=[*asset_checks(), *freshness],
        jobs=[ingest_asif_job, ingest_fdi_city_job, transform_job, refresh_job],
        sensors=[release_catalog_sensor, run_failure_alert_sensor],
        schedules=[daily_refresh_schedule, freshness_schedule(freshness)],
        resources={
            "citygvc": CitygvcSettings.from_settings(settings),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        },
    )


defs = build_definitions(Settings.from_env())
