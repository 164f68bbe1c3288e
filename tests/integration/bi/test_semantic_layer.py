"""The MetricFlow semantic layer (bi/semantic) over the published marts: `mf query` returns the
values the marts publish, re-aggregates the additive cells exactly, and only ever reads
serve/citygvc.duckdb (never the warehouse)."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from tests.integration.bi.bi_helpers import BI_DIR, DONGGUAN, KUNSHAN

VENV_BIN = Path(sys.executable).parent
# metric -> the (indicator_id, breakdown, source) of fct_city_indicators it must reproduce
HEADLINE_METRICS = {
    "ict_share_mfg_output_asif": ("ict_share_mfg_output", "total", "asif"),
    "ict_share_mfg_output_fdi_city": ("ict_share_mfg_output", "total", "fdi_city"),
    "ict_share_mfg_output_20m_asif": ("ict_share_mfg_output", "threshold_20m", "asif"),
    "fdi_dependency_ict_va_asif": ("fdi_dependency_ict_va", "total", "asif"),
    "fdi_dependency_ict_va_fdi_city": ("fdi_dependency_ict_va", "total", "fdi_city"),
    "fdi_dependency_ict_output_asif": ("fdi_dependency_ict_output", "total", "asif"),
    "mfg_output_asif": ("mfg_output", "total", "asif"),
    "ict_output_fdi_city": ("ict_output", "total", "fdi_city"),
    "eci_asif": ("eci", "total", "asif"),
    "diversity_asif": ("diversity", "total", "asif"),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mf_query(project: Path, env: dict[str, str], out: Path, *args: str) -> list[dict]:
    subprocess.run(
        [str(VENV_BIN / "mf"), "query", *args, "--csv", str(out), "--quiet"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    with out.open() as fh:
        return list(csv.DictReader(fh))


def _number(text: str) -> float | None:
    return float(text) if text else None


@pytest.mark.slow
def test_mf_query_returns_the_published_values(demo_run: Path, tmp_path: Path) -> None:
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(demo_run)})
    served = settings.serve_dir / "citygvc.duckdb"
    before = {p: (_sha256(p), p.stat().st_mtime_ns) for p in (served, settings.warehouse_path)}
    # a copy of the project, so the test writes no target/ or logs/ into the repo
    project = Path(
        shutil.copytree(BI_DIR / "semantic", tmp_path / "semantic", ignore=lambda *_: ["target"])
    )
    env = {
        **os.environ,
        "CITYGVC_DATA_DIR": str(settings.data_dir),
        "DBT_PROFILES_DIR": str(project),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # `dbt build` here creates nothing: it checks every mart the metrics use is published
    subprocess.run(
        [str(VENV_BIN / "dbt"), "build"], cwd=project, env=env, check=True, capture_output=True
    )

    rows = _mf_query(
        project,
        env,
        tmp_path / "headline.csv",
        "--metrics",
        ",".join(HEADLINE_METRICS),
        "--group-by",
        "city,metric_time__year",
    )
    with duckdb.connect(str(served), read_only=True) as con:
        published = {
            (city, year, ind, brk, src): value
            for city, year, ind, brk, src, value in con.execute(
                "select city_code, year, indicator_id, breakdown, source, value "
                "from marts.fct_city_indicators"
            ).fetchall()
        }
    assert len(rows) > 20
    compared = 0
    for row in rows:
        city, year = row["city"], int(row["metric_time__year"][:4])
        for metric, key in HEADLINE_METRICS.items():
            expected = published.get((city, year, *key))
            got = _number(row[metric])
            assert (got is None) == (expected is None), (metric, city, year, got, expected)
            if expected is not None:
                assert got == pytest.approx(expected, rel=1e-12), (metric, city, year)
                compared += 1
    # every published headline value came back (nothing dropped by the semantic layer)
    assert compared == sum(
        1
        for (_, _, *key), value in published.items()
        if tuple(key) in HEADLINE_METRICS.values() and value is not None
    )

    # re-aggregation over two cities = the sums of their published cells, computed here
    both = _mf_query(
        project,
        env,
        tmp_path / "both.csv",
        "--metrics",
        "ict_share_mfg_output_asif_agg,suppressed_cells",
        "--group-by",
        "metric_time__year",
        "--where",
        f"{{{{ Entity('city') }}}} in ('{KUNSHAN}', '{DONGGUAN}')",
    )
    with duckdb.connect(str(served), read_only=True) as con:
        cells = dict(
            con.execute(
                "select year, sum(gross_output) filter (where industry_code = '39') "
                "/ sum(gross_output) filter (where industry_code = 'C') "
                "from marts.fct_city_industry_year where source = 'asif' and ownership = 'total' "
                f"and industry_level = 'division' and city_code in ('{KUNSHAN}', '{DONGGUAN}') "
                "group by year"
            ).fetchall()
        )
    aggregated = {
        int(r["metric_time__year"][:4]): _number(r["ict_share_mfg_output_asif_agg"]) for r in both
    }
    # the years of the yearbooks only (after the last ASIF year) have no ASIF aggregate
    assert {year for year, v in aggregated.items() if v is None} == set(aggregated) - set(cells)
    assert {year: v for year, v in aggregated.items() if v is not None} == {
        year: pytest.approx(float(v), rel=1e-12) for year, v in cells.items()
    }

    # the ICT groups' mean relatedness density of every city and year = the mean over the
    # published values of the groups of division 39 (codes 39x), computed here
    density = _mf_query(
        project,
        env,
        tmp_path / "density.csv",
        "--metrics",
        "ict_relatedness_density_mean,withheld_group_values",
        "--group-by",
        "city,metric_time__year",
    )
    with duckdb.connect(str(served), read_only=True) as con:
        expected_density = {
            (city, year): (mean, withheld)
            for city, year, mean, withheld in con.execute(
                "select city_code, year, avg(value), "
                "count(*) filter (where conf_status in ('C', 'D')) "
                "from marts.fct_city_industry_indicators "
                "where indicator_id = 'relatedness_density' and industry_level = 'group' "
                "and industry_code like '39_' group by city_code, year"
            ).fetchall()
        }
    got_density = {
        (r["city"], int(r["metric_time__year"][:4])): _number(r["ict_relatedness_density_mean"])
        for r in density
        if r["ict_relatedness_density_mean"]
    }
    # with disclosure on (the demo run) every relatedness density is withheld: the metric
    # has nothing to average, and the withheld count below says why
    assert got_density == {
        key: pytest.approx(mean, rel=1e-12)
        for key, (mean, _) in expected_density.items()
        if mean is not None
    }
    # withheld_group_values counts every group's withheld values, not only the ICT groups'
    withheld = {
        (r["city"], int(r["metric_time__year"][:4])): _number(r["withheld_group_values"])
        for r in density
    }
    with duckdb.connect(str(served), read_only=True) as con:
        assert withheld == {
            (city, year): float(count)
            for city, year, count in con.execute(
                "select city_code, year, count(*) filter (where conf_status in ('C', 'D')) "
                "from marts.fct_city_industry_indicators group by city_code, year"
            ).fetchall()
        }

    # the semantic layer only read: served file and warehouse untouched
    assert {p: (_sha256(p), p.stat().st_mtime_ns) for p in before} == before
