"""`python -m tools.bench --scale demo|national [--seed N] [--years A-B]` (`make bench`).

1. The sample catalog is generated once into `$CITYGVC_DATA_DIR/bench/cache/<scale>-seed<N>/`
   (kept between runs).
2. `bench/run/` is rebuilt: `catalog/` holds hard links to the cached files and a catalog.json
   without the newest ASIF year and without one revision (the *base*); `citygvc/` is an empty
   data folder (warehouse, serve, DAGSTER_HOME) for the refresh, with the
   default settings a user runs (disclosure control on).
3. Measured side by side, each as its own process: the full refresh of the base catalog
   (`citygvc refresh`, empty warehouse → published); the incremental refresh after
   catalog.json lists the held back releases too; the pandas peer and the floor over the
   complete catalog. The floor also runs once over the base catalog to check the full
   refresh's publish.
   Where each refresh's time went comes from the product's own records once it has exited:
   its phase timings in the warehouse (ops.run_phases) and Dagster's event log.
4. Dagster definitions load time beside a bare `import dagster, dagster_dbt`.
5. Agreement of the published indicators with the peer and the floor, the targets of the
   issue, `bench/results.json` and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.settings import Settings
from tools.bench.agreement import compare
from tools.bench.measure import Measurement, best_wall, run_measured
from tools.bench.phases import read_phases, refresh_breakdown
from tools.bench.report import evaluate_targets, format_table, machine

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


# Main ---------------------------------------------------------------------------------------


def refresh_command() -> list[str]:
    """The product's command line, as a person runs it (`python -m orchestration.refresh`
    when the console script is not installed next to this interpreter)."""
    citygvc = Path(PY).parent / "citygvc"
    return [str(citygvc), "refresh"] if citygvc.exists() else [PY, "-m", "orchestration.refresh"]


@dataclass
class BenchRun:
    """The bench's run folder: the linked catalog and an empty data folder for citygvc."""

    cache: Path
    generated_s: float | None
    doc: dict
    split: Split
    run_dir: Path
    catalog: Path
    data_dir: Path
    env: dict[str, str]
    measurements: dict[str, Measurement] = field(default_factory=dict)

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    @property
    def dbt_target(self) -> Path:
        return self.data_dir / "dbt"

    @property
    def published(self) -> Path:
        return self.data_dir / "serve" / "parquet" / "fct_city_indicators.parquet"

    def measure(self, name: str, command: list[str], echo: Callable[[str], None]) -> Measurement:
        echo(f"measuring {name} …")
        # cwd = DAGSTER_HOME: anything resolved against the working directory (e.g. a relative
        # storage base_dir in dagster.yaml) stays in the bench's own instance, so the bench
        # never shares run storage or pool slots with other Dagster processes on the machine.
        log = self.run_dir / f"{name}.log"
        result = run_measured(name, command, self.env, log, cwd=self.dagster_home)
        echo(f"  {name}: {result.wall_s:.1f} s, exit {result.exit_code}")
        if result.exit_code != 0:
            raise RuntimeError(f"{name} failed (exit {result.exit_code}); see {result.log}")
        self.measurements[name] = result
        return result

    def measure_tool(self, name: str, module: str, echo: Callable[[str], None]) -> None:
        """The peer or the floor over the catalog as it stands, timings to <name>_phases.json."""
        out, phases = self.run_dir / f"{name}.parquet", self.run_dir / f"{name}_phases.json"
        command = [PY, "-m", f"tools.bench.{module}", str(self.catalog), str(out)]
        self.measure(name, [*command, "--timings", str(phases)], echo)


