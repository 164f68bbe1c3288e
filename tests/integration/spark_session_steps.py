"""Steps on one local Spark session, run by the Spark venv's Python (it imports dbt-spark and
pyspark, which the main venv does not have): `python spark_session_steps.py STEPS_JSON`.

Each step is one of
- `{"dbt": [args…], "results": path}`: a dbt invocation (dbt's programmatic runner) that must
  succeed; its run_results.json is copied to `path` (later steps overwrite dbt's own);
- `{"link": [source, link]}`: a symbolic link made between two invocations;
- `{"sql": "…"}`: a Spark SQL statement on the session dbt opened.

dbt-spark's session method never stops its SparkSession, so every invocation after the first
reuses the same JVM and metastore connection: the seconds a new process would spend starting
them are saved."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner
from pyspark.sql import SparkSession


def _dbt(args: list[str], results: str) -> None:
    result = dbtRunner().invoke(args)
    if not result.success:
        raise SystemExit(f"dbt {' '.join(args[:3])} failed: {result.exception or result.result}")
    target = Path(args[args.index("--target-path") + 1])
    shutil.copyfile(target / "run_results.json", results)


def main(steps: list[dict]) -> None:
    for step in steps:
        if "dbt" in step:
            _dbt(step["dbt"], step["results"])
        elif "link" in step:
            os.symlink(*step["link"])
        else:
            # the session dbt opened (getOrCreate returns it: its settings are dbt's)
            SparkSession.builder.getOrCreate().sql(step["sql"]).collect()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
