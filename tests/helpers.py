"""Helpers shared by the test folders (unit, dbt, integration): isolated settings, the sample
catalog generator, dbt on a throw-away data dir, the hand-made six-firm catalog, refreshes in a
subprocess, and hashes of what a publish serves. Fixtures live in tests/conftest.py; the BI
client pieces in tests/integration/bi/bi_helpers.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestration.ingest import gx as gx_validation
from orchestration.ingest.catalog import Release, open_catalog, validate_catalog
from orchestration.ingest.load import IngestOutcome, ingest_release
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, Settings
from orchestration.warehouse import dbt as dbt_manifest

KUNSHAN, DONGGUAN, SUZHOU = "320583", "441900", "320500"
# The seven ICT segments of division 39 (seeds/ict_segments), in their published order.
ICT_SEGMENTS = (
    "computers",
    "parts_peripherals",
    "telecom_equipment",
    "handsets",
    "consumer_electronics",
    "components_devices",
    "other_ict",
)
# What points a refresh somewhere; tests that refresh in-process set these to junk so the
# refresh can only use the Settings it is given.
LOCATION_ENV = ("CITYGVC_DATA_DIR", "CITYGVC_RELEASES", "DAGSTER_HOME")
SDC_ENV = ("CITYGVC_SDC_MIN_FIRMS", "CITYGVC_SDC_DOMINANCE", "CITYGVC_SDC_P")


def make_settings(tmp: Path, releases: str | Path, **env: str) -> Settings:
    """Settings for an isolated data dir (and DAGSTER_HOME inside it)."""
    values = {"CITYGVC_DATA_DIR": str(tmp / "data"), "CITYGVC_RELEASES": str(releases), **env}
    return Settings.from_env(values)


def hide_location_env(monkeypatch: pytest.MonkeyPatch, value: str = "unset-by-test") -> None:
    """Set LOCATION_ENV to junk: an in-process refresh must follow its Settings only."""
    for key in LOCATION_ENV:
        monkeypatch.setenv(key, value)


def generate_catalog(out: Path, *args: str) -> Path:
    """`python -m tools.sample_releases --out OUT ARGS…` (the demo catalog by default)."""
    subprocess.run(
        [sys.executable, "-m", "tools.sample_releases", "--out", str(out), *args],
        check=True,
        capture_output=True,
    )
    return out


def refresh_env(data: Path, releases: str | Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `python -m orchestration.refresh` subprocess writing into `data`:
    the product defaults (demo catalog under data/releases, disclosure on, default SDC rule)
    unless `releases` or `extra` say otherwise."""
    env = {**os.environ, "CITYGVC_DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster")}
    for key in ("CITYGVC_RELEASES", "CITYGVC_DISCLOSURE", "CITYGVC_ENGINE", *SDC_ENV):
        env.pop(key, None)
    if releases is not None:
        env["CITYGVC_RELEASES"] = str(releases)
    env.update(extra)
    return env


def run_refresh(data: Path, releases: str | Path | None = None, **extra: str) -> None:
    """One `python -m orchestration.refresh` (what `make run` does) into `data`; fails the test
    with the end of its output when it does not exit 0."""
    data.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [sys.executable, "-m", "orchestration.refresh"],
        cwd=data.parent,
        env=refresh_env(data, releases, **extra),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def copy_data_dir(data: Path, dest: Path) -> Path:
    """A private copy of a data dir (serve/ keeps its relative `parquet` link) for a test that
    writes into it; returns `dest`."""
    shutil.copytree(data, dest, symlinks=True)
    return dest


# The Spark engine's venv (dbt_project/spark/setup_spark_venv.sh) and the script that runs
# several dbt invocations on one Spark session there.
SPARK_PYTHON = DBT_PROJECT_DIR.parent / ".venv-spark" / "bin" / "python"
SPARK_SESSION_STEPS = Path(__file__).parent / "integration" / "spark_session_steps.py"


def dbt_args(data_dir: Path, *args: str) -> list[str]:
    """`args` for the dbt project on the warehouse of `data_dir` (target/ and logs/ inside it)."""
    return [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(data_dir / "target"),
        "--log-path",
        str(data_dir / "logs"),
    ]


def run_dbt(data_dir: Path, *args: str, vars_: dict | None = None) -> None:
    """The dbt CLI of this venv on the warehouse of `data_dir`."""
    argv = [str(Path(sys.executable).with_name("dbt")), *dbt_args(data_dir, *args)]
    if vars_ is not None:
        argv += ["--vars", json.dumps(vars_)]
    env = {**os.environ, "CITYGVC_DATA_DIR": str(data_dir)}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}"


def build_with_complexity(data_dir: Path, *args: str, vars_: dict | None = None) -> None:
    """`dbt build ARGS` as a refresh runs it: the models the Python steps do not feed, the
    complexity and disclosure steps (orchestration/complexity, orchestration/disclosure) on
    what they built, then the models that read their values."""
    from orchestration.complexity.step import run_complexity_step
    from orchestration.disclosure.step import run_disclosure_step
    from orchestration.warehouse.dbt import AFTER_STEPS

    run_dbt(data_dir, "build", *args, "--exclude", *AFTER_STEPS.split(), vars_=vars_)
    run_complexity_step(data_dir / "warehouse.duckdb")
    run_disclosure_step(data_dir / "warehouse.duckdb")
    run_dbt(data_dir, "build", *args, "--select", *AFTER_STEPS.split(), vars_=vars_)


