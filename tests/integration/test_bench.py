"""`make bench` (tools/bench): the pandas peer and the floor against the generator's
ground truth, the measuring helpers against processes and Dagster runs with known
properties, and — slow — the whole bench at demo scale on a few years: it runs, the refresh,
the peer and the floor agree, and results.json has every field. Timings are never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from orchestration.warehouse.schema import connect
from orchestration.warehouse.timings import record_phases
from tools.bench import floor, pandas_peer
from tools.bench.agreement import SERIES, compare
from tools.bench.measure import (
    Measurement,
    dagster_runs,
    dbt_invocations,
    run_measured,
    step_category,
)
from tools.bench.phases import read_phases, refresh_breakdown
from tools.bench.run import refresh_command, split_catalog
from tools.sample_releases.__main__ import main as generate

IMPLEMENTATIONS = {"pandas_peer": pandas_peer.main, "floor": floor.main}
KEYS = ["city_code", "year", "indicator_id", "breakdown", "source"]
# Year ranges covering every format and vintage: 2002 GBK CSV (1994 codes, 6-digit locations),
# 2003 Stata (2002 codes), 2007 Parquet, 2008–2012 Stata without value added, 2012 2011 codes,
# 2013 UTF-8 CSV, fdi_city 2010–2013 in all four layouts.
YEAR_RANGES = ("2002-2003", "2007-2013")
# ASIF years whose files report value added (README of the generator: absent in 2004 and
# 2008–2013). Elsewhere both implementations impute it, and the truth holds the true value.
VA_REPORTED = {2002, 2003, 2007}


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    roots = {}
    for years in YEAR_RANGES:
        root = tmp_path_factory.mktemp(f"bench-{years}")
        generate(["--out", str(root), "--years", years])
        roots[years] = root
    return roots


def fdi_source(years: str) -> set[str]:
    """fdi_city releases exist from 2010 on."""
    return {"fdi_city"} if int(years.split("-")[1]) >= 2010 else set()


def _bench_series(frame: pd.DataFrame) -> pd.DataFrame:
    keep = pd.Series(False, index=frame.index)
    for (indicator, source), breakdown in SERIES.items():
        match = (frame["indicator_id"] == indicator) & (frame["source"] == source)
        if breakdown:
            match &= frame["breakdown"] == breakdown
        keep |= match
    return frame[keep]


@pytest.mark.parametrize("years", YEAR_RANGES)
@pytest.mark.parametrize("implementation", ["pandas_peer", "floor"])
def test_implementation_matches_ground_truth(
    catalogs: dict[str, Path], tmp_path: Path, implementation: str, years: str
) -> None:
    root = catalogs[years]
    out = tmp_path / "indicators.parquet"
    assert IMPLEMENTATIONS[implementation]([str(root), str(out)]) == 0
    got = pd.read_parquet(out)
    truth = _bench_series(pd.read_parquet(root / "_ground_truth.parquet"))
    series = set(zip(got["indicator_id"], got["source"], strict=True))
    assert series == set(zip(truth["indicator_id"], truth["source"], strict=True))
    assert series <= set(SERIES) and {s for _, s in series} == ({"asif"} | fdi_source(years))
    merged = got.merge(truth, on=KEYS, how="outer", suffixes=("", "_truth"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    imputed = (
        (merged["indicator_id"] == "fdi_dependency_ict_va")
        & (merged["source"] == "asif")
        & ~merged["year"].isin(VA_REPORTED)
    )
    exact = merged[~imputed]
    assert (exact["value"].isna() == exact["value_truth"].isna()).all()
    both = exact.dropna(subset=["value", "value_truth"])
    assert len(both) > 0
    relative = (both["value"] - both["value_truth"]).abs() / both["value_truth"].abs().clip(1e-12)
    assert relative.max() <= 1e-9
    # Imputed value added still gives a dependency for every city with ICT value added.
    assert (
        merged.loc[imputed, "value"].notna().sum()
        == merged.loc[imputed, "value_truth"].notna().sum()
    )


def test_split_holds_back_newest_asif_year_and_one_revision() -> None:
    def release(rid: str, dataset: str, period: int, revision: int = 1) -> dict:
        return {"release_id": rid, "dataset": dataset, "period": period, "revision": revision}

    releases = [
        release("asif-2005-r1", "asif", 2005),
        release("asif-2006-r1", "asif", 2006),
        release("asif-2006-r2", "asif", 2006, 2),
        release("asif-2007-r1", "asif", 2007),
        release("fdi_city-2015-r1", "fdi_city", 2015),
        release("fdi_city-2015-r2", "fdi_city", 2015, 2),
        release("fdi_city-2016-r1", "fdi_city", 2016),
    ]
    split = split_catalog(releases)
    assert split.added_ids == ["asif-2007-r1", "asif-2006-r2"]
    assert [r["release_id"] for r in split.base] == [
        "asif-2005-r1",
        "asif-2006-r1",
        "fdi_city-2015-r1",
        "fdi_city-2015-r2",
        "fdi_city-2016-r1",
    ]
    # Without an ASIF revision, a revision of the other dataset is held back.
    split = split_catalog([r for r in releases if r["release_id"] != "asif-2006-r2"])
    assert split.added_ids == ["asif-2007-r1", "fdi_city-2015-r2"]


def _indicator_rows() -> pd.DataFrame:
    rows = []
    for (indicator, source), breakdown in SERIES.items():
        for city in ("320583", "441900"):
            rows.append((city, 2007, indicator, breakdown or "computers", source, 0.25))
    return pd.DataFrame(rows, columns=[*KEYS, "value"]).assign(conf_status="F")


def test_compare_reports_missing_rows_nulls_and_differences(tmp_path: Path) -> None:
    reference = _indicator_rows()
    # Rows of other indicators or breakdowns are outside the bench and ignored.
    extra = reference.head(1).assign(indicator_id="hhi_mfg")
    reference_path = tmp_path / "reference.parquet"
    pd.concat([reference, extra]).to_parquet(reference_path)

    same = tmp_path / "same.parquet"
    reference.assign(value=reference["value"] * (1 + 1e-12)).to_parquet(same)
    result = compare(reference_path, same)
    assert result["agree"] and result["rows"] == len(reference)

    changed = reference.copy()
    changed.loc[0, "value"] = 0.25 * (1 + 1e-6)
    changed.loc[1, "value"] = None
    changed = changed.drop(index=2)
    path = tmp_path / "changed.parquet"
    changed.to_parquet(path)
    result = compare(reference_path, path)
    assert not result["agree"]
    totals = {
        key: sum(s[key] for s in result["series"])
        for key in ("missing_in_other", "missing_in_reference", "null_mismatches")
    }
    assert totals == {"missing_in_other": 1, "missing_in_reference": 0, "null_mismatches": 1}
    assert max(s["max_rel_diff"] for s in result["series"]) == pytest.approx(1e-6, rel=1e-3)


def test_compare_leaves_out_values_the_publish_suppresses(tmp_path: Path) -> None:
    peer = _indicator_rows().drop(columns="conf_status")
    published = _indicator_rows()
    # Disclosure control hid two published values (C primary, D secondary): the peer computes
    # them anyway, so they are counted and left out, not reported as NULL mismatches.
    published.loc[[0, 3], "value"] = None
    published.loc[0, "conf_status"] = "C"
    published.loc[3, "conf_status"] = "D"
    published_path, peer_path = tmp_path / "published.parquet", tmp_path / "peer.parquet"
    published.to_parquet(published_path)
    peer.to_parquet(peer_path)
    result = compare(published_path, peer_path)
    assert result["agree"]
    assert sum(s["suppressed"] for s in result["series"]) == 2
    assert sum(s["null_mismatches"] for s in result["series"]) == 0
    # A NULL that is not a suppression still counts.
    published.loc[5, "value"] = None
    published.to_parquet(published_path)
    result = compare(published_path, peer_path)
    assert not result["agree"]
    assert sum(s["null_mismatches"] for s in result["series"]) == 1


def test_run_measured_sees_the_peak_memory_of_a_grandchild(tmp_path: Path) -> None:
    grandchild = "b = bytearray(300 * 2**20); import time; time.sleep(1.5)"
    child = (
        "import subprocess, sys; "
        f"subprocess.run([sys.executable, '-c', {grandchild!r}], check=True); sys.exit(3)"
    )
    result = run_measured(
        "probe", [sys.executable, "-c", child], os.environ, tmp_path / "probe.log"
    )
    assert result.exit_code == 3
    assert result.max_rss_bytes >= 300 * 2**20
    assert result.peak_tree_rss_bytes >= 300 * 2**20
    assert result.wall_s > 0 and result.log == str(tmp_path / "probe.log")


def test_dagster_runs_reads_steps_from_the_event_log(tmp_path: Path) -> None:
    from dagster import DagsterInstance, job, op

    @op
    def first() -> int:
        time.sleep(0.3)
        return 1

    @op
    def second(value: int) -> int:
        return value + 1

    @job
    def two_steps() -> None:
        second(first())

    since = time.time()
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        result = two_steps.execute_in_process(instance=instance)
    runs = dagster_runs(tmp_path, since, time.time())
    assert [r.run_id for r in runs] == [result.run_id]
    steps = {s.step_key: s for s in runs[0].steps}
    assert set(steps) == {"first", "second"}
    assert all(s.succeeded for s in steps.values())
    assert steps["first"].seconds >= 0.3
    assert runs[0].start <= steps["first"].start <= steps["second"].end <= runs[0].end
    assert dagster_runs(tmp_path, time.time() + 60, time.time() + 120) == []


@pytest.mark.parametrize(
    ("step_key", "category"),
    [
        ("raw__asif", "ingest"),
        ("dbt_models", "dbt"),
        ("dbt_indicators", "dbt"),
        ("complexity__complexity_values", "complexity"),
        ("disclosure__secondary_completions", "disclosure"),
        ("marts__fct_city_indicators_gx_mart_fct_city_indicators", "gx_checks"),
        ("serve__published_marts", "publish"),
    ],
)
def test_step_category(step_key: str, category: str) -> None:
    assert step_category(step_key) == category


def test_breakdown_reads_the_refresh_phases_the_product_recorded(tmp_path: Path) -> None:
    """The bench reads ops.run_phases (read-only, after the refresh exited) and keeps apart
    the refreshes it measured before."""
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        for release in ("asif-2005-r1", "asif-2006-r1"):
            phases = {"land": 0.1, "read": 1.0, "checks": 0.5, "gx": 2.0, "write": 0.4}
            record_phases(con, "full", f"run-{release}", phases, release_id=release)
        record_phases(con, "full", "run-t", {"dbt.staging": 3.0, "dbt.marts": 1.0})
        record_phases(con, "full", "run-t", {"gx_gate.mart_x": 0.7, "publish": 0.3})
        record_phases(con, "incremental", "run-i", {"read": 9.0}, release_id="asif-2007-r1")
    full = read_phases(warehouse)
    assert {p.refresh_id for p in full} == {"full", "incremental"}
    full = [p for p in full if p.refresh_id == "full"]
    incremental = read_phases(warehouse, {"full"})
    assert [(p.release_id, p.phase, p.seconds) for p in incremental] == [
        ("asif-2007-r1", "read", 9.0)
    ]
    measured = Measurement(
        "full_refresh", ["citygvc", "refresh"], 20.0, 1, 1, 1, 1, [], 0, time.time(),
        (0, 0, 0), (0, 0, 0), "log",
    )  # fmt: skip
    breakdown = refresh_breakdown(
        measured, tmp_path / "no-dagster-home", tmp_path / "no-dbt-target", full
    )
    assert breakdown["refresh_ids"] == ["full"] and breakdown["releases_timed"] == 2
    assert breakdown["ingest_phases_s"]["read"] == pytest.approx(2.0)
    assert breakdown["ingest_phases_s"]["gx"] == pytest.approx(4.0)
    assert breakdown["dbt_layers_s"] == {"staging": 3.0, "marts": 1.0}
    assert breakdown["gx_s"]["gates"] == pytest.approx(0.7)
    assert breakdown["publish_s"] == pytest.approx(0.3)
    assert breakdown["shares"]["reading_files"] == pytest.approx(0.1)
    assert breakdown["shares"]["gx"] == pytest.approx(0.2)


def test_dbt_invocations_are_the_steps_of_this_refresh(tmp_path: Path) -> None:
    def results(step: str, mtime: float, nodes: list[tuple[str, float]]) -> None:
        path = tmp_path / f"run_results_{step}.json"
        rows = [{"unique_id": u, "execution_time": t} for u, t in nodes]
        path.write_text(json.dumps({"elapsed_time": 9.5, "results": rows}))
        os.utime(path, (mtime, mtime))

    started = time.time() - 100
    results("models", started + 5, [("model.p.a", 2.0), ("test.p.t", 0.5), ("model.p.b", 3.0)])
    results("staging", started - 50, [("model.p.s", 1.0)])  # left by an earlier refresh
    invocations = dbt_invocations(tmp_path, started, slowest=1)
    assert set(invocations) == {"models"}
    models = invocations["models"]
    assert models["elapsed_s"] == 9.5 and models["nodes"] == 3
    assert models["models_s"] == 5.0 and models["tests_s"] == 0.5
    assert models["slowest"] == [{"node": "model.p.b", "seconds": 3.0}]


def test_the_bench_drives_the_product_through_its_command_line() -> None:
    command = refresh_command()
    assert command[-1] == "refresh" or command[-2:] == ["-m", "orchestration.refresh"]


@pytest.mark.slow
def test_bench_demo_end_to_end(tmp_path: Path) -> None:
    """`make bench SCALE=demo` on 2006–2010: full refresh without asif-2010 and asif-2006-r2,
    then the incremental refresh with them, the peer and the floor — all agree."""
    env = {**os.environ, "CITYGVC_DATA_DIR": str(tmp_path / uuid.uuid4().hex)}
    env.pop("DAGSTER_HOME", None)
    command = ["-m", "tools.bench", "--scale", "demo", "--years", "2006-2010"]
    run = subprocess.run(
        [sys.executable, *command, "--import-repeats", "1"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "targets:" in run.stdout
    bench = Path(env["CITYGVC_DATA_DIR"]) / "bench"
    results = json.loads((bench / "results.json").read_text())

    assert results["catalog"]["new_year"] == ["asif-2010-r1"]
    assert results["catalog"]["revision"] == ["asif-2006-r2"]
    assert (bench / "cache" / "demo-seed0-2006-2010" / "catalog.json").exists()
    for name in ("full_refresh", "incremental_refresh", "pandas_peer", "floor", "floor_base"):
        measured = results["measurements"][name]
        assert measured["exit_code"] == 0
        for field in ("wall_s", "user_s", "sys_s", "max_rss_bytes", "peak_tree_rss_bytes"):
            assert measured[field] > 0, (name, field)
        assert measured["peak_rss_bytes"] >= measured["max_rss_bytes"]
    for name in ("full_refresh", "incremental_refresh"):
        breakdown = results["refresh_breakdown"][name]
        assert set(breakdown["shares"]) == {"reading_files", "gx", "dbt", "dagster_overhead"}
        assert len(breakdown["refresh_ids"]) == 1
        assert breakdown["steps_s"]["dbt"] > 0 and breakdown["steps_s"]["gx_checks"] > 0
        assert breakdown["ingest_phases_s"]["read"] > 0
        assert breakdown["ingest_phases_s"]["gx"] > 0
        assert set(breakdown["dbt_layers_s"]) == {"staging", "models", "indicators"}
        assert breakdown["steps_s"]["complexity"] > 0
        assert breakdown["steps_s"]["disclosure"] > 0
        assert breakdown["gx_s"]["gates"] > 0 and breakdown["publish_s"] > 0
        # each dbt step's own per-model timings, from this refresh's run
        assert set(breakdown["dbt_invocations"]) == {"staging", "models", "indicators"}
        assert all(i["models_s"] > 0 for i in breakdown["dbt_invocations"].values())
    # The full refresh ingests 5 releases, the incremental one only the 2 held back.
    full, incremental = (
        results["refresh_breakdown"][k] for k in ("full_refresh", "incremental_refresh")
    )
    assert full["releases_timed"] == 5 and incremental["releases_timed"] == 2
    assert full["refresh_ids"] != incremental["refresh_ids"]
    imports = results["definitions_load"]
    assert imports["definitions_s"] > 0 and imports["bare_dagster_dbt_s"] > 0

    assert results["all_agree"]
    assert len(results["agreement"]) == 3
    for check in results["agreement"].values():
        assert check["agree"] and check["rows"] > 0
        assert {(s["indicator_id"], s["source"]) for s in check["series"]} == set(SERIES)
    # The held-back year reaches the publish only through the incremental refresh.
    full = pd.read_parquet(bench / "run" / "published_full.parquet")
    incremental = pd.read_parquet(bench / "run" / "published_incremental.parquet")
    assert not ((full["source"] == "asif") & (full["year"] == 2010)).any()
    assert ((incremental["source"] == "asif") & (incremental["year"] == 2010)).any()

    assert len(results["targets"]) == 5  # demo: two speed targets, memory, imports, GX
    for target in results["targets"]:
        assert isinstance(target["met"], bool) and target["verdict"]
    assert results["machine"]["cores"] and len(results["load"]["start"]) == 3
