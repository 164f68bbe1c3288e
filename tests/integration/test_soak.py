"""Soak test (#19): the real `dagster-daemon` — what `make serve` and citygvc-daemon.service run
— drives the `daily_refresh` schedule and the catalog sensor (every 5 seconds) through refresh
cycles while a BI client (DuckDB 1.x, another process) polls the served file throughout:

1. idle cycles: the sensor ticks and skips;
2. a revision, a new year and a broken file arrive in one catalog update: they are ingested
   in one run (the broken one is quarantined: the run fails naming it and raises an alert),
   then transformed and published once. The schedule's refresh falls among these runs or
   just after them: the run queue starts it only between two runs that write, the sensor
   requests nothing while it runs, and whichever comes first does the work (or it finds
   nothing to do);
3. the run retention deletes the runs of those cycles (as it will once they are older than
   CITYGVC_KEEP_RUNS_DAYS), then idle cycles again.

Then: no run failed but the quarantined release's ingest; no two runs the queue started wrote
at the same time; the reader never erred and saw the old publish, then the new one, whole,
in the DuckDB file and in the Parquet folder; nothing was lost (every release has its status
in the served marts, every failed run its alert); the retention settings held; and idle
cycles grew only Dagster's record of those cycles, nothing else by a single byte.
docs/operations.md#the-soak-test says what this proves and what not.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, DagsterRunStatus, RunRecord
from sqlalchemy.exc import OperationalError as SqlAlchemyOperationalError

from orchestration.pipeline.batches import RANGE_END, RANGE_START
from orchestration.pipeline.plan import publish_fingerprint, published_fingerprint, read_state
from orchestration.settings import REPO_ROOT, Settings
from orchestration.warehouse.dbt import code_fingerprint
from orchestration.warehouse.run_retention import compact, delete_old_runs, sqlite_files
from tests.helpers import HAND_FIRMS, HAND_HEADER, copy_data_dir, make_settings, refresh_env
from tests.integration.bi.bi_helpers import bi_python

# The schedule fires once, at the first whole minute at least this long after the test
# starts: after the first idle cycles (about 25 s), while the sensor's runs write or soon
# after (they end 90 to 120 s after the start).
SCHEDULED_AFTER_S = 40
# The deployment's settings, with the sensor fast enough for minutes and retention low enough
# to act within them (KEEP_VERSIONS 2: a reader's resolved Parquet folder outlives the swap).
SOAK_ENV = {
    "CITYGVC_DISCLOSURE": "off",  # as the hand_run publish the soak starts from
    "CITYGVC_SENSOR_INTERVAL_SECONDS": "5",
    "CITYGVC_KEEP_VERSIONS": "2",
    "CITYGVC_KEEP_GX_RESULTS": "1",
}
KEEP_RUNS_DAYS = 30  # the default CITYGVC_KEEP_RUNS_DAYS
# Hang guards: a stuck cycle fails the test instead of blocking the suite.
CYCLE_TIMEOUT_S = 240
IDLE_MIN_S = 10  # and at least 2 skipped sensor ticks
STARTUP_QUIET_S = 5  # the daemon has started: the data directory kept its size this long
# What one idle cycle may add to the data directory: Dagster's row for a sensor tick (about
# 1 KiB; skipped ticks are purged after 7 days, dagster.yaml) and the record of a scheduled
# refresh run (event log, captured output, index rows: 170 to 330 KiB, deleted by the run
# retention after CITYGVC_KEEP_RUNS_DAYS). SQLite files grow by whole 4 KiB pages.
TICK_BYTES = 8192
IDLE_RUN_BYTES = 512 * 1024
# Where those records live; nothing else may change size in an idle cycle.
DAGSTER_RECORDS = ("dagster/schedules", "dagster/history", "dagster/storage")
# SQLite's write-ahead log, its index and rollback journal: transient files beside a database.
SQLITE_TRANSIENT = ("-wal", "-shm", "-journal")

BEFORE = {"asif-2005-r1": "loaded", "asif-2006-r1": "loaded"}
AFTER = {
    "asif-2005-r1": "loaded",
    "asif-2006-r1": "superseded",
    "asif-2006-r2": "loaded",
    "asif-2007-r1": "quarantined",
    "asif-2008-r1": "loaded",
}
QUARANTINED = "asif-2007-r1"
SENSOR, SCHEDULE = "release_catalog_sensor", "daily_refresh"
ALERT_SENSOR = "run_failure_alert_sensor"
SENSOR_TAG, SCHEDULE_TAG = "dagster/sensor_name", "dagster/schedule_name"
ACTIVE = {
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}

# The BI reader: a new read-only connection per poll (as Superset does), and the Parquet
# folder resolved once per read (docs/bi.md). It reports each state it saw, in order: the
# releases with their status and the rows of the main fact table.
READER = r"""
import json, os, sys, time
from pathlib import Path
import duckdb

