"""Ingest jobs: one per dataset; a run ingests one release partition or a key range of them."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from orchestration.defs.ingest.assets import (
    asif_releases,
    fdi_city_releases,
    raw_asif,
    raw_fdi_city,
)
from orchestration.defs.writer import WRITER_RUN_TAGS
from orchestration.pipeline.job_names import INGEST_JOB_NAMES

ingest_asif_job = define_asset_job(
    INGEST_JOB_NAMES["asif"],
    selection=AssetSelection.assets(raw_asif),
    partitions_def=asif_releases,
    executor_def=in_process_executor,  # one step: no process of its own (transform/jobs.py)
    tags=WRITER_RUN_TAGS,
)
ingest_fdi_city_job = define_asset_job(
    INGEST_JOB_NAMES["fdi_city"],
    selection=AssetSelection.assets(raw_fdi_city),
    partitions_def=fdi_city_releases,
    executor_def=in_process_executor,
    tags=WRITER_RUN_TAGS,
)
INGEST_JOBS = {"asif": ingest_asif_job, "fdi_city": ingest_fdi_city_job}
