"""The Dagster code location (`dagster dev -m orchestration.definitions`)."""

import gc

from dagster import Definitions

from orchestration.defs.alerts import run_failure_alert_sensor
from orchestration.defs.ingest.assets import raw_asif, raw_fdi_city
from orchestration.defs.ingest.jobs import ingest_asif_job, ingest_fdi_city_job
from orchestration.defs.ingest.sensor import release_catalog_sensor
from orchestration.defs.publish.asset import published_marts
from orchestration.defs.publish.freshness import freshness_checks, freshness_schedule
from orchestration.defs.refresh import refresh_job
from orchestration.defs.resources import CitygvcSettings, dbt_resource
from orchestration.defs.retention import retention_job
from orchestration.defs.schedules import daily_refresh_schedule, daily_retention_schedule
from orchestration.defs.transform.assets import dbt_indicators, dbt_models, dbt_staging
from orchestration.defs.transform.complexity import complexity_values
from orchestration.defs.transform.disclosure import secondary_completions
from orchestration.defs.transform.gates import asset_checks
from orchestration.defs.transform.jobs import transform_job
from orchestration.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    freshness = freshness_checks()
    return Definitions(
        assets=[
            raw_asif,
            raw_fdi_city,
            dbt_staging,
            dbt_models,
            complexity_values,
            secondary_completions,
            dbt_indicators,
            published_marts,
        ],
        asset_checks=[*asset_checks(), *freshness],
        jobs=[ingest_asif_job, ingest_fdi_city_job, transform_job, refresh_job, retention_job],
        sensors=[release_catalog_sensor, run_failure_alert_sensor],
        schedules=[
            daily_refresh_schedule(settings.refresh_cron),
            daily_retention_schedule,
            freshness_schedule(freshness),
        ],
        resources={
            "citygvc": CitygvcSettings.from_settings(settings),
            "dbt": dbt_resource(settings.engine),
        },
    )


defs = build_definitions(Settings.from_env())
# The objects frozen while the definitions were built (orchestration/defs/__init__.py) become
# collectable again, so that the process frees them as usual, at exit too.
gc.unfreeze()