def prepare_run(
    settings: Settings, scale: str, seed: int, years: str | None, echo: Callable[[str], None]
) -> BenchRun:
    cache, generated_s = ensure_cache(settings, scale, seed, years, echo)
    doc = json.loads((cache / "catalog.json").read_text())
    split = split_catalog(doc["releases"])
    run_dir = settings.bench_dir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    catalog = run_dir / "catalog"
    link_catalog(cache, catalog, doc["releases"])
    write_catalog(catalog, doc, split.base)
    data_dir = run_dir / "citygvc"
    (data_dir / "dagster").mkdir(parents=True)
    env = {
        **os.environ,
        "CITYGVC_DATA_DIR": str(data_dir),
        "CITYGVC_RELEASES": str(catalog),
        "DAGSTER_HOME": str(data_dir / "dagster"),
        "CITYGVC_DISCLOSURE": "on",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    return BenchRun(cache, generated_s, doc, split, run_dir, catalog, data_dir, env)


def measure_all(bench: BenchRun, echo: Callable[[str], None]) -> dict[str, dict]:
    """Full refresh, floor over the base catalog, incremental refresh, peer and floor over
    the whole catalog; returns each refresh's breakdown."""
    warehouse = bench.data_dir / "warehouse.duckdb"
    breakdown = {}
    bench.measure("full_refresh", refresh_command(), echo)
    shutil.copyfile(bench.published, bench.run_dir / "published_full.parquet")
    full_phases = read_phases(warehouse)
    breakdown["full_refresh"] = refresh_breakdown(
        bench.measurements["full_refresh"], bench.dagster_home, bench.dbt_target, full_phases
    )
    bench.measure_tool("floor_base", "floor", echo)
    write_catalog(bench.catalog, bench.doc, bench.doc["releases"])
    bench.measure("incremental_refresh", refresh_command(), echo)
    shutil.copyfile(bench.published, bench.run_dir / "published_incremental.parquet")
    seen = {p.refresh_id for p in full_phases}
    breakdown["incremental_refresh"] = refresh_breakdown(
        bench.measurements["incremental_refresh"],
        bench.dagster_home,
        bench.dbt_target,
        read_phases(warehouse, seen),
    )
    for name in ("pandas_peer", "floor"):
        bench.measure_tool(name, name, echo)
    return breakdown


def import_timings(env: dict[str, str], repeats: int) -> dict[str, Any]:
    imports: dict[str, Any] = {
        "definitions_s": best_wall([PY, "-c", "import orchestration.definitions"], env, repeats),
        "bare_dagster_dbt_s": best_wall([PY, "-c", "import dagster, dagster_dbt"], env, repeats),
        "python_s": best_wall([PY, "-c", "pass"], env, repeats),
        "repeats": repeats,
    }
    imports["ratio"] = imports["definitions_s"] / imports["bare_dagster_dbt_s"]
    return imports


def agreement(run_dir: Path) -> dict[str, dict]:
    def vs(reference: str, other: str) -> dict:
        return compare(run_dir / f"{reference}.parquet", run_dir / f"{other}.parquet")

    return {
        "full_refresh vs floor (base catalog)": vs("published_full", "floor_base"),
        "incremental_refresh vs pandas_peer": vs("published_incremental", "pandas_peer"),
        "incremental_refresh vs floor": vs("published_incremental", "floor"),
    }


def catalog_facts(bench: BenchRun) -> dict[str, Any]:
    releases = bench.doc["releases"]
    return {
        "cache": str(bench.cache),
        "generated_s": bench.generated_s,
        "releases": len(releases),
        "files": sum(len(r["files"]) for r in releases),
        "bytes": sum(f["bytes"] for r in releases for f in r["files"]),
        "held_back": bench.split.added_ids,
        "new_year": [r["release_id"] for r in bench.split.new_year],
        "revision": [r["release_id"] for r in bench.split.revision],
    }


def run_bench(
    settings: Settings,
    scale: str,
    seed: int,
    years: str | None,
    import_repeats: int,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    load_start = os.getloadavg()
    bench = prepare_run(settings, scale, seed, years, echo)
    breakdown = measure_all(bench, echo)
    echo("timing Dagster definitions load …")
    imports = import_timings(bench.env, import_repeats)
    agree = agreement(bench.run_dir)
    phases = {
        name: json.loads((bench.run_dir / f"{name}_phases.json").read_text())
        for name in ("pandas_peer", "floor", "floor_base")
    }
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "seed": seed,
        "years": years,
        "machine": machine(),
        "load": {"start": load_start, "end": os.getloadavg()},
        "catalog": catalog_facts(bench),
        "measurements": {k: v.as_dict() for k, v in bench.measurements.items()},
        "refresh_breakdown": breakdown,
        "peer_floor_phases_s": phases,
        "definitions_load": imports,
        "agreement": agree,
        "all_agree": all(a["agree"] for a in agree.values()),
    }
    results["targets"] = evaluate_targets(
        bench.measurements, breakdown["full_refresh"], imports, scale
    )
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