serve, stop, ready = (Path(a) for a in sys.argv[1:4])
report = {"reads": 0, "errors": [], "seen": {"duckdb": [], "parquet": []},
          "duckdb": duckdb.__version__}

def note(kind, con, dim, fct):
    releases = sorted(con.execute(f"select release_id, status from {dim}").fetchall())
    state = [[list(r) for r in releases], con.execute(f"select count(*) from {fct}").fetchone()[0]]
    if not report["seen"][kind] or report["seen"][kind][-1] != state:
        report["seen"][kind].append(state)

ready.write_text("ok")
while not stop.exists():
    try:
        with duckdb.connect(str(serve / "citygvc.duckdb"), read_only=True) as con:
            note("duckdb", con, "marts.dim_release", "marts.fct_city_indicators")
        version = Path(os.path.realpath(serve / "parquet"))
        with duckdb.connect() as con:
            note("parquet", con, f"'{version / 'dim_release.parquet'}'",
                 f"'{version / 'fct_city_indicators.parquet'}'")
        report["reads"] += 1
    except Exception as exc:  # every error counts against the publish
        report["errors"].append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.2)
print(json.dumps(report))
"""


def _asif_csv(outputs: dict[str, int], industry: bool = True) -> bytes:
    """The hand-made firms' ASIF CSV (the format of tests/helpers.hand_csv) with these
    outputs; without the industry column the release is quarantined (missing_required_column)."""
    header = HAND_HEADER if industry else HAND_HEADER.replace("industry_code,", "")
    lines = [
        f"{fid},{name},{loc},{cic + ',' if industry else ''}{reg},{outputs[fid]},"
        f"{outputs[fid] // 4},{outputs[fid]},0,100\n"
        for fid, name, loc, cic, reg, _ in HAND_FIRMS
    ]
    return (header + "".join(lines)).encode()


def _arriving_releases() -> dict[str, tuple[int, int, bytes]]:
    """release id -> (period, revision, file): a revision of 2006 (one firm's output
    corrected), a new year, and a year whose file lacks the industry column."""
    y2006 = {f[0]: f[5][2006] for f in HAND_FIRMS}
    return {
        "asif-2006-r2": (2006, 2, _asif_csv({**y2006, "K00000001": 12500})),
        "asif-2007-r1": (2007, 1, _asif_csv(y2006, industry=False)),
        "asif-2008-r1": (2008, 1, _asif_csv({k: v * 11 // 10 for k, v in y2006.items()})),
    }


def _add_to_catalog(catalog: Path, releases: dict[str, tuple[int, int, bytes]]) -> None:
    """Add releases as a data provider does: the files first, then catalog.json replaced
    atomically (no reader sees half a catalog)."""
    doc = json.loads((catalog / "catalog.json").read_text())
    for release_id, (period, revision, data) in releases.items():
        path = f"asif/{period}/asif_{period}_r{revision}.csv"
        (catalog / path).parent.mkdir(parents=True, exist_ok=True)
        (catalog / path).write_bytes(data)
        file = {
            "path": path,
            "format": "csv",
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
        doc["releases"].append(
            {
                "release_id": release_id,
                "dataset": "asif",
                "period": period,
                "revision": revision,
                "published_at": f"{period + 2}-0{revision + 2}-01",
                "provisional": False,
                "files": [file],
            }
        )
    tmp = catalog / ".catalog.json.tmp"
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, catalog / "catalog.json")


def _file_sizes(root: Path) -> dict[str, int]:
    """Bytes of every regular file under `root` (what `du --apparent-size` adds up), each of
    Dagster's SQLite databases at its size once checkpointed, without its write-ahead log and
    shared-memory index: Dagster opens them in WAL mode, and those two files come and go with
    each connection (0 to ~100 KB, the log bounded by SQLite's checkpoint every 1,000 pages)
    while what the database holds is in the file or in its log."""
    sizes = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if name.endswith(SQLITE_TRANSIENT) or path.is_symlink():
                continue
            with contextlib.suppress(FileNotFoundError, sqlite3.OperationalError):  # removed
                key = str(path.relative_to(root))
                sizes[key] = _sqlite_bytes(path) if name.endswith(".db") else path.stat().st_size
    return sizes


def _sqlite_bytes(path: Path) -> int:
    """A SQLite database's pages, its log's committed frames included (mode=rw: never
    create a file that has just been deleted)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)) as con:
        (pages,) = con.execute("pragma page_count").fetchone()
        (page_size,) = con.execute("pragma page_size").fetchone()
    return pages * page_size


