"""`python -m tools.bench --scale demo|national [--seed N] [--years A-B]` (`make bench`).

1. The sample catalog is generated once into `$CITYGVC_DATA_DIR/bench/cache/<scale>-seed<N>/`
   (kept between runs).
2. `bench/run/` is rebuilt: `catalog/` holds hard links to the cached files and a catalog.json
   without the newest ASIF year and without one revision (the *base*); `citygvc/` is an empty
   data folder (warehouse, serve, DAGSTER_HOME) for the refresh, disclosure off.
3. Measured side by side, each as its own process: the full refresh of the base catalog
   (empty warehouse → published); the incremental refresh after catalog.json lists the held
   back releases too; the pandas peer and the floor over the complete catalog. The floor
   also runs once over the base catalog to check the full refresh's publish.
4. Dagster definitions load time beside a bare `import dagster, dagster_dbt`.
5. Agreement of the published indicators with the peer and the floor, the targets of the
   issue, `bench/results.json` and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.settings import DBT_PROJECT_DIR, Settings
from tools.bench.measure import (
    Measurement,
    best_wall,
    dagster_runs,
    dbt_invocations,
    run_measured,
    step_category,
)

GIB = 1024**3
# Relative agreement required between implementations (all values are ratios of sums; the
# warehouse sums DECIMALs exactly, the peer and the floor sum doubles: differences are
# rounding, ~1e-15).
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12
# The indicators the peer and the floor compute: (indicator_id, source) → breakdown (None =
# every breakdown).
SERIES = {
    ("ict_share_mfg_output", "asif"): "total",
    ("ict_share_mfg_output", "fdi_city"): "total",
    ("ict_segment_share", "asif"): None,
    ("fdi_dependency_ict_va", "asif"): "total",
    ("fdi_dependency_ict_va", "fdi_city"): "total",
    ("export_intensity_ict", "asif"): "total",
}
PY = sys.executable


# Catalog cache and run layout ---------------------------------------------------------------


def cache_dir(settings: Settings, scale: str, seed: int, years: str | None) -> Path:
    name = f"{scale}-seed{seed}" + (f"-{years}" if years else "")
    return settings.bench_dir / "cache" / name


def ensure_cache(
    settings: Settings, scale: str, seed: int, years: str | None, echo: Callable[[str], None]
) -> tuple[Path, float | None]:
    """The cached sample catalog (generated when missing); seconds spent generating it."""
    target = cache_dir(settings, scale, seed, years)
    if (target / "catalog.json").exists():
        return target, None
    echo(f"generating the {scale} sample catalog (seed {seed}) into {target} …")
    work = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    command = [PY, "-m", "tools.sample_releases", "--out", str(work), "--scale", scale]
    command += ["--seed", str(seed)] + (["--years", years] if years else [])
    start = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - start
    os.replace(work, target)
    return target, seconds


@dataclass(frozen=True)
class Split:
    base: list[dict]
    new_year: list[dict]
    revision: list[dict]

    @property
    def added_ids(self) -> list[str]:
        return [r["release_id"] for r in self.new_year + self.revision]


def split_catalog(releases: list[dict]) -> Split:
    """Hold back the newest ASIF year's releases (the dataset researchers wait for) and one
    revision (an ASIF one if the catalog has any, else the newest other)."""
    asif = [r for r in releases if r["dataset"] == "asif"]
    newest = max(r["period"] for r in (asif or releases))
    new_year = [r for r in (asif or releases) if r["period"] == newest]
    revisions = [r for r in releases if r["revision"] > 1 and r not in new_year]
    revisions.sort(key=lambda r: (r["dataset"] != "asif", -r["period"], r["release_id"]))
    revision = revisions[:1]
    held = {r["release_id"] for r in new_year + revision}
    return Split([r for r in releases if r["release_id"] not in held], new_year, revision)


def link_catalog(cache: Path, target: Path, releases: list[dict]) -> None:
    """Hard links (copies across file systems) of every listed file under `target`."""
    for release in releases:
        for entry in release["files"]:
            destination = target / entry["path"]
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(cache / entry["path"], destination)
            except OSError:
                shutil.copyfile(cache / entry["path"], destination)


def write_catalog(target: Path, doc: dict, releases: list[dict]) -> None:
    (target / "catalog.json").write_text(
        json.dumps({**doc, "releases": releases}, indent=1, ensure_ascii=False)
    )


# Refresh breakdown --------------------------------------------------------------------------


def refresh_breakdown(measurement: Measurement, dagster_home: Path, timings_file: Path) -> dict:
    """Where a refresh's wall time went: Dagster steps by category (event log), the ingest
    phases (instrumented timers) and everything outside steps (Dagster overhead)."""
    end = measurement.started_at + measurement.wall_s
    runs = dagster_runs(dagster_home, measurement.started_at, end)
    steps: dict[str, float] = {}
    for run in runs:
        for step in run.steps:
            category = step_category(step.step_key)
            steps[category] = steps.get(category, 0.0) + step.seconds
    in_steps = sum(steps.values())
    in_runs = sum(r.seconds for r in runs)
    timers = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    seconds = timers.get("seconds", {})
    gx_ingest = seconds.get("gx_ingest", 0.0)
    phases = {
        "land": seconds.get("land", 0.0),
        "read": seconds.get("read", 0.0),
        "checks_without_gx": seconds.get("checks", 0.0) - gx_ingest,
        "gx_ingest": gx_ingest,
        "write": seconds.get("write", 0.0),
    }
    phases["ingest_other"] = steps.get("ingest", 0.0) - sum(phases.values())
    first_event = min((r.start for r in runs), default=end)
    overhead = measurement.wall_s - in_steps
    wall = measurement.wall_s
    gx_total = gx_ingest + steps.get("gx_checks", 0.0)
    shares = {
        "reading_files": phases["read"] / wall,
        "gx": gx_total / wall,
        "dbt": steps.get("dbt", 0.0) / wall,
        "dagster_overhead": overhead / wall,
    }
    return {
        "wall_s": wall,
        "runs": len(runs),
        "steps_s": steps,
        "ingest_phases_s": phases,
        "gx_s": {
            "ingest_suites": gx_ingest,
            "asset_check_steps": steps.get("gx_checks", 0.0),
            "asset_check_validate_only": seconds.get("gx_layer_validate", 0.0),
            "total": gx_total,
        },
        "dagster_overhead_s": {
            "total": overhead,
            "before_first_run": first_event - measurement.started_at,
            "inside_runs_outside_steps": in_runs - in_steps,
            "between_and_after_runs": overhead
            - (first_event - measurement.started_at)
            - (in_runs - in_steps),
        },
        "shares": shares,
        "dbt_invocations": dbt_invocations(DBT_PROJECT_DIR / "target", [r.run_id for r in runs]),
        "timer_calls": timers.get("calls", {}),
        "not_instrumented": timers.get("not_instrumented", []),
    }


# Agreement ----------------------------------------------------------------------------------


def bench_rows_sql(path: Path) -> str:
    conditions = " or ".join(
        f"(indicator_id = '{ind}' and source = '{src}'"
        + (f" and breakdown = '{brk}')" if brk else ")")
        for (ind, src), brk in SERIES.items()
    )
    return (
        "select city_code, cast(year as integer) as year, indicator_id, breakdown, source, "
        f"cast(value as double) as value from read_parquet('{path}') where {conditions}"
    )


def compare(reference: Path, other: Path) -> dict[str, Any]:
    """Row-by-row agreement of two indicator files on the bench series."""
    import duckdb

    with duckdb.connect() as con:
        rows = con.execute(
            f"""
            with a as ({bench_rows_sql(reference)}), b as ({bench_rows_sql(other)})
            select
                coalesce(a.indicator_id, b.indicator_id) as indicator_id,
                coalesce(a.source, b.source) as source,
                count(*) as rows,
                count(*) filter (where b.city_code is null) as missing_in_other,
                count(*) filter (where a.city_code is null) as missing_in_reference,
                count(*) filter (
                    where a.city_code is not null and b.city_code is not null
                        and (a.value is null) <> (b.value is null)
                ) as null_mismatches,
                coalesce(max(abs(a.value - b.value)
                    / greatest(abs(a.value), {ABS_TOLERANCE / REL_TOLERANCE})), 0)
                    as max_rel_diff
            from a full join b using (city_code, year, indicator_id, breakdown, source)
            group by all order by all
            """
        ).fetchall()
    series = [
        dict(
            zip(
                (
                    "indicator_id",
                    "source",
                    "rows",
                    "missing_in_other",
                    "missing_in_reference",
                    "null_mismatches",
                    "max_rel_diff",
                ),
                row,
                strict=True,
            )
        )
        for row in rows
    ]
    agree = bool(series) and all(
        s["missing_in_other"] == 0
        and s["missing_in_reference"] == 0
        and s["null_mismatches"] == 0
        and s["max_rel_diff"] <= REL_TOLERANCE
        for s in series
    )
    covered = {(s["indicator_id"], s["source"]) for s in series}
    return {
        "reference": str(reference),
        "other": str(other),
        "agree": agree and covered == set(SERIES),
        "rows": sum(s["rows"] for s in series),
        "series": series,
        "tolerance": {"relative": REL_TOLERANCE, "absolute": ABS_TOLERANCE},
    }


# Targets ------------------------------------------------------------------------------------


def _target(name: str, value: float, limit: float, at_most: bool) -> dict:
    met = value <= limit if at_most else value >= limit
    factor = value / limit if at_most else limit / value
    verdict = (
        "met"
        if met
        else f"missed: {value:.3g} vs {'≤' if at_most else '≥'} {limit:g} "
        f"({factor:.1f}× {'over' if at_most else 'short of'} the target)"
    )
    return {
        "target": name,
        "value": value,
        "limit": limit,
        "comparison": "<=" if at_most else ">=",
        "met": met,
        "verdict": verdict,
    }


def evaluate_targets(m: dict[str, Measurement], full: dict, imports: dict) -> list[dict]:
    full_s, incr_s = m["full_refresh"].wall_s, m["incremental_refresh"].wall_s
    peer_s, floor_s = m["pandas_peer"].wall_s, m["floor"].wall_s
    # The memory target is citygvc's (DESIGN §7); the peer's and the floor's are reported.
    peak = max(m[k].peak_rss_bytes for k in ("full_refresh", "incremental_refresh"))
    return [
        _target("full refresh / floor", full_s / floor_s, 2.0, True),
        _target("full refresh / pandas peer", full_s / peer_s, 1.0, True),
        _target("incremental / full refresh", incr_s / full_s, 0.15, True),
        _target("pandas peer / incremental", peer_s / incr_s, 5.0, False),
        _target("refresh peak RSS (GiB)", peak / GIB, 6.0, True),
        _target(
            "definitions load / bare import dagster, dagster_dbt",
            imports["definitions_s"] / imports["bare_dagster_dbt_s"],
            1.5,
            True,
        ),
        _target("GX share of the full refresh", full["shares"]["gx"], 0.25, True),
    ]


# Machine ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import duckdb

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


# Report -------------------------------------------------------------------------------------


def _gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB"


def _label(command: str) -> str:
    """A short name for a process: its module (`-m x.y`), `dbt <command>`, or its program."""
    words = command.split()
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1].rsplit(".", 1)[-1]
    dbt = next((i for i, w in enumerate(words) if w.endswith("/dbt") or w == "dbt"), None)
    if dbt is not None:
        return " ".join(words[dbt : dbt + 2]).rsplit("/", 1)[-1]
    return words[0] if words else "?"


def format_table(results: dict) -> str:
    m = results["measurements"]
    floor_s = m["floor"]["wall_s"]
    scale = results["scale"]
    lines = [
        f"citygvc bench — {scale}, seed {results['seed']}"
        + (f", years {results['years']}" if results["years"] else "")
        + f", {results['catalog']['releases']} releases "
        f"({results['catalog']['held_back']} held back for the incremental refresh)",
        f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gib']} GiB; load (1/5/15 min) at start "
        + "/".join(f"{x:.1f}" for x in results["load"]["start"])
        + ", at end "
        + "/".join(f"{x:.1f}" for x in results["load"]["end"]),
        "",
        f"{'':34}{'wall s':>9}{'CPU s':>9}{'peak RSS':>11}{'× floor':>9}",
    ]
    titles = {
        "full_refresh": "citygvc full refresh",
        "incremental_refresh": "citygvc incremental refresh",
        "pandas_peer": "pandas peer (full recompute)",
        "floor": "floor (readers + 1 DuckDB stmt)",
    }
    for key, title in titles.items():
        row = m[key]
        cpu = row["user_s"] + row["sys_s"]
        lines.append(
            f"{title:34}{row['wall_s']:9.1f}{cpu:9.1f}{_gib(row['peak_rss_bytes']):>11}"
            f"{row['wall_s'] / floor_s:9.2f}"
        )
    full = results["refresh_breakdown"]["full_refresh"]
    shares = full["shares"]
    lines += [
        "",
        "full refresh: reading files {:.0%}, GX {:.0%}, dbt {:.0%}, Dagster overhead {:.0%}".format(
            shares["reading_files"], shares["gx"], shares["dbt"], shares["dagster_overhead"]
        ),
        "  steps (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(full["steps_s"].items()))
        + "; ingest phases (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in full["ingest_phases_s"].items()),
    ]
    for name, invocation in sorted(full["dbt_invocations"].items()):
        slowest = invocation["slowest"][0] if invocation["slowest"] else None
        lines.append(
            f"  {name}: {invocation['elapsed_s']:.1f} s in dbt ({invocation['nodes']} nodes"
            + (
                f"; slowest {slowest['node'].split('.')[-1]} {slowest['seconds']:.1f} s)"
                if slowest
                else ")"
            )
        )
    for key in ("full_refresh", "incremental_refresh"):
        processes = m[key]["peak_tree_processes"]
        lines.append(
            f"  {titles[key]} memory peak: "
            + " + ".join(f"{_label(p['command'])} {_gib(p['rss_bytes'])}" for p in processes[:2])
        )
    imports = results["definitions_load"]
    lines += [
        f"Dagster definitions load {imports['definitions_s']:.2f} s vs bare import dagster, "
        f"dagster_dbt {imports['bare_dagster_dbt_s']:.2f} s (python -c pass "
        f"{imports['python_s']:.2f} s; best of {imports['repeats']})",
        "",
        f"agreement (bench indicators, relative tolerance {REL_TOLERANCE:g}):",
    ]
    for name, check in results["agreement"].items():
        worst = max((s["max_rel_diff"] for s in check["series"]), default=float("nan"))
        lines.append(
            f"  {name:40} {'agree' if check['agree'] else 'DIFFER'}"
            f" ({check['rows']} rows, max rel diff {worst:.1e})"
        )
    lines += ["", "targets:"]
    for target in results["targets"]:
        lines.append(
            f"  {target['target']:52} {target['value']:8.3f} {target['comparison']} "
            f"{target['limit']:<6g} {target['verdict']}"
        )
    return "\n".join(lines)


# Main ---------------------------------------------------------------------------------------


def run_bench(
    settings: Settings,
    scale: str,
    seed: int,
    years: str | None,
    import_repeats: int,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    load_start = os.getloadavg()
    cache, generated_s = ensure_cache(settings, scale, seed, years, echo)
    doc = json.loads((cache / "catalog.json").read_text())
    split = split_catalog(doc["releases"])

    run_dir = settings.bench_dir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    catalog = run_dir / "catalog"
    link_catalog(cache, catalog, doc["releases"])
    write_catalog(catalog, doc, split.base)
    data_dir = run_dir / "citygvc"
    dagster_home = data_dir / "dagster"
    dagster_home.mkdir(parents=True)
    refresh_env = {
        **os.environ,
        "CITYGVC_DATA_DIR": str(data_dir),
        "CITYGVC_RELEASES": str(catalog),
        "DAGSTER_HOME": str(dagster_home),
        "CITYGVC_DISCLOSURE": "off",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    published = data_dir / "serve" / "parquet" / "fct_city_indicators.parquet"
    refresh = [PY, "-m", "tools.bench.instrumented_refresh"]
    measurements: dict[str, Measurement] = {}

    def measure(name: str, command: list[str], env: dict[str, str] | None = None) -> Measurement:
        echo(f"measuring {name} …")
        # cwd = DAGSTER_HOME: anything resolved against the working directory (e.g. a relative
        # storage base_dir in dagster.yaml) stays in the bench's own instance, so the bench never
        # shares run storage or pool slots with other Dagster processes on the machine.
        result = run_measured(
            name, command, env or refresh_env, run_dir / f"{name}.log", cwd=dagster_home
        )
        echo(f"  {name}: {result.wall_s:.1f} s, exit {result.exit_code}")
        if result.exit_code != 0:
            raise RuntimeError(f"{name} failed (exit {result.exit_code}); see {result.log}")
        measurements[name] = result
        return result

    timings = {k: run_dir / f"{k}_timings.json" for k in ("full_refresh", "incremental_refresh")}
    measure(
        "full_refresh",
        refresh,
        {**refresh_env, "CITYGVC_BENCH_TIMINGS": str(timings["full_refresh"])},
    )
    shutil.copyfile(published, run_dir / "published_full.parquet")
    measure(
        "floor_base",
        [
            PY,
            "-m",
            "tools.bench.floor",
            str(catalog),
            str(run_dir / "floor_base.parquet"),
            "--timings",
            str(run_dir / "floor_base_phases.json"),
        ],
    )
    write_catalog(catalog, doc, doc["releases"])
    measure(
        "incremental_refresh",
        refresh,
        {**refresh_env, "CITYGVC_BENCH_TIMINGS": str(timings["incremental_refresh"])},
    )
    shutil.copyfile(published, run_dir / "published_incremental.parquet")
    for name in ("pandas_peer", "floor"):
        measure(
            name,
            [
                PY,
                "-m",
                f"tools.bench.{name}",
                str(catalog),
                str(run_dir / f"{name}.parquet"),
                "--timings",
                str(run_dir / f"{name}_phases.json"),
            ],
        )

    echo("timing Dagster definitions load …")
    imports = {
        "definitions_s": best_wall(
            [PY, "-c", "import orchestration.definitions"], refresh_env, import_repeats
        ),
        "bare_dagster_dbt_s": best_wall(
            [PY, "-c", "import dagster, dagster_dbt"], refresh_env, import_repeats
        ),
        "python_s": best_wall([PY, "-c", "pass"], refresh_env, import_repeats),
        "repeats": import_repeats,
    }
    imports["ratio"] = imports["definitions_s"] / imports["bare_dagster_dbt_s"]

    breakdown = {
        name: refresh_breakdown(measurements[name], dagster_home, timings[name])
        for name in ("full_refresh", "incremental_refresh")
    }
    agreement = {
        "full_refresh vs floor (base catalog)": compare(
            run_dir / "published_full.parquet", run_dir / "floor_base.parquet"
        ),
        "incremental_refresh vs pandas_peer": compare(
            run_dir / "published_incremental.parquet", run_dir / "pandas_peer.parquet"
        ),
        "incremental_refresh vs floor": compare(
            run_dir / "published_incremental.parquet", run_dir / "floor.parquet"
        ),
    }
    phases = {
        name: json.loads((run_dir / f"{name}_phases.json").read_text())
        for name in ("pandas_peer", "floor", "floor_base")
    }
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "seed": seed,
        "years": years,
        "machine": machine(),
        "load": {"start": load_start, "end": os.getloadavg()},
        "catalog": {
            "cache": str(cache),
            "generated_s": generated_s,
            "releases": len(doc["releases"]),
            "files": sum(len(r["files"]) for r in doc["releases"]),
            "bytes": sum(f["bytes"] for r in doc["releases"] for f in r["files"]),
            "held_back": split.added_ids,
            "new_year": [r["release_id"] for r in split.new_year],
            "revision": [r["release_id"] for r in split.revision],
        },
        "measurements": {k: v.as_dict() for k, v in measurements.items()},
        "refresh_breakdown": breakdown,
        "peer_floor_phases_s": phases,
        "definitions_load": imports,
        "agreement": agreement,
        "all_agree": all(a["agree"] for a in agreement.values()),
    }
    results["targets"] = evaluate_targets(measurements, breakdown["full_refresh"], imports)
    settings.bench_dir.mkdir(parents=True, exist_ok=True)
    (settings.bench_dir / "results.json").write_text(json.dumps(results, indent=1))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", choices=("demo", "national"), default="national")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--years", metavar="A-B", help="only the sample releases of these years (quick runs)"
    )
    parser.add_argument(
        "--import-repeats", type=int, default=3, help="runs per import timing (best is kept)"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    results = run_bench(settings, args.scale, args.seed, args.years, args.import_repeats)
    print()
    print(format_table(results))
    print(f"\nresults: {settings.bench_dir / 'results.json'}")
    return 0 if results["all_agree"] else 1
