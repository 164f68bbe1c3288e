"""Shared pieces of the BI tests: the BI client venv and a hand-made publish of marts with the
docs/marts.md schema and hand-chosen numbers. The real publish they read is the session's demo
refresh (the demo_run fixture of tests/conftest.py).

The hand-made marts are small enough to check every number by hand: see MFG/ICT/VA below.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.settings import REPO_ROOT, Settings
from orchestration.warehouse.publish import build_version, swap_in
from tests.helpers import DONGGUAN, ICT_SEGMENTS, KUNSHAN, SUZHOU

BI_DIR = REPO_ROOT / "bi"
SQL_DIR = BI_DIR / "sql"

# Hand-chosen cells, thousand yuan: (manufacturing output, ICT output) per city and year ...
OUTPUT = {
    (KUNSHAN, 2008): (1000, 600),
    (KUNSHAN, 2009): (1200, 780),
    (DONGGUAN, 2008): (2000, 800),
    (DONGGUAN, 2009): (2400, 720),
    (SUZHOU, 2008): (5000, 1000),
    (SUZHOU, 2009): (6000, 1200),
}
# ... ICT value added by registration type: (hmt, foreign, domestic) ...
ICT_VA = {
    (KUNSHAN, 2008): (120, 60, 20),
    (KUNSHAN, 2009): (130, 104, 26),
    (DONGGUAN, 2008): (150, 90, 60),
    (DONGGUAN, 2009): (72, 72, 96),
    (SUZHOU, 2008): (200, 100, 100),
    (SUZHOU, 2009): (220, 130, 150),
}
# ... ICT output by segment (sums to the ICT output) ...
SEGMENTS = {
    (KUNSHAN, 2008): {"computers": 300, "components_devices": 300},
    (KUNSHAN, 2009): {"computers": 468, "components_devices": 312},
    (DONGGUAN, 2008): {"telecom_equipment": 600, "handsets": 200},
    (DONGGUAN, 2009): {"telecom_equipment": 720},
    (SUZHOU, 2008): {"computers": 700, "components_devices": 300},
    (SUZHOU, 2009): {"computers": 800, "components_devices": 400},
}
# ... and one suppressed cell: Dongguan 2009's foreign ICT cell is primary-suppressed (C), its
# hmt sibling secondarily (D), and the FDI-dependency ratios built on them inherit C.
SUPPRESSED_CELLS = {(DONGGUAN, 2009, "foreign"): "C", (DONGGUAN, 2009, "hmt"): "D"}
# Yearbook (fdi_city) values of 2009, published statistics: always free.
YEARBOOK_2009 = {
    KUNSHAN: {"share": 0.66, "fdi_va": 0.88},
    DONGGUAN: {"share": 0.31, "fdi_va": 0.62},
}


@functools.cache
def bi_python() -> Path:
    """The BI venv's python (DuckDB 1.x, duckdb-engine, SQLAlchemy < 2.1, polars), created by
    bi/setup_bi_venv.sh on first use."""
    out = subprocess.run(
        ["bash", str(BI_DIR / "setup_bi_venv.sh")], check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


def run_bi(code: str, *args: str, timeout: float = 120) -> object:
    """Run `code` in the BI venv (argv[1:] = args) and return what it prints as JSON; a failure
    raises RuntimeError with the client's stderr."""
    out = subprocess.run(
        [str(bi_python()), "-c", code, *args], capture_output=True, text=True, timeout=timeout
    )
    if out.returncode != 0:
        raise RuntimeError(f"BI client failed:\n{out.stderr}")
    return json.loads(out.stdout)


def settings_for(data_dir: Path) -> Settings:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(data_dir)})
    settings.serve_dir.mkdir(parents=True, exist_ok=True)
    return settings


def publish(
    settings: Settings, con: duckdb.DuckDBPyConnection, tag: str, docs: dict | None = None
) -> dict:
    """Write-audit-publish the marts of `con` exactly as the refresh does; returns the manifest."""
    fingerprint = hashlib.sha256(tag.encode()).hexdigest()
    version, manifest = build_version(con, settings, fingerprint, [], docs or {})
    swap_in(settings, version, manifest)
    return manifest


def _fdi_dependency(city: str, year: int) -> dict[str, tuple[float | None, str]]:
    hmt, foreign, domestic = ICT_VA[(city, year)]
    total = hmt + foreign + domestic
    if (city, year, "foreign") in SUPPRESSED_CELLS:
        return {"total": (None, "C"), "hmt": (None, "C"), "foreign": (None, "C")}
    return {
        "total": ((hmt + foreign) / total, "F"),
        "hmt": (hmt / total, "F"),
        "foreign": (foreign / total, "F"),
    }


