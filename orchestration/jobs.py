"""Jobs: one ingest job per dataset (one run per release partition) and the transform job
that builds every dbt layer, runs the blocking checks and publishes."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from orchestration.assets.ingest import asif_releases, fdi_city_releases, raw_asif, raw_fdi_city

ingest_asif_job = define_asset_job(
    "ingest_asif", selection=AssetSelection.assets(raw_asif), partitions_def=asif_releases
)
ingest_fdi_city_job = define_asset_job(
    "ingest_fdi_city",
    selection=AssetSelection.assets(raw_fdi_city),
    partitions_def=fdi_city_releases,
)
transform_job = define_asset_job(
    "transform_and_publish",
    selection=AssetSelection.groups("seeds", "staging", "intermediate", "marts", "publish"),
    description="dbt staging → intermediate → marts with blocking checks, then publish.",
)
INGEST_JOBS = {"asif": ingest_asif_job, "fdi_city": ingest_fdi_city_job}
