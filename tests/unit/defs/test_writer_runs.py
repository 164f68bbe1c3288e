"""One writer, run by run: every job that opens the warehouse carries the writer tag, and the
run queue (dagster.yaml) starts one run with it at a time."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.definitions import build_definitions
from orchestration.defs.writer import WRITER_KEY, WRITER_RUN_TAGS, WRITER_VALUE
from orchestration.settings import REPO_ROOT, Settings
from orchestration.warehouse.run_hygiene import WRITER_POOL


def test_every_job_that_writes_carries_the_writer_tag(tmp_path: Path) -> None:
    defs = build_definitions(Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)}))
    jobs = [job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")]
    # steps in the writer pool, and the refresh, which opens the warehouse between its runs
    writers = {
        job.name
        for job in jobs
        if job.name == "refresh_job"
        or any(getattr(node, "pool", None) == WRITER_POOL for node in job.graph.node_defs)
    }
    assert writers == {"ingest_asif", "ingest_fdi_city", "transform_and_publish", "refresh_job"}
    for job in jobs:
        tagged = WRITER_RUN_TAGS.items() <= dict(job.tags).items()
        assert tagged == (job.name in writers), job.name


def test_the_run_queue_starts_one_writer_run_at_a_time() -> None:
    config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": WRITER_KEY, "value": WRITER_VALUE, "limit": 1} in limits
