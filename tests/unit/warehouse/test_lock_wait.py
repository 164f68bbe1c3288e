"""DuckDB lets one process at a time open the warehouse: a second one waits its turn, then
fails with DuckDB's own error naming the process that holds the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.schema import connect

# A writer in another process: one row, a pause with the file held, a second row, exit.
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table t (i int)")
con.execute("insert into t values (1)")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("insert into t values (2)")
con.close()
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_writer_waits_until_the_other_process_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    holder = _hold(path, 1.5)
    with connect(path) as con:  # waits: both rows are in, so the holder had finished
        assert con.execute("select count(*) from t").fetchone() == (2,)
    assert holder.wait(10) == 0


def test_after_its_wait_a_writer_fails_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    holder = _hold(path, 5)
    try:
        with (
            pytest.raises(duckdb.IOException, match=f"lock.*PID {holder.pid}"),
            connect(path, wait_s=0.5),
        ):
            pass
    finally:
        holder.kill()
        holder.wait(10)