def _area(path: str) -> str:
    """The top folder of a data-dir path; Dagster's storage one level deeper."""
    parts = Path(path).parts
    return "/".join(parts[:2] if parts[0] == "dagster" and len(parts) > 2 else parts[:1])


def _changes(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Bytes gained (or lost) per file between two `_file_sizes`."""
    change = {p: after.get(p, 0) - before.get(p, 0) for p in set(before) | set(after)}
    return {path: bytes_ for path, bytes_ in sorted(change.items()) if bytes_}


def _growth(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Bytes gained (or lost) per area between two `_file_sizes`."""
    change: Counter[str] = Counter()
    for path, bytes_ in _changes(before, after).items():
        change[_area(path)] += bytes_
    return {area: bytes_ for area, bytes_ in sorted(change.items()) if bytes_}


def _served_state(serve: Path) -> list:
    """The state the reader reports, read from the served DuckDB file."""
    with duckdb.connect(str(serve / "citygvc.duckdb"), read_only=True) as con:
        releases = con.execute("select release_id, status from marts.dim_release").fetchall()
        rows = con.execute("select count(*) from marts.fct_city_indicators").fetchone()[0]
    return [[list(r) for r in sorted(releases)], rows]


def _ingests_quarantined(run: DagsterRun) -> bool:
    """Whether `run` ingested the quarantined release: a run of that partition, or of a range
    of partitions around it."""
    tags = run.tags
    first = tags.get("dagster/partition") or tags.get(RANGE_START, "")
    last = tags.get("dagster/partition") or tags.get(RANGE_END, "")
    return run.job_name == "ingest_asif" and first <= QUARANTINED <= last


def _timing(record: RunRecord, since: datetime) -> tuple[str, int, int, int]:
    """(job, created, started, ended) of a run, in whole seconds after `since`."""
    zero = since.timestamp()
    created = record.create_timestamp.timestamp() - zero
    start, end = (record.start_time or zero) - zero, (record.end_time or zero) - zero
    return record.dagster_run.job_name, round(created), round(start), round(end)


def _record_bytes(sizes: dict[str, int], runs: list[DagsterRun]) -> int:
    """What Dagster keeps of these runs: their event logs and captured output."""
    ids = [run.run_id for run in runs]
    return sum(size for path, size in sizes.items() if any(i in path for i in ids))


@dataclass
class _Idle:
    """What a stretch of idle cycles did: the data directory before and after, the ticks and
    the runs it recorded."""

    sizes_from: dict[str, int]
    sizes_to: dict[str, int]
    ticks: dict[str, int]
    runs: list[DagsterRun]
    seconds: float

    @property
    def grown(self) -> int:
        return sum(self.sizes_to.values()) - sum(self.sizes_from.values())

    @property
    def growth(self) -> dict[str, int]:
        return _growth(self.sizes_from, self.sizes_to)

    @property
    def changed_files(self) -> dict[str, int]:
        """Bytes gained (or lost) per file: which of Dagster's records grew."""
        return _changes(self.sizes_from, self.sizes_to)

    def __str__(self) -> str:
        return (
            f"{self.seconds:.0f} s, {sum(self.sizes_from.values()):,} -> "
            f"{sum(self.sizes_to.values()):,} bytes ({self.grown:+,}: {self.changed_files}); ticks "
            f"{ {n: c for n, c in self.ticks.items() if c} }; runs "
            f"{[r.job_name for r in self.runs]}"
        )


class _Soak:
    """The daemon and the reader (each a process of the test's own), and what the test reads
    of the Dagster instance and the data directory."""

    def __init__(self, settings: Settings, env: dict[str, str], tmp: Path) -> None:
        self.settings, self.env, self.tmp = settings, env, tmp
        self.daemon_log = tmp / "daemon.log"
        self.daemon: subprocess.Popen | None = None
        self.reader: subprocess.Popen | None = None
        self.code_fingerprint = code_fingerprint()  # the code does not change during the soak

    # processes ------------------------------------------------------------------------------
    def start_reader(self) -> None:
        ready = self.tmp / "reader.ready"
        argv = [str(bi_python()), "-c", READER, str(self.settings.serve_dir)]
        self.reader = subprocess.Popen(
            [*argv, str(self.tmp / "reader.stop"), str(ready)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert self.reader.poll() is None, self.reader.communicate()[1]
            assert time.monotonic() < deadline, "the BI reader did not start"
            time.sleep(0.1)

    def stop_reader(self) -> dict:
        if self.reader is None:
            return {}
        (self.tmp / "reader.stop").write_text("stop")
        out, err = self.reader.communicate(timeout=60)
        assert self.reader.returncode == 0, err[-3000:]
        return json.loads(out)

    def start_daemon(self) -> None:
        """`dagster-daemon run -m orchestration.definitions` in its own process group, so that
        stopping it reaches its code server and run workers."""
        daemon = Path(sys.executable).with_name("dagster-daemon")
        with self.daemon_log.open("wb") as log:
            self.daemon = subprocess.Popen(
                [str(daemon), "run", "-m", "orchestration.definitions"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop_daemon(self) -> int | None:
        """SIGTERM, as systemd stops the unit; SIGKILL whatever is left after 30 s (then None)."""
        if self.daemon is None or self.daemon.poll() is not None:
            return None if self.daemon is None else self.daemon.returncode
        os.killpg(self.daemon.pid, signal.SIGTERM)
        try:
            return self.daemon.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.daemon.pid, signal.SIGKILL)
            self.daemon.wait(30)
            return None

    def log_tail(self) -> str:
        return self.daemon_log.read_text(errors="replace")[-4000:]

    def wait(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.daemon.poll() is None, f"dagster-daemon exited:\n{self.log_tail()}"
            with contextlib.suppress(sqlite3.OperationalError, SqlAlchemyOperationalError):
                if condition():  # (a storage busy with the daemon's writes: ask again)
                    return
            assert time.monotonic() < deadline, f"{what} after {timeout:.0f}s:\n{self.log_tail()}"
            time.sleep(1)

    # what the daemon did -------------------------------------------------------------------
    def instance(self) -> DagsterInstance:
        return DagsterInstance.from_config(str(self.settings.dagster_home))

    def runs(self) -> list[DagsterRun]:
        with self.instance() as instance:
            return [r.dagster_run for r in instance.get_run_records()]

    def run_records(self) -> list[RunRecord]:
        """Every run's record (creation, start and end times with it), oldest first."""
        with self.instance() as instance:
            return sorted(instance.get_run_records(), key=lambda r: r.create_timestamp)

    def ticks(self) -> dict[str, list]:
        """Every recorded tick of each schedule and sensor, oldest first."""
        with self.instance() as instance:
            return {
                state.instigator_name: sorted(
                    instance.get_ticks(state.instigator_origin_id, state.selector_id),
                    key=lambda tick: tick.timestamp,
                )
                for state in instance.all_instigator_state()
            }

    def wait_for_startup(self) -> None:
        """Until each sensor has finished a tick and the data directory has then kept its size
        for STARTUP_QUIET_S: the daemon's start-up writes are not idle cycles. (Its threads'
        first looks at the event log create the shard for events outside runs,
        dagster/history/runs/.db, 233 KB, and add 120 KB to the asset index, once in the data
        directory's life: in 0.8 s on an idle machine, still under way when the sensors had
        ticked in the CI run of 834c2a2.)"""
        last, since = self.sizes(), time.monotonic()

        def settled() -> bool:
            nonlocal last, since
            sizes = self.sizes()
            if sizes != last:
                last, since = sizes, time.monotonic()
            return self.sensors_ticked() and time.monotonic() - since >= STARTUP_QUIET_S

        self.wait(settled, "the daemon's start-up did not settle", 90)

    def sensors_ticked(self) -> bool:
        """Whether each sensor has finished a tick (a tick is recorded when it starts)."""
        ticks = self.ticks()
        return all(
            any(tick.status.value != "STARTED" for tick in ticks.get(name, []))
            for name in (SENSOR, ALERT_SENSOR)
        )

    def materialized_partitions(self) -> set[str]:
        with self.instance() as instance:
            return set(instance.get_materialized_partitions(AssetKey(["raw", "asif"])))

    def alerts(self) -> list[dict]:
        path = self.settings.alerts_dir / "alerts.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def quiet(self) -> bool:
        return not any(run.status in ACTIVE for run in self.runs())

    def settled(self) -> bool:
        """Every release recorded as expected, the served publish current, the schedule's
        refresh run, no run waiting or running, an alert for every failed run: nothing left
        for the daemon to do."""
        if not self.ticks().get(SCHEDULE):
            return False
        state = read_state(self.settings)
        expected = {k: "quarantined" if k == QUARANTINED else "loaded" for k in AFTER}
        if {k: v.status for k, v in state.items()} != expected:
            return False
        current = publish_fingerprint(state, self.code_fingerprint, self.settings)
        if published_fingerprint(self.settings) != current or not self.quiet():
            return False
        failed = [r for r in self.runs() if r.status == DagsterRunStatus.FAILURE]
        return len(self.alerts()) >= len(failed)

    def idle_cycles(self) -> _Idle:
        """Watch idle cycles for IDLE_MIN_S and at least 2 skipped sensor ticks, and until no
        run is waiting or running (a scheduled refresh whose minute fell in them).
        The runs of the stretch are those not finished when it began."""
        started, sizes_from = time.monotonic(), self.sizes()
        finished = {run.run_id for run in self.runs() if run.status not in ACTIVE}
        seen = {tick.tick_id for ticks in self.ticks().values() for tick in ticks}

        def new_ticks() -> dict[str, list]:
            return {n: [t for t in ts if t.tick_id not in seen] for n, ts in self.ticks().items()}

        def done() -> bool:
            ticks = new_ticks()
            skipped = [t for t in ticks[SENSOR] if t.status.value == "SKIPPED"]
            return time.monotonic() - started >= IDLE_MIN_S and len(skipped) >= 2 and self.quiet()

        self.wait(done, "the idle cycles did not happen", 90 + IDLE_MIN_S)
        sizes_to, ticks = self.sizes(), new_ticks()
        runs = [run for run in self.runs() if run.run_id not in finished]
        return _Idle(
            sizes_from,
            sizes_to,
            {n: len(ts) for n, ts in ticks.items()},
            runs,
            time.monotonic() - started,
        )

    def sizes(self) -> dict[str, int]:
        return _file_sizes(self.settings.data_dir)

    def retain(self, now: datetime) -> list[str]:
        """The daily retention job's work (orchestration/defs/retention.py) as of `now`."""
        with self.instance() as instance:
            deleted = delete_old_runs(instance, KEEP_RUNS_DAYS, now)
            for path in sqlite_files(instance):
                with contextlib.suppress(sqlite3.OperationalError):  # busy: as the job does
                    compact(path)
        return deleted


def _schedule_cron(after_s: float) -> str:
    """A cron (UTC) for the first whole minute at least `after_s` seconds from now, daily."""
    at = datetime.now(UTC) + timedelta(seconds=after_s + 59)
    return f"{at.minute} {at.hour} * * *"


@pytest.mark.slow
def test_soak_daemon_cycles_with_a_bi_reader(hand_run: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    # Start from a published hand catalog (2005, 2006), as a deployment after `make run`.
    root = copy_data_dir(hand_run, tmp_path / "soak")
    catalog = root / "catalog"
    env = {**SOAK_ENV, "CITYGVC_REFRESH_CRON": _schedule_cron(SCHEDULED_AFTER_S)}
    settings = make_settings(root, catalog, **env)
    settings.prepare()  # `python -m orchestration.settings --prepare`, as make serve does
    soak = _Soak(settings, refresh_env(settings.data_dir, catalog, **env), tmp_path)
    before = _served_state(settings.serve_dir)
    assert dict(before[0]) == BEFORE
    try:  # the data directory goes at the end, whatever happens
        try:
            soak.start_reader()
            soak.start_daemon()
            # 1. Idle cycles, once the daemon's start-up writes are done.
            soak.wait_for_startup()
            idle1 = soak.idle_cycles()

            # 2. New releases arrive: the cycles until nothing is left to do.
            arrived_at = datetime.now(UTC)
            _add_to_catalog(catalog, _arriving_releases())
            soak.wait(soak.settled, "the cycles did not settle", CYCLE_TIMEOUT_S)
            settled_s = time.monotonic() - started
            sizes_settled = _file_sizes(settings.data_dir)
            records = soak.run_records()
            partitions, alerts = soak.materialized_partitions(), soak.alerts()

            # 3. The run retention, as on the day these runs are older than KEEP_RUNS_DAYS (the
            #    daemon running, as when the daily retention job runs), then idle cycles.
            deleted = soak.retain(datetime.now(UTC) + timedelta(days=KEEP_RUNS_DAYS + 1))
            partitions_retained = soak.materialized_partitions()
            idle2 = soak.idle_cycles()
            ticks = soak.ticks()
            assert soak.daemon.poll() is None, soak.log_tail()
        finally:
            daemon_exit = soak.stop_daemon()
            report = soak.stop_reader()
        wall_s = time.monotonic() - started

        after = _served_state(settings.serve_dir)
        with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as con:
            years = con.execute(
                "select distinct year from marts.fct_city_indicators "
                "where source = 'asif' order by 1"
            ).fetchall()
        reason = json.loads((settings.quarantine_dir / QUARANTINED / "reason.json").read_text())
        versions = len(list((settings.serve_dir / "versions").iterdir()))
        validations = settings.gx_dir / "gx" / "uncommitted" / "validations"
        gx_results = {s.name: len(list(s.glob("*/*"))) for s in validations.iterdir() if s.is_dir()}
    finally:
        shutil.rmtree(root, ignore_errors=True)

    runs = [r.dagster_run for r in records]
    scheduled = [r for r in runs if r.tags.get(SCHEDULE_TAG) == SCHEDULE]
    runs += [r for r in [*idle1.runs, *idle2.runs] if r.run_id not in {x.run_id for x in runs}]
    # what happened after the releases arrived, and the runs the run queue started
    busy = [r for r in records if r.create_timestamp >= arrived_at]
    queued = [r for r in records if {SENSOR_TAG, SCHEDULE_TAG} & set(r.dagster_run.tags)]
    summary = (
        f"soak: {wall_s:.0f} s ({settled_s:.0f} s until the busy cycles settled); runs "
        f"{dict(Counter(f'{r.job_name}:{r.status.value}' for r in runs))}; ticks "
        f"{ {n: dict(Counter(t.status.value for t in ts)) for n, ts in ticks.items() if ts} }; "
        f"reader: {report.get('reads')} reads\n"
        f"idle cycles before the releases: {idle1}\n"
        f"busy cycles: data dir {sum(sizes_settled.values()):,} bytes when settled; the run "
        f"retention deleted {len(deleted)} runs: "
        f"{sum(idle2.sizes_from.values()) - sum(sizes_settled.values()):+,} bytes\n"
        f"idle cycles after the retention: {idle2}\n"
        f"runs after the releases arrived (created, started, ended, s after they arrived): "
        f"{[_timing(r, arrived_at) for r in busy]}; the scheduled refresh's record: "
        f"{_record_bytes(sizes_settled, scheduled):,} bytes"
    )
    print(f"\n{summary}")

    # The daemon ran the whole soak and stopped cleanly on SIGTERM.
    assert daemon_exit == 0, f"{summary}\n{soak.log_tail()}"

    # The reader never erred and saw exactly the old publish, then the new one, whole.
    assert report["duckdb"].startswith("1."), "the reader must be a DuckDB 1.x client"
    assert report["errors"] == [], summary
    assert report["reads"] >= 100, summary
    assert report["seen"]["duckdb"] == [before, after], summary
    assert report["seen"]["parquet"] == [before, after], summary

    # No cycle failed but the quarantined release's ingest, and each failure raised an alert.
    assert not [r for r in runs if r.status in ACTIVE], summary
    failed = [r for r in runs if r.status == DagsterRunStatus.FAILURE]
    assert failed and all(_ingests_quarantined(r) for r in failed), summary
    assert sorted(a["run_id"] for a in alerts) == sorted(r.run_id for r in failed), summary
    for name, instigator_ticks in ticks.items():
        assert not [t for t in instigator_ticks if t.status.value == "FAILURE"], name
    # The new releases were ingested once, in one run of their key range, then transformed
    # and published once: by the sensor's runs, or by the scheduled refresh if the queue
    # started it first. The schedule's one refresh succeeded; nothing else ran.
    new = sorted(set(AFTER) - set(BEFORE))
    ingests = [r.dagster_run.tags for r in busy if r.dagster_run.job_name == "ingest_asif"]
    assert [(t.get(RANGE_START), t.get(RANGE_END)) for t in ingests] == [(new[0], new[-1])]
    transforms = [r for r in busy if r.dagster_run.job_name == "transform_and_publish"]
    assert len(transforms) == 1, summary
    assert [r.status for r in scheduled] == [DagsterRunStatus.SUCCESS], summary
    assert idle2.runs == [], summary
    # The run queue started one run that writes at a time: each ended before the next began.
    spans = sorted((r.start_time, r.end_time) for r in queued)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans)), summary

    # Nothing lost: every release with its status and its rows served, every loaded one's
    # partition materialized, the quarantined one's reason kept.
    assert dict(after[0]) == AFTER
    assert years == [(2005,), (2006,), (2008,)]
    assert partitions == {k for k, v in AFTER.items() if v != "quarantined"}
    assert reason["reason"] == "missing_required_column" and reason["column"] == "industry_code"

    # Retention held: publishes and GX results as set, old runs deleted with their files.
    assert versions <= int(SOAK_ENV["CITYGVC_KEEP_VERSIONS"])
    assert gx_results and max(gx_results.values()) <= int(SOAK_ENV["CITYGVC_KEEP_GX_RESULTS"])
    assert deleted and sum(idle2.sizes_from.values()) < sum(sizes_settled.values()), summary
    # Deleting a run deletes its events, so the UI forgets the materializations of the
    # releases whose ingest runs went; the warehouse's record (above) is what counts.
    assert partitions_retained <= partitions

    # Idle cycles grew Dagster's record of them only (tick rows, the scheduled run's record),
    # within bounds: nothing else changed size.
    for idle in (idle1, idle2):
        assert set(idle.growth) <= set(DAGSTER_RECORDS), summary
        bound = TICK_BYTES * sum(idle.ticks.values()) + IDLE_RUN_BYTES * len(idle.runs)
        assert 0 <= idle.grown <= bound, summary
