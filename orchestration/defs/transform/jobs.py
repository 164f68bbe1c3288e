"""The transform job: every dbt layer with its blocking checks, then the publish."""

from dagster import AssetSelection, define_asset_job

from orchestration.pipeline.job_names import TRANSFORM_JOB_NAME

transform_job = define_asset_job(
    TRANSFORM_JOB_NAME,
    selection=AssetSelection.groups("seeds", "staging", "intermediate", "marts", "publish"),
    description="dbt staging → intermediate → marts with blocking checks, then publish.",
)
