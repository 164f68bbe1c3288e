"""A BI reader polling serve/ throughout several publishes gets no error and never a torn read.

The reader is another process with DuckDB 1.x (as BI drivers are), opening the served file read
only and the Parquet folder the way README's "Connecting a BI tool" tells users to: resolve
`serve/parquet` once, then read every table from that version folder. Every row of every mart
carries the number of the publish it belongs to, and each table's row count is a function of
that number, so a read mixing two publishes — or a half-written file — is detected.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import duckdb

from tests.integration.bi.bi_helpers import bi_python, publish, settings_for

PUBLISHES = 6
# rows of each table in publish n: a torn table (half old, half new) cannot match both
# (the reader below has the same rule, for all three tables)
ROWS = {"fct_alpha": lambda n: 1000 + 100 * n, "fct_beta": lambda n: 500 + 7 * n}

READER = r"""
import json, os, sys, time
from pathlib import Path
import duckdb

serve, stop, ready = (Path(a) for a in sys.argv[1:4])
deadline, mode = float(sys.argv[4]), sys.argv[5]
rows = {"fct_alpha": lambda n: 1000 + 100 * n, "fct_beta": lambda n: 500 + 7 * n,
        "dim_gamma": lambda n: 1}
report = {"db_reads": 0, "parquet_reads": 0, "errors": [], "torn": [],
          "seen": {"duckdb": [], "parquet": []},
          "held": [], "duckdb": duckdb.__version__}

def check(kind, counts):
    # counts: table -> {publish number: rows}
    numbers = {n for per_table in counts.values() for n in per_table}
    if len(numbers) != 1:
        report["torn"].append([kind, {t: sorted(c) for t, c in counts.items()}])
        return
    n = numbers.pop()
    for table, per_table in counts.items():
        if per_table[n] != rows[table](n):
            report["torn"].append([kind, table, n, per_table[n]])
    if n not in report["seen"][kind]:
        report["seen"][kind].append(n)

def read_db(con):
    return {t: dict(con.execute(f"select n, count(*) from marts.{t} group by n").fetchall())
            for t in rows}

if mode == "hold":
    # a long-lived BI connection, held through every publish: it keeps its snapshot
    held = duckdb.connect(str(serve / "citygvc.duckdb"), read_only=True)
    first = read_db(held)
    ready.write_text("ok")
    while not stop.exists() and time.time() < deadline:
        report["held"].append(read_db(held) == first)
        time.sleep(0.05)
    report["held"] = all(report["held"]) and bool(report["held"])
    print(json.dumps(report))
    sys.exit()

ready.write_text("ok")
while not stop.exists() and time.time() < deadline:
    try:
        with duckdb.connect(str(serve / "citygvc.duckdb"), read_only=True) as con:
            check("duckdb", read_db(con))
        report["db_reads"] += 1
        version = Path(os.path.realpath(serve / "parquet"))
        with duckdb.connect() as con:
            counts = {t: dict(con.execute(
                f"select n, count(*) from read_parquet('{version / (t + '.parquet')}') group by n"
            ).fetchall()) for t in rows}
        check("parquet", counts)
        report["parquet_reads"] += 1
    except Exception as exc:  # every error counts against the publish
        report["errors"].append(f"{type(exc).__name__}: {exc}")
print(json.dumps(report))
"""


def _marts(path: Path, n: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_alpha as select ? as n, range as k, "
        "(range * 1.5)::decimal(18, 3) as v from range(?)",
        [n, ROWS["fct_alpha"](n)],
    )
    con.execute(
        "create table marts.fct_beta as select ? as n, range as k from range(?)",
        [n, ROWS["fct_beta"](n)],
    )
    con.execute("create table marts.dim_gamma as select ? as n, 'x' as code", [n])
    return con


def test_reader_sees_whole_publishes_only_and_never_blocks_the_writer(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    warehouses = [_marts(tmp_path / f"warehouse{n}.duckdb", n) for n in range(PUBLISHES + 1)]
    publish(settings, warehouses[0], "publish-0")
    stop = tmp_path / "stop"
    deadline = time.time() + 120
    # a poller reconnecting for every read, and a BI session holding one connection open; in
    # one process DuckDB would share one database instance between both (see README)
    readers = {
        mode: subprocess.Popen(
            [
                str(bi_python()),
                "-c",
                READER,
                str(settings.serve_dir),
                str(stop),
                str(tmp_path / f"{mode}.ready"),
                str(deadline),
                mode,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("poll", "hold")
    }
    try:
        for mode, reader in readers.items():
            while not (tmp_path / f"{mode}.ready").exists():
                assert reader.poll() is None, reader.communicate()[1]
                assert time.time() < deadline, f"{mode} reader did not start"
                time.sleep(0.05)
        publish_seconds = []
        for n in range(1, PUBLISHES + 1):
            time.sleep(0.3)  # let the poller read this publish a few times
            started = time.perf_counter()
            manifest = publish(settings, warehouses[n], f"publish-{n}")
            publish_seconds.append(time.perf_counter() - started)
            assert manifest["row_counts"]["fct_alpha"] == ROWS["fct_alpha"](n)
        time.sleep(0.5)
    finally:
        stop.write_text("stop")
        outputs = {mode: reader.communicate(timeout=60) for mode, reader in readers.items()}
    for mode, reader in readers.items():
        assert reader.returncode == 0, outputs[mode][1]
    report = json.loads(outputs["poll"][0])

    assert report["duckdb"].startswith("1."), "the reader must be a DuckDB 1.x client"
    assert report["errors"] == []
    assert report["torn"] == []
    # the reader really polled through the publishes: it saw the first, the last and others
    assert report["db_reads"] >= 20 and report["parquet_reads"] >= 20
    for kind, seen in report["seen"].items():
        assert {0, PUBLISHES} <= set(seen) and len(seen) >= 4, (kind, seen)
        assert seen == sorted(seen), f"{kind}: a new connection went back to an older publish"
    # the held read-only connection neither blocked a publish nor saw anything change
    assert json.loads(outputs["hold"][0])["held"] is True
    assert max(publish_seconds) < 10
    with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as con:
        assert con.execute("select distinct n from marts.fct_beta").fetchall() == [(PUBLISHES,)]