def run_spark_session_steps(data_dir: Path, steps: list[dict]) -> None:
    """tests/integration/spark_session_steps.py's `steps` in the Spark venv, on the warehouse
    of `data_dir` (Spark bound to the loopback interface)."""
    env = {**os.environ, "CITYGVC_DATA_DIR": str(data_dir), "SPARK_LOCAL_IP": "127.0.0.1"}
    argv = [str(SPARK_PYTHON), str(SPARK_SESSION_STEPS), json.dumps(steps)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"Spark steps failed:\n{(result.stdout + result.stderr)[-4000:]}"


def served_hashes(serve: Path) -> dict[str, str]:
    """sha256 of every published file: the DuckDB file, the manifest and the Parquet files."""
    files = [
        serve / "citygvc.duckdb",
        serve / "manifest.json",
        *sorted((serve / "parquet").glob("*.parquet")),
    ]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The hand-made catalog: six firms in Kunshan and Dongguan over two years --------------------

HAND_HEADER = (
    "firm_id,firm_name,location_code,industry_code,registration_type,gross_output,"
    "value_added,sales,export_value,employment\n"
)
# firm, name, 12-digit location (2004+), CIC 2002 class, registration type, output by year.
HAND_FIRMS = [
    ("K00000001", "Kunshan Computer", "320583100001", "4041", "330", {2005: 9000, 2006: 12000}),
    ("K00000002", "Kunshan Metal", "320583100002", "3411", "170", {2005: 3000, 2006: 3000}),
    ("K00000003", "Kunshan Parts", "320583100003", "4061", "230", {2005: 1000, 2006: 2000}),
    ("D00000001", "Dongguan Peripherals", "441900100001", "4043", "230", {2005: 2000, 2006: 1000}),
    ("D00000002", "Dongguan Garments", "441900100002", "1810", "170", {2005: 6000, 2006: 7000}),
    ("D00000003", "Dongguan Shoes", "441900100003", "1820", "110", {2005: 2000, 2006: 2000}),
]
HAND_ICT = {"4041", "4043", "4061"}  # division 40 of GB/T 4754-2002


def hand_csv(year: int) -> bytes:
    """The six firms' ASIF CSV of `year` (value added a quarter of output, 100 employees)."""
    lines = [
        f"{fid},{name},{loc},{cic},{reg},{out[year]},{out[year] // 4},{out[year]},0,100\n"
        for fid, name, loc, cic, reg, out in HAND_FIRMS
    ]
    return (HAND_HEADER + "".join(lines)).encode()


def write_xls(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> Path:
    """A BIFF .xls workbook (as Excel 97–2003 writes it, through xlwt): each sheet's rows."""
    import xlwt  # lazy: a dev dependency only the workbook tests need

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_hand_catalog(root: Path) -> Path:
    """The six firms as two ASIF CSV releases (2005, 2006) with their catalog.json."""
    releases = []
    for year in (2005, 2006):
        rel = f"asif/{year}/asif_{year}_r1.csv"
        data = hand_csv(year)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        releases.append(
            {
                "release_id": f"asif-{year}-r1",
                "dataset": "asif",
                "period": year,
                "revision": 1,
                "published_at": f"{year + 2}-03-01",
                "provisional": False,
                "files": [
                    {
                        "path": rel,
                        "format": "csv",
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data),
                    }
                ],
            }
        )
    (root / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": releases}))
    return root


def hand_share(prefix: str, year: int) -> float:
    """ICT share of manufacturing output of the hand-made firms located under `prefix`."""
    firms = [f for f in HAND_FIRMS if f[2].startswith(prefix)]
    ict = sum(f[5][year] for f in firms if f[3] in HAND_ICT)
    return ict / sum(f[5][year] for f in firms)


@dataclass
class Warehouse:
    """A fresh warehouse and a catalog folder to ingest hand-made releases into (no Dagster,
    no GX)."""

    settings: Settings
    root: Path
    con: object
    entries: list

    def release(self, release_id: str, period: int, path: str, data: bytes) -> Release:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.entries.append(
            {
                "release_id": release_id,
                "dataset": "asif",
                "period": period,
                "revision": 1,
                "published_at": f"{period + 2}-03-01",
                "provisional": False,
                "files": [
                    {
                        "path": path,
                        "format": path.rsplit(".", 1)[-1],
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data),
                    }
                ],
            }
        )
        doc = {"catalog_version": 1, "releases": self.entries}
        (self.root / "catalog.json").write_text(json.dumps(doc))
        releases, rejections = validate_catalog(doc)
        assert rejections == []
        return next(r for r in releases if r.release_id == release_id)

    def ingest(self, release: Release) -> IngestOutcome:
        return ingest_release(
            self.con, self.settings, open_catalog(str(self.root)), release, run_gx=False
        )

    def rows(self, sql: str, *params: object) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()


def force_failing_suite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suite: str) -> None:
    """A copy of the reviewed GX suites in which `suite` gains a critical expectation no data
    can meet (zero rows), put in force for the test. Suites are part of the code fingerprint,
    so the next refresh builds and checks again."""
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    spec = json.loads((suites / f"{suite}.json").read_text())
    spec["expectations"].append(
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 0, "max_value": 0},
            "meta": {"severity": "critical", "description": "forced failure (test)"},
        }
    )
    (suites / f"{suite}.json").write_text(json.dumps(spec))
    monkeypatch.setattr(gx_validation, "EXPECTATIONS_DIR", suites)
    monkeypatch.setattr(dbt_manifest, "EXPECTATIONS_DIR", suites)