def hand_marts(path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse file whose `marts` schema has the published tables of docs/marts.md (same names,
    columns and types) filled with the hand-chosen numbers above."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_city (city_code varchar, name_zh varchar, name_en varchar, "
        "level varchar, parent_code varchar)"
    )
    con.executemany(
        "insert into marts.dim_city values (?, ?, ?, ?, ?)",
        [
            (SUZHOU, "苏州市", "Suzhou", "prefecture", "320000"),
            (KUNSHAN, "昆山市", "Kunshan", "county_city", SUZHOU),
            (DONGGUAN, "东莞市", "Dongguan", "prefecture", "440000"),
        ],
    )
    con.execute(
        "create table marts.dim_industry (industry_level varchar, industry_code varchar, "
        "name_zh varchar, name_en varchar, is_ict boolean, segment varchar)"
    )
    con.executemany(
        "insert into marts.dim_industry values (?, ?, ?, ?, ?, ?)",
        [
            ("division", "C", "制造业", "Manufacturing (total)", False, None),
            ("division", "39", "计算机、通信和其他电子设备制造业", "ICT", True, None),
        ]
        + [("ict_segment", s, s, s.replace("_", " ").title(), True, s) for s in ICT_SEGMENTS],
    )
    con.execute(
        "create table marts.dim_indicator (indicator_id varchar, title varchar, formula varchar, "
        "unit varchar, numerator varchar, denominator varchar, caveats varchar)"
    )
    con.executemany(
        "insert into marts.dim_indicator values (?, ?, '', ?, '', '', '')",
        [
            ("mfg_output", "Manufacturing gross output", "thousand_yuan"),
            ("ict_output", "ICT gross output", "thousand_yuan"),
            ("ict_share_mfg_output", "ICT share of manufacturing gross output", "share"),
            ("ict_segment_share", "ICT segment share", "share"),
            ("fdi_dependency_ict_va", "FDI dependency of ICT value added", "share"),
        ],
    )
    con.execute(
        "create table marts.dim_release (release_id varchar, dataset varchar, period integer, "
        "revision integer, city_code varchar, published_at date, sha256 varchar, "
        "status varchar, status_reason varchar)"
    )
    con.executemany(
        "insert into marts.dim_release values (?, ?, ?, 1, ?, ?, ?, 'loaded', null)",
        [
            ("asif-2008-r1", "asif", 2008, None, "2010-03-01", "a" * 64),
            ("asif-2009-r1", "asif", 2009, None, "2011-03-01", "b" * 64),
            ("fdi_city-2009-r1", "fdi_city", 2009, None, "2010-09-01", "c" * 64),
        ],
    )
    money = "decimal(38, 6)"
    con.execute(
        "create table marts.fct_city_industry_year (city_code varchar, year integer, "
        "industry_level varchar, industry_code varchar, ownership varchar, source varchar, "
        f"firms {money}, gross_output {money}, value_added {money}, employment {money}, "
        f"export_value {money}, conf_status varchar)"
    )
    cells = []
    for (city, year), (mfg, ict) in OUTPUT.items():
        hmt, foreign, domestic = ICT_VA[(city, year)]
        cells.append((city, year, "division", "C", "total", mfg, None, "F"))
        cells.append((city, year, "division", "39", "total", ict, hmt + foreign + domestic, "F"))
        for ownership, va in (("hmt", hmt), ("foreign", foreign), ("domestic", domestic)):
            status = SUPPRESSED_CELLS.get((city, year, ownership), "F")
            value = va if status == "F" else None
            cells.append((city, year, "division", "39", ownership, None, value, status))
        for segment, output in SEGMENTS[(city, year)].items():
            cells.append((city, year, "ict_segment", segment, "total", output, None, "F"))
    con.executemany(
        "insert into marts.fct_city_industry_year values "
        "(?, ?, ?, ?, ?, 'asif', 10, ?, ?, null, null, ?)",
        [
            (c, y, lvl, code, own, _dec(out), _dec(va), status)
            for c, y, lvl, code, own, out, va, status in cells
        ],
    )
    con.execute(
        "create table marts.fct_city_indicators (city_code varchar, year integer, "
        "indicator_id varchar, breakdown varchar, source varchar, value double, unit varchar, "
        "obs_status varchar, obs_flags varchar, conf_status varchar, release_ids varchar)"
    )
    rows = []
    for (city, year), (mfg, ict) in OUTPUT.items():
        asif = (city, year, "asif", f"asif-{year}-r1")
        rows += [
            (*asif, "mfg_output", "total", mfg, "thousand_yuan", "F"),
            (*asif, "ict_output", "total", ict, "thousand_yuan", "F"),
            (*asif, "ict_share_mfg_output", "total", ict / mfg, "share", "F"),
        ]
        for breakdown, (value, status) in _fdi_dependency(city, year).items():
            rows.append((*asif, "fdi_dependency_ict_va", breakdown, value, "share", status))
        for segment in ICT_SEGMENTS:
            share = SEGMENTS[(city, year)].get(segment, 0) / ict
            rows.append((*asif, "ict_segment_share", segment, share, "share", "F"))
    for city, values in YEARBOOK_2009.items():
        yearbook = (city, 2009, "fdi_city", "fdi_city-2009-r1")
        rows += [
            (*yearbook, "ict_share_mfg_output", "total", values["share"], "share", "F"),
            (*yearbook, "fdi_dependency_ict_va", "total", values["fdi_va"], "share", "F"),
        ]
    con.executemany(
        "insert into marts.fct_city_indicators by name select ? as city_code, ? as year, "
        "? as source, ? as release_ids, ? as indicator_id, ? as breakdown, ? as value, "
        "? as unit, ? as conf_status, 'A' as obs_status, 'A' as obs_flags",
        rows,
    )
    return con


def _dec(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def hand_publish(data_dir: Path) -> Settings:
    """Publish the hand-made marts into `data_dir/serve` through build_version + swap_in."""
    settings = settings_for(data_dir)
    con = hand_marts(data_dir.parent / f"{data_dir.name}-warehouse.duckdb")
    docs = {
        "fct_city_indicators": {
            "description": "City x year indicators",
            "columns": {"value": "The indicator value; NULL when suppressed"},
        }
    }
    publish(settings, con, "hand-made", docs)
    con.close()
    return settings
