"""The transform job: every dbt layer with its blocking checks, then the publish."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from orchestration.defs.writer import WRITER_RUN_TAGS
from orchestration.pipeline.job_names import TRANSFORM_JOB_NAME

transform_job = define_asset_job(
    TRANSFORM_JOB_NAME,
    selection=AssetSelection.groups("seeds", "staging", "intermediate", "marts", "publish"),
    # Every step runs in the run's own process, as in `citygvc refresh`: all but the freshness
    # check wait for the single writer slot anyway, so a process per step (Dagster's default)
    # bought no parallelism and cost a definitions load per step, twice the refresh's time in
    # the daemon (the hand-made catalog's transform on 2 cores: 97 s against 47 s).
    executor_def=in_process_executor,
    tags=WRITER_RUN_TAGS,
    description="dbt staging → intermediate → marts with blocking checks, then publish.",
)
